"""Shared test helpers: tiny configs, synthetic and fixture data."""

import atexit
import os
import pathlib
import shutil
import tempfile
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pin_the_host(environ):
    """Make the suite independent of the machine it runs on (README, "Two commands").

    Set before TensorFlow or Keras is imported, in this process and so in every
    subprocess a test starts: no test reads the CPU's bfloat16 support (it is "unknown"
    unless $TFGAN_MNIST_BFLOAT16 names another answer, which is how the suite is run as
    if on another CPU), sees a GPU, reads ~/.keras/keras.json (its backend, floatx or
    image_data_format), or finds data or evaluation caches under ~/.cache or
    ~/tensorflow_datasets. Tests of timing run on a fake clock (test_train.fake_clock);
    the number of cores only sets how many xdist workers share the tests.
    """
    environ.setdefault("TFGAN_MNIST_BFLOAT16", "unknown")
    environ["CUDA_VISIBLE_DEVICES"] = ""
    environ["KERAS_BACKEND"] = "tensorflow"
    host = tempfile.mkdtemp(prefix="tfgan-mnist-tests-")  # one per xdist worker
    atexit.register(shutil.rmtree, host, ignore_errors=True)
    environ["KERAS_HOME"] = os.path.join(host, "keras")
    environ["TFGAN_MNIST_DATA_DIR"] = os.path.join(host, "no_data_cache")
    environ["TFDS_DATA_DIR"] = os.path.join(host, "no_tfds")


pin_the_host(os.environ)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tfgan_mnist import data, datasets, sampling_weights  # noqa: E402

# Standing batch-norm statistics over 2 batches of 32 in tests (16 of 256 by default):
# every figure a tiny run writes recomputes them eagerly. test_gan checks the arithmetic.
sampling_weights.STANDING_BATCHES = 2
sampling_weights.STANDING_BATCH = 32

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE_DIR = REPO_ROOT / "tests" / "data"


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, each worker starts with its share of the `long` tests.

    The worksteal schedule hands each of N workers a contiguous 1/N of the
    collection and lets idle workers steal from the tails of the others'
    queues; long tests that sit together in one file would run one after
    another on one worker. Here they go to the heads of the N shares, longest
    first, each to the share with the fewest seconds so far (the marker's
    `seconds`: an idle 2-core run's --durations), which keeps the wall time
    near the CPU time / N. The order is the same in every worker, as xdist
    requires.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    long = [item for item in items if item.get_closest_marker("long")]
    if workers < 2 or not long:
        return

    def hint(item):
        return item.get_closest_marker("long").kwargs.get("seconds", 10.0)

    heads, seconds = [[] for _ in range(workers)], [0.0] * workers
    for item in sorted(long, key=hint, reverse=True):  # stable: ties keep their order
        share = seconds.index(min(seconds))
        heads[share].append(item)
        seconds[share] += hint(item)
    rest = iter([item for item in items if not item.get_closest_marker("long")])
    ordered, left = [], len(items)
    for share in range(workers):
        size = left // (workers - share)  # what xdist sends this worker first
        left -= size
        ordered += heads[share] + [item for _, item in zip(range(size - len(heads[share])), rest)]
    ordered += list(rest)
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    items[:] = ordered


def random_arrays(count=64, seed=0):
    """Synthetic uint8 images and labels shaped like the dataset's training split."""
    rng = np.random.default_rng(seed)
    return types.SimpleNamespace(
        train_images=rng.integers(0, 256, (count, 28, 28), dtype=np.uint8),
        train_labels=rng.integers(0, 10, count).astype(np.int64))


def colour_arrays(data_dir=None, download=True):
    """A made-up colour dataset: 64 training and 16 test images, 28x28x3, 10 classes. Each
    channel has its own brightness, so a network that kept one channel for all three, or
    dropped two, would show it."""
    rng = np.random.default_rng(3)

    def images(count):
        pixels = rng.integers(0, 256, (count, 28, 28, 3)).astype(np.float64)
        return (pixels * np.array([1.0, 0.6, 0.2])).astype(np.uint8)

    return data.Arrays(images(64), rng.integers(0, 10, 64), images(16), rng.integers(0, 10, 16),
                       source="made-up colour images (tests/conftest.py)")


# Adding a dataset is one spec entry and its arrays: this made-up 3-channel one is
# registered for the whole suite (and every subprocess that imports this file).
COLOUR = datasets.register(datasets.DatasetSpec(
    "made_up_colour", (28, 28, 3), tuple("abcdefghij"), load=colour_arrays,
    about="random 28x28 RGB images for the tests"))


# Trained in float16 by `distributed_run.every_model`, the rest in bfloat16: each family of update in
# each precision (alternating and simultaneous steps, phases, a gradient penalty in each,
# BEGAN's k, energies, codes, autoencoders, two domains).
FLOAT16_MODELS = ("aae", "began", "cgan", "cogan_conv", "dcgan", "ebgan", "gan_mlp", "infogan",
                  "vae", "vae_gan", "wgan_gp")


@pytest.fixture
def tiny_config(tmp_path):
    """A Config for a very small, fast model and run in a temporary workdir."""
    from tfgan_mnist.config import Config

    return Config(workdir=str(tmp_path / "run"), data_dir=str(FIXTURE_DIR), train_steps=20,
                  batch_size=8, width=0.1, z_dim=8, log_every=10, summary_every=10,
                  checkpoint_every=10, steps_per_call=5, sample_grid=2)


@pytest.fixture
def no_downloads(monkeypatch, tmp_path):
    """Point every data directory at empty temporary ones and forbid downloads.

    The data tests (test_data, test_idx, test_downloads) use it on every test.
    """
    from tfgan_mnist import data, downloads

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "no_tfds"))
    monkeypatch.setenv("TFGAN_MNIST_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(downloads, "FASHION_INSTALLED_DIR", str(tmp_path / "not_installed"))

    def no_network(command, cwd, what, tool=None):
        raise data.DataError(f"{what}: network disabled in tests")

    def no_tfds_download(dataset):
        raise data.DataError("TFDS download: disabled in tests")

    monkeypatch.setattr(downloads, "_run", no_network)
    monkeypatch.setattr(data, "_tfds_download", no_tfds_download)
