"""Every registered model, from a training workdir to what a user takes away.

A tiny run of each model, then what the README promises for all of them: a
sample grid and its .npz, a GIF of the training grids, a SavedModel and a
`.keras` file, and `load_generator(...).sample(...)` from each of them giving
the images the workdir gives for the same seed. Each sampling network is a
registered Keras class, rebuilt from its config.
"""

import io

import keras
import numpy as np
import pytest
from PIL import Image

from conftest import random_arrays
from test_sample import run_cli
from tfgan_mnist import checkpoints, config as config_lib, export, pictures, variants, sample
from tfgan_mnist import train

MODELS = variants.names()


def tiny_run(name, workdir):
    """Four steps of `name` at a small width, with two saved grids and checkpoints."""
    config = config_lib.Config(
        model=name, workdir=str(workdir), train_steps=4, batch_size=8, width=0.05,
        log_every=2, summary_every=2, checkpoint_every=2, steps_per_call=2, sample_grid=2)
    train.train(config, arrays=random_arrays(64), out=io.StringIO())


@pytest.mark.parametrize("name", MODELS)
def test_workdir_to_grid_gif_exports_and_python_samples(name, tmp_path, capsys):
    workdir = tmp_path / "run"
    tiny_run(name, workdir)
    generator = checkpoints.load_generator(str(workdir))
    conditional = generator.conditional

    # what the .keras file holds is rebuilt by its registered name in safe mode
    network = export.sampling_network(generator.model)
    assert keras.saving.get_registered_name(type(network)).startswith("tfgan_mnist>"), name
    assert type(type(network).from_config(network.get_config())) is type(network)

    # a grid and its arrays
    labels = ["--labels=3,1,4,1,5"] if conditional else []
    code, out, err = run_cli(sample, [f"--workdir={workdir}", "--num=5", "--seed=7",
                                      f"--out={tmp_path / 'grid.png'}", *labels], capsys)
    assert code == 0, err
    images = np.load(tmp_path / "grid.npz")["images"]
    assert images.shape == (5, 28, 28) and images.dtype == np.uint8
    with Image.open(tmp_path / "grid.png") as png:
        assert png.size[0] > 28 and png.size[1] > 28

    # the GIF of the grids saved during training (steps 0, 2 and 4); Pillow merges
    # identical consecutive frames, which a tiny model's grid may give
    code, _, err = run_cli(pictures, ["gif", f"--workdir={workdir}",
                                      f"--out={tmp_path / 'training.gif'}"], capsys)
    assert code == 0, err
    frames = pictures.training_frames(str(workdir), pictures.gif_figure(str(workdir)))
    assert len(frames) == 3
    with Image.open(tmp_path / "training.gif") as gif, Image.open(frames[-1]) as last:
        assert 1 <= gif.n_frames <= 3 and gif.size == last.size

    # both exports, and the same images from each as from the workdir
    code, out, err = run_cli(export, [f"--workdir={workdir}", f"--out={tmp_path / 'model'}"],
                             capsys)
    assert code == 0, err
    assert "no .keras file" not in out
    want = [3, 1, 4, 1, 5] if conditional else None
    expected = generator.sample(5, labels=want, seed=7)
    np.testing.assert_array_equal(expected, images)
    exact_savedmodel = export.noise_controls_sampling(generator.model)
    assert ("draws more than its noise" in out) == (not exact_savedmodel)
    for source in (tmp_path / "model", tmp_path / "model.keras"):
        loaded = checkpoints.load_generator(str(source))
        assert loaded.model_name == name and loaded.step == 4
        got = loaded.sample(5, labels=want, seed=7).astype(int)
        if source.name == "model" and not exact_savedmodel:
            # the SavedModel draws infoGAN's codes itself: other codes, which a
            # 4-step network barely follows, so the same digits within a few levels
            assert np.abs(got - expected).mean() < 1, name
            continue
        np.testing.assert_allclose(got, expected.astype(int), atol=1)  # uint8 rounding
