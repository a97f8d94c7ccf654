"""The GAN collection on the infoGAN-paper networks: every model's step, sampling, configs."""

import math
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import networks, variants
from tfgan_mnist.variants import dragan

COLLECTION_MODELS = ("gan", "cgan", "acgan", "infogan", "lsgan", "wgan", "wgan_gp", "dragan")
CONDITIONAL_MODELS = ("cgan", "acgan", "infogan")
CONFIG_DIR = pathlib.Path(__file__).resolve().parent.parent / "configs"
COLLECTION_CONFIGS = tuple(
    path.stem for path in sorted(CONFIG_DIR.glob("*.flags"))
    if not path.stem.endswith("_fashion")
    and any(f"--model={m}\n" in path.read_text() for m in COLLECTION_MODELS))
BATCH = 8


def build_tiny(tiny_config, name, **changes):
    """A tiny compiled collection model (width 0.05: a few units per layer)."""
    return variants.build(tiny_config.replace(model=name, width=0.05, **changes))


def tiny_batch(count=BATCH, seed=0):
    """Real-looking images in [0, 1] and labels 0..9."""
    rng = np.random.default_rng(seed)
    images = tf.constant(rng.uniform(0, 1, (count, 28, 28, 1)), tf.float32)
    return images, tf.constant(np.arange(count) % 10, tf.int32)


def test_registry_holds_the_collection():
    assert set(COLLECTION_MODELS) <= set(variants.names())


@pytest.mark.parametrize("name", ["wgan", "wgan_gp"])
def test_train_step_with_several_critic_updates(tiny_config, name):
    model = build_tiny(tiny_config, name, d_steps=3)
    logs = model.train_step(tiny_batch(3 * BATCH))
    assert int(model.step.numpy()) == 1
    assert int(model.d_optimizer.iterations.numpy()) == 3
    assert int(model.g_optimizer.iterations.numpy()) == 1
    assert all(math.isfinite(float(v)) for v in logs.values())


@pytest.mark.parametrize("name", ["wgan_gp", "dragan", "gan"])
def test_penalized_discriminator_loss_is_its_logged_parts(tiny_config, name):
    """D minimizes d_loss + gp_weight * gradient_penalty; each term is logged alone."""
    from tfgan_mnist.gan import total_loss

    model = build_tiny(tiny_config, name, **({} if name == "gan" else {"gp_weight": 3.0}))
    terms, logs = model.discriminator_phase(*tiny_batch())
    if name == "gan":  # no penalty term: the loss is d_loss alone
        assert list(terms) == ["d_loss"] and "gradient_penalty" not in model.metric_names
        assert float(total_loss(terms)) == float(terms["d_loss"][1])
        return
    assert list(terms) == ["d_loss", "gradient_penalty"] and terms["gradient_penalty"][0] == 3.0
    assert "gradient_penalty" in model.metric_names and float(terms["gradient_penalty"][1]) > 0
    assert float(total_loss(terms)) == pytest.approx(
        float(terms["d_loss"][1]) + 3.0 * float(terms["gradient_penalty"][1]), rel=1e-6)


def test_wgan_clips_every_critic_weight(tiny_config):
    model = build_tiny(tiny_config, "wgan", clip_value=0.003)
    assert max(float(tf.reduce_max(tf.abs(v))) for v in model.d_variables) > 0.003
    model.discriminator_update(*tiny_batch())
    for variable in model.d_variables:
        assert float(tf.reduce_max(tf.abs(variable))) <= 0.003 + 1e-7, variable.path
    assert max(float(tf.reduce_max(tf.abs(v))) for v in model.g_variables) > 0.003


def test_lsgan_and_wgan_log_raw_outputs_and_do_not_clip(tiny_config):
    model = build_tiny(tiny_config, "lsgan")
    assert float(model.discriminator_score(tf.constant([[-3.0]]))[0, 0]) == -3.0
    model.discriminator_update(*tiny_batch())
    assert max(float(tf.reduce_max(tf.abs(v))) for v in model.d_variables) > 0.01


def test_the_discriminator_exposes_its_features_and_scaled_widths():
    discriminator = networks.CollectionDiscriminator(width=0.25, seed=0)
    images = tf.zeros((2, 28, 28, 1))
    assert discriminator.features(images).shape == (2, 256)
    assert discriminator(images).shape == (2, 1)
    kernels = [tuple(v.shape) for v in discriminator.trainable_variables
               if v.path.endswith("kernel")]
    assert kernels == [(4, 4, 1, 16), (4, 4, 16, 32), (7 * 7 * 32, 256), (256, 1)]
    generator = networks.CollectionGenerator(width=0.25, seed=0)
    assert generator(tf.zeros((2, 72))).shape == (2, 28, 28, 1)
    kernels = [tuple(v.shape) for v in generator.trainable_variables
               if v.path.endswith("kernel")]
    assert kernels == [(72, 256), (256, 7 * 7 * 32), (4, 4, 16, 32), (4, 4, 1, 16)]


def test_full_width_networks_use_the_collection_initialisers():
    discriminator = networks.CollectionDiscriminator(seed=0)
    generator = networks.CollectionGenerator(seed=0)
    discriminator(tf.zeros((1, 28, 28, 1)))
    generator(tf.zeros((1, 62)))
    conv = discriminator.conv1.kernel.numpy()
    assert np.abs(conv).max() <= 2 * 0.02 + 1e-7  # truncated at two standard deviations
    dense = discriminator.fc3.kernel.numpy()
    assert dense.std() == pytest.approx(0.02, rel=0.02)
    assert np.abs(dense).max() > 3 * 0.02  # untruncated normal
    assert np.abs(generator.dc3.kernel.numpy()).max() > 3 * 0.02
    assert discriminator.bn2.momentum == 0.9 and discriminator.bn2.epsilon == 1e-5


def test_cgan_discriminator_reads_ten_label_maps(tiny_config):
    model = build_tiny(tiny_config, "cgan")
    assert tuple(model.discriminator.conv1.kernel.shape)[2] == 11
    assert model.generator.fc1.kernel.shape[0] == tiny_config.z_dim + 10
    images = tf.zeros((2, 28, 28, 1))
    outputs = [model.call_discriminator(images, tf.constant([k, k])) for k in (3, 7)]
    assert not np.allclose(outputs[0].numpy(), outputs[1].numpy())


@pytest.mark.parametrize("name", CONDITIONAL_MODELS)
def test_conditional_models_draw_a_class_by_style_grid(tiny_config, name):
    model = build_tiny(tiny_config, name)
    figures = model.figures(2)
    grid = figures["class_by_style"]
    assert (grid.rows, grid.cols, grid.images.shape) == (10, 10, (100, 28, 28, 1))
    assert grid.col_labels == list(range(10))
    latent = model.class_by_style_latent().numpy()
    z = tiny_config.z_dim
    # each row shares its noise; each column is one class
    assert np.array_equal(latent[0, :z], latent[9, :z])
    assert not np.array_equal(latent[0, :z], latent[10, :z])
    assert list(latent[:10, z:z + 10].argmax(axis=1)) == list(range(10))


def test_infogan_sweeps_each_continuous_code_per_class(tiny_config):
    model = build_tiny(tiny_config, "infogan")
    figures = model.figures(2)
    assert {"grid", "class_by_style", "continuous_code_0", "continuous_code_1"} == set(figures)
    z = tiny_config.z_dim
    latent = model.continuous_sweep_latent(1).numpy()
    assert latent.shape == (100, z + 12)
    np.testing.assert_allclose(latent[:10, z + 11], np.linspace(-1, 1, 10), atol=1e-6)
    assert np.all(latent[:, z + 10] == 0)
    assert list(latent[::10, z:z + 10].argmax(axis=1)) == list(range(10))
    assert figures["continuous_code_1"].row_labels == list(range(10))


@pytest.mark.parametrize("supervised", [True, False])
def test_infogan_codes_follow_the_supervision_flag(tiny_config, supervised):
    model = build_tiny(tiny_config, "infogan", info_supervised=supervised)
    labels = tf.fill((200,), 4)
    inputs = model.sample_latent(200, model.code_labels(labels))
    one_hot, continuous = model.split_codes(inputs)
    codes = one_hot.numpy().argmax(axis=1)
    if supervised:
        assert np.all(codes == 4)
    else:
        assert len(set(codes)) == 10
    assert continuous.shape == (200, 2)
    assert -1.0 <= float(tf.reduce_min(continuous)) < -0.8
    assert 0.8 < float(tf.reduce_max(continuous)) <= 1.0


def test_infogan_reads_continuous_codes_from_raw_q_outputs(tiny_config):
    model = build_tiny(tiny_config, "infogan", info_categorical_weight=0.0)
    inputs = model.sample_latent(2, tf.constant([1, 2]))
    _, continuous = model.split_codes(inputs)
    q_outputs = tf.concat([tf.zeros((2, 10)), continuous], axis=1)
    total, _, continuous_loss, _ = model.information_losses(inputs, q_outputs)
    assert float(continuous_loss) == 0.0 and float(total) == 0.0


def test_dragan_perturbation_is_one_sided_and_half_a_std():
    images, _ = tiny_batch()
    perturbed = dragan.perturb(images, seed=3)
    difference = (perturbed - images).numpy()
    half_std = 0.5 * float(tf.math.reduce_std(images))
    assert difference.min() >= 0.0 and difference.max() < half_std
    assert difference.max() > 0.9 * half_std


@pytest.mark.parametrize("config_name", COLLECTION_CONFIGS)
def test_collection_configs_parse_and_name_a_registered_model(config_name, monkeypatch):
    from tfgan_mnist import main

    monkeypatch.chdir(CONFIG_DIR.parent)  # flagfiles name each other relative to the root
    for suffix in ("", "_fashion"):
        path = CONFIG_DIR / f"{config_name}{suffix}.flags"
        if suffix and not path.exists():
            continue
        assert path.read_text().startswith("#")
        try:
            main.FLAGS(["prog", f"--flagfile={path}"])
            config = main.config_from_flags()
        finally:
            main.FLAGS.unparse_flags()
        assert config.model in COLLECTION_MODELS
        assert (config.batch_size, config.z_dim, config.beta1) == (64, 62, 0.5)
        assert config.dataset == ("fashion_mnist" if suffix else "mnist")
        epochs = 40 if suffix else 25
        assert config.train_steps == epochs * (60_000 // 64)
