"""The TwistedW/tensorflow-GANs collection's networks (forked from
hwalsuklee/tensorflow-generative-model-collections): the infoGAN-paper conv
nets, a classifier head, SAGAN's attention, BEGAN's autoencoder discriminator.
"""

import keras

from tfgan_mnist.networks.common import (DEFAULT_IMAGE_SHAPE, Seeds, batch_norm, image_shape_of,
                                         offset_seed, reduced_size, scaled_units, serializable)


# ----- the TwistedW/tensorflow-GANs collection (forked from
# hwalsuklee/tensorflow-generative-model-collections). Its ops.py: conv kernels
# truncated N(0, 0.02), dense and transposed-conv kernels N(0, 0.02), zero
# biases, batch norm with decay 0.9 and epsilon 1e-5, lrelu slope 0.2.


def _conv_init(seed):
    """ops.conv2d: tf.truncated_normal_initializer(stddev=0.02)."""
    return keras.initializers.TruncatedNormal(stddev=0.02, seed=seed)


def _normal_init(seed):
    """ops.linear and ops.deconv2d: tf.random_normal_initializer(stddev=0.02)."""
    return keras.initializers.RandomNormal(stddev=0.02, seed=seed)


@serializable
class SelfAttention(keras.layers.Layer):
    """The collection SAGAN's attention block: x + gamma * softmax(g f^T) h.

    TwistedW SAGAN.py `attention`: f, g (C/8 channels) and h (C channels) are
    4x4 stride-1 convolutions each followed by batch norm and ReLU (the SAGAN
    paper uses plain 1x1 convolutions); s = g f^T over the H*W positions,
    softmax over the last axis, o = softmax(s) h, and the output is
    gamma * o + x with the trainable scalar gamma starting at 0, so the block
    begins as the identity. Unlike the source, its batch norms follow
    `training` (the source left them in training mode at sampling time).
    """

    def __init__(self, channels, seed=None, name="attention", **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = Seeds(seed)
        key_channels = max(1, channels // 8)
        self.f = keras.layers.Conv2D(key_channels, 4, padding="same",
                                     kernel_initializer=_conv_init(seeds.next()), name="f_conv")
        self.g = keras.layers.Conv2D(key_channels, 4, padding="same",
                                     kernel_initializer=_conv_init(seeds.next()), name="g_conv")
        self.h = keras.layers.Conv2D(channels, 4, padding="same",
                                     kernel_initializer=_conv_init(seeds.next()), name="h_conv")
        self.f_bn = batch_norm("f_bn")
        self.g_bn = batch_norm("g_bn")
        self.h_bn = batch_norm("h_bn")
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")

    def call(self, x, training=False):
        shape = keras.ops.shape(x)
        positions = shape[1] * shape[2]

        def flat(conv, norm):  # [B, H, W, C'] -> [B, H*W, C']
            y = keras.ops.relu(norm(conv(x), training=training))
            return keras.ops.reshape(y, (shape[0], positions, -1))

        f, g, h = flat(self.f, self.f_bn), flat(self.g, self.g_bn), flat(self.h, self.h_bn)
        scores = keras.ops.matmul(g, keras.ops.transpose(f, (0, 2, 1)))  # [B, N, N]
        attention = keras.ops.softmax(scores, axis=-1)
        out = keras.ops.reshape(keras.ops.matmul(attention, h), shape)
        return self.gamma * out + x


@serializable
class AutoencoderDiscriminator(keras.Model):
    """EBGAN's and BEGAN's discriminator: an autoencoder; returns (reconstruction, code).

    The collection's "(64)4c2s-FC32-FC64*14*14_BR-(1)4dc2s_S": conv 64 4x4/2
    with ReLU and no batch norm, a 32-unit code, FC 64*14*14 with batch norm
    and ReLU, deconv 1 4x4/2 with sigmoid. The code differs between the two
    sources (TwistedW EBGAN.py, BEGAN.py): EBGAN keeps it linear ("bn and relu
    are excluded since code is used in pullaway_loss"), BEGAN applies batch
    norm and ReLU; `code_norm_relu` selects the latter. `decoder_norm=False`
    drops the FC layer's batch norm (for EBGAN recipes). For other image
    shapes: maps of half the height and width, a reconstruction of as many
    channels as the images have.
    """

    def __init__(self, width=1.0, code_norm_relu=False, seed=None, name="discriminator",
                 decoder_norm=True, image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = Seeds(seed)
        channels = scaled_units(64, width)
        rows, cols = reduced_size(image_shape, 2, "the autoencoder discriminator")
        self.conv1 = keras.layers.Conv2D(channels, 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(seeds.next()), name="conv1")
        self.flatten = keras.layers.Flatten()
        self.code = keras.layers.Dense(scaled_units(32, width),
                                       kernel_initializer=_normal_init(seeds.next()), name="code")
        self.code_bn = batch_norm("code_bn") if code_norm_relu else None
        self.fc3 = keras.layers.Dense(rows * cols * channels,
                                      kernel_initializer=_normal_init(seeds.next()), name="fc3")
        self.bn3 = batch_norm("bn3") if decoder_norm else None
        self.to_maps = keras.layers.Reshape((rows, cols, channels))
        self.reconstruction = keras.layers.Conv2DTranspose(
            image_shape_of(image_shape)[2], 4, strides=2, padding="same", activation="sigmoid",
            kernel_initializer=_normal_init(seeds.next()), name="reconstruction")

    def call(self, images, training=False):
        code = self.code(self.flatten(keras.ops.relu(self.conv1(images))))
        if self.code_bn is not None:
            code = keras.ops.relu(self.code_bn(code, training=training))
        x = self.fc3(code)
        if self.bn3 is not None:
            x = self.bn3(x, training=training)
        return self.reconstruction(self.to_maps(keras.ops.relu(x))), code


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

@serializable
class ClassifierHead(keras.Model):
    """features -> Dense(hidden) -> BN -> LReLU(0.2) -> Dense(outputs): raw logits.

    The collection's ACGAN classifier (FC128) and infoGAN Q network (FC64)
    on the discriminator's 1024-d features (ACGAN.py, infoGAN.py `classifier`).
    """

    def __init__(self, hidden_units, outputs, seed=None, name="head", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hidden = keras.layers.Dense(hidden_units, kernel_initializer=_normal_init(seed),
                                         name="fc1")
        self.hidden_norm = batch_norm("bn1")
        self.activation = keras.layers.LeakyReLU(0.2)
        self.out = keras.layers.Dense(outputs, kernel_initializer=_normal_init(offset_seed(seed, 1)),
                                      name="fc2")

    def call(self, features, training=False):
        hidden = self.activation(self.hidden_norm(self.hidden(features), training=training))
        return self.out(hidden)


@serializable
class CollectionDiscriminator(keras.Model):
    """(64)4c2s-(128)4c2s_BL-FC1024_BL-FC1: image -> one raw output per image.

    `features()` gives the 1024-d post-activation features that auxiliary
    heads read. With `head` (a `ClassifierHead`), `call` returns
    `(outputs, head_logits)`; the head is part of this network, so its
    variables are the discriminator's and are updated in its phase.
    Input channels are whatever the first call brings (CGAN adds 10 label maps).
    `attention=True` adds SAGAN's self-attention after the second conv block
    (TwistedW SAGAN.py).
    """

    def __init__(self, width=1.0, head=None, seed=None, attention=False, name="discriminator",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.attention = (SelfAttention(scaled_units(128, width), seed=offset_seed(seed, 4))
                          if attention else None)
        self.conv1 = keras.layers.Conv2D(scaled_units(64, width), 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(seed), name="conv1")
        self.conv2 = keras.layers.Conv2D(scaled_units(128, width), 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(offset_seed(seed, 1)),
                                         name="conv2")
        self.bn2 = batch_norm("bn2")
        self.flatten = keras.layers.Flatten()
        self.fc3 = keras.layers.Dense(scaled_units(1024, width),
                                      kernel_initializer=_normal_init(offset_seed(seed, 2)),
                                      name="fc3")
        self.bn3 = batch_norm("bn3")
        self.lrelu = keras.layers.LeakyReLU(0.2)  # ops.lrelu: max(x, 0.2 x)
        self.fc4 = keras.layers.Dense(1, kernel_initializer=_normal_init(offset_seed(seed, 3)),
                                      name="fc4")
        self.head = head

    def features(self, images, training=False):
        """The 1024-d (times width) features before the output layer."""
        net = self.lrelu(self.conv1(images))
        net = self.lrelu(self.bn2(self.conv2(net), training=training))
        if self.attention is not None:  # SAGAN: after the second conv block
            net = self.attention(net, training=training)
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


@serializable
class CollectionGenerator(keras.Model):
    """FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S: inputs -> image in [0, 1].

    The inputs are the noise, with any label or code already concatenated.
    `attention=True` adds SAGAN's self-attention after the 7x7 reshape
    (TwistedW SAGAN.py). For other image shapes: maps of a quarter of the
    height and width, as many output channels as the images have.
    """

    def __init__(self, width=1.0, seed=None, attention=False, name="generator",
                 image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        channels = scaled_units(128, width)
        rows, cols = reduced_size(image_shape, 4, "the collection's generator")
        self.attention = (SelfAttention(channels, seed=offset_seed(seed, 4)) if attention
                          else None)
        self.fc1 = keras.layers.Dense(scaled_units(1024, width), kernel_initializer=_normal_init(seed),
                                      name="fc1")
        self.bn1 = batch_norm("bn1")
        self.fc2 = keras.layers.Dense(rows * cols * channels,
                                      kernel_initializer=_normal_init(offset_seed(seed, 1)),
                                      name="fc2")
        self.bn2 = batch_norm("bn2")
        self.reshape = keras.layers.Reshape((rows, cols, channels))
        self.dc3 = keras.layers.Conv2DTranspose(
            scaled_units(64, width), 4, strides=2, padding="same",
            kernel_initializer=_normal_init(offset_seed(seed, 2)), name="dc3")
        self.bn3 = batch_norm("bn3")
        self.dc4 = keras.layers.Conv2DTranspose(
            image_shape_of(image_shape)[2], 4, strides=2, padding="same", activation="sigmoid",
            kernel_initializer=_normal_init(offset_seed(seed, 3)), name="dc4")
        self.relu = keras.layers.ReLU()

    def call(self, inputs, training=False):
        net = self.relu(self.bn1(self.fc1(inputs), training=training))
        net = self.reshape(self.relu(self.bn2(self.fc2(net), training=training)))
        if self.attention is not None:
            net = self.attention(net, training=training)
        net = self.relu(self.bn3(self.dc3(net), training=training))
        return self.dc4(net)
