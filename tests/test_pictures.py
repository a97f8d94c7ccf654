"""`python -m tfgan_mnist.pictures`: each kind writes a picture of the right size; errors."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from conftest import random_arrays
from test_sample import (CONDITIONAL, assert_one_line_error, conditional_registered,
                         grid_png_size, png_size, run_cli, tiny_workdir)
from tfgan_mnist import config as config_lib
from tfgan_mnist import pictures, train


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tiny_workdir(tmp_path_factory)


@pytest.fixture(scope="module")
def conditional_workdir(tmp_path_factory):
    with conditional_registered():
        yield tiny_workdir(tmp_path_factory, CONDITIONAL)


def draw(args, capsys):
    """Run the pictures CLI; return (exit code, stdout, stderr)."""
    return run_cli(pictures, args, capsys)


# ----- spherical interpolation -------------------------------------------------

def test_slerp_keeps_the_endpoints_and_follows_the_great_circle():
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 3.0, 0.0])
    path = pictures.slerp(a, b, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(path[0], a, atol=1e-12)
    np.testing.assert_allclose(path[2], b, atol=1e-12)
    # Halfway: the 45-degree direction, with the mean norm (1 + 3) / 2 = 2.
    np.testing.assert_allclose(path[1], [np.sqrt(2.0), np.sqrt(2.0), 0.0], atol=1e-12)


def test_slerp_of_equal_norms_stays_on_the_sphere_where_a_line_does_not():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=100), rng.normal(size=100)
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    norms = np.linalg.norm(pictures.slerp(a, b, np.linspace(0, 1, 11)), axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(a), rtol=1e-12)
    assert np.linalg.norm((a + b) / 2) < 0.8 * np.linalg.norm(a)  # the straight line sags


def test_slerp_of_parallel_vectors_is_the_straight_line():
    path = pictures.slerp([1.0, 1.0], [2.0, 2.0], [0.25])
    np.testing.assert_allclose(path, [[1.25, 1.25]])


# ----- pictures of a trained run ---------------------------------------------

def test_interpolate_draws_rows_of_paths(workdir, tmp_path, capsys):
    out = tmp_path / "interp.png"
    code, printed, err = draw(["interpolate", f"--workdir={workdir}", "--rows=3", "--steps=5",
                               f"--out={out}"], capsys)
    assert code == 0, err
    assert f"wrote {out}" in printed
    assert png_size(out) == grid_png_size(
        3, 5, tmp_path, "vanilla_gan, step 20: spherical interpolation")


def test_interpolate_through_picked_samples_starts_and_ends_at_them(workdir, tmp_path,
                                                                    capsys):
    from tfgan_mnist import generators, sample

    generator = generators.load_generator(workdir)
    samples = tmp_path / "s.npz"
    images, _, _ = sample.write_samples(generator, str(tmp_path / "s.png"), str(samples), 10,
                                        seed=9)
    noise = np.load(samples)["noise"]
    path = pictures.interpolation_paths(noise[[2]], noise[[7]], 4)
    np.testing.assert_allclose(path[[0, -1]], noise[[2, 7]], atol=1e-6)
    ends = generator.images_from_noise(path[[0, -1]])[0]
    # The noise saved with the samples regenerates exactly those samples.
    assert (np.abs(ends.astype(int) - images[[2, 7]].astype(int)) <= 1).all()
    out = tmp_path / "picked.png"
    code, _, err = draw(["interpolate", f"--workdir={workdir}", "--pick=2,7,4",
                         f"--samples={samples}", "--steps=4", f"--out={out}"], capsys)
    assert code == 0, err
    assert png_size(out) == grid_png_size(
        2, 4, tmp_path, "vanilla_gan, step 20: spherical interpolation", row_labels=True)


def test_figures_redraws_the_training_grid(workdir, tmp_path, capsys):
    out = tmp_path / "figures.png"
    code, _, err = draw(["figures", f"--workdir={workdir}", f"--out={out}"], capsys)
    assert code == 0, err
    assert png_size(out) == grid_png_size(
        3, 3, tmp_path, "vanilla_gan, step 20: grid")  # the run's --sample_grid=3


def test_gif_has_one_frame_per_saved_grid(workdir, tmp_path, capsys):
    out = tmp_path / "grid.gif"
    code, _, err = draw(["gif", f"--workdir={workdir}", "--fps=2", f"--out={out}"], capsys)
    assert code == 0, err
    frames = sorted(os.listdir(os.path.join(workdir, "samples", "grid")))
    assert frames == ["00000000.png", "00000010.png", "00000020.png"]
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.n_frames == 3
        assert gif.size == png_size(os.path.join(workdir, "samples", "grid", frames[0]))
        assert gif.info["duration"] == 500  # 2 frames per second


def test_losses_reads_back_what_training_logged(tmp_path, capsys):
    config = config_lib.Config(workdir=str(tmp_path / "run"), train_steps=20, batch_size=16,
                               width=0.05, z_dim=8, log_every=10, summary_every=20,
                               checkpoint_every=20, steps_per_call=10)
    last_logs = train.train(config, arrays=random_arrays(64), out=io.StringIO())
    scalars = pictures.read_scalars(config.workdir)
    for name, value in last_logs.items():
        steps, values = scalars[name]
        assert steps.tolist() == [10, 20]
        assert values[-1] == pytest.approx(value, rel=1e-6)
    out = tmp_path / "losses.png"
    code, _, err = draw(["losses", f"--workdir={config.workdir}", f"--out={out}"], capsys)
    assert code == 0, err
    assert png_size(out) == (800, 450)
    assert pictures.draw_losses(config.workdir, str(out), ["g_loss"]) == ["g_loss"]


def test_class_grid_and_hook_pictures_of_a_conditional_model(conditional_workdir, tmp_path,
                                                             capsys):
    with conditional_registered():
        title = f"{CONDITIONAL}, step 20: "
        cases = [
            (["class_grid", "--rows=4"], {"class_grid.png": grid_png_size(
                4, 10, tmp_path, title + "one style per row", col_labels=True)}),
            (["manifold", "--size=5"], {"manifold.png": grid_png_size(
                5, 5, tmp_path, title + "manifold")}),
            (["pairs", "--rows=3"], {"pairs.png": grid_png_size(3, 2, tmp_path, title + "pairs")}),
            (["code_sweeps", "--steps=4"], {
                "code_sweeps_code_1.png": grid_png_size(3, 4, tmp_path, title + "code_1"),
                "code_sweeps_code_2.png": grid_png_size(3, 4, tmp_path, title + "code_2")}),
            (["interpolate", "--rows=2", "--steps=3", "--label=7"], {
                "interpolate.png": grid_png_size(2, 3, tmp_path, title + "spherical interpolation",
                                                 row_labels=True)}),
        ]
        for args, expected in cases:
            out = tmp_path / f"{args[0]}.png"
            code, _, err = draw([*args, f"--workdir={conditional_workdir}", f"--out={out}"],
                                capsys)
            assert code == 0, (args, err)
            for name, size in expected.items():
                assert png_size(tmp_path / name) == size, name
        code, _, err = draw(["interpolate", "--label=12", f"--workdir={conditional_workdir}",
                             f"--out={tmp_path}/bad.png"], capsys)
        assert code == 2
        assert_one_line_error(err, "--label=12: not a class; classes are 0..9")


def test_class_grid_rows_share_a_style_and_columns_follow_the_label(conditional_workdir):
    from tfgan_mnist import generators

    with conditional_registered():
        generator = generators.load_generator(conditional_workdir)
        noise = np.repeat(np.asarray(generator.noise(1, 0)), 2, axis=0)
        same_noise = generator.images_from_noise(noise, [3, 3])[0]
        np.testing.assert_array_equal(same_noise[0], same_noise[1])
        assert (generator.images_from_noise(noise, [3, 4])[0][1] != same_noise[1]).any()


@pytest.mark.parametrize("args, code, fragments", [
    (["class_grid"], 1, ["class_grid: model vanilla_gan is unconditional"]),
    (["manifold"], 1, ["manifold: model vanilla_gan declares no manifold picture (its own: "
                        "none); manifold is for vae, aae with --z_dim=2"]),
    (["code_sweeps"], 1, ["model vanilla_gan declares no code_sweeps picture", "infogan"]),
    (["pairs"], 1, ["model vanilla_gan declares no pairs picture (its own: none); pairs is "
                    "for cogan"]),
    (["interpolate", "--label=3"], 1, ["--label: model vanilla_gan is unconditional"]),
    (["interpolate", "--pick=1"], 1, ["--pick=1: give at least two indices"]),
    (["interpolate", "--pick=1,x"], 2, ["--pick=1,x"]),
    (["interpolate", "--pick=1,2", "--samples=/nonexistent.npz"], 1, ["--samples="]),
    (["gif", "--rows=3"], 2, ["--rows: not an option of `pictures gif`"]),
    (["gif", "--figure=nope"], 1, ["--figure=nope", "figures of this run: grid"]),
    (["losses", "--tags=d_loss,nope"], 1, ["--tags: no scalar 'nope'"]),
    (["losses", "--steps=3"], 2, ["--steps"]),
    (["nonsense"], 2, ["unknown picture kind 'nonsense'", "vanilla_gan's own: none"]),
    ([], 2, ["give one picture kind"]),
])
def test_bad_options_are_one_line_errors(workdir, tmp_path, capsys, args, code, fragments):
    got, _, err = draw([*args, f"--workdir={workdir}", f"--out={tmp_path}/x.png"], capsys)
    assert got == code
    assert_one_line_error(err, *fragments)
    assert not os.path.exists(tmp_path / "x.png")


def test_missing_workdir_is_a_one_line_error(tmp_path, capsys):
    got, _, err = draw(["gif", f"--workdir={tmp_path}/none"], capsys)
    assert got == 1
    assert_one_line_error(err, "--workdir=", "no such folder")


# ----- declared pictures ------------------------------------------------------

def test_a_kind_the_model_does_not_declare_names_its_own(workdir, conditional_workdir, tmp_path,
                                                         capsys):
    with conditional_registered():
        code, _, err = draw(["walk", f"--workdir={conditional_workdir}",
                             f"--out={tmp_path}/w.png"], capsys)
    assert code == 2
    assert_one_line_error(err, "unknown picture kind 'walk'", "interpolate",
                          f"model {CONDITIONAL}'s own: code_sweeps, manifold, pairs")
    with conditional_registered():
        code, _, err = draw(["pairs", "--size=3", f"--workdir={conditional_workdir}"], capsys)
    assert code == 2
    assert_one_line_error(err, "--size: not an option of `pictures pairs`", "--rows, --seed")
def test_code_sweeps_of_a_real_infogan_run(tmp_path_factory, tmp_path, capsys):
    workdir = tiny_workdir(tmp_path_factory, "infogan")
    out = tmp_path / "sweeps.png"
    code, printed, err = draw(["code_sweeps", f"--workdir={workdir}", "--steps=4", "--seed=3",
                               f"--out={out}"], capsys)
    assert code == 0, err
    for index in (0, 1):
        path = tmp_path / f"sweeps_continuous_code_{index}.png"
        assert str(path) in printed
        other = "code 1" if index == 0 else "code 0"
        assert png_size(path) == grid_png_size(
            10, 4, tmp_path, f"infogan, step 20: continuous_code_{index}", row_labels=True,
            col_labels=True, row_title="categorical code",
            col_title=f"continuous code {index} from -1 to 1 ({other} at 0)")
        with Image.open(path) as image:
            assert image.text["Software"] == "tfgan_mnist"


def test_pictures_refuse_to_replace_a_file_they_did_not_write(workdir, tmp_path, capsys):
    foreign = tmp_path / "mine.png"
    Image.new("L", (4, 4)).save(foreign)
    before = foreign.read_bytes()
    code, _, err = draw(["interpolate", f"--workdir={workdir}", f"--out={foreign}"], capsys)
    assert code == 1
    assert_one_line_error(err, f"--out={foreign}", "did not write")
    assert foreign.read_bytes() == before
    ours = tmp_path / "ours.png"
    for _ in range(2):  # a picture this command wrote is its to replace
        assert draw(["interpolate", f"--workdir={workdir}", f"--out={ours}"], capsys)[0] == 0
