"""The library API: model_names, build + fit on your own data, prepare_images, load_generator."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf

import tfgan_mnist
from test_sample import tiny_workdir
from tfgan_mnist import checkpoints


def test_model_names_lists_registered_models():
    assert "vanilla_gan" in tfgan_mnist.model_names()
    assert tfgan_mnist.model_names() == sorted(tfgan_mnist.model_names())


def test_build_returns_an_untrained_model_with_its_config():
    model = tfgan_mnist.build("vanilla_gan", width=0.05, z_dim=8)
    assert int(model.step.numpy()) == 0
    assert model.run_config.model == "vanilla_gan" and model.run_config.z_dim == 8
    assert model.generator.hidden.units == 6  # round(128 * 0.05)


def test_prepare_images_scales_to_the_model_range():
    model = tfgan_mnist.build("vanilla_gan", width=0.05)
    images = np.array([[[0] * 28] * 28, [[255] * 28] * 28], np.uint8)
    prepared = tfgan_mnist.prepare_images(images, model)
    assert prepared.shape == (2, 28, 28, 1) and prepared.dtype == np.float32
    assert prepared.min() == 0.0 and prepared.max() == 1.0  # the vanilla GAN's [0, 1]
    with pytest.raises(ValueError, match="uint8 images shaped"):
        tfgan_mnist.prepare_images(images.astype(np.float32), model)


def test_fit_on_images_and_labels_updates_both_networks():
    model = tfgan_mnist.build("vanilla_gan", width=0.05, z_dim=8)
    rng = np.random.default_rng(1)
    images = tfgan_mnist.prepare_images(rng.integers(0, 256, (32, 28, 28), np.uint8), model)
    before_g = [v.numpy().copy() for v in model.generator.trainable_variables]
    before_d = [v.numpy().copy() for v in model.discriminator.trainable_variables]
    history = model.fit(images, rng.integers(0, 10, 32), batch_size=16, epochs=1, verbose=0)
    assert sorted(history.history) == ["d_fake", "d_loss", "d_real", "g_loss"]
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert int(model.step.numpy()) == 2
    assert all((b != v.numpy()).any()
               for b, v in zip(before_g, model.generator.trainable_variables))
    assert all((b != v.numpy()).any()
               for b, v in zip(before_d, model.discriminator.trainable_variables))


def test_load_generator_from_a_workdir(tmp_path_factory):
    generator = tfgan_mnist.load_generator(tiny_workdir(tmp_path_factory))
    assert (generator.model_name, generator.dataset, generator.step) == ("vanilla_gan", "mnist",
                                                                         20)
    first = generator.sample(3, seed=5)
    np.testing.assert_array_equal(first, generator.sample(3, seed=5))
    assert (first != generator.sample(3, seed=6)).any()
    with pytest.raises(ValueError, match="--labels: model vanilla_gan is unconditional"):
        generator.sample(3, labels=[1, 2, 3])


def test_load_generator_rejects_what_it_cannot_load(tmp_path):
    with pytest.raises(checkpoints.LoadError, match="no run.flags"):
        tfgan_mnist.load_generator(str(tmp_path))
    with pytest.raises(TypeError, match="a path or a tfgan_mnist model"):
        tfgan_mnist.load_generator(42)
    from tfgan_mnist import config, variants

    bare = variants.build(config.Config(width=0.05))
    with pytest.raises(TypeError, match="needs the model's Config"):
        tfgan_mnist.load_generator(bare)


def test_training_records_the_config_as_hparams_once(tmp_path_factory):
    from tensorboard.plugins.hparams import metadata as hparams_metadata

    workdir = tiny_workdir(tmp_path_factory)
    starts, experiments = [], []
    for file in glob.glob(os.path.join(workdir, "events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(file):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag == hparams_metadata.SESSION_START_INFO_TAG:
                    starts.append(hparams_metadata.parse_session_start_info_plugin_data(
                        value.metadata.plugin_data.content))
                if value.tag == hparams_metadata.EXPERIMENT_TAG:
                    experiments.append(hparams_metadata.parse_experiment_plugin_data(
                        value.metadata.plugin_data.content))
    assert len(starts) == 1 and len(experiments) == 1
    assert starts[0].group_name == workdir  # the trial is named after its workdir
    declared = [info.name for info in experiments[0].hparam_infos]
    assert declared[:2] == ["model", "dataset"] and "batch_size" in declared
    assert [info.name.tag for info in experiments[0].metric_infos] == [
        "d_loss", "g_loss", "d_real", "d_fake", "eval/frechet_distance"]
    hparams = starts[0].hparams
    assert hparams["model"].string_value == "vanilla_gan"
    assert hparams["batch_size"].number_value == 16
    assert hparams["width"].number_value == pytest.approx(0.05)
    assert "workdir" not in hparams and "data_dir" not in hparams


def test_fit_takes_labels_as_a_second_argument_or_in_a_pair():
    rng = np.random.default_rng(2)
    uint8_images = rng.integers(0, 256, (32, 28, 28), np.uint8)
    labels = rng.integers(0, 10, 32).astype(np.int32)
    weights = []
    for form in ("pair", "two arguments"):
        tf.keras.utils.set_random_seed(0)
        model = tfgan_mnist.build("cgan", width=0.05, z_dim=8, batch_size=16, seed=3)
        images = tfgan_mnist.prepare_images(uint8_images, model)
        data = ((images, labels),) if form == "pair" else (images, labels)
        model.fit(*data, batch_size=16, epochs=1, verbose=0, shuffle=False)
        assert int(model.step.numpy()) == 2
        weights.append([v.numpy() for v in model.trainable_variables])
    for pair, separate in zip(*weights):
        np.testing.assert_array_equal(pair, separate)
    # The labels reach the model: other labels, other weights.
    model = tfgan_mnist.build("cgan", width=0.05, z_dim=8, batch_size=16, seed=3)
    tf.keras.utils.set_random_seed(0)
    model.fit(tfgan_mnist.prepare_images(uint8_images, model), (labels + 1) % 10, batch_size=16,
              epochs=1, verbose=0, shuffle=False)
    assert any((a != v.numpy()).any() for a, v in zip(weights[0], model.trainable_variables))
