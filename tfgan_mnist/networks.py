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


class MLPGenerator(keras.Model):
    """z -> Dense(hidden, ReLU) -> Dense(784, sigmoid) -> 28x28x1 image in [0, 1]."""

    def __init__(self, hidden_units=128, seed=None, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hidden = keras.layers.Dense(
            hidden_units, activation="relu", kernel_initializer=xavier_normal(seed),
            name="hidden")
        self.image = keras.layers.Dense(
            IMAGE_PIXELS, activation="sigmoid",
            kernel_initializer=xavier_normal(None if seed is None else seed + 1),
            name="image")
        self.to_image = keras.layers.Reshape(IMAGE_SHAPE)

    def call(self, z, training=False):
        return self.to_image(self.image(self.hidden(z)))


class MLPDiscriminator(keras.Model):
    """28x28x1 image -> Dense(hidden, ReLU) -> Dense(1): one logit per image."""

    def __init__(self, hidden_units=128, seed=None, name="discriminator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(
            hidden_units, activation="relu", kernel_initializer=xavier_normal(seed),
            name="hidden")
        self.logit = keras.layers.Dense(
            1, kernel_initializer=xavier_normal(None if seed is None else seed + 1),
            name="logit")

    def call(self, images, training=False):
        return self.logit(self.hidden(self.flatten(images)))


# ----- The infoGAN-paper architecture shared by the GAN collection --------------
#
# TwistedW/tensorflow-GANs (a fork of hwalsuklee/tensorflow-generative-model-
# collections) builds GAN, CGAN, ACGAN, infoGAN, LSGAN, WGAN, WGAN-GP and DRAGAN
# on one pair of networks, "exactly same as in infoGAN" (GAN.py):
#   D: (64)4c2s-(128)4c2s_BL-FC1024_BL-FC1
#   G: FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S
# Initialisation and batch norm follow that collection's ops.py: conv kernels
# truncated N(0, 0.02), dense and transposed-conv kernels N(0, 0.02) (not
# truncated), biases 0, batch norm with decay 0.9 and epsilon 1e-5.

COLLECTION_BATCH_NORM = dict(momentum=0.9, epsilon=1e-5)


def _offset(seed, offset):
    return None if seed is None else seed + offset


def _conv_init(seed):
    """ops.conv2d: tf.truncated_normal_initializer(stddev=0.02)."""
    return keras.initializers.TruncatedNormal(stddev=0.02, seed=seed)


def _normal_init(seed):
    """ops.linear and ops.deconv2d: tf.random_normal_initializer(stddev=0.02)."""
    return keras.initializers.RandomNormal(stddev=0.02, seed=seed)


def scaled(units, width):
    """`units` times the width multiplier, at least 1."""
    return max(1, round(units * width))


class ClassifierHead(keras.Model):
    """features -> Dense(hidden) -> BN -> LReLU(0.2) -> Dense(outputs): raw logits.

    The collection's ACGAN classifier (FC128) and infoGAN Q network (FC64)
    on the discriminator's 1024-d features (ACGAN.py, infoGAN.py `classifier`).
    """

    def __init__(self, hidden_units, outputs, seed=None, name="head", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hidden = keras.layers.Dense(hidden_units, kernel_initializer=_normal_init(seed),
                                         name="fc1")
        self.hidden_norm = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn1")
        self.activation = keras.layers.LeakyReLU(0.2)
        self.out = keras.layers.Dense(outputs, kernel_initializer=_normal_init(_offset(seed, 1)),
                                      name="fc2")

    def call(self, features, training=False):
        hidden = self.activation(self.hidden_norm(self.hidden(features), training=training))
        return self.out(hidden)


class CollectionDiscriminator(keras.Model):
    """(64)4c2s-(128)4c2s_BL-FC1024_BL-FC1: image -> one raw output per image.

    `features()` gives the 1024-d post-activation features that auxiliary
    heads read. With `head` (a `ClassifierHead`), `call` returns
    `(outputs, head_logits)`; the head is part of this network, so its
    variables are the discriminator's and are updated in its phase.
    Input channels are whatever the first call brings (CGAN adds 10 label maps).
    """

    def __init__(self, width=1.0, head=None, seed=None, name="discriminator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.conv1 = keras.layers.Conv2D(scaled(64, width), 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(seed), name="conv1")
        self.conv2 = keras.layers.Conv2D(scaled(128, width), 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(_offset(seed, 1)),
                                         name="conv2")
        self.bn2 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn2")
        self.flatten = keras.layers.Flatten()
        self.fc3 = keras.layers.Dense(scaled(1024, width),
                                      kernel_initializer=_normal_init(_offset(seed, 2)),
                                      name="fc3")
        self.bn3 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn3")
        self.lrelu = keras.layers.LeakyReLU(0.2)  # ops.lrelu: max(x, 0.2 x)
        self.fc4 = keras.layers.Dense(1, kernel_initializer=_normal_init(_offset(seed, 3)),
                                      name="fc4")
        self.head = head

    def features(self, images, training=False):
        """The 1024-d (times width) features before the output layer."""
        net = self.lrelu(self.conv1(images))
        net = self.lrelu(self.bn2(self.conv2(net), training=training))
        return self.lrelu(self.bn3(self.fc3(self.flatten(net)), training=training))

    def score(self, images, training=False):
        """The raw output alone, without running (or moving the statistics of) the head."""
        return self.fc4(self.features(images, training=training))

    def call(self, images, training=False):
        features = self.features(images, training=training)
        outputs = self.fc4(features)
        if self.head is None:
            return outputs
        return outputs, self.head(features, training=training)


class CollectionGenerator(keras.Model):
    """FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S: inputs -> image in [0, 1].

    The inputs are the noise, with any label or code already concatenated.
    """

    def __init__(self, width=1.0, seed=None, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        channels = scaled(128, width)
        self.fc1 = keras.layers.Dense(scaled(1024, width), kernel_initializer=_normal_init(seed),
                                      name="fc1")
        self.bn1 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn1")
        self.fc2 = keras.layers.Dense(7 * 7 * channels,
                                      kernel_initializer=_normal_init(_offset(seed, 1)),
                                      name="fc2")
        self.bn2 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn2")
        self.reshape = keras.layers.Reshape((7, 7, channels))
        self.dc3 = keras.layers.Conv2DTranspose(
            scaled(64, width), 4, strides=2, padding="same",
            kernel_initializer=_normal_init(_offset(seed, 2)), name="dc3")
        self.bn3 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn3")
        self.dc4 = keras.layers.Conv2DTranspose(
            1, 4, strides=2, padding="same", activation="sigmoid",
            kernel_initializer=_normal_init(_offset(seed, 3)), name="dc4")
        self.relu = keras.layers.ReLU()

    def call(self, inputs, training=False):
        net = self.relu(self.bn1(self.fc1(inputs), training=training))
        net = self.relu(self.bn2(self.fc2(net), training=training))
        net = self.relu(self.bn3(self.dc3(self.reshape(net)), training=training))
        return self.dc4(net)
