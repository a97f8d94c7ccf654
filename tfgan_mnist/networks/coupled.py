"""Coupled networks: pairs of generators sharing their first layers, pairs of
discriminators sharing their last.

- the TF1 CoGAN tutorial's MLPs (wiseodd/generative-models, GAN/coupled_gan);
- the CoGAN paper's convolutional MNIST pair (mingyuliutw/CoGAN,
  cogan_pytorch/src/net_cogan_mnistedge.py).
"""

import keras

from tfgan_mnist.networks.common import (BATCH_NORM, DEFAULT_IMAGE_SHAPE, Seeds, image_shape_of,
                                         pixels, serializable, xavier_normal)


class DomainGenerator(keras.Model):
    """One domain's generator: a (possibly shared) trunk, then its own output layer."""

    def __init__(self, trunk, head, name, image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        self.trunk = trunk
        self.head = head
        self.to_image = keras.layers.Reshape(image_shape_of(image_shape))

    def call(self, z, training=False):
        return self.to_image(self.head(self.trunk(z)))


class DomainDiscriminator(keras.Model):
    """One domain's discriminator: its own first layer, then a (possibly shared) last layer."""

    def __init__(self, first, last, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.flatten = keras.layers.Flatten()
        self.first = first
        self.last = last

    def call(self, images, training=False):
        return self.last(self.first(self.flatten(images)))


def coupled_generators(hidden_units, seed=None, image_shape=DEFAULT_IMAGE_SHAPE):
    """(G1, G2) sharing one trunk Dense(hidden, ReLU); private Dense(H*W*C, sigmoid) heads
    (MNIST: 784)."""
    def seeded(offset):
        return None if seed is None else seed + offset

    trunk = keras.layers.Dense(hidden_units, activation="relu",
                               kernel_initializer=xavier_normal(seeded(0)), name="shared_trunk")
    heads = [keras.layers.Dense(pixels(image_shape), activation="sigmoid",
                                kernel_initializer=xavier_normal(seeded(i)), name=f"head_{i}")
             for i in (1, 2)]
    return (DomainGenerator(trunk, heads[0], name="generator_1", image_shape=image_shape),
            DomainGenerator(trunk, heads[1], name="generator_2", image_shape=image_shape))


@serializable
class CoupledGenerators(keras.Model):
    """z -> (G1(z), G2(z)): the generator pair of `coupled_generators` as one network.

    The CoGAN model trains `generator_1` and `generator_2` (each phase lists
    their variables); this wrapper holds the same two networks, so the pair
    can be sampled and saved (a `.keras` export) as one Keras model.
    """

    def __init__(self, hidden_units=128, seed=None, name="generators",
                 image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        self.generator_1, self.generator_2 = coupled_generators(hidden_units, seed, image_shape)

    def call(self, z, training=False):
        return self.generator_1(z, training=training), self.generator_2(z, training=training)


def coupled_discriminators(hidden_units, seed=None):
    """(D1, D2) with private Dense(hidden, ReLU) first layers sharing one Dense(1) last layer."""
    def seeded(offset):
        return None if seed is None else seed + offset

    firsts = [keras.layers.Dense(hidden_units, activation="relu",
                                 kernel_initializer=xavier_normal(seeded(i)), name=f"first_{i}")
              for i in (1, 2)]
    last = keras.layers.Dense(1, kernel_initializer=xavier_normal(seeded(0)), name="shared_last")
    return (DomainDiscriminator(firsts[0], last, name="discriminator_1"),
            DomainDiscriminator(firsts[1], last, name="discriminator_2"))


def shared_variables(network_1, network_2):
    """The trainable variables that both networks hold (the same objects)."""
    ids = {id(v) for v in network_2.trainable_variables}
    return [v for v in network_1.trainable_variables if id(v) in ids]


# ----- the CoGAN paper's convolutional pair (mingyuliutw/CoGAN) --------------------

def _cogan_init(seed):
    """The official PyTorch code's `xavier_weights_init`: Xavier-uniform with gain sqrt(2)."""
    return keras.initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform",
                                              seed=seed)


def _cogan_bias():
    return keras.initializers.Constant(0.1)  # the same function sets every conv bias to 0.1


def _prelu(name):
    """PyTorch's nn.PReLU(): one slope for the whole layer, starting at 0.25."""
    return keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25),
                              shared_axes=[1, 2, 3], name=name)


def _deconv(filters, kernel, crop, seed, name):
    """PyTorch's ConvTranspose2d(kernel, stride, padding=crop) as Keras' valid transposed
    conv and a crop of `crop` pixels on each side."""
    stride = 1 if kernel in (4, 6) else 2
    return [keras.layers.Conv2DTranspose(filters, kernel, strides=stride, padding="valid",
                                         kernel_initializer=_cogan_init(seed),
                                         bias_initializer=_cogan_bias(), name=name),
            keras.layers.Cropping2D(crop, name=f"{name}_crop")]


class ConvDomainGenerator(keras.Model):
    """One domain's generator of the paper's pair: the shared trunk, then its own head.

    Trunk and head are `keras.Sequential` models (a plain list of layers is not
    tracked by TensorFlow checkpoints, which would drop the batch-norm statistics).
    """

    def __init__(self, trunk, head, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.trunk = trunk
        self.head = head

    def call(self, z, training=False):
        return self.head(self.trunk(z[:, None, None, :], training=training), training=training)


@serializable
class ConvCoupledGenerators(keras.Model):
    """z -> (G1(z), G2(z)): the CoGAN paper's MNIST generators, all but the last layer shared.

    mingyuliutw/CoGAN, cogan_pytorch/src/net_cogan_mnistedge.py (CoGen28x28):
    transposed conv 4x4 from z to 1024 x 4 x 4, then transposed convs 3x3,
    stride 2, padding 1 to 512 x 7 x 7, 256 x 13 x 13, 128 x 25 x 25, each
    with batch norm without scale or offset and a PReLU; then one transposed
    conv 6x6, padding 1, per domain to 1 x 28 x 28 and a sigmoid. `width`
    scales the four shared widths (1.0: the paper's). The layer sizes make
    28 x 28 images and no other size; the output channels are the images'.
    """

    OUTPUT_SIZE = (28, 28)  # CoGen28x28: 4 -> 7 -> 13 -> 25 -> 28

    def __init__(self, width=1.0, seed=None, name="generators", image_shape=DEFAULT_IMAGE_SHAPE,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        height, width_pixels, channels = image_shape_of(image_shape)
        if (height, width_pixels) != self.OUTPUT_SIZE:
            raise ValueError("the CoGAN paper's generators draw {}x{} images; the dataset's "
                             "are {}x{}".format(*self.OUTPUT_SIZE, height, width_pixels))
        seeds = Seeds(seed)
        trunk = []
        for index, (filters, kernel, crop) in enumerate(
                ((1024, 4, 0), (512, 3, 1), (256, 3, 1), (128, 3, 1))):
            trunk += _deconv(max(1, round(filters * width)), kernel, crop, seeds.next(),
                             f"shared_dconv{index}")
            trunk += [keras.layers.BatchNormalization(center=False, scale=False,
                                                      **BATCH_NORM, name=f"shared_bn{index}"),
                      _prelu(f"shared_prelu{index}")]
        trunk = keras.Sequential(trunk, name="shared_trunk")
        heads = [keras.Sequential(_deconv(channels, 6, 1, seeds.next(), f"dconv4_{domain}")
                                  + [keras.layers.Activation("sigmoid", name=f"sigmoid_{domain}")],
                                  name=f"head_{domain}")
                 for domain in ("a", "b")]
        self.generator_1 = ConvDomainGenerator(trunk, heads[0], name="generator_1")
        self.generator_2 = ConvDomainGenerator(trunk, heads[1], name="generator_2")

    def build(self, input_shape):
        """Create every layer's variables (a copy's, say) by one pass on zeros."""
        self.call(keras.ops.zeros((1, *input_shape[1:])))

    def call(self, z, training=False):
        """Both domains' images; the shared trunk (nearly all the work) runs once."""
        features = self.generator_1.trunk(z[:, None, None, :], training=training)
        return (self.generator_1.head(features, training=training),
                self.generator_2.head(features, training=training))


class ConvDomainDiscriminator(keras.Model):
    """One domain's discriminator of the paper's pair: its own first conv, then shared layers."""

    def __init__(self, first, shared, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.first = first
        self.shared = shared

    def call(self, images, training=False):
        return self.shared(self.first(images, training=training), training=training)


def conv_coupled_discriminators(width=1.0, seed=None):
    """(D1, D2): the CoGAN paper's MNIST discriminators (CoDis28x28 of the official code).

    Per domain conv 20 5x5 and 2x2 max-pool; shared conv 50 5x5, 2x2
    max-pool, conv 500 4x4 (a dense layer on the 4 x 4 x 50 map) with a PReLU,
    and one logit (the official code's two-class softmax has one free logit:
    the difference of the two). No batch norm. `width` scales 20, 50 and 500.
    """
    seeds = Seeds(seed)

    def conv(filters, kernel, name):
        return keras.layers.Conv2D(max(1, round(filters * width)), kernel, padding="valid",
                                   kernel_initializer=_cogan_init(seeds.next()),
                                   bias_initializer=_cogan_bias(), name=name)

    firsts = [keras.Sequential([conv(20, 5, f"conv0_{domain}"),
                                keras.layers.MaxPooling2D(2, name=f"pool0_{domain}")],
                               name=f"first_{domain}")
              for domain in ("a", "b")]
    shared = keras.Sequential([conv(50, 5, "shared_conv1"), keras.layers.MaxPooling2D(2, name="shared_pool1"),
              conv(500, 4, "shared_conv2"), _prelu("shared_prelu2"),
              keras.layers.Flatten(name="shared_flatten"),
              keras.layers.Dense(1, kernel_initializer=_cogan_init(seeds.next()),
                                 bias_initializer=_cogan_bias(), name="shared_logit")],
                              name="shared_top")
    return (ConvDomainDiscriminator(firsts[0], shared, name="discriminator_1"),
            ConvDomainDiscriminator(firsts[1], shared, name="discriminator_2"))
