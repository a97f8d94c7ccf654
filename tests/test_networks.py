"""The network library: shapes, ranges and initialisers of the networks."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import networks


def test_vanilla_networks_have_the_tutorial_shapes_and_ranges():
    generator, discriminator = networks.MLPGenerator(seed=1), networks.MLPDiscriminator(seed=2)
    z = tf.random.uniform((5, 100), -1, 1)
    images = generator(z)
    assert images.shape == (5, 28, 28, 1)
    assert float(tf.reduce_min(images)) >= 0.0 and float(tf.reduce_max(images)) <= 1.0
    assert discriminator(images).shape == (5, 1)
    assert [tuple(v.shape) for v in generator.trainable_variables] == [
        (100, 128), (128,), (128, 784), (784,)]
    assert [tuple(v.shape) for v in discriminator.trainable_variables] == [
        (784, 128), (128,), (128, 1), (1,)]


def test_xavier_init_has_the_tutorial_stddev():
    generator = networks.MLPGenerator(seed=3)
    generator(tf.zeros((1, 100)))
    hidden_kernel = generator.hidden.kernel.numpy()
    # The tutorial: stddev = 1 / sqrt(in_dim / 2), untruncated.
    assert hidden_kernel.std() == pytest.approx(1 / math.sqrt(100 / 2), rel=0.03)
    assert np.abs(hidden_kernel).max() > 2.5 * hidden_kernel.std()  # not truncated at 2 sigma
    assert not generator.hidden.bias.numpy().any()
