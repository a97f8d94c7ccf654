"""Helpers that model builders share: the dataset's shape and classes, the optimizers."""

import keras

from tfgan_mnist import datasets, precision


def spec(config):
    """The spec of the dataset `config` trains on (`datasets.py`)."""
    return datasets.get(config.dataset)


def discriminator_input(config):
    """The function of D's input batch that `config` asks for (`GenerativeModel.discriminate`
    applies it before every discriminator call on images): PacGAN's packing with
    --pack > 1 (`gan.Pack`); None: the batch as it is."""
    from tfgan_mnist import gan

    return gan.Pack(config.pack) if config.pack > 1 else None


def model_arguments(config):
    """What every model's constructor takes from the config besides its networks: the
    dataset's image shape and class count, and the discriminator's input function."""
    return {"image_shape": image_shape(config), "num_classes": num_classes(config),
            "discriminator_input": discriminator_input(config)}


def discriminator_width(config):
    """The width multiplier of the discriminator (or critic): --width times --d_width."""
    return config.width * config.d_width


def num_classes(config):
    """The class count of the config's dataset (1 for unlabelled images)."""
    return max(1, spec(config).num_classes)


def image_shape(config):
    """The image shape (height, width, channels) the networks draw and read."""
    return spec(config).image_shape


def adam(config, learning_rate):
    """The one optimizer every model is built with: Adam at `learning_rate` with the
    config's betas, with dynamic loss scaling where the run computes in float16
    (`precision.precision_optimizer`)."""
    return precision.precision_optimizer(
        keras.optimizers.Adam(learning_rate, beta_1=config.beta1, beta_2=config.beta2),
        config.mixed_precision)


def adam_pair(config):
    """{"d_optimizer", "g_optimizer"}: Adam with the config's learning rates and betas, by
    the names every two-network model's `compile` takes."""
    return {"d_optimizer": adam(config, config.d_learning_rate),
            "g_optimizer": adam(config, config.g_learning_rate)}
