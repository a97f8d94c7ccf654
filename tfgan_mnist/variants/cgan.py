"""CGAN: the conditional GAN, the label fed to both networks.

Source: TwistedW/tensorflow-GANs CGAN.py. G reads [z, one_hot(y)] (72
dims); D reads the image with the one-hot label tiled into 10 constant
feature maps (ops.conv_cond_concat), a 28x28x11 input on MNIST (one map per
class of the dataset in general); the rest is the GAN's.
"""

import tensorflow as tf

from tfgan_mnist import registry
from tfgan_mnist.variants.collection import ConditionalCollectionGAN, build_collection


def tile_labels(images, labels, num_classes):
    """Concatenate one_hot(labels), tiled over height and width, to the image channels."""
    one_hot = tf.one_hot(tf.cast(labels, tf.int32), num_classes, dtype=images.dtype)
    maps = tf.ones_like(images[..., :1]) * one_hot[:, None, None, :]
    return tf.concat([images, maps], axis=-1)


class CGAN(ConditionalCollectionGAN):
    """The GAN losses with labels at G's input and as extra channels of D's input."""

    def discriminator_outputs(self, images, labels, training=False):
        return self.discriminate(self.discriminator,
                                 tile_labels(images, labels, self.num_classes), training)


@registry.register("cgan", "Conditional GAN: label into G's input and D's channels")
def build(config):
    """The collection's CGAN, compiled with Adam for D and G."""
    return build_collection(CGAN, config)
