"""One module per model; importing this package registers them all."""

from tfgan_mnist.variants import vanilla_gan  # noqa: F401
# The GAN collection on the infoGAN-paper networks (see variants/collection.py).
from tfgan_mnist.variants import (  # noqa: F401, E402
    acgan, cgan, dragan, gan_conv, infogan, lsgan, wgan, wgan_gp)
