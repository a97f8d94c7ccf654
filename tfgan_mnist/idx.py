"""The IDX file format of MNIST and Fashion-MNIST: reading, writing, and the errors of data files.

Big-endian header: magic 0x00000803 (images: count, rows, cols) or
0x00000801 (labels: count), then uint8 data; usually gzipped.
"""

import gzip
import os
import struct
import tempfile
import zlib

import numpy as np

from tfgan_mnist import datasets


class DataError(Exception):
    """One-line, user-facing message naming the file/dataset and what is valid or how to fix it."""


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


def idx_bytes(array: np.ndarray) -> bytes:
    """Return `array` (uint8, 1 or 3 dimensions) encoded as an IDX file."""
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise ValueError(f"IDX writer takes uint8 arrays of 1 or 3 dimensions, got "
                         f"{array.dtype} {array.shape}")
    magic = (_IDX_UBYTE << 8) | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def write_atomic(path, content: bytes) -> None:
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
    content = idx_bytes(array)
    if str(path).endswith(".gz"):
        # mtime=0 keeps the output byte-for-byte reproducible.
        content = gzip.compress(content, compresslevel=6, mtime=0)
    write_atomic(path, content)


def expected_image_shapes(image_shape):
    """The shapes one image may have in a split of `image_shape` (H, W, C): (H, W, C), and
    (H, W) for one channel."""
    height, width, channels = image_shape
    return [(height, width, channels)] + ([(height, width)] if channels == 1 else [])


def shapes_phrase(image_shape, count=None):
    """The shapes `expected_image_shapes` allows, for a message: "(N, 28, 28, 1) or
    (N, 28, 28)" with count "N", "(28, 28, 1) or (28, 28)" without."""
    lead = (count,) if count else ()
    return " or ".join("(" + ", ".join(map(str, (*lead, *shape))) + ")"
                       for shape in expected_image_shapes(image_shape))


def check_split(images, labels, images_name, labels_name, image_shape=datasets.MNIST_SHAPE,
                num_classes=len(datasets.DIGITS)):
    """Validate one split of a dataset whose images are `image_shape` (H, W, C) and whose
    labels are 0..num_classes-1; return it as (uint8 images, int64 labels). One-channel
    images may come as (N, H, W) and stay so."""
    images = np.asarray(images)
    labels = np.asarray(labels)
    allowed = expected_image_shapes(image_shape)
    if images.shape[1:] not in allowed:
        raise DataError(f"{images_name}: images have shape {images.shape}; expected "
                        + shapes_phrase(image_shape, "N"))
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
        raise DataError(f"{labels_name}: labels are {labels.dtype}; expected integers "
                        f"0..{num_classes - 1}")
    if len(images) == 0:
        raise DataError(f"{images_name}: holds no images")
    if len(labels) != len(images):
        raise DataError(f"{labels_name} has {len(labels)} labels but {images_name} "
                        f"has {len(images)} images; the counts must match")
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        raise DataError(f"{labels_name}: found label {bad}; labels must be 0..{num_classes - 1}")
    return images, labels.astype(np.int64)
