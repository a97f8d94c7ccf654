"""The training input: the whole dataset in memory, batches drawn in-graph.

MNIST is 47 MB of uint8: it fits anywhere. Keeping it as one tensor and
gathering each batch inside the compiled training loop costs a few
microseconds a step, where a `tf.data` iterator costs a host round trip per
batch. The shuffle order and position are variables and the shuffling RNG is a
`tf.random.Generator`, so a checkpoint holds the exact data order (a few
hundred KB), and a resumed run sees the same batches an uninterrupted one
would.
"""

import numpy as np
import tensorflow as tf


def scale_images(images_uint8, image_range):
    """uint8 pixels -> float32 in `image_range` ((0, 1) or (-1, 1)), with a channel axis."""
    low, high = image_range
    images = tf.cast(images_uint8, tf.float32) * ((high - low) / 255.0) + low
    if images.shape.rank == 3:
        images = images[..., None]
    return images


class InMemorySampler(tf.Module):
    """Epochs of shuffled batches without replacement, drawn inside tf.function.

    Each epoch is a fresh permutation; the last partial batch of an epoch is
    dropped, as `tf.data`'s `drop_remainder=True` would.
    """

    def __init__(self, images, labels, batch_size, image_range, seed=0, name="sampler"):
        super().__init__(name=name)
        images = np.asarray(images)
        if len(images) < batch_size:
            raise ValueError(f"a batch of {batch_size} needs at least that many images; "
                             f"the dataset has {len(images)}")
        self.batch_size = batch_size
        self.image_range = image_range
        self._images = tf.constant(images, tf.uint8)
        self._labels = tf.constant(np.asarray(labels), tf.int32)
        self._count = len(images)
        self.rng = tf.random.Generator.from_seed(seed)
        self.order = tf.Variable(self._permutation(), trainable=False, name="order")
        self.position = tf.Variable(0, trainable=False, name="position")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")

    def _permutation(self):
        return tf.argsort(self.rng.uniform([self._count]))

    def next_batch(self):
        """(images, labels) of the next batch; starts a new epoch when this one runs out."""
        if_needed = self.position + self.batch_size > self._count

        def new_epoch():
            self.order.assign(self._permutation())
            self.position.assign(0)
            self.epoch.assign_add(1)
            return tf.constant(True)

        tf.cond(if_needed, new_epoch, lambda: tf.constant(False))
        # tf.slice with a Python size keeps the batch dimension static (for XLA, FLOP counts).
        indices = tf.slice(self.order, [self.position], [self.batch_size])
        self.position.assign_add(self.batch_size)
        images = scale_images(tf.gather(self._images, indices), self.image_range)
        return images, tf.gather(self._labels, indices)


class DomainHalvesSampler(tf.Module):
    """Batches of two domains from two fixed, disjoint halves of the training set.

    A seeded permutation splits the images once into two halves; each half
    has its own sampler of batch_size / 2 (`half_sampler`: an `InMemorySampler`,
    or for stacks a `StackedSampler` over the half's images, so that each
    domain draws new stacks from its own digits). A batch interleaves them,
    half 1, half 2, half 1, ... so that every even-sized slice of it (a
    replica's share) holds both domains equally; `images[0::2]` is domain 1
    and `images[1::2]` domain 2. No image is ever drawn for both.
    """

    def __init__(self, images, labels, batch_size, image_range, seed=0, name="sampler",
                 half_sampler=InMemorySampler):
        super().__init__(name=name)
        if batch_size % 2:
            raise ValueError(f"a batch of two domains needs an even size; got {batch_size}")
        images, labels = np.asarray(images), np.asarray(labels)
        order = np.random.default_rng(seed).permutation(len(images))
        half = len(images) // 2
        self.batch_size = batch_size
        self.image_range = image_range
        self.halves = [half_sampler(images[part], labels[part], batch_size // 2, image_range,
                                    seed=seed + index, name=f"half_{index + 1}")
                       for index, part in enumerate((order[:half], order[half:2 * half]))]

    def next_batch(self):
        """(images, labels): the next batch of each half, interleaved."""
        (first, first_labels), (second, second_labels) = (
            half.next_batch() for half in self.halves)
        images = tf.reshape(tf.stack([first, second], axis=1), (-1, *first.shape[1:]))
        labels = tf.reshape(tf.stack([first_labels, second_labels], axis=1), (-1,))
        return images, labels


class StackedSampler(tf.Module):
    """Batches of stacks: each image's channels are images of a one-channel dataset, drawn
    independently (Stacked MNIST: three digits as red, green and blue).

    Each channel has its own `InMemorySampler` over the whole dataset with its own
    shuffling, so a stack is a new combination every time: the pairing of channels
    changes with every epoch, and the data never repeats as a fixed set. The label of
    a stack is its channels' labels read as digits (`datasets.stack_labels`).
    Checkpointed and resumed exactly, like the samplers it is made of.
    """

    def __init__(self, images, labels, batch_size, image_range, seed=0, channels=3,
                 base_classes=10, name="sampler"):
        super().__init__(name=name)
        self.batch_size = batch_size
        self.image_range = image_range
        self.base_classes = base_classes
        # Seeds seed*channels + c: the streams of one run's channels, and of different
        # runs' seeds, are all different.
        self.channels = [InMemorySampler(images, labels, batch_size, image_range,
                                         seed=seed * channels + index,
                                         name=f"channel_{index + 1}")
                         for index in range(channels)]

    def next_batch(self):
        """(images (batch, H, W, channels), labels): one new image per channel."""
        drawn = [sampler.next_batch() for sampler in self.channels]
        images = tf.concat([channel_images for channel_images, _ in drawn], axis=-1)
        label = tf.zeros_like(drawn[0][1])
        for _, channel_labels in drawn:
            label = label * self.base_classes + channel_labels
        return images, label
