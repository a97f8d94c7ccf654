"""The coupled MLPs of the TF1 CoGAN tutorial (wiseodd/generative-models,
GAN/coupled_gan): two generators sharing their first layer, two discriminators
sharing their last.
"""

import keras

from tfgan_mnist.networks.common import IMAGE_PIXELS, IMAGE_SHAPE, serializable, xavier_normal


class DomainGenerator(keras.Model):
    """One domain's generator: a (possibly shared) trunk, then its own output layer."""

    def __init__(self, trunk, head, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.trunk = trunk
        self.head = head
        self.to_image = keras.layers.Reshape(IMAGE_SHAPE)

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


def coupled_generators(hidden_units, seed=None):
    """(G1, G2) sharing one trunk Dense(hidden, ReLU); private Dense(784, sigmoid) heads."""
    def seeded(offset):
        return None if seed is None else seed + offset

    trunk = keras.layers.Dense(hidden_units, activation="relu",
                               kernel_initializer=xavier_normal(seeded(0)), name="shared_trunk")
    heads = [keras.layers.Dense(IMAGE_PIXELS, activation="sigmoid",
                                kernel_initializer=xavier_normal(seeded(i)), name=f"head_{i}")
             for i in (1, 2)]
    return (DomainGenerator(trunk, heads[0], name="generator_1"),
            DomainGenerator(trunk, heads[1], name="generator_2"))


@serializable
class CoupledGenerators(keras.Model):
    """z -> (G1(z), G2(z)): the generator pair of `coupled_generators` as one network.

    The CoGAN model trains `generator_1` and `generator_2` (each phase lists
    their variables); this wrapper holds the same two networks, so the pair
    can be sampled and saved (a `.keras` export) as one Keras model.
    """

    def __init__(self, hidden_units=128, seed=None, name="generators", **kwargs):
        super().__init__(name=name, **kwargs)
        self.generator_1, self.generator_2 = coupled_generators(hidden_units, seed)

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
