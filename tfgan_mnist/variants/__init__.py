"""One module per model; importing this package registers them all."""

from tfgan_mnist.variants import (  # noqa: F401
    acgan,  # the GAN collection on the infoGAN-paper networks (variants/collection.py)
    began,
    cgan,
    dcgan,
    dragan,
    gan_conv,
    gan_mlp,
    infogan,
    lsgan,
    sagan,
    vanilla_gan,
    wgan,
    wgan_gp,
)
