"""The shared base of the GAN collection's models: one architecture, many losses.

TwistedW/tensorflow-GANs (forked from hwalsuklee/tensorflow-generative-model-
collections) trains GAN, CGAN, ACGAN, infoGAN, LSGAN, WGAN, WGAN-GP and DRAGAN
on the infoGAN paper's networks (`networks.CollectionGenerator`,
`networks.CollectionDiscriminator`) with one recipe: z of 62 dims U[-1, 1],
images in [0, 1] from a sigmoid, batch 64, Adam with beta1 0.5, D at 2e-4 and
G at 1e-3 (GAN.py: `learning_rate*5` for G), 25 epochs on MNIST and 40 on
Fashion-MNIST (the collection's README). The collection's epoch was 70,000
images (train and test sets together, utils.load_mnist); ours is the 60,000
training images, so an epoch is 60,000 / 64 = 937 steps.

Each model module subclasses `CollectionGAN` and changes only what differs.
What every model logs: `d_loss` and `g_loss` are the adversarial losses alone;
penalties and auxiliary losses are logged under their own names and added to
the loss that is minimized.
"""

import keras
import numpy as np
import tensorflow as tf

from tfgan_mnist import gan, networks, summaries
from tfgan_mnist.variants.common import (adam_pair, discriminator_width, image_shape,
                                         model_arguments)

STYLE_ROWS = 10  # rows of fixed noise in the class-by-style grid


class CollectionGAN(gan.GAN):
    """The non-saturating GAN on the collection's networks (sigmoid cross-entropy on logits)."""


class ConditionalCollectionGAN(CollectionGAN):
    """A collection model whose generator reads a one-hot label next to the noise.

    Labels are the real batch's labels, in both phases, as the collection feeds
    `data_y` of the current batch (CGAN.py, ACGAN.py).
    """

    packing_refusal = ("its discriminator reads each image with its own label or code, and a "
                       "packed input holds several images")

    conditional = True

    def generator_inputs(self, noise, labels):
        """[noise, one_hot(labels)]: the collection's `concat([z, y], 1)`."""
        one_hot = tf.one_hot(tf.cast(labels, tf.int32), self.num_classes, dtype=noise.dtype)
        return tf.concat([noise, one_hot], axis=1)

    def random_labels(self, batch_size, seed=None):
        """Uniformly drawn class labels."""
        seed = self.noise_seed if seed is None else seed
        return keras.random.randint((batch_size,), 0, self.num_classes, seed=seed, dtype="int32")

    def sample_latent(self, batch_size, labels=None, seed=None):
        """Noise with the given labels (drawn uniformly when None)."""
        noise = self.draw_noise(batch_size, seed)
        if labels is None:
            labels = self.random_labels(batch_size, _other_seed(seed))
        return self.generator_inputs(noise, labels)

    def grid_latent(self, rows, cols, seed=1234):
        """Fixed inputs for the default grid: labels 0, 1, ... in reading order."""
        labels = tf.range(rows * cols) % self.num_classes
        return self.sample_latent(rows * cols, labels, seed=seed)

    def class_by_style_latent(self, seed=4321):
        """STYLE_ROWS rows of fixed noise x one column per class (row-major)."""
        noise = self.draw_noise(STYLE_ROWS, seed)
        noise = tf.repeat(noise, self.num_classes, axis=0)
        labels = tf.tile(tf.range(self.num_classes), [STYLE_ROWS])
        return self.generator_inputs(noise, labels)

    def figures(self, grid_size):
        """The default grid, plus the class-by-style grid (one column per class)."""
        figures = super().figures(grid_size)
        images = self.to_uint8(self(self.class_by_style_latent()))
        figures["class_by_style"] = summaries.Figure(
            images.numpy(), STYLE_ROWS, self.num_classes, col_labels=list(range(self.num_classes)))
        return figures


def _other_seed(seed, offset=1):
    """Another stream for a fixed integer seed; `seed` itself (a generator or None) otherwise."""
    return seed + offset if isinstance(seed, (int, np.integer)) else seed


def class_accuracy(logits, labels):
    """Fraction of argmax(logits) equal to labels."""
    predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
    return tf.reduce_mean(tf.cast(tf.equal(predicted, tf.cast(labels, tf.int32)), tf.float32))


def build_collection(model_class, config, head=None, **kwargs):
    """A compiled `model_class` on the collection's networks, sized by `config.width`."""
    model = model_class(
        networks.CollectionGenerator(config.width, seed=config.seed,
                                     image_shape=image_shape(config)),
        networks.CollectionDiscriminator(discriminator_width(config), head=head,
                                        seed=config.seed + 10),
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed,
        **model_arguments(config), **kwargs)
    model.compile(adam_pair(config))
    return model
