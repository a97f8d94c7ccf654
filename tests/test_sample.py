"""`python -m tfgan_mnist.sample`: files, shapes, reproducibility, label options, errors.

Also home of the helpers the sample/export/pictures/api tests share: tiny
trained workdirs (made once per test session) and a tiny conditional model,
registered only while a test module needs it.
"""

import contextlib
import io
import os
import shutil
import types

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from conftest import random_arrays
from tfgan_mnist import config as config_lib
from tfgan_mnist import gan, networks, registry, summaries, train, variants
from tfgan_mnist.variants.common import adam_pair

CONDITIONAL = "tiny_conditional_test"


# ----- shared helpers -------------------------------------------------------

class TinyConditionalGAN(gan.GAN):
    """A conditional MLP GAN (noise + one-hot label in) with every picture hook, for tests."""

    conditional = True

    def sample_latent(self, batch_size, labels=None, seed=None):
        if labels is None:
            labels = tf.zeros((batch_size,), tf.int32)
        one_hot = tf.one_hot(tf.cast(labels, tf.int32), self.num_classes)
        return tf.concat([self.draw_noise(batch_size, seed), one_hot], axis=1)

    def grid_latent(self, rows, cols, seed=1234):
        return self.sample_latent(rows * cols, tf.range(rows * cols) % self.num_classes, seed)

    def _figure(self, rows, cols, seed=0):
        images = self.to_uint8(self(self.sample_latent(rows * cols, seed=seed))).numpy()
        return summaries.Figure(images, rows, cols)

    def pictures(self):
        return {
            "manifold": summaries.Picture(lambda size: self._figure(size, size), ("size",)),
            "code_sweeps": summaries.Picture(lambda steps, seed: {
                "code_1": self._figure(3, steps, seed), "code_2": self._figure(3, steps, seed)},
                ("steps", "seed")),
            "pairs": summaries.Picture(lambda rows, seed: self._figure(rows, 2, seed),
                                       ("rows", "seed")),
        }


def build_conditional(config):
    """The tiny conditional model."""
    hidden = max(1, round(128 * config.width))
    model = TinyConditionalGAN(networks.MLPGenerator(hidden, seed=config.seed),
                               networks.MLPDiscriminator(hidden, seed=config.seed + 10),
                               latent_dim=config.z_dim, seed=config.seed)
    model.compile(adam_pair(config))
    return model


@contextlib.contextmanager
def conditional_registered():
    """Register the tiny conditional model for the duration of the block."""
    if CONDITIONAL in variants.names():  # an enclosing block registered it
        yield
        return
    with registry.registered(CONDITIONAL, build_conditional, "tiny conditional model for tests"):
        yield


def tiny_workdir(tmp_path_factory, model="vanilla_gan"):
    """A workdir trained 20 steps (checkpoints at 10 and 20), made once per session.

    The vanilla GAN's noise has 8 dimensions, the tiny conditional model's 2.
    """
    workdir = tmp_path_factory.getbasetemp() / f"tiny-{model}"
    if not (workdir / "checkpoints" / "checkpoint").exists():
        config = config_lib.Config(
            model=model, workdir=str(workdir), train_steps=20, batch_size=16, width=0.05,
            z_dim=2 if model == CONDITIONAL else 8,  # 2: the conditional one draws a manifold
            log_every=10, summary_every=10, checkpoint_every=10, steps_per_call=10,
            sample_grid=3)
        train.train(config, arrays=random_arrays(64), out=io.StringIO())
    return str(workdir)


def run_cli(module, args, capsys):
    """Run a CLI's main in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = 0
    try:
        module.main(["prog", *args])
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err, *fragments):
    """stderr is exactly one 'error: ...' line containing every fragment."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def png_size(path):
    """(width, height) of an image file, which must be non-empty."""
    assert os.path.getsize(path) > 0
    with Image.open(path) as image:
        return image.size


def grid_png_size(rows, cols, tmp_dir, title, row_labels=False, col_labels=False, **titles):
    """The pixel size summaries.save_grid_png gives a rows x cols grid with these labels.

    The title is the one the picture has: it wraps to the grid's width.
    """
    path = os.path.join(tmp_dir, f"reference-{rows}x{cols}.png")
    summaries.save_grid_png(path, np.zeros((rows * cols, 28, 28), np.uint8), rows, cols,
                            title=title, row_labels=list(range(rows)) if row_labels else None,
                            col_labels=list(range(cols)) if col_labels else None, **titles)
    return png_size(path)


# ----- the sample command ----------------------------------------------------

@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tiny_workdir(tmp_path_factory)


@pytest.fixture(scope="module")
def sample_cli():
    from tfgan_mnist import sample

    return sample


def test_sample_writes_png_grid_and_uint8_npz(workdir, sample_cli, tmp_path, capsys):
    code, out, err = run_cli(sample_cli, [f"--workdir={workdir}", "--num=10", "--seed=3",
                                          f"--out={tmp_path / 'few.png'}"], capsys)
    assert code == 0, err
    assert "10 samples of vanilla_gan at step 20 (seed 3)" in out
    arrays = np.load(tmp_path / "few.npz")
    assert sorted(arrays) == ["images", "noise"]  # no labels: unconditional
    assert arrays["images"].shape == (10, 28, 28) and arrays["images"].dtype == np.uint8
    assert arrays["noise"].shape == (10, 8) and arrays["noise"].dtype == np.float32
    assert np.abs(arrays["noise"]).max() <= 1.0  # the vanilla GAN's U[-1, 1] noise
    assert png_size(tmp_path / "few.png") == grid_png_size(
        3, 4, tmp_path, "vanilla_gan on mnist, step 20, seed 3")  # 10 images: 3 rows of 4


def test_large_sample_is_tiled_fast_and_npz_out_writes_the_array_alone(workdir, sample_cli,
                                                                        tmp_path, capsys):
    code, out, err = run_cli(sample_cli, [f"--workdir={workdir}", "--num=1000", "--seed=5",
                                          f"--out={tmp_path}/many.png"], capsys)
    assert code == 0, err
    images = np.load(tmp_path / "many.npz")["images"]
    with Image.open(tmp_path / "many.png") as grid:  # 32 x 32 cells of 28 + 2 pixels
        assert grid.size == (32 * 30 - 2, 32 * 30 - 2 + 24)
        pixels = np.asarray(grid)
    np.testing.assert_array_equal(pixels[24:52, 30:58], images[1])  # pixel for pixel
    code, out, err = run_cli(sample_cli, [f"--workdir={workdir}", "--num=5", "--seed=5",
                                          f"--out={tmp_path}/only.npz"], capsys)
    assert code == 0, err
    assert sorted(os.listdir(tmp_path)) == ["many.npz", "many.png", "only.npz"]
    np.testing.assert_array_equal(np.load(tmp_path / "only.npz")["images"], images[:5])


def test_sample_refuses_to_replace_a_file_it_did_not_write(workdir, sample_cli, tmp_path,
                                                           capsys):
    (tmp_path / "data.npz").write_bytes(b"someone's arrays")
    code, _, err = run_cli(sample_cli, [f"--workdir={workdir}", f"--out={tmp_path}/data.npz"],
                           capsys)
    assert code == 1
    assert_one_line_error(err, f"--out={tmp_path}/data.npz", "did not write")
    assert (tmp_path / "data.npz").read_bytes() == b"someone's arrays"
    for _ in range(2):  # its own files it replaces
        assert run_cli(sample_cli, [f"--workdir={workdir}", f"--out={tmp_path}/s.png"],
                       capsys)[0] == 0


def test_sample_default_output_is_in_the_workdir(workdir, sample_cli, tmp_path, capsys):
    copy = tmp_path / "run"
    shutil.copytree(workdir, copy)  # the shared run stays as it is
    code, _, err = run_cli(sample_cli, [f"--workdir={copy}", "--seed=1"], capsys)
    assert code == 0, err
    assert np.load(copy / "samples.npz")["images"].shape == (64, 28, 28)
    assert png_size(copy / "samples.png") == grid_png_size(
        8, 8, tmp_path, "vanilla_gan on mnist, step 20, seed 1")


def test_sample_seed_reproduces_and_other_seeds_differ(workdir, sample_cli, tmp_path, capsys):
    images = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        code, _, err = run_cli(sample_cli, [f"--workdir={workdir}", "--num=16", f"--seed={seed}",
                                            f"--out={tmp_path / name}.png"], capsys)
        assert code == 0, err
        images[name] = np.load(tmp_path / f"{name}.npz")["images"]
    np.testing.assert_array_equal(images["a"], images["b"])
    assert (images["a"] != images["c"]).any()


def test_sample_checkpoint_step_restores_that_step(workdir, sample_cli, tmp_path, capsys):
    for step in ("10", "latest"):
        code, out, err = run_cli(sample_cli, [f"--workdir={workdir}", f"--checkpoint={step}",
                                              "--num=4", "--seed=0",
                                              f"--out={tmp_path / step}.png"], capsys)
        assert code == 0, err
    assert "at step 20" in out
    assert (np.load(tmp_path / "10.npz")["images"]
            != np.load(tmp_path / "latest.npz")["images"]).any()


@pytest.mark.parametrize("args, code, fragments", [
    (["--labels=3,3,7"], 2, ["--labels", "unconditional"]),
    (["--per_class"], 2, ["--per_class", "unconditional"]),
    (["--num=0"], 2, ["--num=0"]),
    (["--checkpoint=best"], 1, ["--checkpoint=best", "checkpoints_best"]),
    (["--checkpoint=15"], 1, ["--checkpoint=15", "kept steps: 10, 20"]),
    (["--bogus=1"], 2, ["bogus"]),
])
def test_sample_bad_options_are_one_line_errors(workdir, sample_cli, tmp_path, capsys, args,
                                                code, fragments):
    got, _, err = run_cli(sample_cli, [f"--workdir={workdir}", f"--out={tmp_path}/x.png",
                                       *args], capsys)
    assert got == code
    assert_one_line_error(err, *fragments)
    assert not os.path.exists(tmp_path / "x.png")


def test_sample_needs_a_training_workdir(sample_cli, tmp_path, capsys):
    code, _, err = run_cli(sample_cli, [], capsys)
    assert code == 2
    assert_one_line_error(err, "--workdir")
    code, _, err = run_cli(sample_cli, [f"--workdir={tmp_path}"], capsys)
    assert code == 1
    assert_one_line_error(err, f"--workdir={tmp_path}", "run.flags")


# ----- label options of conditional models (no model needed) ---------------

CONDITIONAL_GENERATOR = types.SimpleNamespace(conditional=True, num_classes=10,
                                              model_name="cgan", dataset="fashion_mnist")


def test_labels_fill_the_requested_count_or_give_it():
    from tfgan_mnist import sample

    count, labels, rows, cols, _ = sample.choose_labels(CONDITIONAL_GENERATOR, "3,3,7", False,
                                                        64, num_given=False)
    assert count == 3 and labels.tolist() == [3, 3, 7] and (rows, cols) == (2, 2)
    count, labels, *_ = sample.choose_labels(CONDITIONAL_GENERATOR, "3,7", False, 5,
                                             num_given=True)
    assert labels.tolist() == [3, 7, 3, 7, 3]


def test_per_class_gives_one_labelled_row_per_class():
    from tfgan_mnist import sample

    count, labels, rows, cols, names = sample.choose_labels(CONDITIONAL_GENERATOR, None, True,
                                                            25, num_given=True)
    assert (count, rows, cols) == (20, 10, 2)
    assert labels.tolist() == [c for c in range(10) for _ in range(2)]
    assert names[0] == "T-shirt" and names[9] == "Boot"  # Fashion-MNIST's classes


def test_labels_out_of_range_name_the_flag():
    from tfgan_mnist import generators

    with pytest.raises(ValueError, match=r"--labels: labels are integers 0..9, got \[3, 12\]"):
        generators.check_labels([3, 12], 2, True, 10, "cgan")
    np.testing.assert_array_equal(generators.check_labels(None, 12, True, 10, "cgan"),
                                  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])


def test_conditional_sample_writes_labels(tmp_path_factory, sample_cli, tmp_path, capsys):
    with conditional_registered():
        workdir = tiny_workdir(tmp_path_factory, CONDITIONAL)
        code, _, err = run_cli(sample_cli, [f"--workdir={workdir}", "--labels=3,3,7",
                                            "--seed=2", f"--out={tmp_path}/c.png"], capsys)
        assert code == 0, err
        arrays = np.load(tmp_path / "c.npz")
        assert arrays["labels"].tolist() == [3, 3, 7] and arrays["labels"].dtype == np.int32
        assert arrays["images"].shape == (3, 28, 28)
        # Same noise (seed), other label: other images; the label really conditions.
        code, _, err = run_cli(sample_cli, [f"--workdir={workdir}", "--labels=3,4,7",
                                            "--seed=2", f"--out={tmp_path}/d.png"], capsys)
        other = np.load(tmp_path / "d.npz")["images"]
        np.testing.assert_array_equal(other[0], arrays["images"][0])
        assert (other[1] != arrays["images"][1]).any()
        code, _, err = run_cli(sample_cli, [f"--workdir={workdir}", "--per_class", "--num=30",
                                            "--seed=4", f"--out={tmp_path}/p.png"], capsys)
        assert code == 0, err
        assert np.load(tmp_path / "p.npz")["labels"].tolist() == [
            c for c in range(10) for _ in range(3)]
        assert png_size(tmp_path / "p.png") == grid_png_size(
            10, 3, tmp_path, f"{CONDITIONAL} on mnist, step 20, seed 4", row_labels=True)
        code, _, err = run_cli(sample_cli, [f"--workdir={workdir}", "--labels=3,12",
                                            f"--out={tmp_path}/bad.png"], capsys)
        assert code == 2
        assert_one_line_error(err, "--labels=3,12: 12 is not a class; classes are 0..9")
        assert not os.path.exists(tmp_path / "bad.png")


def test_sample_passes_over_a_damaged_latest_checkpoint(workdir, sample_cli, tmp_path, capsys):
    copy = tmp_path / "run"
    shutil.copytree(workdir, copy)
    data_file = copy / "checkpoints" / "ckpt-20.data-00000-of-00001"
    data_file.write_bytes(data_file.read_bytes()[:100])  # truncated, as by a full disk
    code, out, err = run_cli(sample_cli, [f"--workdir={copy}", "--num=4", "--seed=0"], capsys)
    assert code == 0, err
    assert "at step 10" in out
    assert "warning: checkpoint" in err and "ckpt-20 is unusable" in err
