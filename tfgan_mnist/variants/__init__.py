"""One module per model; importing this package registers them all."""

from tfgan_mnist.variants import (  # noqa: F401
    aae,
    acgan,  # the GAN collection on the infoGAN-paper networks (variants/collection.py)
    began,
    cgan,
    cogan,
    dcgan,
    dragan,
    gan_conv,
    gan_mlp,
    infogan,
    lsgan,
    sagan,
    vae,  # also registers cvae
    vae_gan,
    vanilla_gan,
    wgan,
    wgan_gp,
)
