"""Datasets as declared specs: the one place that names a dataset and its image shape.

A `DatasetSpec` says what a dataset is: its name, the shape of one image
(height, width, channels), its class names (their count is the class count;
none for unlabelled images), where its arrays come from, and which shipped
classifier scores samples of it, if any. Everything else reads the spec of
`config.dataset` (`get(name)`): the data layer, the networks (through the
model builders), the pictures and exports, the evaluation.

Adding a dataset is one `register(DatasetSpec(...))` with a `load` function
that returns `data.Arrays`; `registered(spec)` does the same for the length
of a `with` block (tests, experiments). This module imports nothing of the
package, so `config` can check names against it.

A spec with `stacks_of` is made of another, one-channel dataset: each of its
channels is an image of that dataset, drawn independently, and its label is
the channels' labels read as the digits of one number. Stacked MNIST (three
MNIST digits as red, green and blue: 1000 classes, one per mode) is the
field's test of mode collapse (Metz et al. 2016, "Unrolled GANs"; Srivastava
et al. 2017, "VEEGAN"; Lin et al. 2018, "PacGAN"). Training draws new stacks
every batch (`pipeline.StackedSampler`); `evaluate` scores each channel with
the base dataset's classifier and counts the modes the samples cover.
"""

import contextlib
import dataclasses

DIGITS = tuple(str(digit) for digit in range(10))
# Fashion-MNIST's labels 0-9 (Xiao et al. 2017, zalandoresearch/fashion-mnist README:
# "T-shirt/top" ... "Ankle boot"), shortened to fit under a grid's columns.
FASHION_CLASSES = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Boot")
# The image shape of MNIST and Fashion-MNIST, and of every network saved before networks
# took their shape as an argument: such a network's saved config has no shape, and loads
# with this one.
MNIST_SHAPE = (28, 28, 1)


class DatasetError(ValueError):
    """A dataset name or spec that cannot be used; the message says what would be valid."""


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """What one dataset is.

    `load(data_dir, download)` returns its `data.Arrays` (None: the package's
    own sources for the MNIST family, `data.load_idx_family`). `classifier`
    names the shipped weights file in tfgan_mnist/classifiers/ (None: no
    shipped classifier, so no classifier-based scores). `fetch_needs` says
    what a download needs to reach, for error messages.
    """

    name: str
    image_shape: tuple
    class_names: tuple = ()
    load: object = None
    classifier: str = None
    fetch_needs: str = ""
    about: str = ""
    stacks_of: str = None


    def __post_init__(self):
        shape = tuple(int(size) for size in self.image_shape)
        if len(shape) != 3 or min(shape) < 1:
            raise DatasetError(f"dataset {self.name!r}: image_shape {self.image_shape} is not "
                               "(height, width, channels) of positive sizes")
        object.__setattr__(self, "image_shape", shape)
        object.__setattr__(self, "class_names", tuple(str(n) for n in self.class_names))
        if self.stacks_of and self.channels < 2:
            raise DatasetError(f"dataset {self.name!r}: stacks of {self.stacks_of} need "
                               "images of 2 or more channels")

    @property
    def height(self):
        return self.image_shape[0]

    @property
    def width(self):
        return self.image_shape[1]

    @property
    def channels(self):
        return self.image_shape[2]

    @property
    def pixels(self):
        """Values in one image: height * width * channels (an MLP's input size)."""
        return self.height * self.width * self.channels

    @property
    def num_classes(self):
        """How many classes the labels have (0: unlabelled)."""
        return len(self.class_names)

    @property
    def scored_as(self):
        """The dataset whose shipped classifier and test set score this one's images: the
        base dataset of stacks (one channel at a time), else this one."""
        return self.stacks_of or self.name


_SPECS = {}


def register(spec):
    """Add `spec` to the registry; a name is taken once. Returns the spec."""
    if spec.name in _SPECS:
        raise DatasetError(f"dataset {spec.name!r} is already registered")
    _SPECS[spec.name] = spec
    return spec


@contextlib.contextmanager
def registered(spec):
    """`spec` is registered for the duration of a `with` block."""
    register(spec)
    try:
        yield spec
    finally:
        _SPECS.pop(spec.name, None)


def unregister(name):
    """Remove `name` from the registry if it is there (specs made at run time: a run's own
    images replace the previous run's)."""
    _SPECS.pop(name, None)


def names():
    """The registered dataset names, in registration order."""
    return tuple(_SPECS)


def get(name):
    """The spec registered as `name`; an unknown name is a DatasetError listing the valid ones."""
    if name not in _SPECS:
        raise DatasetError(f"unknown dataset {name!r}; valid names: {', '.join(_SPECS)}")
    return _SPECS[name]


register(DatasetSpec(
    "mnist", MNIST_SHAPE, DIGITS, classifier="mnist.weights.h5",
    fetch_needs="the Python package index (for pip)",
    about="MNIST handwritten digits (LeCun et al.), 60,000 training and 10,000 test images"))
register(DatasetSpec(
    "fashion_mnist", MNIST_SHAPE, FASHION_CLASSES, classifier="fashion_mnist.weights.h5",
    fetch_needs="Debian's package archive (for apt-get)",
    about="Fashion-MNIST (Xiao et al. 2017): Zalando's article images, MNIST's format"))


# Stacked MNIST: the label of a stack is its channels' digits read as one number,
# red first (label 472: a 4 in red, a 7 in green, a 2 in blue).
STACKED_CLASSES = tuple(f"{label:03d}" for label in range(1000))
register(DatasetSpec(
    "stacked_mnist", (28, 28, 3), STACKED_CLASSES, classifier="mnist.weights.h5",
    fetch_needs="the Python package index (for pip)", stacks_of="mnist",
    about="Stacked MNIST (Metz et al. 2016): three independently drawn MNIST digits as "
          "red, green and blue; 1000 modes"))


def stack_labels(channel_labels, base_classes=10):
    """The label of stacks whose channels have `channel_labels` (a sequence, first channel
    first, of equal-length integer arrays or tensors): their digits in base `base_classes`."""
    label = 0
    for labels in channel_labels:
        label = label * base_classes + labels
    return label


def stored_form(images):
    """uint8 images (n, H, W, C) as the package stores and returns them: one channel as
    (n, H, W), the shape of the IDX files, of keras.datasets.mnist and of every file and
    export made before images had channels; several channels keep their axis. Works on
    NumPy arrays and tensors; a channel is never dropped."""
    return images[..., 0] if len(images.shape) == 4 and images.shape[-1] == 1 else images
