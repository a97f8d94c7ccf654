"""Every registered model, from a training workdir to what a user takes away.

Each model trains four tiny steps under MirroredStrategy on 2 CPUs in mixed
precision (float16 with loss scaling for some, bfloat16 for the others:
`conftest.FLOAT16_MODELS`) on a made-up 3-channel dataset (conftest.COLOUR, one spec
entry), in a fresh process (`distributed_run.py every`: the devices must be
set before TensorFlow starts), and saves float32 weights. Then, here on one
device in float32, what the README promises for all of them: a sample grid
and its .npz, a GIF of the training grids, a SavedModel and a `.keras` file,
and `load_generator(...).sample(...)` from each of them giving the images the
workdir gives for the same seed; the three channels stay three distinct
channels in every one of them and in TensorBoard's images. Each sampling
network is a registered Keras class, rebuilt from its config. One training
per model serves every check: tracing a train step is most of a tiny run's
time. (The one-channel path of the same code runs in every other test.)
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import tensorflow as tf

from conftest import FLOAT16_MODELS, REPO_ROOT
from test_sample import run_cli
from tfgan_mnist import export, generators, pictures, sample, variants

MODELS = variants.names()
PARTS = 4  # models in four groups, one process each: shorter long poles
SCRIPT = os.path.join(os.path.dirname(__file__), "distributed_run.py")


@pytest.mark.long(seconds=75)
@pytest.mark.parametrize("part", range(PARTS))
def test_every_model_trains_mirrored_in_mixed_precision_then_gives_grid_gif_exports_and_samples(
        part, tmp_path, capsys):
    result = subprocess.run([sys.executable, SCRIPT, "every", str(tmp_path), str(part),
                             str(PARTS)], capture_output=True, text=True, timeout=900,
                            env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    names = MODELS[part::PARTS]
    assert names and all(f"{name} trained under MirroredStrategy in "
                         f"{'float16' if name in FLOAT16_MODELS else 'bfloat16'}"
                         in result.stdout for name in names), result.stdout
    for name in names:
        check_outputs(name, tmp_path / name, tmp_path / f"{name}-out", capsys)


def assert_three_channels(images, name):
    """(n, h, w, 3) images whose three channels all differ (none copied from another)."""
    assert images.shape[-1] == 3, (name, images.shape)
    for a, b in ((0, 1), (1, 2), (0, 2)):
        assert not np.array_equal(images[..., a], images[..., b]), (name, a, b)


def assert_colour(picture, name):
    """A PIL picture that has pixels whose red, green and blue differ."""
    pixels = np.asarray(picture.convert("RGB")).astype(int)
    assert (pixels[..., 0] != pixels[..., 1]).any(), name


def assert_colour_in_tensorboard(workdir, name):
    """Every image the run wrote for TensorBoard is a 3-channel picture in colour."""
    seen = 0
    for path in sorted(workdir.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "images":
                    encoded = tf.make_ndarray(value.tensor)[2]  # width, height, PNG
                    image = tf.io.decode_png(encoded).numpy()
                    assert image.shape[-1] == 3, (name, value.tag, image.shape)
                    assert (image[..., 0] != image[..., 1]).any(), (name, value.tag)
                    seen += 1
    assert seen, f"{name}: no image in {workdir}'s TensorBoard events"


def check_outputs(name, workdir, out_dir, capsys):
    """What a user takes away from `name`'s workdir (trained 4 steps, grids at 0, 2, 4)."""
    out_dir.mkdir()
    generator = generators.load_generator(str(workdir))
    conditional = generator.conditional

    # what the .keras file holds is rebuilt by its registered name in safe mode
    network = export.sampling_network(generator.model)
    assert keras.saving.get_registered_name(type(network)).startswith("tfgan_mnist>"), name
    assert type(type(network).from_config(network.get_config())) is type(network)

    # a grid and its arrays
    labels = ["--labels=3,1,4,1,5"] if conditional else []
    code, out, err = run_cli(sample, [f"--workdir={workdir}", "--num=5", "--seed=7",
                                      f"--out={out_dir / 'grid.png'}", *labels], capsys)
    assert code == 0, (name, err)
    images = np.load(out_dir / "grid.npz")["images"]
    assert images.shape == (5, 28, 28, 3) and images.dtype == np.uint8, name
    assert_three_channels(images, name)
    with Image.open(out_dir / "grid.png") as png:
        assert png.size[0] > 28 and png.size[1] > 28
        assert_colour(png, name)
    assert_colour_in_tensorboard(workdir, name)

    # the GIF of the grids saved during training (steps 0, 2 and 4); Pillow merges
    # identical consecutive frames, which a tiny model's grid may give
    code, _, err = run_cli(pictures, ["gif", f"--workdir={workdir}",
                                      f"--out={out_dir / 'training.gif'}"], capsys)
    assert code == 0, (name, err)
    frames = pictures.training_frames(str(workdir), pictures.gif_figure(str(workdir)))
    assert len(frames) == 3, (name, frames)
    with Image.open(out_dir / "training.gif") as gif, Image.open(frames[-1]) as last:
        assert 1 <= gif.n_frames <= 3 and gif.size == last.size
        assert_colour(gif, name)

    # both exports, and the same images from each as from the workdir
    code, out, err = run_cli(export, [f"--workdir={workdir}", f"--out={out_dir / 'model'}"],
                             capsys)
    assert code == 0, (name, err)
    assert "no .keras file" not in out
    want = [3, 1, 4, 1, 5] if conditional else None
    expected = generator.sample(5, labels=want, seed=7)
    np.testing.assert_array_equal(expected, images, err_msg=name)
    exact_savedmodel = export.noise_controls_sampling(generator.model)
    assert ("draws more than its noise" in out) == (not exact_savedmodel)
    for source in (out_dir / "model", out_dir / "model.keras"):
        loaded = generators.load_generator(str(source))
        assert loaded.model_name == name and loaded.step == 4
        got = loaded.sample(5, labels=want, seed=7).astype(int)
        assert got.shape == (5, 28, 28, 3), (name, source.name, got.shape)
        if source.name == "model" and not exact_savedmodel:
            # the SavedModel draws infoGAN's codes itself: other codes, which a
            # 4-step network barely follows, so the same digits within a few levels
            assert np.abs(got - expected).mean() < 1, name
            continue
        np.testing.assert_allclose(got, expected.astype(int), atol=1, err_msg=name)  # rounding
