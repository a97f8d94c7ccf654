"""GAN: the non-saturating GAN on the infoGAN-paper networks (registered as `gan`).

Source: TwistedW/tensorflow-GANs GAN.py (from hwalsuklee/tensorflow-
generative-model-collections). D: (64)4c2s-(128)4c2s_BL-FC1024_BL-FC1,
G: FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S; D minimizes the sigmoid
cross-entropy of real vs generated, G the non-saturating -log D(G(z)); one D
update then one G update. Recipe in `collection`'s docstring.
The MLP GAN of the TF1 tutorials is `vanilla_gan`.
"""

from tfgan_mnist import registry
from tfgan_mnist.variants.collection import CollectionGAN, build_collection


@registry.register("gan", "Non-saturating GAN on the infoGAN-paper conv nets (collection GAN)")
def build(config):
    """The collection's GAN, compiled with Adam for D and G."""
    return build_collection(CollectionGAN, config)
