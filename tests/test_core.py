"""The shared machinery: losses, the vanilla networks, the GAN step, the sampler, resume."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import random_arrays
from tfgan_mnist import config as config_lib
from tfgan_mnist import gan, losses, networks, pipeline, registry, train, variants, workdir


def softplus(x):
    return math.log1p(math.exp(x))


# ----- losses ---------------------------------------------------------------

REAL_LOGITS = tf.constant([[2.0], [-1.0]])
FAKE_LOGITS = tf.constant([[0.5], [-3.0]])


def test_minimax_discriminator_loss_matches_hand_computed_value():
    # -log sigmoid(x) = softplus(-x); -log(1 - sigmoid(x)) = softplus(x)
    expected = ((softplus(-2.0) + softplus(1.0)) / 2) + ((softplus(0.5) + softplus(-3.0)) / 2)
    value = losses.minimax_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)
    assert float(value) == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(1.231427, abs=1e-6)


def test_modified_generator_loss_matches_hand_computed_value():
    expected = (softplus(-0.5) + softplus(3.0)) / 2
    assert float(losses.modified_generator_loss(FAKE_LOGITS)) == pytest.approx(expected, rel=1e-6)


def test_minimax_generator_loss_is_log_of_one_minus_d():
    expected = -(softplus(0.5) + softplus(-3.0)) / 2
    assert float(losses.minimax_generator_loss(FAKE_LOGITS)) == pytest.approx(expected, rel=1e-6)


def test_losses_compute_in_float32_from_bfloat16_outputs():
    value = losses.minimax_discriminator_loss(tf.cast(REAL_LOGITS, tf.bfloat16),
                                              tf.cast(FAKE_LOGITS, tf.bfloat16))
    assert value.dtype == tf.float32


# ----- the vanilla networks -------------------------------------------------

def test_vanilla_networks_have_the_tutorial_shapes_and_ranges():
    generator, discriminator = networks.MLPGenerator(seed=1), networks.MLPDiscriminator(seed=2)
    z = tf.random.uniform((5, 100), -1, 1)
    images = generator(z)
    assert images.shape == (5, 28, 28, 1)
    assert float(tf.reduce_min(images)) >= 0.0 and float(tf.reduce_max(images)) <= 1.0
    assert discriminator(images).shape == (5, 1)
    assert [tuple(v.shape) for v in generator.trainable_variables] == [
        (100, 128), (128,), (128, 784), (784,)]
    assert [tuple(v.shape) for v in discriminator.trainable_variables] == [
        (784, 128), (128,), (128, 1), (1,)]


def test_xavier_init_has_the_tutorial_stddev():
    generator = networks.MLPGenerator(seed=3)
    generator(tf.zeros((1, 100)))
    hidden_kernel = generator.hidden.kernel.numpy()
    # The tutorial: stddev = 1 / sqrt(in_dim / 2), untruncated.
    assert hidden_kernel.std() == pytest.approx(1 / math.sqrt(100 / 2), rel=0.03)
    assert np.abs(hidden_kernel).max() > 2.5 * hidden_kernel.std()  # not truncated at 2 sigma
    assert not generator.hidden.bias.numpy().any()


# ----- the GAN step ---------------------------------------------------------


def tiny_vanilla(**overrides):
    keras.utils.set_random_seed(0)
    values = dict(width=0.1, z_dim=8, batch_size=4)
    values.update(overrides)
    return variants.build(config_lib.Config(**values))


def test_train_step_counts_steps_and_tracks_means():
    model = tiny_vanilla()
    batch = (tf.random.uniform((4, 28, 28, 1)), tf.zeros((4,), tf.int32))
    first = {k: float(v) for k, v in model.train_step(batch).items()}
    assert set(first) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0.0 < first["d_real"] < 1.0 and first["d_loss"] > 0.0
    model.train_step(batch)
    assert int(model.step.numpy()) == 2
    assert model.trackers["d_loss"].count.numpy() == 2


def test_d_steps_gives_each_discriminator_update_its_own_real_batch():
    model = tiny_vanilla(d_steps=3)
    seen = []
    original = model.discriminator_phase

    def recording_phase(images, labels):
        seen.append(images.numpy())
        return original(images, labels)

    model.discriminator_phase = recording_phase
    images = tf.reshape(tf.range(6 * 784, dtype=tf.float32) / (6 * 784), (6, 28, 28, 1))
    model.train_step((images, tf.zeros((6,), tf.int32)))
    assert [s.shape[0] for s in seen] == [2, 2, 2]
    assert np.array_equal(np.concatenate(seen), images.numpy())
    assert int(model.d_optimizer.iterations.numpy()) == 3
    assert int(model.g_optimizer.iterations.numpy()) == 1


def test_statistics_frozen_restores_batch_norm_moving_averages():
    network = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization()])
    before = [v.numpy().copy() for v in network.non_trainable_variables]
    with gan.statistics_frozen(network):
        out = network(tf.constant([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]), training=True)
    # Batch statistics were used (outputs normalised) but the averages did not move.
    assert np.allclose(out.numpy().mean(axis=0), 0.0, atol=1e-3)
    for old, variable in zip(before, network.non_trainable_variables):
        assert np.array_equal(old, variable.numpy())
    network(tf.constant([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]), training=True)
    assert not np.array_equal(before[0], network.non_trainable_variables[0].numpy())


def test_fit_trains_on_a_plain_image_array():
    model = tiny_vanilla()
    images = np.random.default_rng(0).uniform(size=(16, 28, 28, 1)).astype("float32")
    history = model.fit(images, batch_size=4, epochs=1, verbose=0)
    assert int(model.step.numpy()) == 4
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}


# ----- sampler --------------------------------------------------------------

def test_sampler_draws_each_image_once_per_epoch_and_scales_it():
    images = np.arange(10, dtype=np.uint8).repeat(784).reshape(10, 28, 28)
    sampler = pipeline.InMemorySampler(images, np.arange(10), 3, (-1.0, 1.0), seed=5)
    epoch = [sampler.next_batch() for _ in range(3)]
    labels = np.concatenate([b[1].numpy() for b in epoch])
    assert len(set(labels)) == 9  # 3 full batches; the 10th image waits for the next epoch
    first_images, first_labels = epoch[0]
    assert first_images.shape == (3, 28, 28, 1)
    expected = first_labels.numpy().astype(np.float32) / 127.5 - 1.0
    assert np.allclose(first_images.numpy()[:, 0, 0, 0], expected)
    sampler.next_batch()
    assert int(sampler.epoch.numpy()) == 1


def test_sampler_state_restores_from_a_checkpoint(tmp_path):
    images = np.zeros((10, 28, 28), np.uint8)
    sampler = pipeline.InMemorySampler(images, np.arange(10), 4, (0.0, 1.0), seed=1)
    sampler.next_batch()
    path = tf.train.Checkpoint(sampler=sampler).save(str(tmp_path / "ckpt"))
    expected = [sampler.next_batch()[1].numpy() for _ in range(4)]
    fresh = pipeline.InMemorySampler(images, np.arange(10), 4, (0.0, 1.0), seed=99)
    tf.train.Checkpoint(sampler=fresh).restore(path).assert_consumed()
    assert [fresh.next_batch()[1].numpy().tolist() for _ in range(4)] == [
        e.tolist() for e in expected]


def test_sampler_refuses_a_batch_larger_than_the_dataset():
    with pytest.raises(ValueError, match="batch of 20 needs at least that many images"):
        pipeline.InMemorySampler(np.zeros((10, 28, 28), np.uint8), np.zeros(10), 20, (0, 1))


# ----- config and registry --------------------------------------------------

def test_config_errors_name_the_field_and_what_is_valid():
    with pytest.raises(config_lib.ConfigError, match=r"^--batch_size=0: must be positive$"):
        config_lib.Config(batch_size=0)
    with pytest.raises(config_lib.ConfigError, match=r"--beta1=1.5: must be in \[0, 1\)"):
        config_lib.Config(beta1=1.5)
    with pytest.raises(config_lib.ConfigError, match=r"--model=nope: valid models: .*vanilla_gan"):
        variants.build(config_lib.Config(model="nope"))  # the flag's enum checks it too
    with pytest.raises(config_lib.ConfigError, match=r"--dataset=cifar: valid values: mnist, fashion_mnist"):
        config_lib.Config(dataset="cifar")


def test_registry_refuses_a_second_model_under_a_taken_name():
    with pytest.raises(ValueError, match="'vanilla_gan' is already registered"):
        registry.register("vanilla_gan")(lambda config: None)


# ----- training and resume --------------------------------------------------

def final_weights(config, arrays):
    run = train.prepare(config, arrays)
    return [v.numpy() for v in run.model.variables]


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tiny_config, tmp_path,
                                                                    capsys):
    arrays = random_arrays()
    straight = tiny_config.replace(workdir=str(tmp_path / "straight"))
    train.train(straight, arrays)
    halted = tiny_config.replace(workdir=str(tmp_path / "halted"), train_steps=10)
    train.train(halted, arrays)
    resumed = halted.replace(train_steps=20)
    train.train(resumed, arrays)
    assert "resuming from" in capsys.readouterr().out
    for a, b in zip(final_weights(straight, arrays), final_weights(resumed, arrays)):
        np.testing.assert_array_equal(a, b)


def test_a_nan_loss_stops_the_run_and_keeps_the_last_checkpoint(tiny_config, monkeypatch):
    arrays = random_arrays()
    train.train(tiny_config.replace(train_steps=10), arrays)
    poisoned = staticmethod(lambda outputs: tf.reduce_mean(outputs) * np.nan)
    monkeypatch.setattr(gan.GAN, "generator_loss", poisoned)
    with pytest.raises(train.TrainingDiverged, match=r"^g_loss is nan at step 11; .*ckpt-10\) is intact$"):
        train.train(tiny_config, arrays)
    assert tf.train.latest_checkpoint(f"{tiny_config.run_dir}/checkpoints").endswith("ckpt-10")


def test_a_workdir_of_another_model_is_refused(tiny_config):
    train.train(tiny_config.replace(train_steps=10), random_arrays())
    other = tiny_config.replace(dataset="fashion_mnist")
    with pytest.raises(workdir.WorkdirError, match="holds a vanilla_gan run on mnist"):
        train.prepare(other, random_arrays())


def test_config_reads_back_from_its_own_flagfile_lines(tmp_path):
    config = config_lib.Config(batch_size=7, beta1=0.5, mixed_precision=True, workdir="x")
    path = tmp_path / "run.flags"
    path.write_text("# a comment\n" + config.to_flags())
    assert config_lib.Config.from_strings(config_lib.read_flagfile(path)) == config
    path.write_text("--jit_compile\n--nomixed_precision\n--nodownload_missing_flag\n")
    assert config_lib.read_flagfile(path) == {"jit_compile": "true", "mixed_precision": "false"}
    with pytest.raises(config_lib.ConfigError, match=r"^--batch_size=lots: must be a number"):
        config_lib.Config.from_strings({"batch_size": "lots"})
    with pytest.raises(config_lib.ConfigError, match=r"^--colour=red: no such setting"):
        config_lib.Config.from_strings({"colour": "red"})


def test_progress_shows_the_compiled_step_then_a_line_at_least_every_progress_period(
        tiny_config, monkeypatch):
    import io
    import re

    out = io.StringIO()
    monkeypatch.setattr(train, "PROGRESS_SECONDS", 0.0)  # every chunk is "30 s later"
    train.train(tiny_config.replace(log_every=20, steps_per_call=4), random_arrays(), out=out)
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"step \d+/20: compiled in [0-9.]+ s; [0-9.]+ ms a step, left 0:00:\d\d",
                        lines[1]), lines
    progress = [line for line in lines[2:] if line.startswith("step ")]
    steps = [int(re.match(r"step (\d+)/20", line).group(1)) for line in progress]
    assert steps == sorted(steps) and steps[-1] == 20 and len(steps) >= 4  # chunks of <= 4
    assert all("d_loss" in line and "left" in line for line in progress)


def test_total_loss_weights_named_terms_and_a_single_term_is_itself():
    value = tf.constant(0.1234567, tf.float32)
    assert gan.total_loss({"d_loss": (1.0, value)}) is value  # bit for bit, no multiply
    terms = {"d_loss": (1.0, tf.constant(2.0)), "penalty": (0.25, tf.constant(8.0)),
             "aux": (1, tf.constant(-1.0))}
    assert float(gan.total_loss(terms)) == 2.0 + 0.25 * 8.0 - 1.0


def test_declared_terms_are_added_weighted_and_logged_and_simultaneous_refuses_them():
    calls = []

    def auxiliary(model, context):
        calls.append(context)
        return tf.reduce_mean(context.fake_images), {"fake_mean": tf.constant(0.5)}

    class WithTerm(gan.GAN):
        aux_weight = 2.0
        generator_terms = (gan.LossTerm("aux_loss", auxiliary, weight="aux_weight",
                                        logs=("fake_mean",)),)

    base = tiny_vanilla()
    model = WithTerm(base.generator, base.discriminator, latent_dim=8, seed=0)
    assert model.metric_names == ("d_loss", "g_loss", "d_real", "d_fake", "aux_loss",
                                  "fake_mean")
    terms, logs = model.generator_phase(tf.zeros((4, 28, 28, 1)), tf.zeros((4,), tf.int32))
    assert list(terms) == ["g_loss", "aux_loss"] and terms["aux_loss"][0] == 2.0
    assert float(terms["aux_loss"][1]) == pytest.approx(float(tf.reduce_mean(
        calls[0].fake_images)))
    assert set(logs) == {"fake_mean"} and calls[0].latent.shape == (4, 8)

    class Simultaneous(WithTerm):
        simultaneous = True

    with pytest.raises(ValueError, match="a simultaneous step computes the adversarial losses "
                                         "alone; it cannot add loss terms"):
        Simultaneous(base.generator, base.discriminator, latent_dim=8, seed=0)
