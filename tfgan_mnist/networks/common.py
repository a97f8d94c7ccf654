"""What every network module shares: image shapes, width and seeding rules, batch
norm, Keras registration.

Every network that reads or draws images takes `image_shape` (height, width,
channels), the dataset spec's; its default is the MNIST shape, which is also
what a network saved before shapes were arguments loads with.
"""

import functools
import inspect
import math

import keras
import tensorflow as tf

from tfgan_mnist.datasets import MNIST_SHAPE

DEFAULT_IMAGE_SHAPE = MNIST_SHAPE


def image_shape_of(image_shape):
    """`image_shape` as a tuple of three ints (a saved config holds a list)."""
    shape = tuple(int(size) for size in image_shape)
    if len(shape) != 3:
        raise ValueError(f"image_shape {image_shape} is not (height, width, channels)")
    return shape


def pixels(image_shape):
    """Values in one image of `image_shape`: an MLP's input or output size."""
    return math.prod(image_shape_of(image_shape))


def reduced_size(image_shape, factor, network):
    """(height, width) / factor: the feature map a conv net upsamples from by `factor`
    (or downsamples to). Sizes that `factor` does not divide are refused, naming the net."""
    height, width, _ = image_shape_of(image_shape)
    if height % factor or width % factor:
        raise ValueError(f"{network} needs image height and width divisible by {factor}; "
                         f"got {height}x{width}")
    return height // factor, width // factor

# ops.py's `bn` of the TwistedW collection and PyTorch's BatchNorm1d defaults
# agree: decay (Keras momentum) 0.9, epsilon 1e-5.
BATCH_NORM = dict(momentum=0.9, epsilon=1e-5)


def batch_norm(name):
    """Batch norm with momentum 0.9 and epsilon 1e-5, scale and offset: every network's."""
    return keras.layers.BatchNormalization(**BATCH_NORM, name=name)


def lrelu(x):
    """Leaky ReLU with slope 0.2 (the collection's ops.lrelu, PyTorch-GAN's LeakyReLU(0.2))."""
    return tf.nn.leaky_relu(x, 0.2)


def scaled_units(units, width):
    """`units` scaled by the width multiplier, at least 1 (tiny test models)."""
    return max(1, round(units * width))


def offset_seed(seed, offset):
    """The seed of a network's `offset`-th initializer: seed + offset (None stays None).

    The one seeding rule: Keras initializers with the same integer seed draw
    the same values, so layers of one network take distinct offsets.
    """
    return None if seed is None else seed + offset


class Seeds:
    """Consecutive initializer seeds from one base seed: offset_seed(seed * 1000, 1, 2, ...)."""

    def __init__(self, seed):
        self.seed = seed
        self.count = 0

    def next(self):
        """The next seed."""
        self.count += 1
        return offset_seed(None if self.seed is None else self.seed * 1000, self.count)


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
