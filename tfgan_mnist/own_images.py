"""Your own images as a dataset: a folder of pictures or an array file, a spec made at run time.

`python -m tfgan_mnist.main --images=PATH ...` trains on

- a folder of PNG, JPEG, BMP or GIF files, searched recursively. When every
  image sits in a subfolder of PATH, the subfolders' names are the classes
  (so the conditional models work); otherwise the images are unlabelled;
- an `.npz` (an `images` array and optionally `labels`, or Keras's `x_train`,
  `y_train`, `x_test`, `y_test`) or an `.npy` of images, uint8 (n, H, W) or
  (n, H, W, C);
- `tfds:NAME`: a TensorFlow Datasets image dataset of which a prepared copy
  exists (in $TFDS_DATA_DIR or ~/tensorflow_datasets; nothing is downloaded),
  its splits together, labels and class names from its `label` feature.

Images are converted to 28x28 (bilinear, antialiased), grey or colour
(`--channels=1|3`; default: colour when any image is, grey otherwise). A
seeded `--holdout` fraction (default 10%) is kept aside as the test split,
for evaluation. Decoding, colour conversion and resizing are Keras's
`keras.utils.load_img` (PIL); what it lacks is here: naming a file it cannot
read, skipping such files on request (`--skip_bad`), one-line errors for a
folder that holds no usable data, and labels from class folders at any
depth below them.

The arrays are kept in the run's workdir (`dataset.npz`), so that the run
resumes, and is scored, sampled and exported, from the same images even if
the folder changes or moves; `register_kept(workdir)` makes the spec again.
"""

import hashlib
import json
import os

import numpy as np

from tfgan_mnist import datasets
from tfgan_mnist.idx import DataError

NAME = "images"  # the dataset name of a run on --images
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
SIZE = (28, 28)
KEPT_FILE = "dataset.npz"


def _fail(path, message):
    raise DataError(f"--images={path}: {message}")


def list_images(folder):
    """(paths, labels or None, class names) of the image files under `folder`, sorted.

    Labels come from class folders when every image sits in a subfolder of
    `folder` (the first folder below it names the class)."""
    paths, others = [], 0
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(EXTENSIONS):
                paths.append(os.path.join(root, name))
            elif not name.startswith("."):
                others += 1
    if not paths:
        if not others:
            _fail(folder, "the folder holds no files; put images in it (or in one subfolder "
                  "per class)")
        _fail(folder, f"no images among its {others} files (looked for "
              f"{', '.join(EXTENSIONS)}, in subfolders too)")
    parts = [os.path.relpath(path, folder).split(os.sep) for path in paths]
    if any(len(part) < 2 for part in parts):
        return paths, None, ()
    class_names = tuple(sorted({part[0] for part in parts}))
    labels = np.array([class_names.index(part[0]) for part in parts], np.int64)
    counts = np.bincount(labels, minlength=len(class_names))
    if counts.min() < 2:
        lonely = class_names[int(np.argmin(counts))]
        _fail(folder, f"class folder {lonely!r} holds {counts.min()} image; give every class "
              "at least 2 (one may be held out), or put all images in one folder to train "
              "without labels")
    return paths, labels, class_names


def _resized(image):
    """A PIL image at SIZE (bilinear; PIL's filters are antialiased when they shrink)."""
    from PIL import Image

    if image.size == SIZE[::-1]:
        return image
    return image.resize(SIZE[::-1], Image.Resampling.BILINEAR)


def read_folder(folder, skip_bad=False):
    """(uint8 RGB images (n, 28, 28, 3), labels or None, class names, notes) of a folder.

    A file that cannot be read is a DataError naming it, or with `skip_bad` it is
    left out and counted in the notes."""
    import keras

    paths, labels, class_names = list_images(folder)
    images, kept, bad, sizes = [], [], [], set()
    for index, path in enumerate(paths):
        try:
            image = keras.utils.load_img(path, color_mode="rgb")
        except Exception as error:  # noqa: BLE001 - PIL raises OSError, SyntaxError, ...
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            if not skip_bad:
                _fail(folder, f"cannot read {path} ({reason}); fix or remove it, or give "
                      "--skip_bad to leave unreadable files out")
            bad.append(path)
            continue
        sizes.add(image.size)
        images.append(np.asarray(_resized(image), np.uint8))
        kept.append(index)
    notes = []
    if bad:
        notes.append(f"left out {len(bad)} unreadable file{'s' if len(bad) > 1 else ''} "
                     f"(--skip_bad; first: {bad[0]})")
    if not images:
        _fail(folder, f"none of its {len(paths)} image files could be read")
    notes += _size_notes(sizes)
    if labels is not None:
        labels = labels[kept]
    return np.stack(images), labels, class_names, notes


def _size_notes(sizes):
    """A note on resizing: (width, height) sizes seen."""
    if sizes == {SIZE[::-1]}:
        return []
    shown = sorted(sizes, key=lambda size: size[0] * size[1])
    if len(sizes) == 1:
        return [f"resized from {shown[0][0]}x{shown[0][1]} to {SIZE[1]}x{SIZE[0]}"]
    return [f"images of {len(sizes)} sizes, from {shown[0][0]}x{shown[0][1]} to "
            f"{shown[-1][0]}x{shown[-1][1]}, resized to {SIZE[1]}x{SIZE[0]}"]


def read_array_file(path):
    """(uint8 RGB images (n, 28, 28, 3), labels or None, class names, notes) of an .npz
    or .npy (`from_arrays`)."""
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        _fail(path, f"not a readable .npz or .npy file ({str(error).splitlines()[0]})")
    labels = None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        names = list(loaded.keys())
        if "images" in names:
            images = loaded["images"]
            labels = loaded["labels"] if "labels" in names else None
        elif "x_train" in names:
            images = np.concatenate([loaded["x_train"], loaded["x_test"]]
                                    if "x_test" in names else [loaded["x_train"]])
            if "y_train" in names:
                labels = np.concatenate([loaded["y_train"], loaded["y_test"]]
                                        if "y_test" in names else [loaded["y_train"]])
        else:
            _fail(path, f"holds {', '.join(names) or 'no arrays'}; give an `images` array "
                  "(and optionally `labels`), or Keras's x_train/y_train/x_test/y_test")
    else:
        images = loaded
    return from_arrays(images, labels, (), path)


TFDS_PREFIX = "tfds:"


def tfds_arrays(name):
    """(uint8 images (n, H, W, C), labels or None, class names) of every split of a
    prepared TFDS copy of `name`; a DataError where there is none (nothing is downloaded)."""
    from tfgan_mnist import data

    version_dir = data._find_prepared_tfds(name)
    if version_dir is None:
        _fail(TFDS_PREFIX + name, f"no prepared TensorFlow Datasets copy of {name!r} in "
              f"{data._tfds_data_dir()}; prepare one where its download is reachable "
              f"(`tfds build {name}`) and copy it here, or give a folder or array file")
    import tensorflow_datasets as tfds  # slow import: only when a copy exists

    builder = tfds.builder_from_directory(version_dir)
    features = builder.info.features
    if "image" not in features:
        _fail(TFDS_PREFIX + name, f"the dataset has no `image` feature (it has "
              f"{', '.join(features)})")
    images, labels = [], []
    for split in sorted(builder.info.splits):
        batch = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1,
                                                 shuffle_files=False))
        images.append(np.asarray(batch["image"]))
        if "label" in batch:
            labels.append(np.asarray(batch["label"], np.int64))
    class_names = (tuple(features["label"].names) if "label" in features
                   and hasattr(features["label"], "names") else ())
    return (np.concatenate(images), np.concatenate(labels) if labels else None, class_names)


def from_arrays(images, labels, class_names, where):
    """(uint8 RGB images (n, 28, 28, 3), labels or None, class names, notes) of uint8
    images (n, H, W) or (n, H, W, 1 or 3) of any one size; `where` names them in errors."""
    from PIL import Image

    if images.dtype != np.uint8:
        _fail(where, f"images are {images.dtype}; give uint8 pixels 0..255")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or not len(images):
        _fail(where, f"images of shape {images.shape}; give (n, H, W), (n, H, W, 1) or "
              "(n, H, W, 3)")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer) or (
                labels.min() < 0):
            _fail(where, f"labels of shape {labels.shape} and type {labels.dtype}; give one "
                  "integer label 0, 1, ... per image")
        labels = labels.astype(np.int64)
        if len(class_names) <= labels.max():
            class_names = tuple(str(label) for label in range(int(labels.max()) + 1))
    notes = []
    if images.shape[1:3] != SIZE:
        notes = _size_notes({(images.shape[2], images.shape[1])})
        rgb = images if images.shape[-1] == 3 else np.repeat(images, 3, axis=-1)
        images = np.stack([np.asarray(_resized(Image.fromarray(image)), np.uint8)
                           for image in rgb])
    elif images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    return images, labels, tuple(class_names), notes


def to_channels(rgb, channels):
    """uint8 RGB images as `channels` (1: grey, by ITU-R 601 luma as PIL's "L" mode; 3: as
    they are; 0: grey when every image is grey, else colour)."""
    if channels == 0:
        grey = np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1],
                                                                          rgb[..., 2])
        channels = 1 if grey else 3
    if channels == 3:
        return rgb
    weights = np.array([299, 587, 114], np.uint32)
    return ((rgb.astype(np.uint32) @ weights + 500) // 1000).astype(np.uint8)[..., None]


def split(images, labels, holdout, seed):
    """(train images, train labels, test images, test labels): a seeded `holdout` fraction
    (at least one image when holdout > 0) kept aside."""
    labels = np.zeros(len(images), np.int64) if labels is None else labels
    order = np.random.default_rng(seed).permutation(len(images))
    count = max(1, round(holdout * len(images))) if holdout > 0 else 0
    test, train = order[:count], order[count:]
    return images[train], labels[train], images[test], labels[test]


def from_path(path, channels=0, holdout=0.1, seed=0, skip_bad=False, batch_size=1):
    """(spec, data.Arrays, notes) of the images at `path` (a folder, an .npz or .npy, or
    tfds:NAME); the spec (named NAME) is registered, replacing an earlier one of this name."""
    from tfgan_mnist import data

    if path.startswith(TFDS_PREFIX):
        rgb, labels, class_names, notes = from_arrays(*tfds_arrays(path[len(TFDS_PREFIX):]),
                                                      path)
    elif os.path.isdir(os.path.expanduser(path)):
        path = os.path.expanduser(path)
        rgb, labels, class_names, notes = read_folder(path, skip_bad)
    elif os.path.isfile(os.path.expanduser(path)):
        path = os.path.expanduser(path)
        if not path.lower().endswith((".npz", ".npy")):
            _fail(path, "a file that is not an .npz or .npy; give a folder of images or an "
                  "array file")
        rgb, labels, class_names, notes = read_array_file(path)
    else:
        _fail(path, "no such file or folder")
    images = to_channels(rgb, channels)
    train_images, train_labels, test_images, test_labels = split(images, labels, holdout, seed)
    if len(train_images) < batch_size:
        _fail(path, f"{len(train_images)} training images (after holding out "
              f"{len(test_images)}), fewer than one batch of --batch_size={batch_size}; give "
              "more images or a smaller --batch_size")
    described = (f"{len(images)} images from {path}, {len(class_names) or 'no'} classes, "
                 f"{images.shape[-1]} channel{'s' if images.shape[-1] > 1 else ''}")
    held_out = ((datasets.stored_form(test_images), test_labels) if len(test_images)
                else (None, None))  # --holdout=0: no test split
    arrays = data.Arrays(datasets.stored_form(train_images), train_labels, *held_out,
                         source=described)
    spec = register(images.shape[1:], class_names, described, arrays)
    return spec, arrays, notes


def register(image_shape, class_names, about, arrays):
    """The spec of a run's own images (named NAME), registered in place of any earlier one."""
    spec = datasets.DatasetSpec(NAME, tuple(image_shape), tuple(class_names),
                                load=lambda data_dir=None, download=True: arrays, about=about)
    datasets.unregister(NAME)
    return datasets.register(spec)


def fingerprint(arrays):
    """16 hex digits of a hash of the arrays' bytes: what a classifier trained on them is
    cached under."""
    digest = hashlib.blake2b(digest_size=8)
    for array in (arrays.train_images, arrays.train_labels, arrays.test_images,
                  arrays.test_labels):
        if array is not None:
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def keep(workdir, spec, arrays):
    """Write the arrays and spec to `<workdir>/dataset.npz` (atomically), unless there."""
    from tfgan_mnist import summaries

    path = os.path.join(workdir, KEPT_FILE)
    if os.path.exists(path):
        return path
    meta = json.dumps({"image_shape": list(spec.image_shape),
                       "class_names": list(spec.class_names), "about": spec.about})

    test_images, test_labels = arrays.test_images, arrays.test_labels
    if test_images is None:  # --holdout=0: an empty test split on disk
        test_images = np.zeros((0, *arrays.train_images.shape[1:]), np.uint8)
        test_labels = np.zeros((0,), np.int64)

    def write(tmp):
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, x_train=arrays.train_images, y_train=arrays.train_labels,
                                x_test=test_images, y_test=test_labels,
                                meta=np.frombuffer(meta.encode(), np.uint8))

    summaries.atomic_write(path, write)
    return path


def register_kept(workdir):
    """(spec, arrays) of the images a run in `workdir` trained on, registered again; None
    when the run did not train on its own images."""
    from tfgan_mnist import data

    path = os.path.join(workdir, KEPT_FILE)
    if not os.path.exists(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as kept:
            meta = json.loads(kept["meta"].tobytes().decode())
            held_out = ((kept["x_test"], kept["y_test"]) if len(kept["x_test"])
                        else (None, None))
            arrays = data.Arrays(kept["x_train"], kept["y_train"], *held_out,
                                 source=meta["about"] + f" (kept in {path})")
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"{path}: the run's kept images cannot be read ({error}); train "
                        "again in another --workdir") from None
    return register(meta["image_shape"], meta["class_names"], arrays.source, arrays), arrays


def for_run(config, say=print):
    """(config with dataset NAME, arrays) of a run on --images: the images kept in its workdir
    when it resumes, else read from --images (notes said with `say`)."""
    kept = register_kept(config.run_dir)
    if kept is not None:
        say(f"--images: resuming on the images kept in {os.path.join(config.run_dir, KEPT_FILE)}")
        return config.replace(dataset=NAME), kept[1]
    _, arrays, notes = from_path(config.images, config.channels, config.holdout, config.seed,
                                 config.skip_bad, config.batch_size * config.d_steps)
    for note in notes:
        say(f"--images: {note}")
    say(f"--images: {arrays.source}; {len(arrays.train_images)} to train on, "
        f"{0 if arrays.test_images is None else len(arrays.test_images)} held out "
        f"(--holdout={config.holdout:g})")
    return config.replace(dataset=NAME), arrays


# The classifier trained to score a run on its own labelled images: the shipped
# classifiers' network and recipe (`classifier.fit_network`), epochs for small sets.
CLASSIFIER_EPOCHS = 10
CLASSIFIER_MIN_STEPS = 1000  # small sets get more epochs: 2,000 images, 63 epochs of 16 steps
CLASSIFIER_SHIFT = 1


def trained_classifier(spec, arrays, workdir=None, say=print):
    """(classifier.Classifier, what its feature space is) for labelled images of `spec`:
    trained on the training split, or read from `<workdir>/classifier-<fingerprint>.weights.h5`
    where an earlier evaluation left it (the fingerprint is of the arrays, so other images
    never reuse it)."""
    from tfgan_mnist import classifier as classifier_lib

    path = (os.path.join(workdir, f"classifier-{fingerprint(arrays)}.weights.h5")
            if workdir else None)
    if path and os.path.exists(path):
        network = classifier_lib.build_network(image_shape=spec.image_shape,
                                               num_classes=spec.num_classes)
        network.load_weights(path)
        how = f"read from {path}"
    else:
        batch_size = min(128, len(arrays.train_images))
        steps_per_epoch = -(-len(arrays.train_images) // batch_size)
        epochs = max(CLASSIFIER_EPOCHS, -(-CLASSIFIER_MIN_STEPS // steps_per_epoch))
        say(f"training a classifier of the {spec.num_classes} classes on "
            f"{len(arrays.train_images)} training images ({epochs} epochs) to score in its "
            "feature space")
        network = classifier_lib.fit_network(
            arrays.train_images, arrays.train_labels, spec.image_shape, spec.num_classes,
            epochs, batch_size=batch_size, max_shift=CLASSIFIER_SHIFT)
        how = "trained now"
        if path:  # Keras wants the .weights.h5 ending: a partial file of that name first
            partial = path.replace(".weights.h5", f".partial-{os.getpid()}.weights.h5")
            try:
                network.save_weights(partial)
                os.replace(partial, path)
            finally:
                if os.path.exists(partial):
                    os.remove(partial)
            how = f"kept in {path}"
    classifier = classifier_lib.Classifier(network, NAME)
    accuracy = float(np.mean(classifier.predict_labels(arrays.test_images) == arrays.test_labels))
    return classifier, (f"a classifier of the shipped classifiers' network trained on the run's "
                        f"{len(arrays.train_images)} training images (held-out accuracy "
                        f"{accuracy:.3f}; {how})")


class GreyView:
    """A one-channel classifier reading colour images as grey (ITU-R 601 luma)."""

    def __init__(self, classifier, image_shape):
        self.classifier = classifier
        self.image_shape = tuple(image_shape)
        self.num_classes = classifier.num_classes

    def features_and_logits(self, images):
        images = np.asarray(images)
        if images.ndim == 4 and images.shape[-1] == 3:
            images = to_channels(images, 1)
        return self.classifier.features_and_logits(images)


def unlabelled_classifier(spec):
    """(classifier, what its feature space is) for unlabelled images: the shipped MNIST
    classifier's features (on grey versions of colour images), the nearest honest yardstick
    there is without labels to train one."""
    from tfgan_mnist import classifier as classifier_lib

    mnist = classifier_lib.load_classifier("mnist")
    if spec.channels == 1:
        return mnist, "the shipped MNIST classifier (the images have no labels)"
    return GreyView(mnist, spec.image_shape), (
        "the shipped MNIST classifier, on grey versions of the images (they have no labels)")
