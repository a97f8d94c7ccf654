"""Hinge GAN: the SNGAN-style hinge loss on the collection's networks.

Losses: Lim and Ye 2017 ("Geometric GAN"), the form Miyato et al. 2018
(SNGAN) train with: D minimizes E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))],
G minimizes -E[D(G(z))], both on D's raw outputs. Everything else is the
collection's recipe (`collection.py`): networks, noise, Adam, batch. SNGAN's
spectral normalization is not applied: the discriminator is the collection's.
"""

from tfgan_mnist import gan, losses, registry
from tfgan_mnist.variants.collection import CollectionGAN, build_collection


class HingeGAN(CollectionGAN):
    """The collection's GAN with hinge losses; d_real/d_fake log raw outputs."""

    discriminator_loss = staticmethod(losses.hinge_discriminator_loss)
    generator_loss = staticmethod(losses.hinge_generator_loss)

    discriminator_score = staticmethod(gan.raw_score)


@registry.register("hinge_gan", "Hinge-loss GAN (SNGAN's loss) on the collection's networks")
def build(config):
    """The collection's networks and recipe with hinge losses."""
    return build_collection(HingeGAN, config)
