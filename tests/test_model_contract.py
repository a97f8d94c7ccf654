"""What every registered model must do: one contract, checked over the registry's own list.

A newly registered model gets every test here without editing this file:
one step eager and compiled with finite logs of its `metric_names`, every
discriminator call on images going through `discriminate`; each
update changes its own variables (batch-norm statistics included) and
nothing else, with a packed discriminator where the model packs (or its
refusal); samples have the image shape, dtype and range, and given
noise gives the same images again; a checkpoint round trip restores every
variable; every picture it declares draws.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import export, generators, summaries, variants, workdir
from tfgan_mnist import config as config_lib
from tfgan_mnist.variants import common

MODELS = variants.names()
BATCH = 8


def tiny(name, seed=0):
    """A tiny compiled model: a few units per layer, a 2-d latent space (for manifolds)."""
    keras.utils.set_random_seed(seed)
    return variants.build(config_lib.Config(model=name, width=0.05, z_dim=2, batch_size=BATCH,
                                            seed=seed))


def batch(model, seed=0):
    """Random images in the model's range, labels 0..9, as many as one step takes."""
    rng = np.random.default_rng(seed)
    count = BATCH * getattr(model, "d_steps", 1)  # a GAN's batch holds one slice per D update
    low, high = model.image_range
    images = tf.constant(rng.uniform(low, high, (count, 28, 28, 1)), tf.float32)
    return images, tf.constant(np.arange(count) % 10, tf.int32)


# Models whose discriminator reads no images: the VAEs have none, the AAE's reads codes.
NO_IMAGE_DISCRIMINATOR = {"vae", "cvae", "aae"}


@pytest.mark.parametrize("name", MODELS)
def test_a_step_eager_and_compiled_logs_every_metric_finite(name, monkeypatch):
    # Every discriminator call on images goes through the model's one input path: with a
    # `discriminator_input` that adds a channel, D is built on C + 1 channels, and a call
    # that went around the path would hand it C and fail.
    calls = []

    def extra_channel(images):
        calls.append(images.shape)
        return tf.concat([images, tf.ones_like(images[..., :1])], axis=-1)

    monkeypatch.setattr(common, "discriminator_input", lambda config: extra_channel)
    model = tiny(name)
    assert bool(calls) == (name not in NO_IMAGE_DISCRIMINATOR), name
    for step, seed in ((model.train_step, 0), (tf.function(model.train_step), 1)):
        logs = step(batch(model, seed))
        assert set(logs) == set(model.metric_names)
        for metric, value in logs.items():
            assert math.isfinite(float(value)), f"{name}: {metric} = {float(value)}"
    assert int(model.step.numpy()) == 2


@pytest.mark.parametrize("name", MODELS)
def test_each_update_changes_its_own_variables_and_nothing_else(name):
    # Packed (PacGAN, --pack=2) where the model packs: its discriminator judges pairs of
    # images; a model that cannot pack refuses with its reason (the unpacked path is
    # what every other test here trains).
    keras.utils.set_random_seed(0)
    try:
        model = variants.build(config_lib.Config(model=name, width=0.05, z_dim=2,
                                                 batch_size=BATCH, pack=2))
        assert model.pack == 2
    except config_lib.ConfigError as error:
        model = tiny(name)
        message = str(error)
        assert message.startswith(f"--pack=2: {type(model).__name__} cannot pack its "
                                  "discriminator's inputs: "), message
        assert message.endswith("; give --pack=1") and len(message) > 80, message
    # A step first: SAGAN's attention gammas start at 0, which leaves its
    # attention convolutions without gradient until gamma has moved.
    model.train_step(batch(model, 0))
    images, labels = batch(model, 1)
    everything = [v for v in model.variables if not v.path.endswith("seed_generator_state")]
    phases = model.update_phases()
    assert len(phases) >= 1
    for phase_name, update, allowed in phases:
        before = [v.numpy().copy() for v in everything]
        update(images, labels)  # eagerly: the compiled step is checked above
        moved = {v.path for v, old in zip(everything, before)
                 if not np.array_equal(old, v.numpy())}
        allowed = {v.path for v in allowed}
        assert moved <= allowed, f"{name} {phase_name} changed {sorted(moved - allowed)}"
        # Every kernel, batch-norm scale, offset and statistic of the phase moves; a
        # bias just before batch norm has a zero gradient and may not, so biases are
        # only counted: nearly all of a phase's variables change.
        must_move = {path for path in allowed if path.rsplit("/", 1)[-1] in (
            "kernel", "gamma", "beta", "moving_mean", "moving_variance")}
        assert must_move <= moved, f"{name} {phase_name} left unchanged {sorted(must_move - moved)}"
        assert len(moved) >= 0.75 * len(allowed), (
            f"{name} {phase_name} left unchanged {sorted(allowed - moved)}")
    owned = {v.path for _, _, allowed in phases for v in allowed}
    trainable = {v.path for v in model.trainable_variables}
    assert trainable <= owned, f"{name}: weights no phase trains: {sorted(trainable - owned)}"


@pytest.mark.parametrize("name", MODELS)
def test_samples_are_uint8_images_and_given_noise_gives_them_again(name):
    model = tiny(name)
    config = config_lib.Config(model=name, width=0.05, z_dim=2, batch_size=BATCH)
    generator = generators.load_generator(model, config=config)
    samples = generator.sample(6, seed=3)
    assert samples.shape == (6, 28, 28) and samples.dtype == np.uint8
    np.testing.assert_array_equal(generator.sample(6, seed=3), samples)
    raw = generators.output_list(model.generate(model.sample_latent(
        6, model.example_labels(6), seed=3)))
    low, high = model.image_range
    for images in raw:
        assert images.shape == (6, 28, 28, 1)
        assert float(tf.reduce_min(images)) >= low and float(tf.reduce_max(images)) <= high
    noise = np.asarray(generator.noise(4, seed=5))
    first = generator.images_from_noise(noise)[0]
    assert first.shape == (4, 28, 28) and first.dtype == np.uint8
    if export.noise_controls_sampling(model):  # not infoGAN, which draws its codes too
        np.testing.assert_array_equal(generator.images_from_noise(noise)[0], first)
    assert isinstance(model.sampling_network(), keras.Model)


@pytest.mark.parametrize("name", MODELS)
def test_a_checkpoint_restores_every_variable(name, tmp_path):
    model = tiny(name)
    model.train_step(batch(model, 0))
    path = workdir.make_checkpoint(model).save(str(tmp_path / "ckpt"))
    restored = tiny(name, seed=99)
    workdir.make_checkpoint(restored).restore(path).assert_existing_objects_matched()
    assert len(restored.variables) == len(model.variables)
    for original, copy in zip(model.variables, restored.variables):
        np.testing.assert_array_equal(original.numpy(), copy.numpy(), err_msg=original.path)
    for opt_name, optimizer in model.named_optimizers().items():
        assert int(restored.named_optimizers()[opt_name].iterations.numpy()) == int(
            optimizer.iterations.numpy()) >= 1


@pytest.mark.parametrize("name", MODELS)
def test_every_figure_and_declared_picture_draws(name):
    model = tiny(name)
    rng = np.random.default_rng(0)
    model.set_reference_images(rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
                               np.arange(16) % 10)
    drawn = dict(model.figures(2))
    options = {"rows": 2, "steps": 3, "size": 2, "seed": 0}
    for kind, picture in model.pictures().items():
        assert isinstance(picture, summaries.Picture)
        figures = picture.draw(**{option: options[option] for option in picture.options})
        drawn.update(figures if isinstance(figures, dict) else {kind: figures})
    assert drawn
    for figure_name, figure in drawn.items():
        images = np.asarray(figure.images)
        assert images.dtype == np.uint8, figure_name
        assert images.shape[0] >= figure.rows * figure.cols and images.shape[1:3] == (28, 28)
