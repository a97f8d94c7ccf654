"""The autoencoding and two-domain models: vae, cvae, aae, vae_gan, cogan.

Every registered one of them takes a step eagerly and compiled, changes in
each phase exactly the variables that phase owns, checkpoints and restores,
and draws its figures. The losses are checked against hand-computed values.
"""

import gzip
import math
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURE_DIR, REPO_ROOT
from tfgan_mnist import config as config_lib
from tfgan_mnist import losses, train, variants

OUR_MODELS = ("vae", "cvae", "aae", "vae_gan", "cogan", "cogan_conv")
MODELS = [name for name in OUR_MODELS if name in variants.names()]


def tiny_config(name, **changes):
    """A config for a very small model."""
    values = dict(model=name, width=0.1, z_dim=4, batch_size=8, seed=3)
    values.update(changes)
    return config_lib.Config(**values)


def read_idx_images(path):
    """uint8 (n, 28, 28) images of a gzipped IDX file."""
    raw = gzip.open(path).read()
    count = int.from_bytes(raw[4:8], "big")
    return np.frombuffer(raw, np.uint8, offset=16).reshape(count, 28, 28)


def read_idx_labels(path):
    """int labels of a gzipped IDX file."""
    return np.frombuffer(gzip.open(path).read(), np.uint8, offset=8).astype(np.int32)


def fixture_batch(model, count=8, offset=0):
    """(images in the model's range, labels) of real fixture digits."""
    folder = FIXTURE_DIR / "mnist"
    images = read_idx_images(folder / "train-images-idx3-ubyte.gz")[offset:offset + count]
    labels = read_idx_labels(folder / "train-labels-idx1-ubyte.gz")[offset:offset + count]
    low, high = model.image_range
    scaled = images.astype(np.float32)[..., None] / 255.0 * (high - low) + low
    return tf.constant(scaled), tf.constant(labels)


# ----- losses against hand-computed values ------------------------------------

def softplus(x):
    return math.log1p(math.exp(x))


def test_bernoulli_reconstruction_loss_sums_pixels_and_averages_images():
    images = tf.constant([1.0, 0.0, 0.5, 1.0], shape=(1, 2, 2, 1))
    logits = tf.constant([0.0, 2.0, 0.0, -1.0], shape=(1, 2, 2, 1))
    # -x log s(l) - (1 - x) log(1 - s(l)): ln 2, softplus(2), ln 2, softplus(1)
    expected = 2 * math.log(2.0) + softplus(2.0) + softplus(1.0)
    assert expected == pytest.approx(4.826484, abs=1e-6)
    value = losses.bernoulli_reconstruction_loss(images, logits)
    assert float(value) == pytest.approx(expected, rel=1e-6)
    doubled = losses.bernoulli_reconstruction_loss(tf.concat([images, images], 0),
                                                   tf.concat([logits, logits], 0))
    assert float(doubled) == pytest.approx(expected, rel=1e-6)  # a mean over images


def test_bernoulli_reconstruction_loss_equals_the_collections_clipped_formula():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(3, 28, 28, 1)).astype(np.float32)
    logits = rng.normal(scale=3.0, size=(3, 28, 28, 1)).astype(np.float32)
    out = np.clip(1 / (1 + np.exp(-logits.astype(np.float64))), 1e-8, 1 - 1e-8)
    # TwistedW VAE.py: -mean(sum(x log y + (1 - x) log(1 - y), [1, 2]))
    expected = -np.mean(np.sum(images * np.log(out) + (1 - images) * np.log(1 - out),
                               axis=(1, 2, 3)))
    value = losses.bernoulli_reconstruction_loss(images, logits)
    assert float(value) == pytest.approx(expected, rel=1e-5)


def test_gaussian_kl_divergence_matches_hand_computed_value():
    mean = tf.constant([[1.0, 0.0], [0.0, 0.0]])
    stddev = tf.constant([[1.0, 0.5], [1.0, 1.0]])
    # first row: 0.5 * ((1 + 1 - 0 - 1) + (0 + 0.25 - log 0.25 - 1)); second row: 0
    first = 0.5 * (1.0 + (0.25 - math.log(0.25) - 1.0))
    assert first == pytest.approx(0.818147, abs=1e-6)
    value = losses.gaussian_kl_divergence(mean, stddev)
    assert float(value) == pytest.approx(first / 2, rel=1e-5)


def test_gaussian_kl_divergence_is_zero_at_the_prior():
    value = losses.gaussian_kl_divergence(tf.zeros((4, 3)), tf.ones((4, 3)))
    assert float(value) == pytest.approx(0.0, abs=1e-6)


def test_l1_reconstruction_loss_is_the_mean_absolute_difference():
    value = losses.l1_reconstruction_loss(tf.constant([[0.0, 1.0]]), tf.constant([[0.5, -1.0]]))
    assert float(value) == pytest.approx(1.25)


def test_unit_gaussian_negative_log_likelihood_matches_hand_computed_value():
    value = losses.unit_gaussian_negative_log_likelihood(tf.constant([[1.0, 2.0]]),
                                                         tf.constant([[0.0, 0.0]]))
    expected = 0.5 * (1.0 + 4.0) + math.log(2 * math.pi)
    assert expected == pytest.approx(4.337877, abs=1e-6)
    assert float(value) == pytest.approx(expected, rel=1e-6)


# ----- every model --------------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_figures_are_uint8_grids_of_the_stated_size(name):
    model = variants.build(tiny_config(name))
    images, labels = fixture_batch(model, count=8)
    model.set_reference_images(np.round((images.numpy()[..., 0] - model.image_range[0])
                                        / (model.image_range[1] - model.image_range[0]) * 255)
                               .astype(np.uint8), labels.numpy())
    figures = model.figures(4)
    assert "samples" in figures or "pairs" in figures
    for figure_name, figure in figures.items():
        assert figure.images.dtype == np.uint8, figure_name
        assert figure.images.shape[1:] == (28, 28, 1), figure_name
        assert len(figure.images) == figure.rows * figure.cols, figure_name


# ----- autoencoder specifics ------------------------------------------------------

AUTOENCODERS = [name for name in ("vae", "cvae", "aae", "vae_gan") if name in MODELS]


@pytest.mark.parametrize("name", AUTOENCODERS)
def test_reconstruction_figure_puts_real_rows_over_their_reconstructions(name):
    model = variants.build(tiny_config(name))
    images, labels = fixture_batch(model, count=8)
    pixels = np.round((images.numpy()[..., 0] - model.image_range[0])
                      / (model.image_range[1] - model.image_range[0]) * 255).astype(np.uint8)
    model.set_reference_images(pixels, labels.numpy())
    figure = model.figures(4)["reconstructions"]
    assert (figure.rows, figure.cols) == (4, 4)
    assert figure.row_labels == ["real", "rec.", "real", "rec."]
    np.testing.assert_array_equal(figure.images[0:4, ..., 0], pixels[0:4])
    np.testing.assert_array_equal(figure.images[8:12, ..., 0], pixels[4:8])
    expected = model.to_uint8(model.reconstruct(images[:4], labels[:4])).numpy()
    np.testing.assert_array_equal(figure.images[4:8], expected)


@pytest.mark.parametrize("name", [n for n in ("vae", "aae", "vae_gan") if n in MODELS])
def test_two_dimensional_latent_space_gets_a_manifold_figure(name):
    model = variants.build(tiny_config(name, z_dim=2))
    figure = model.figures(3)["manifold"]
    assert (figure.rows, figure.cols) == (6, 6)
    assert "manifold" not in variants.build(tiny_config(name, z_dim=3)).figures(3)


@pytest.mark.skipif("vae" not in MODELS, reason="vae not registered")
def test_vae_neg_elbo_is_reconstruction_plus_kl():
    model = variants.build(tiny_config("vae"))
    images, labels = fixture_batch(model)
    terms, _ = model.vae_loss(images, labels)
    assert list(terms) == ["reconstruction_loss", "kl_divergence"]
    assert all(weight == 1.0 for weight, _ in terms.values())
    _, logs = model.phase_gradients(model.phase("vae"), images, labels)
    assert float(logs["neg_elbo"]) == pytest.approx(
        float(logs["reconstruction_loss"]) + float(logs["kl_divergence"]), rel=1e-6)
    assert float(logs["kl_divergence"]) > 0.0
    assert model.metric_names == ("neg_elbo", "reconstruction_loss", "kl_divergence")


@pytest.mark.skipif("cvae" not in MODELS, reason="cvae not registered")
def test_cvae_samples_one_row_per_class_with_one_style_per_column():
    model = variants.build(tiny_config("cvae"))
    figure = model.figures(3)["samples"]
    assert (figure.rows, figure.cols, figure.row_labels) == (10, 3, list(range(10)))
    latent = model.sample_latent(5, labels=tf.constant([0, 1, 2, 3, 9]))
    np.testing.assert_array_equal(latent[:, -10:].numpy(), np.eye(10)[[0, 1, 2, 3, 9]])


@pytest.mark.skipif("aae" not in MODELS, reason="aae not registered")
def test_aae_reconstruction_loss_falls_on_real_digits():
    model = variants.build(tiny_config("aae", width=0.25, batch_size=32))
    images, labels = fixture_batch(model, count=32)
    step = tf.function(model.train_step)
    first = [float(step((images, labels))["reconstruction_loss"])]
    for _ in range(40):
        logs = step((images, labels))
    for tracker in model.metrics:
        tracker.reset_state()
    last = float(step((images, labels))["reconstruction_loss"])
    assert last < 0.7 * first[0], (first, last)


# ----- configs -----------------------------------------------------------------------

def our_config_files():
    return sorted(path for path in (REPO_ROOT / "configs").glob("*.flags")
                  if any(path.stem == m or path.stem.startswith(m + "_") for m in OUR_MODELS))


def parse_flagfile(path):
    """A flagfile's flags (an included --flagfile read in place) as Config field values."""
    for line in pathlib.Path(path).read_text().splitlines():
        if not line.startswith("--"):
            assert not line.strip() or line.startswith("#"), f"{path}: stray line {line!r}"
    config = config_lib.Config.from_strings(config_lib.read_flagfile(str(path)))
    return {name: getattr(config, name) for name in config_lib.read_flagfile(str(path))}


def test_there_is_a_config_for_each_of_our_models():
    stems = {path.stem for path in our_config_files()}
    assert set(MODELS) <= stems


@pytest.mark.parametrize("path", our_config_files(), ids=lambda p: p.name)
def test_config_parses_and_names_a_registered_model(path):
    values = parse_flagfile(path)
    config = config_lib.Config(**values)
    assert config.model in variants.names()
    # named by the model, then _fashion for Fashion-MNIST or _tf for a source's other
    # file's recipe (cogan_tf.flags: the tutorial's TensorFlow file)
    assert path.stem.split("_fashion")[0].removesuffix("_tf") == config.model
    text = path.read_text()
    assert f"--flagfile=configs/{path.name}" in text  # says how to run it


@pytest.mark.skipif("vae_gan" not in MODELS, reason="vae_gan not registered")
def test_minibatch_discrimination_matches_the_collections_formula():
    from tfgan_mnist.networks import MinibatchDiscrimination

    layer = MinibatchDiscrimination(kernels=3, dims=2, seed=0)
    inputs = np.random.default_rng(1).normal(size=(4, 5)).astype(np.float32)
    outputs = layer(inputs).numpy()
    m = (inputs @ layer.linear.kernel.numpy() + layer.linear.bias.numpy()).reshape(4, 3, 2)
    # ops.py MinibatchLayer: L1 distances between examples per kernel, exp(-c), mean - 1
    distances = np.abs(m[None, :, :, :] - m[:, None, :, :]).sum(axis=3)
    expected = np.exp(-distances).mean(axis=1) - 1.0
    np.testing.assert_allclose(outputs[:, :3], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(outputs[:, 3:], inputs)


def test_latent_scatter_tool_reads_the_saved_config(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("latent_scatter",
                                                  REPO_ROOT / "tools" / "latent_scatter.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    saved = tiny_config("vae" if "vae" in MODELS else MODELS[0], z_dim=2)
    (tmp_path / train.FLAGFILE).write_text(saved.to_flags())
    loaded = tool.config_from_workdir(str(tmp_path))
    assert loaded == saved.replace(workdir=str(tmp_path))
    path = tmp_path / "scatter.png"
    tool.save_latent_scatter(str(path), np.random.default_rng(0).normal(size=(50, 2)),
                             np.arange(50) % 10, "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
