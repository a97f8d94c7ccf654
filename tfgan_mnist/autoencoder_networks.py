"""Encoders and decoders of the autoencoding models (VAE, CVAE, VAE-GAN, AAE).

Two families:

- The convolutional encoder and decoder of the TwistedW/hwalsuklee model
  collection (TwistedW/tensorflow-GANs VAE.py, CVAE.py, VAE_GAN.py; layers
  from its ops.py). The decoder is that collection's GAN generator (infoGAN's
  architecture); the encoder is its discriminator with a 2 * z_dim head.
- The MLPs of PyTorch-GAN's adversarial autoencoder
  (eriklindernoren/PyTorch-GAN implementations/aae/aae.py), on 28x28 images.

`width` multiplies every hidden layer's size (tiny test models).
"""

import math

import keras
import tensorflow as tf

from tfgan_mnist.networks import IMAGE_PIXELS, IMAGE_SHAPE, serializable


def _units(count, width):
    return max(1, round(count * width))


def _seeded(seed, offset):
    return None if seed is None else seed + offset


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


def twistedw_bn(name):
    """ops.bn: batch norm with decay (Keras momentum) 0.9 and epsilon 1e-5."""
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)


def lrelu(x):
    """ops.lrelu: max(x, 0.2 x)."""
    return tf.nn.leaky_relu(x, 0.2)


def one_hot(labels, num_classes=10, dtype=tf.float32):
    """int labels -> one-hot rows of `dtype` (the compute dtype under mixed precision)."""
    return tf.one_hot(tf.cast(labels, tf.int32), num_classes, dtype=dtype)


@serializable
class ConvEncoder(keras.Model):
    """x -> (mean, stddev) of q(z|x): "(64)4c2s-(128)4c2s_BL-FC1024_BL-FC2z".

    TwistedW VAE.py `encoder`: conv64 lrelu; conv128 BN lrelu; fc1024 BN
    lrelu; fc 2*z_dim. The standard deviation is `1e-6 + softplus(.)` of the
    second half, not exp(log-variance / 2). The conditional version (CVAE.py)
    first appends the one-hot label as 10 constant image channels.
    """

    def __init__(self, latent_dim, width=1.0, conditional=False, seed=None, name="encoder",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.latent_dim = latent_dim
        self.conditional = conditional
        self.conv1 = twistedw_conv(_units(64, width), _seeded(seed, 0), "en_conv1")
        self.conv2 = twistedw_conv(_units(128, width), _seeded(seed, 1), "en_conv2")
        self.bn2 = twistedw_bn("en_bn2")
        self.flatten = keras.layers.Flatten()
        self.fc3 = twistedw_linear(_units(1024, width), _seeded(seed, 2), "en_fc3")
        self.bn3 = twistedw_bn("en_bn3")
        self.fc4 = twistedw_linear(2 * latent_dim, _seeded(seed, 3), "en_fc4")

    def call(self, images, labels=None, training=False):
        if self.conditional:
            # conv_cond_concat: the one-hot label tiled over every pixel.
            y = one_hot(labels, dtype=images.dtype)[:, None, None, :]
            y = tf.tile(y, [1, IMAGE_SHAPE[0], IMAGE_SHAPE[1], 1])
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
    the Bernoulli likelihood uses for numerical stability.
    """

    def __init__(self, width=1.0, seed=None, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.channels = _units(128, width)
        self.fc1 = twistedw_linear(_units(1024, width), _seeded(seed, 0), "de_fc1")
        self.bn1 = twistedw_bn("de_bn1")
        self.fc2 = twistedw_linear(self.channels * 7 * 7, _seeded(seed, 1), "de_fc2")
        self.bn2 = twistedw_bn("de_bn2")
        self.dc3 = twistedw_deconv(_units(64, width), _seeded(seed, 2), "de_dc3")
        self.bn3 = twistedw_bn("de_bn3")
        self.dc4 = twistedw_deconv(1, _seeded(seed, 3), "de_dc4")

    def call(self, z, training=False, return_logits=False):
        net = tf.nn.relu(self.bn1(self.fc1(z), training=training))
        net = tf.nn.relu(self.bn2(self.fc2(net), training=training))
        net = tf.reshape(net, [-1, 7, 7, self.channels])
        net = tf.nn.relu(self.bn3(self.dc3(net), training=training))
        logits = self.dc4(net)
        return logits if return_logits else tf.sigmoid(logits)


# ----- PyTorch-GAN aae.py networks --------------------------------------------

def torch_dense(units, fan_in, seed, name, activation=None):
    """A dense layer initialised like PyTorch's nn.Linear: weights and biases U(+-1/sqrt(fan_in))."""
    limit = 1.0 / math.sqrt(fan_in)
    return keras.layers.Dense(
        units, activation=activation, name=name,
        kernel_initializer=keras.initializers.RandomUniform(-limit, limit, seed=seed),
        bias_initializer=keras.initializers.RandomUniform(
            -limit, limit, seed=_seeded(seed, 1000)))


def torch_bn(name):
    """nn.BatchNorm1d defaults: momentum 0.1 (Keras 0.9), epsilon 1e-5."""
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)


@serializable
class MLPGaussianEncoder(keras.Model):
    """x -> (mu, logvar): 784-512-512(BN)-(latent, latent), LeakyReLU 0.2.

    PyTorch-GAN aae.py `Encoder` (which reads 32x32 = 1024 pixels; here 784).
    `call` returns the parameters; `sample` draws z = mu + exp(logvar / 2) * eps.
    """

    def __init__(self, latent_dim, width=1.0, seed=None, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        hidden = _units(512, width)
        self.flatten = keras.layers.Flatten()
        self.fc1 = torch_dense(hidden, IMAGE_PIXELS, _seeded(seed, 0), "fc1")
        self.fc2 = torch_dense(hidden, hidden, _seeded(seed, 1), "fc2")
        self.bn2 = torch_bn("bn2")
        self.mu = torch_dense(latent_dim, hidden, _seeded(seed, 2), "mu")
        self.logvar = torch_dense(latent_dim, hidden, _seeded(seed, 3), "logvar")

    def call(self, images, training=False):
        net = lrelu(self.fc1(self.flatten(images)))
        net = lrelu(self.bn2(self.fc2(net), training=training))
        return self.mu(net), self.logvar(net)


@serializable
class MLPDecoder(keras.Model):
    """z -> image in [-1, 1]: latent-512-512(BN)-784, LeakyReLU 0.2, tanh (aae.py `Decoder`)."""

    def __init__(self, latent_dim, width=1.0, seed=None, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        hidden = _units(512, width)
        self.fc1 = torch_dense(hidden, latent_dim, _seeded(seed, 0), "fc1")
        self.fc2 = torch_dense(hidden, hidden, _seeded(seed, 1), "fc2")
        self.bn2 = torch_bn("bn2")
        self.fc3 = torch_dense(IMAGE_PIXELS, hidden, _seeded(seed, 2), "fc3")
        self.to_image = keras.layers.Reshape(IMAGE_SHAPE)

    def call(self, z, training=False):
        net = lrelu(self.fc1(z))
        net = lrelu(self.bn2(self.fc2(net), training=training))
        return self.to_image(tf.tanh(self.fc3(net)))


@serializable
class LatentDiscriminator(keras.Model):
    """z -> one logit: latent-512-256-1, LeakyReLU 0.2 (aae.py `Discriminator`).

    aae.py ends in a sigmoid and uses BCELoss; here the sigmoid is inside the
    loss (sigmoid cross-entropy on logits), the same function, computed stably.
    """

    def __init__(self, latent_dim, width=1.0, seed=None, name="latent_discriminator", **kwargs):
        super().__init__(name=name, **kwargs)
        hidden1, hidden2 = _units(512, width), _units(256, width)
        self.fc1 = torch_dense(hidden1, latent_dim, _seeded(seed, 0), "fc1")
        self.fc2 = torch_dense(hidden2, hidden1, _seeded(seed, 1), "fc2")
        self.logit = torch_dense(1, hidden2, _seeded(seed, 2), "logit")

    def call(self, z, training=False):
        return self.logit(lrelu(self.fc2(lrelu(self.fc1(z)))))
