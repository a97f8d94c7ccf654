"""The TwistedW collection's convolutional encoder and decoder (VAE.py, CVAE.py,
VAE_GAN.py; layers from its ops.py), and VAE-GAN's minibatch-discrimination
discriminator.
"""

import keras
import tensorflow as tf

from tfgan_mnist.datasets import DIGITS
from tfgan_mnist.networks.common import (DEFAULT_IMAGE_SHAPE, batch_norm, image_shape_of, lrelu,
                                         offset_seed, reduced_size, scaled_units, serializable)


# ----- TwistedW ops.py layers -------------------------------------------------
# conv2d: truncated normal(0.02) kernels; deconv2d and linear: normal(0.02);
# biases zero; bn: decay 0.9, epsilon 1e-5, scale and center on; lrelu 0.2.

def twistedw_conv(filters, seed, name):
    """ops.conv2d with a 4x4 kernel and stride 2, as the collection's networks call it."""
    return keras.layers.Conv2D(
        filters, 4, strides=2, padding="same", name=name,
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02, seed=seed))


def twistedw_deconv(filters, seed, name):
    """ops.deconv2d with a 4x4 kernel and stride 2 (untruncated normal kernel)."""
    return keras.layers.Conv2DTranspose(
        filters, 4, strides=2, padding="same", name=name,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.02, seed=seed))


def twistedw_linear(units, seed, name):
    """ops.linear: a dense layer with normal(0.02) weights."""
    return keras.layers.Dense(
        units, name=name, kernel_initializer=keras.initializers.RandomNormal(stddev=0.02, seed=seed))


def one_hot(labels, num_classes=len(DIGITS), dtype=tf.float32):
    """int labels -> one-hot rows of `dtype` (the compute dtype under mixed precision)."""
    return tf.one_hot(tf.cast(labels, tf.int32), num_classes, dtype=dtype)


@serializable
class ConvEncoder(keras.Model):
    """x -> (mean, stddev) of q(z|x): "(64)4c2s-(128)4c2s_BL-FC1024_BL-FC2z".

    TwistedW VAE.py `encoder`: conv64 lrelu; conv128 BN lrelu; fc1024 BN
    lrelu; fc 2*z_dim. The standard deviation is `1e-6 + softplus(.)` of the
    second half, not exp(log-variance / 2). The conditional version (CVAE.py)
    first appends the one-hot label as `num_classes` constant image channels.
    """

    def __init__(self, latent_dim, width=1.0, conditional=False, seed=None, name="encoder",
                 num_classes=len(DIGITS), **kwargs):
        super().__init__(name=name, **kwargs)
        self.latent_dim = latent_dim
        self.conditional = conditional
        self.num_classes = num_classes
        self.conv1 = twistedw_conv(scaled_units(64, width), offset_seed(seed, 0), "en_conv1")
        self.conv2 = twistedw_conv(scaled_units(128, width), offset_seed(seed, 1), "en_conv2")
        self.bn2 = batch_norm("en_bn2")
        self.flatten = keras.layers.Flatten()
        self.fc3 = twistedw_linear(scaled_units(1024, width), offset_seed(seed, 2), "en_fc3")
        self.bn3 = batch_norm("en_bn3")
        self.fc4 = twistedw_linear(2 * latent_dim, offset_seed(seed, 3), "en_fc4")

    def call(self, images, labels=None, training=False):
        if self.conditional:
            # conv_cond_concat: the one-hot label tiled over every pixel.
            y = one_hot(labels, self.num_classes, dtype=images.dtype)[:, None, None, :]
            y = tf.tile(y, [1, tf.shape(images)[1], tf.shape(images)[2], 1])
            images = tf.concat([images, y], axis=-1)
        net = lrelu(self.conv1(images))
        net = lrelu(self.bn2(self.conv2(net), training=training))
        net = lrelu(self.bn3(self.fc3(self.flatten(net)), training=training))
        params = self.fc4(net)
        mean = params[:, :self.latent_dim]
        stddev = 1e-6 + tf.nn.softplus(params[:, self.latent_dim:])
        return mean, stddev


@serializable
class ConvDecoder(keras.Model):
    """z -> image in [0, 1]: "FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S".

    TwistedW VAE.py `decoder` (= its GAN.py generator). `call` returns
    probabilities; `return_logits=True` gives the pre-sigmoid outputs, which
    the Bernoulli likelihood uses for numerical stability. For other image
    shapes: maps of a quarter of the height and width, as many output
    channels as the images have.
    """

    def __init__(self, width=1.0, seed=None, name="decoder", image_shape=DEFAULT_IMAGE_SHAPE,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.channels = scaled_units(128, width)
        self.rows, self.cols = reduced_size(image_shape, 4, "the collection's decoder")
        self.fc1 = twistedw_linear(scaled_units(1024, width), offset_seed(seed, 0), "de_fc1")
        self.bn1 = batch_norm("de_bn1")
        self.fc2 = twistedw_linear(self.channels * self.rows * self.cols, offset_seed(seed, 1),
                                   "de_fc2")
        self.bn2 = batch_norm("de_bn2")
        self.dc3 = twistedw_deconv(scaled_units(64, width), offset_seed(seed, 2), "de_dc3")
        self.bn3 = batch_norm("de_bn3")
        self.dc4 = twistedw_deconv(image_shape_of(image_shape)[2], offset_seed(seed, 3),
                                   "de_dc4")

    def call(self, z, training=False, return_logits=False):
        net = tf.nn.relu(self.bn1(self.fc1(z), training=training))
        net = tf.nn.relu(self.bn2(self.fc2(net), training=training))
        net = tf.reshape(net, [-1, self.rows, self.cols, self.channels])
        net = tf.nn.relu(self.bn3(self.dc3(net), training=training))
        logits = self.dc4(net)
        return logits if return_logits else tf.sigmoid(logits)


# ----- VAE-GAN's discriminator (TwistedW VAE_GAN.py, ops.py MinibatchLayer) ------

@serializable
class MinibatchDiscrimination(keras.layers.Layer):
    """ops.py MinibatchLayer: append, per example, its closeness to the rest of the batch.

    m = linear(x) reshaped to (B, kernels, dims); c[i, j, k] = sum_d |m[i,k,d] - m[j,k,d]|;
    o[i, k] = mean_j exp(-c[i, j, k]) - 1; output concat([o, x]).
    """

    def __init__(self, kernels, dims, seed=None, name="minibatch", **kwargs):
        super().__init__(name=name, **kwargs)
        self.kernels, self.dims = kernels, dims
        self.linear = twistedw_linear(kernels * dims, seed, "d_fc3")

    def call(self, inputs):
        m = tf.reshape(self.linear(inputs), [-1, self.kernels, self.dims])
        distances = tf.reduce_sum(tf.abs(m[None, :, :, :] - m[:, None, :, :]), axis=3)
        closeness = tf.reduce_mean(tf.exp(-distances), axis=1) - 1.0
        return tf.concat([closeness, inputs], axis=1)


@serializable
class MinibatchDiscriminator(keras.Model):
    """x -> (logit, conv features): (64)4c2s-(128)4c2s_BL-MBD(32x32)-FC1024_BL-FC1."""

    def __init__(self, width=1.0, seed=None, name="discriminator", **kwargs):
        super().__init__(name=name, **kwargs)

        def seeded(offset):
            return None if seed is None else seed + offset

        self.conv1 = twistedw_conv(scaled_units(64, width), seeded(0), "d_conv1")
        self.conv2 = twistedw_conv(scaled_units(128, width), seeded(1), "d_conv2")
        self.bn2 = batch_norm("d_bn2")
        self.flatten = keras.layers.Flatten()
        self.minibatch = MinibatchDiscrimination(scaled_units(32, width), scaled_units(32, width),
                                                 seeded(2))
        self.fc4 = twistedw_linear(scaled_units(1024, width), seeded(3), "d_fc4")
        self.bn4 = batch_norm("d_bn4")
        self.fc5 = twistedw_linear(1, seeded(4), "d_fc5")

    def call(self, images, training=False):
        features = lrelu(self.bn2(self.conv2(lrelu(self.conv1(images))), training=training))
        net = self.minibatch(self.flatten(features))
        net = lrelu(self.bn4(self.fc4(net), training=training))
        return self.fc5(net), features
