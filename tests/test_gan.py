"""gan.py: the shared GAN step, loss terms, frozen statistics, fit()."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import config as config_lib
from tfgan_mnist import gan, sampling_weights, variants, workdir


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


@pytest.mark.parametrize("warmup, decays", [
    (10.0, (2 / 11, 3 / 12, 4 / 13, 5 / 14)),  # the default: (1 + t) / (10 + t)
    (1.5, (2 / 2.5, 0.85, 0.85, 0.85))])  # (1 + t) / (1.5 + t) = 0.8, 0.857.. -> the decay
def test_the_averaged_generator_follows_the_warmed_up_moving_average(warmup, decays):
    model = tiny_vanilla(ema_decay=0.85, ema_warmup=warmup)
    assert model.averaged.name == "averaged_generator"
    trained, averaged = model.generator.trainable_variables, model.averaged.trainable_variables
    expected = [v.numpy().astype(np.float64) for v in trained]  # starts at the weights
    for step, decay in zip((1, 2, 3, 4), decays):
        model.train_step((tf.random.uniform((4, 28, 28, 1), seed=step),
                          tf.zeros((4,), tf.int32)))
        expected = [decay * a + (1 - decay) * v.numpy() for a, v in zip(expected, trained)]
    for average, wanted in zip(averaged, expected):
        np.testing.assert_allclose(average.numpy(), wanted, rtol=1e-5, atol=1e-7)
    assert int(model.average_updates.numpy()) == 4
    if warmup != 10.0:
        with pytest.raises(config_lib.ConfigError, match=r"^--ema_warmup=0.5: must be at least "
                           r"1 \(1: no warm-up; 10: the default\)$"):
            config_lib.Config(ema_warmup=0.5)
        return
    latent = model.sample_latent(3, seed=1)  # sampling reads the average; training does not
    np.testing.assert_array_equal(model(latent).numpy(), model.averaged(latent).numpy())
    model.use_average = False
    np.testing.assert_array_equal(model(latent).numpy(), model.generator(latent).numpy())
    assert tiny_vanilla(ema_decay=0.0).averaged is None


def test_a_checkpoint_without_an_average_starts_it_from_the_trained_weights(tmp_path):
    plain = tiny_vanilla(ema_decay=0.0)
    plain.train_step((tf.random.uniform((4, 28, 28, 1), seed=0), tf.zeros((4,), tf.int32)))
    path = workdir.make_checkpoint(plain).save(str(tmp_path / "ckpt"))
    averaging = tiny_vanilla(ema_decay=0.99, seed=5)
    workdir.make_checkpoint(averaging).restore(path).assert_existing_objects_matched()
    averaging.after_restore()
    for average, weight in zip(averaging.averaged.variables, plain.generator.variables):
        np.testing.assert_array_equal(average.numpy(), weight.numpy())


def test_standing_statistics_change_only_the_sampling_copy_and_are_batch_means():
    model = tiny_vanilla(model="gan", ema_decay=0.9)
    for step in range(3):  # moving statistics and the average move away from the start
        model.train_step((tf.random.uniform((4, 28, 28, 1), seed=step), tf.zeros((4,), tf.int32)))
    before = {v.path: v.numpy().copy()
              for v in [*model.generator.variables, *model.averaged.variables]}

    def copy_of(network):
        copy = type(network).from_config(network.get_config())
        copy(model.sample_latent(1, seed=0))
        for target, value in zip(copy.variables, network.variables):
            target.assign(value)
        return copy

    # One batch: inference with standing statistics is training mode on that batch.
    assert model.use_standing_statistics(batches=1, batch_size=16, seed=4) == 3
    assert model.sampling_network() is model.standing
    latent = model.sample_latent(16, seed=4)
    np.testing.assert_allclose(model(latent).numpy(),
                               copy_of(model.averaged)(latent, training=True).numpy(),
                               rtol=1e-4, atol=1e-5)
    one = {layer.path: (layer.moving_mean.numpy(), layer.moving_variance.numpy())
           for layer in sampling_weights.batch_norm_layers(model.standing)}
    model.use_standing_statistics(batches=1, batch_size=16, seed=5)
    two = {layer.path: (layer.moving_mean.numpy(), layer.moving_variance.numpy())
           for layer in sampling_weights.batch_norm_layers(model.standing)}
    # Two batches (seeds 4 and 5): the means of the two batches' statistics.
    model.use_standing_statistics(batches=2, batch_size=16, seed=4)
    for layer, original in zip(sampling_weights.batch_norm_layers(model.standing),
                               sampling_weights.batch_norm_layers(model.averaged)):
        np.testing.assert_allclose(layer.moving_mean.numpy(),
                                   (one[layer.path][0] + two[layer.path][0]) / 2, rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(layer.moving_variance.numpy(),
                                   (one[layer.path][1] + two[layer.path][1]) / 2, rtol=1e-5,
                                   atol=1e-6)
        assert layer.momentum == original.momentum  # put back
    # The weights are the averaged ones; the trained network and the average are untouched.
    for copy, average in zip(model.standing.trainable_variables,
                             model.averaged.trainable_variables):
        np.testing.assert_array_equal(copy.numpy(), average.numpy())
    for variable in [*model.generator.variables, *model.averaged.variables]:
        np.testing.assert_array_equal(variable.numpy(), before[variable.path])
    model.drop_standing_statistics()
    assert model.sampling_network() is model.averaged
    with model.standing_statistics():
        assert model.standing is not None
    assert model.standing is None
    # No batch norm in the generator: nothing to recompute, nothing changes.
    plain = tiny_vanilla()
    assert plain.use_standing_statistics() == 0 and plain.standing is None


def test_standing_statistics_under_one_key_are_computed_once():
    """The trainer's figures and evaluation of one step share one copy (key: the step)."""
    model = tiny_vanilla(model="gan")
    made = []
    original = model.use_standing_statistics
    object.__setattr__(model, "use_standing_statistics",
                       lambda: made.append(1) or original(batches=1, batch_size=8))
    copies = []
    for key in (5, 5, 6, None, None):
        with model.standing_statistics(key=key):
            copies.append(model.standing)
        assert model.standing is None  # the networks' own statistics after each block
    assert len(made) == 4  # 5, 6, and each unkeyed block
    assert copies[0] is copies[1] and copies[2] is not copies[1]
    assert all(copy is not None for copy in copies)


def test_a_discriminator_input_that_packs_the_batch_builds_and_trains():
    """PacGAN-style packing (pairs of images as one input of twice the channels) halves
    the batch D sees: the networks are built on a batch it divides (gan.BUILD_BATCH)."""
    from tfgan_mnist.variants import common

    seen = []

    def pack_pairs(images):
        shape = tf.shape(images)
        seen.append(images.shape[0])
        pairs = tf.reshape(images, [shape[0] // 2, 2, *images.shape[1:]])
        return tf.concat([pairs[:, 0], pairs[:, 1]], axis=-1)

    original = common.discriminator_input
    common.discriminator_input = lambda config: pack_pairs
    try:
        keras.utils.set_random_seed(0)
        model = variants.build(config_lib.Config(model="gan", width=0.05, z_dim=2, batch_size=8))
    finally:
        common.discriminator_input = original
    assert seen == [gan.BUILD_BATCH]
    assert model.discriminator.conv1.kernel.shape[2] == 2  # D reads two images' channels
    images = tf.random.uniform((8, 28, 28, 1), seed=1)
    logs = model.train_step((images, tf.zeros((8,), tf.int32)))
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert model.discriminator(pack_pairs(images)).shape == (4, 1)  # one output per pair
