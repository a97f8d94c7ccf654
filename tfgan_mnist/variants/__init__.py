"""Every model: one module per model, each registering itself; here they are listed and built.

`names()`, `describe(name)` and `build(config)` are the catalog every program
and the library API use. Importing this package imports every model module.
"""

from tfgan_mnist import registry
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


def names():
    """Sorted names of the registered models."""
    return registry.registered_names()


def describe(name):
    """One line about a registered model."""
    return registry.description(name)


def build(config):
    """The compiled, built training model that `config.model` names.

    An unknown name is a `config.ConfigError` listing the valid ones.
    """
    return registry.build_registered(config)
