"""The dataset classifiers whose features and logits the sample metrics use.

FID, KID and the Inception score are defined with an ImageNet Inception
network; for 28x28 grey digits and clothes a small CNN trained on the dataset
itself is the usual, more sensitive substitute (the classifier-based "MNIST
score" and "Frechet classifier distance" reported by TF-GAN and others). One
network is shipped per dataset in `tfgan_mnist/classifiers/<dataset>.weights.h5`;
`tools/train_classifier.py` retrains them deterministically.

The network is a Keras functional model with two outputs: a 128-d feature
layer (the penultimate, ReLU activations, as Inception's pool3 features are)
used by the Frechet and kernel distances and by precision/recall, and the
10 class logits used by the classifier score and the class histogram. Only
weights are stored, and the architecture is rebuilt in code, so loading
needs no custom objects.
"""

import functools
import importlib.resources

import keras
import numpy as np
import tensorflow as tf

from tfgan_mnist import datasets

FEATURE_DIM = 128


def with_classifier():
    """The registered datasets that have a shipped classifier."""
    return tuple(name for name in datasets.names() if datasets.get(name).classifier)


def weights_filename(dataset):
    """Name of the shipped weights file for `dataset` inside tfgan_mnist/classifiers/."""
    spec = datasets.get(dataset)
    if not spec.classifier:
        raise ValueError(f"dataset {dataset!r} has no shipped classifier (its spec names "
                         f"none); datasets with one: {', '.join(with_classifier())}")
    return spec.classifier


def _conv_block(x, filters, name):
    """3x3 convolution, batch normalisation, ReLU."""
    # No bias: the batch normalisation that follows has its own offset.
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                            name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def build_network(dropout_rate=0.3, image_shape=datasets.MNIST_SHAPE,
                  num_classes=len(datasets.DIGITS)):
    """The classifier network: images (N, H, W, C) in [0, 1] -> [features, logits]."""
    images = keras.Input(shape=tuple(image_shape), name="images")
    # Centre the [0, 1] input so the first layer sees values around zero.
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_symmetric")(images)
    # One convolution per resolution: a second 3x3 convolution at 28x28 or
    # 14x14 would double the cost of training and of scoring 20,000 images.
    x = _conv_block(x, 32, "block1")
    x = keras.layers.MaxPooling2D(name="pool1")(x)  # 14 x 14
    x = _conv_block(x, 64, "block2")
    x = keras.layers.MaxPooling2D(name="pool2")(x)  # 7 x 7
    x = _conv_block(x, 128, "block3")
    x = keras.layers.MaxPooling2D(name="pool3")(x)  # 3 x 3
    # Flattening 3x3 positions keeps where things are (better than global
    # average pooling on Fashion-MNIST) with a dense layer of 147k weights;
    # flattening 7x7 would need 800k.
    x = keras.layers.Flatten(name="flatten")(x)
    # Batch normalisation before the feature ReLU keeps every unit active on
    # part of the data. Without it, 100 of 128 units of the MNIST network
    # ended up dead (zero for every test image), which wastes most of the
    # feature space, and the surviving units grew large (|x|^2 / d of 7 on
    # average), which made KID's cubic kernel, whose scale suits Inception
    # features, noisy.
    x = keras.layers.Dense(FEATURE_DIM, use_bias=False, name="features_dense")(x)
    x = keras.layers.BatchNormalization(name="features_bn")(x)
    features = keras.layers.ReLU(name="features")(x)
    x = keras.layers.Dropout(dropout_rate, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(images, [features, logits], name="classifier")


def images_to_float(images, image_shape=datasets.MNIST_SHAPE):
    """(N, H, W, C) images, or (N, H, W) of one channel, as float32 (N, H, W, C) in [0, 1].

    uint8 images are divided by 255. Float images must already lie in
    [0, 1]: generators with a tanh output produce [-1, 1] and must be
    rescaled with (x + 1) / 2 first; scoring them unscaled would silently
    give meaningless numbers, so that is an error.
    """
    images = np.asarray(images)
    image_shape = tuple(image_shape)
    if images.ndim == 3 and image_shape[-1] == 1:
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:] != image_shape:
        allowed = ["(N, {}, {}, {})".format(*image_shape)] + (
            ["(N, {}, {})".format(*image_shape[:2])] if image_shape[-1] == 1 else [])
        raise ValueError(f"images must have shape {' or '.join(allowed)}, got {images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    images = images.astype(np.float32, copy=False)
    if len(images):
        low, high = float(images.min()), float(images.max())
        # A little slack for rounding in generator outputs.
        if low < -1e-3 or high > 1.0 + 1e-3 or not np.isfinite(low + high):
            raise ValueError(
                f"float images must lie in [0, 1], got values from {low:.4g} "
                f"to {high:.4g}; rescale tanh outputs with (x + 1) / 2")
    return images


class Classifier:
    """A trained classifier network with a fast, batched inference method."""

    def __init__(self, network, dataset=None):
        self.network = network
        self.dataset = dataset
        self.image_shape = tuple(network.input_shape[1:])
        self.num_classes = int(network.output_shape[1][-1])
        # One trace for every batch size: the batch dimension is left open.
        self._forward = tf.function(
            self._forward_batch,
            input_signature=[tf.TensorSpec((None,) + self.image_shape, tf.float32)])

    def _forward_batch(self, images):
        features, logits = self.network(images, training=False)
        return features, logits

    def features_and_logits(self, images, batch_size=1000):
        """Features (N, 128) and logits (N, classes), float32 NumPy arrays, for images in
        [0, 1]."""
        images = images_to_float(images, self.image_shape)
        features = np.empty((len(images), FEATURE_DIM), dtype=np.float32)
        logits = np.empty((len(images), self.num_classes), dtype=np.float32)
        for start in range(0, len(images), batch_size):
            batch = tf.constant(images[start:start + batch_size])
            batch_features, batch_logits = self._forward(batch)
            features[start:start + batch_size] = batch_features.numpy()
            logits[start:start + batch_size] = batch_logits.numpy()
        return features, logits

    def predict_labels(self, images, batch_size=1000):
        """Most likely class of each image, int64 (N,)."""
        _, logits = self.features_and_logits(images, batch_size=batch_size)
        return np.argmax(logits, axis=1)


def random_shifts(images, max_shift, rng):
    """Translate each image (N, H, W) or (N, H, W, C) by up to max_shift pixels, filling
    with 0.

    Light augmentation for digits and clothes: small translations keep the
    class, unlike flips or rotations of digits (a flipped 2 or 5 is not a 2
    or 5, and a rotated 6 is a 9).
    """
    if max_shift == 0:
        return images
    height, width = images.shape[1:3]
    pad = [(0, 0), (max_shift, max_shift), (max_shift, max_shift)] + [(0, 0)] * (images.ndim - 3)
    padded = np.pad(images, pad)
    offsets = rng.integers(0, 2 * max_shift + 1, size=(len(images), 2))
    # Gather each image's crop with one fancy index instead of a Python loop.
    rows = offsets[:, 0, None] + np.arange(height)  # (N, H)
    cols = offsets[:, 1, None] + np.arange(width)
    return padded[np.arange(len(images))[:, None, None], rows[:, :, None], cols[:, None, :]]


MIN_IMAGES_PER_CALL = 20_000


def fit_network(train_images, train_labels, image_shape, num_classes, epochs, batch_size=128,
                learning_rate=2e-3, max_shift=2, seed=0, after_epoch=None):
    """A classifier network (`build_network`) trained on uint8 images and their labels.

    Adam with a cosine decay to 0 over the run; each epoch's data order and
    shifts (`random_shifts`) come from a NumPy generator seeded with `seed`, so
    the run repeats exactly where TensorFlow's ops are deterministic
    (`tools/train_classifier.py` turns op determinism on). `after_epoch(epoch,
    network, history)` is called after each epoch.
    """
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    network = build_network(image_shape=image_shape, num_classes=num_classes)
    # The training model shares the layers and only exposes the logits; the
    # saved weights are those of `network`, with both outputs.
    training_model = keras.Model(network.input, network.outputs[1])
    steps_per_epoch = -(-len(train_images) // batch_size)
    # Cosine decay to 0 over the whole run: no schedule to tune per dataset,
    # and the last epochs settle the weights at a low learning rate.
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=epochs * steps_per_epoch)
    training_model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    # One fit() call costs a fixed fraction of a second: small sets pass several epochs'
    # data to each call (the same epochs, in the same order; `after_epoch` then runs after
    # the last of them).
    per_call = max(1, MIN_IMAGES_PER_CALL // len(train_images))
    for first in range(1, epochs + 1, per_call):
        last = min(epochs, first + per_call - 1)
        images, labels = [], []
        for _ in range(first, last + 1):
            # The data order and shifts of every epoch come from `rng` alone,
            # so fit() is told not to shuffle.
            order = rng.permutation(len(train_images))
            images.append(images_to_float(random_shifts(train_images[order], max_shift, rng),
                                          image_shape))
            labels.append(train_labels[order])
        history = training_model.fit(np.concatenate(images), np.concatenate(labels),
                                     batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        if after_epoch is not None:
            after_epoch(last, network, history)
    return network


@functools.lru_cache(maxsize=None)
def load_classifier(dataset):
    """The shipped classifier of a dataset whose spec names one, loaded once per process
    (of stacks: their base dataset's, which reads one channel)."""
    filename = weights_filename(dataset)
    resource = importlib.resources.files("tfgan_mnist") / "classifiers" / filename
    if not resource.is_file():
        raise FileNotFoundError(
            f"classifier weights {filename} are missing from the package "
            f"data (tfgan_mnist/classifiers/); train them with "
            f"`python tools/train_classifier.py --dataset={dataset}`")
    # Stacks (stacked_mnist) are scored a channel at a time by their base dataset's network.
    spec = datasets.get(datasets.get(dataset).scored_as)
    network = build_network(image_shape=spec.image_shape, num_classes=spec.num_classes)
    # as_file gives a real file path even if the package is installed zipped.
    with importlib.resources.as_file(resource) as path:
        network.load_weights(str(path))
    return Classifier(network, dataset)
