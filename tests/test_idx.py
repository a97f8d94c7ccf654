"""idx.py: the IDX format, read and written, and the errors of damaged files."""

import gzip

import numpy as np
import pytest

from tfgan_mnist import data
from test_data import expect_error, idx_bytes, random_split

pytestmark = pytest.mark.usefixtures("no_downloads")


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("shape", [(7, 28, 28), (7,)])
def test_read_idx_round_trips(tmp_path, suffix, shape):
    array = np.arange(np.prod(shape), dtype=np.int64).astype(np.uint8).reshape(shape)
    path = tmp_path / ("file" + suffix)
    content = idx_bytes(array)
    path.write_bytes(gzip.compress(content) if suffix else content)
    result = data.read_idx(path)
    assert result.dtype == np.uint8 and result.shape == shape
    np.testing.assert_array_equal(result, array)


def test_write_idx_round_trips(tmp_path):
    images, labels = random_split(5)
    data.write_idx(tmp_path / "images.gz", images)
    data.write_idx(tmp_path / "labels", labels)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "images.gz"), images)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "labels"), labels)
    assert (tmp_path / "labels").read_bytes() == idx_bytes(labels)


def test_read_idx_rejects_bad_magic(tmp_path):
    path = tmp_path / "bad-magic"
    path.write_bytes(idx_bytes(np.zeros(4, np.uint8), magic=0x00000D01))
    expect_error(data.read_idx, path, "magic", "0x00000801", "0x00000803")


def test_read_idx_rejects_truncated_data(tmp_path):
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-100])
    expect_error(data.read_idx, path, "truncated", "(3, 28, 28)")


def test_read_idx_rejects_extra_data(tmp_path):
    path = tmp_path / "long-idx1-ubyte"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)) + b"\0")
    expect_error(data.read_idx, path, "extra bytes")


def test_read_idx_rejects_truncated_header(tmp_path):
    path = tmp_path / "tiny"
    path.write_bytes(b"\0\0\x08\x03\0\0")
    expect_error(data.read_idx, path, "header truncated")


def test_read_idx_rejects_truncated_gzip(tmp_path):
    path = tmp_path / "cut.gz"
    compressed = gzip.compress(idx_bytes(random_split(20)[0]))
    path.write_bytes(compressed[: len(compressed) // 2])
    expect_error(data.read_idx, path, "gzip")


def test_read_idx_rejects_corrupt_gzip(tmp_path):
    path = tmp_path / "corrupt.gz"
    compressed = bytearray(gzip.compress(idx_bytes(random_split(20)[0])))
    compressed[-6] ^= 0xFF  # breaks the stored CRC or length
    path.write_bytes(bytes(compressed))
    expect_error(data.read_idx, path, "gzip")


def test_read_idx_missing_file(tmp_path):
    expect_error(data.read_idx, tmp_path / "absent", "not found")


# --- validation through load_arrays --------------------------------------------
