"""Generators, discriminators and encoders, as Keras subclassed models.

Every generator returns images shaped (batch, 28, 28, 1) in its model's image
range; every discriminator takes that shape. Networks hold no loss code.
"""

import functools
import inspect

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


def serializable(cls):
    """Register a network class with Keras and give it `get_config` from its constructor.

    The decorated `__init__` records the arguments it was called with (all
    plain values here: widths, seeds, flags, names), and `get_config` returns
    them (a network argument, such as a discriminator's head, as its own
    config), so `keras.saving.load_model` rebuilds the network from a `.keras`
    file in safe mode. Registered under the package name `tfgan_mnist`.
    """
    init = cls.__init__
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        init(self, *args, **kwargs)
        arguments = {key: value for key, value in bound.arguments.items()
                     if key not in ("self", "kwargs")}
        arguments.update(bound.arguments.get("kwargs", {}))
        # numpy or tensor scalars (a latent size read from a model) as plain Python values
        self._constructor_arguments = {
            key: value.item() if hasattr(value, "item") else value
            for key, value in arguments.items()}

    def get_config(self):
        arguments = {key: keras.saving.serialize_keras_object(value)
                     if isinstance(value, keras.layers.Layer) else value
                     for key, value in self._constructor_arguments.items()}
        return {"name": self.name, "trainable": self.trainable,
                "dtype": keras.dtype_policies.serialize(self.dtype_policy), **arguments}

    def from_config(cls_, config):
        # a network given to the constructor (a discriminator's head) comes back built by Keras
        config = {key: keras.saving.deserialize_keras_object(value)
                  if isinstance(value, dict) and "class_name" in value else value
                  for key, value in config.items()}
        return cls_(**config)

    __init__.__signature__ = signature  # what Keras reads to capture constructor arguments
    cls.__init__ = __init__
    cls.get_config = get_config
    cls.from_config = classmethod(from_config)
    return keras.saving.register_keras_serializable(package="tfgan_mnist")(cls)


@serializable
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


@serializable
class MLPDiscriminator(keras.Model):
    """28x28x1 image -> Dense(hidden, ReLU) -> Dense(1): one logit per image."""

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


# --- dcgan, gan_mlp, began, sagan (and the autoencoder discriminator EBGAN would use) ---
# Networks of the TF DCGAN tutorial, of PyTorch-GAN's MLP GAN, and of the
# TwistedW/tensorflow-GANs collection's EBGAN, BEGAN and SAGAN. Every hidden
# width is `round(units * width)` (at least 1), so tests can build tiny nets.


def scaled_units(units, width):
    """`units` scaled by the width multiplier, at least 1."""
    return max(1, round(units * width))


class _Seeds:
    """Distinct initializer seeds from one base seed (None stays None).

    Keras initializers with the same integer seed draw the same values, so two
    layers of one shape need different seeds.
    """

    def __init__(self, seed):
        self.seed = seed
        self.count = 0

    def next(self):
        """The next seed."""
        if self.seed is None:
            return None
        self.count += 1
        return self.seed * 1000 + self.count


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
    """

    def __init__(self, width=1.0, seed=None, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = _Seeds(seed)
        init = lambda: keras.initializers.GlorotUniform(seed=seeds.next())  # noqa: E731
        self.base_channels = scaled_units(256, width)
        self.dense = keras.layers.Dense(7 * 7 * self.base_channels, use_bias=False,
                                        kernel_initializer=init(), name="dense")
        self.to_maps = keras.layers.Reshape((7, 7, self.base_channels))
        self.deconv1 = keras.layers.Conv2DTranspose(
            scaled_units(128, width), 5, strides=1, padding="same", use_bias=False,
            kernel_initializer=init(), name="deconv1")
        self.deconv2 = keras.layers.Conv2DTranspose(
            scaled_units(64, width), 5, strides=2, padding="same", use_bias=False,
            kernel_initializer=init(), name="deconv2")
        self.image = keras.layers.Conv2DTranspose(
            1, 5, strides=2, padding="same", use_bias=False, activation="tanh",
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
        seeds = _Seeds(seed)
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


# ----- PyTorch-GAN's MLP GAN (eriklindernoren/PyTorch-GAN, implementations/gan/gan.py)


def torch_linear_initializers(fan_in, seeds):
    """(kernel, bias) initializers drawing as PyTorch's nn.Linear does by default.

    nn.Linear uses kaiming_uniform_(a=sqrt(5)) for the weight, which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (Keras: variance scaling 1/3, fan_in,
    uniform), and the same uniform range for the bias.
    """
    bound = 1.0 / fan_in ** 0.5
    kernel = keras.initializers.VarianceScaling(
        scale=1.0 / 3.0, mode="fan_in", distribution="uniform", seed=seeds.next())
    bias = keras.initializers.RandomUniform(-bound, bound, seed=seeds.next())
    return kernel, bias


@serializable
class BatchNormMLPGenerator(keras.Model):
    """z -> 128 -> 256 -> 512 -> 1024 -> 784, tanh: PyTorch-GAN's generator.

    Each hidden block is Linear, BatchNorm1d (all but the first) and
    LeakyReLU(0.2). The source writes `nn.BatchNorm1d(out_feat, 0.8)`, which
    sets eps=0.8 (the second positional argument), leaving PyTorch's momentum
    0.1, i.e. Keras momentum 0.9 (see PyTorch-GAN issue #116): we keep that.
    """

    def __init__(self, latent_dim, width=1.0, seed=None, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = _Seeds(seed)
        fan_in = latent_dim
        for index, units in enumerate((128, 256, 512, 1024)):
            units = scaled_units(units, width)
            kernel, bias = torch_linear_initializers(fan_in, seeds)
            # Attributes dense0..3 and bn1..3, not a list: see DCGANGenerator.
            setattr(self, f"dense{index}", keras.layers.Dense(
                units, kernel_initializer=kernel, bias_initializer=bias, name=f"dense{index}"))
            if index:
                setattr(self, f"bn{index}", keras.layers.BatchNormalization(
                    momentum=0.9, epsilon=0.8, name=f"bn{index}"))
            fan_in = units
        kernel, bias = torch_linear_initializers(fan_in, seeds)
        self.image = keras.layers.Dense(IMAGE_PIXELS, activation="tanh", kernel_initializer=kernel,
                                        bias_initializer=bias, name="image")
        self.activation = keras.layers.LeakyReLU(negative_slope=0.2)
        self.to_image = keras.layers.Reshape(IMAGE_SHAPE)

    @property
    def blocks(self):
        """[(dense, batch norm or None)] of the four hidden blocks, in order."""
        return [(getattr(self, f"dense{i}"), getattr(self, f"bn{i}", None)) for i in range(4)]

    def call(self, z, training=False):
        x = z
        for dense, norm in self.blocks:
            x = dense(x)
            if norm is not None:
                x = norm(x, training=training)
            x = self.activation(x)
        return self.to_image(self.image(x))


@serializable
class LeakyMLPDiscriminator(keras.Model):
    """784 -> 512 -> 256 -> 1 with LeakyReLU(0.2): PyTorch-GAN's discriminator.

    Returns the logit; the source's final Sigmoid is folded into the
    cross-entropy on logits.
    """

    def __init__(self, width=1.0, seed=None, name="discriminator", **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = _Seeds(seed)
        self.flatten = keras.layers.Flatten()
        fan_in = IMAGE_PIXELS
        for index, units in enumerate((512, 256)):
            units = scaled_units(units, width)
            kernel, bias = torch_linear_initializers(fan_in, seeds)
            setattr(self, f"dense{index}", keras.layers.Dense(  # not a list: see DCGANGenerator
                units, kernel_initializer=kernel, bias_initializer=bias, name=f"dense{index}"))
            fan_in = units
        kernel, bias = torch_linear_initializers(fan_in, seeds)
        self.logit = keras.layers.Dense(1, kernel_initializer=kernel, bias_initializer=bias,
                                        name="logit")
        self.activation = keras.layers.LeakyReLU(negative_slope=0.2)

    @property
    def hidden(self):
        """The two hidden dense layers, in order."""
        return [self.dense0, self.dense1]

    def call(self, images, training=False):
        x = self.flatten(images)
        for dense in self.hidden:
            x = self.activation(dense(x))
        return self.logit(x)


# ----- the TwistedW/tensorflow-GANs collection (forked from
# hwalsuklee/tensorflow-generative-model-collections). Its ops.py: conv kernels
# truncated N(0, 0.02), dense and transposed-conv kernels N(0, 0.02), zero
# biases, batch norm with decay 0.9 and epsilon 1e-5, lrelu slope 0.2.


def collection_batch_norm(name):
    """ops.py's `bn`: decay 0.9, epsilon 1e-5, with scale and offset."""
    return keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name=name)


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
        seeds = _Seeds(seed)
        key_channels = max(1, channels // 8)
        self.f = keras.layers.Conv2D(key_channels, 4, padding="same",
                                     kernel_initializer=_conv_init(seeds.next()), name="f_conv")
        self.g = keras.layers.Conv2D(key_channels, 4, padding="same",
                                     kernel_initializer=_conv_init(seeds.next()), name="g_conv")
        self.h = keras.layers.Conv2D(channels, 4, padding="same",
                                     kernel_initializer=_conv_init(seeds.next()), name="h_conv")
        self.f_bn = collection_batch_norm("f_bn")
        self.g_bn = collection_batch_norm("g_bn")
        self.h_bn = collection_batch_norm("h_bn")
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
    norm and ReLU; `code_norm_relu` selects the latter.
    """

    def __init__(self, width=1.0, code_norm_relu=False, seed=None, name="discriminator",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = _Seeds(seed)
        channels = scaled_units(64, width)
        self.conv1 = keras.layers.Conv2D(channels, 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(seeds.next()), name="conv1")
        self.flatten = keras.layers.Flatten()
        self.code = keras.layers.Dense(scaled_units(32, width),
                                       kernel_initializer=_normal_init(seeds.next()), name="code")
        self.code_bn = collection_batch_norm("code_bn") if code_norm_relu else None
        self.fc3 = keras.layers.Dense(14 * 14 * channels, kernel_initializer=_normal_init(seeds.next()),
                                      name="fc3")
        self.bn3 = collection_batch_norm("bn3")
        self.to_maps = keras.layers.Reshape((14, 14, channels))
        self.reconstruction = keras.layers.Conv2DTranspose(
            1, 4, strides=2, padding="same", activation="sigmoid",
            kernel_initializer=_normal_init(seeds.next()), name="reconstruction")

    def call(self, images, training=False):
        code = self.code(self.flatten(keras.ops.relu(self.conv1(images))))
        if self.code_bn is not None:
            code = keras.ops.relu(self.code_bn(code, training=training))
        x = self.to_maps(keras.ops.relu(self.bn3(self.fc3(code), training=training)))
        return self.reconstruction(x), code


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
        self.hidden_norm = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn1")
        self.activation = keras.layers.LeakyReLU(0.2)
        self.out = keras.layers.Dense(outputs, kernel_initializer=_normal_init(_offset(seed, 1)),
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
        self.attention = (SelfAttention(scaled_units(128, width), seed=_offset(seed, 4))
                          if attention else None)
        self.conv1 = keras.layers.Conv2D(scaled_units(64, width), 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(seed), name="conv1")
        self.conv2 = keras.layers.Conv2D(scaled_units(128, width), 4, strides=2, padding="same",
                                         kernel_initializer=_conv_init(_offset(seed, 1)),
                                         name="conv2")
        self.bn2 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn2")
        self.flatten = keras.layers.Flatten()
        self.fc3 = keras.layers.Dense(scaled_units(1024, width),
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
    (TwistedW SAGAN.py).
    """

    def __init__(self, width=1.0, seed=None, attention=False, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        channels = scaled_units(128, width)
        self.attention = (SelfAttention(channels, seed=_offset(seed, 4)) if attention
                          else None)
        self.fc1 = keras.layers.Dense(scaled_units(1024, width), kernel_initializer=_normal_init(seed),
                                      name="fc1")
        self.bn1 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn1")
        self.fc2 = keras.layers.Dense(7 * 7 * channels,
                                      kernel_initializer=_normal_init(_offset(seed, 1)),
                                      name="fc2")
        self.bn2 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn2")
        self.reshape = keras.layers.Reshape((7, 7, channels))
        self.dc3 = keras.layers.Conv2DTranspose(
            scaled_units(64, width), 4, strides=2, padding="same",
            kernel_initializer=_normal_init(_offset(seed, 2)), name="dc3")
        self.bn3 = keras.layers.BatchNormalization(**COLLECTION_BATCH_NORM, name="bn3")
        self.dc4 = keras.layers.Conv2DTranspose(
            1, 4, strides=2, padding="same", activation="sigmoid",
            kernel_initializer=_normal_init(_offset(seed, 3)), name="dc4")
        self.relu = keras.layers.ReLU()

    def call(self, inputs, training=False):
        net = self.relu(self.bn1(self.fc1(inputs), training=training))
        net = self.reshape(self.relu(self.bn2(self.fc2(net), training=training)))
        if self.attention is not None:
            net = self.attention(net, training=training)
        net = self.relu(self.bn3(self.dc3(net), training=training))
        return self.dc4(net)
