"""The TF1 vanilla-GAN tutorial's MLPs (wiseodd/generative-models,
GAN/vanilla_gan/gan_tensorflow.py).
"""

import keras

from tfgan_mnist.networks.common import (DEFAULT_IMAGE_SHAPE, image_shape_of, pixels, serializable,
                                         xavier_normal)


@serializable
class MLPGenerator(keras.Model):
    """z -> Dense(hidden, ReLU) -> Dense(H*W*C, sigmoid) -> image in [0, 1] (MNIST: 784)."""

    def __init__(self, hidden_units=128, seed=None, name="generator",
                 image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        self.hidden = keras.layers.Dense(
            hidden_units, activation="relu", kernel_initializer=xavier_normal(seed),
            name="hidden")
        self.image = keras.layers.Dense(
            pixels(image_shape), activation="sigmoid",
            kernel_initializer=xavier_normal(None if seed is None else seed + 1),
            name="image")
        self.to_image = keras.layers.Reshape(image_shape_of(image_shape))

    def call(self, z, training=False):
        return self.to_image(self.image(self.hidden(z)))


@serializable
class MLPDiscriminator(keras.Model):
    """image -> Dense(hidden, ReLU) -> Dense(1): one logit per image (any image shape)."""

    def __init__(self, hidden_units=128, seed=None, name="discriminator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(
            hidden_units, activation="relu", kernel_initializer=xavier_normal(seed),
            name="hidden")
        # float32 even under mixed precision: the loss reads this logit.
        self.logit = keras.layers.Dense(
            1, kernel_initializer=xavier_normal(None if seed is None else seed + 1),
            dtype="float32", name="logit")

    def call(self, images, training=False):
        return self.logit(self.hidden(self.flatten(images)))
