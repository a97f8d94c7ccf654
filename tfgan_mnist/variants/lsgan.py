"""LSGAN: least-squares losses on the discriminator's RAW outputs.

Source: TwistedW/tensorflow-GANs LSGAN.py; Mao et al. 2017 (a=0, b=1, c=1).
The collection applied the squares to sigmoid outputs (hwalsuklee issue
#19), measured them as a batch L2 norm / batch size instead of a mean, and
left WGAN's weight clipping in its D update. Here: TF-GAN's
0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2] for D and 0.5 E[(D(G(z)) - 1)^2] for G,
on raw outputs, with no clipping.
"""

from tfgan_mnist import gan, losses, registry
from tfgan_mnist.variants.collection import CollectionGAN, build_collection


class LSGAN(CollectionGAN):
    """The collection's GAN with least-squares losses; d_real/d_fake log raw outputs."""

    discriminator_loss = staticmethod(losses.least_squares_discriminator_loss)
    generator_loss = staticmethod(losses.least_squares_generator_loss)

    discriminator_score = staticmethod(gan.raw_score)


@registry.register("lsgan", "Least-squares GAN on raw D outputs (no sigmoid, no clipping)")
def build(config):
    """The collection's LSGAN, compiled with Adam for D and G."""
    return build_collection(LSGAN, config)
