"""Generators, discriminators and encoders, as Keras subclassed models.

Every generator returns images shaped (batch, 28, 28, 1) in its model's image
range; every discriminator takes that shape. Networks hold no loss code.
"""

import keras

IMAGE_SHAPE = (28, 28, 1)
IMAGE_PIXELS = 28 * 28


def xavier_normal(seed=None):
    """N(0, 1/sqrt(fan_in/2)): the `xavier_init` of the TF1 vanilla-GAN tutorial.

    That tutorial draws each weight matrix from a normal with stddev
    1 / sqrt(in_dim / 2) (wiseodd/generative-models,
    GAN/vanilla_gan/gan_tensorflow.py), which is Keras' variance scaling with
    scale 2 over fan_in, untruncated.
    """
    return keras.initializers.VarianceScaling(
        scale=2.0, mode="fan_in", distribution="untruncated_normal", seed=seed)


@keras.saving.register_keras_serializable(package="tfgan_mnist")
class MLPGenerator(keras.Model):
    """z -> Dense(hidden, ReLU) -> Dense(784, sigmoid) -> 28x28x1 image in [0, 1]."""

    def __init__(self, hidden_units=128, seed=None, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hidden_units, self.seed = hidden_units, seed  # for get_config
        self.hidden = keras.layers.Dense(
            hidden_units, activation="relu", kernel_initializer=xavier_normal(seed),
            name="hidden")
        self.image = keras.layers.Dense(
            IMAGE_PIXELS, activation="sigmoid",
            kernel_initializer=xavier_normal(None if seed is None else seed + 1),
            name="image")
        self.to_image = keras.layers.Reshape(IMAGE_SHAPE)

    def get_config(self):
        """Constructor arguments, so a saved `.keras` file rebuilds the network."""
        return {**super().get_config(), "hidden_units": self.hidden_units, "seed": self.seed}

    def call(self, z, training=False):
        return self.to_image(self.image(self.hidden(z)))


@keras.saving.register_keras_serializable(package="tfgan_mnist")
class MLPDiscriminator(keras.Model):
    """28x28x1 image -> Dense(hidden, ReLU) -> Dense(1): one logit per image."""

    def __init__(self, hidden_units=128, seed=None, name="discriminator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hidden_units, self.seed = hidden_units, seed  # for get_config
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(
            hidden_units, activation="relu", kernel_initializer=xavier_normal(seed),
            name="hidden")
        # float32 even under mixed precision: the loss reads this logit.
        self.logit = keras.layers.Dense(
            1, kernel_initializer=xavier_normal(None if seed is None else seed + 1),
            dtype="float32", name="logit")

    def get_config(self):
        """Constructor arguments, so a saved `.keras` file rebuilds the network."""
        return {**super().get_config(), "hidden_units": self.hidden_units, "seed": self.seed}

    def call(self, images, training=False):
        return self.logit(self.hidden(self.flatten(images)))
