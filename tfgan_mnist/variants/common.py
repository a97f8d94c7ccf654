"""Helpers that model builders share."""

import keras


def adam_pair(config):
    """(d_optimizer, g_optimizer): Adam with the config's learning rates and betas."""
    return (
        keras.optimizers.Adam(config.d_learning_rate, beta_1=config.beta1, beta_2=config.beta2),
        keras.optimizers.Adam(config.g_learning_rate, beta_1=config.beta1, beta_2=config.beta2),
    )
