"""The TensorFlow DCGAN tutorial's networks (tensorflow/docs, tutorials/generative/dcgan.ipynb)."""

import keras

from tfgan_mnist.networks.common import (DEFAULT_IMAGE_SHAPE, Seeds, image_shape_of, reduced_size,
                                         scaled_units, serializable)


# ----- the TensorFlow DCGAN tutorial (tensorflow/docs, tutorials/generative/dcgan.ipynb)
# Keras defaults throughout, as the tutorial uses them: glorot-uniform kernels,
# BatchNormalization(momentum=0.99, epsilon=1e-3), LeakyReLU slope 0.3.

DCGAN_LEAKY_SLOPE = 0.3  # the tutorial's LeakyReLU() default (tf.keras alpha=0.3)
DCGAN_DROPOUT = 0.3


@serializable
class DCGANGenerator(keras.Model):
    """z -> Dense 7*7*256 -> ConvT 128 5x5/1 -> ConvT 64 5x5/2 -> ConvT 1 5x5/2, tanh.

    Each hidden layer has no bias and is followed by BatchNormalization and
    LeakyReLU, as in the tutorial's `make_generator_model`. Output in [-1, 1].
    For other image shapes: maps of a quarter of the height and width, and as
    many output channels as the images have.
    """

    def __init__(self, width=1.0, seed=None, name="generator", image_shape=DEFAULT_IMAGE_SHAPE,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = Seeds(seed)
        init = lambda: keras.initializers.GlorotUniform(seed=seeds.next())  # noqa: E731
        rows, cols = reduced_size(image_shape, 4, "the DCGAN tutorial's generator")
        self.base_channels = scaled_units(256, width)
        self.dense = keras.layers.Dense(rows * cols * self.base_channels, use_bias=False,
                                        kernel_initializer=init(), name="dense")
        self.to_maps = keras.layers.Reshape((rows, cols, self.base_channels))
        self.deconv1 = keras.layers.Conv2DTranspose(
            scaled_units(128, width), 5, strides=1, padding="same", use_bias=False,
            kernel_initializer=init(), name="deconv1")
        self.deconv2 = keras.layers.Conv2DTranspose(
            scaled_units(64, width), 5, strides=2, padding="same", use_bias=False,
            kernel_initializer=init(), name="deconv2")
        self.image = keras.layers.Conv2DTranspose(
            image_shape_of(image_shape)[2], 5, strides=2, padding="same", use_bias=False,
            activation="tanh",
            kernel_initializer=init(), name="image")
        # Named attributes, not a list: tf.train.Checkpoint saves a Keras layer's
        # attribute layers but not the layers inside a list attribute, and the
        # batch-norm statistics are in no optimizer's variables either.
        self.bn0 = keras.layers.BatchNormalization(name="bn0")
        self.bn1 = keras.layers.BatchNormalization(name="bn1")
        self.bn2 = keras.layers.BatchNormalization(name="bn2")
        self.activation = keras.layers.LeakyReLU(negative_slope=DCGAN_LEAKY_SLOPE)

    def call(self, z, training=False):
        x = self.activation(self.bn0(self.dense(z), training=training))
        x = self.to_maps(x)
        x = self.activation(self.bn1(self.deconv1(x), training=training))
        x = self.activation(self.bn2(self.deconv2(x), training=training))
        return self.image(x)


@serializable
class DCGANDiscriminator(keras.Model):
    """Conv 64 5x5/2 -> Conv 128 5x5/2 -> Dense 1, LeakyReLU and Dropout(0.3) between.

    The tutorial's `make_discriminator_model`: no batch norm, biased convs,
    one logit per image.
    """

    def __init__(self, width=1.0, seed=None, name="discriminator", **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = Seeds(seed)
        init = lambda: keras.initializers.GlorotUniform(seed=seeds.next())  # noqa: E731
        self.conv1 = keras.layers.Conv2D(scaled_units(64, width), 5, strides=2, padding="same",
                                         kernel_initializer=init(), name="conv1")
        self.conv2 = keras.layers.Conv2D(scaled_units(128, width), 5, strides=2, padding="same",
                                         kernel_initializer=init(), name="conv2")
        self.dropout1 = keras.layers.Dropout(DCGAN_DROPOUT, seed=seeds.next())
        self.dropout2 = keras.layers.Dropout(DCGAN_DROPOUT, seed=seeds.next())
        self.activation = keras.layers.LeakyReLU(negative_slope=DCGAN_LEAKY_SLOPE)
        self.flatten = keras.layers.Flatten()
        self.logit = keras.layers.Dense(1, kernel_initializer=init(), name="logit")

    def call(self, images, training=False):
        x = self.dropout1(self.activation(self.conv1(images)), training=training)
        x = self.dropout2(self.activation(self.conv2(x)), training=training)
        return self.logit(self.flatten(x))
