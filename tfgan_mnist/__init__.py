"""The classic GAN family on MNIST and Fashion-MNIST, in TensorFlow 2 / Keras 3."""

__version__ = "0.1.0"


def model_names():
    """Names of the registered models."""
    from tfgan_mnist import registry

    return registry.names()


def build(name, **overrides):
    """The untrained, compiled training model `name`, for `fit()` on your own data.

    `overrides` are `Config` fields (z_dim, batch_size, learning rates, width, ...).
    """
    from tfgan_mnist import config, registry

    return registry.build(config.Config(model=name, **overrides))
