"""PyTorch-GAN's MLPs (eriklindernoren/PyTorch-GAN): gan.py's GAN and aae.py's
adversarial autoencoder, initialised as PyTorch's nn.Linear.
"""

import math

import keras
import tensorflow as tf

from tfgan_mnist.networks.common import (DEFAULT_IMAGE_SHAPE, Seeds, batch_norm, image_shape_of,
                                         lrelu, pixels,
                                         offset_seed, scaled_units, serializable)


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

    def __init__(self, latent_dim, width=1.0, seed=None, name="generator",
                 image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = Seeds(seed)
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
        self.image = keras.layers.Dense(pixels(image_shape), activation="tanh",
                                        kernel_initializer=kernel,
                                        bias_initializer=bias, name="image")
        self.activation = keras.layers.LeakyReLU(negative_slope=0.2)
        self.to_image = keras.layers.Reshape(image_shape_of(image_shape))

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

    def __init__(self, width=1.0, seed=None, name="discriminator",
                 image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        seeds = Seeds(seed)
        self.flatten = keras.layers.Flatten()
        fan_in = pixels(image_shape)  # PyTorch's initialisation bound reads the input size
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


# ----- PyTorch-GAN aae.py networks --------------------------------------------

def torch_dense(units, fan_in, seed, name, activation=None):
    """A dense layer initialised like PyTorch's nn.Linear: weights and biases U(+-1/sqrt(fan_in))."""
    limit = 1.0 / math.sqrt(fan_in)
    return keras.layers.Dense(
        units, activation=activation, name=name,
        kernel_initializer=keras.initializers.RandomUniform(-limit, limit, seed=seed),
        bias_initializer=keras.initializers.RandomUniform(
            -limit, limit, seed=offset_seed(seed, 1000)))


@serializable
class MLPGaussianEncoder(keras.Model):
    """x -> (mu, logvar): 784-512-512(BN)-(latent, latent), LeakyReLU 0.2.

    PyTorch-GAN aae.py `Encoder` (which reads 32x32 = 1024 pixels; here 784).
    `call` returns the parameters; `sample` draws z = mu + exp(logvar / 2) * eps.
    """

    def __init__(self, latent_dim, width=1.0, seed=None, name="encoder",
                 image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        hidden = scaled_units(512, width)
        self.flatten = keras.layers.Flatten()
        self.fc1 = torch_dense(hidden, pixels(image_shape), offset_seed(seed, 0), "fc1")
        self.fc2 = torch_dense(hidden, hidden, offset_seed(seed, 1), "fc2")
        self.bn2 = batch_norm("bn2")
        self.mu = torch_dense(latent_dim, hidden, offset_seed(seed, 2), "mu")
        self.logvar = torch_dense(latent_dim, hidden, offset_seed(seed, 3), "logvar")

    def call(self, images, training=False):
        net = lrelu(self.fc1(self.flatten(images)))
        net = lrelu(self.bn2(self.fc2(net), training=training))
        return self.mu(net), self.logvar(net)


@serializable
class MLPDecoder(keras.Model):
    """z -> image in [-1, 1]: latent-512-512(BN)-784, LeakyReLU 0.2, tanh (aae.py `Decoder`)."""

    def __init__(self, latent_dim, width=1.0, seed=None, name="decoder",
                 image_shape=DEFAULT_IMAGE_SHAPE, **kwargs):
        super().__init__(name=name, **kwargs)
        hidden = scaled_units(512, width)
        self.fc1 = torch_dense(hidden, latent_dim, offset_seed(seed, 0), "fc1")
        self.fc2 = torch_dense(hidden, hidden, offset_seed(seed, 1), "fc2")
        self.bn2 = batch_norm("bn2")
        self.fc3 = torch_dense(pixels(image_shape), hidden, offset_seed(seed, 2), "fc3")
        self.to_image = keras.layers.Reshape(image_shape_of(image_shape))

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
        hidden1, hidden2 = scaled_units(512, width), scaled_units(256, width)
        self.fc1 = torch_dense(hidden1, latent_dim, offset_seed(seed, 0), "fc1")
        self.fc2 = torch_dense(hidden2, hidden1, offset_seed(seed, 1), "fc2")
        self.logit = torch_dense(1, hidden2, offset_seed(seed, 2), "logit")

    def call(self, z, training=False):
        return self.logit(lrelu(self.fc2(lrelu(self.fc1(z)))))
