"""The command line, end to end, on the committed fixture of real digits."""

import os
import subprocess
import sys

import pytest
import tensorflow as tf

from conftest import FIXTURE_DIR, REPO_ROOT

TINY_RUN = [f"--data_dir={FIXTURE_DIR}", "--train_steps=30", "--batch_size=16", "--width=0.1",
            "--log_every=10", "--summary_every=15", "--checkpoint_every=10",
            "--steps_per_call=10", "--sample_grid=2"]


def run_main(*args, cwd=REPO_ROOT):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user would start it
    return subprocess.run([sys.executable, "-m", "tfgan_mnist.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def summary_tags(workdir):
    """{plugin name: set of tags} over every event file in workdir."""
    tags = {}
    for name in os.listdir(workdir):
        if name.startswith("events.out.tfevents"):
            for event in tf.compat.v1.train.summary_iterator(os.path.join(workdir, name)):
                for value in event.summary.value:
                    plugin = value.metadata.plugin_data.plugin_name
                    tags.setdefault(plugin, set()).add(value.tag)
    return tags


@pytest.mark.long(seconds=18)
def test_train_summarize_checkpoint_and_resume(tmp_path):
    workdir = tmp_path / "run"
    first = run_main("--flagfile=configs/gan.flags", f"--workdir={workdir}", *TINY_RUN)
    assert first.returncode == 0, first.stderr
    assert "step 30/30" in first.stdout and first.stderr == ""
    device = first.stdout.splitlines()[0]  # the tests hide GPUs: CUDA_VISIBLE_DEVICES=""
    assert device.startswith("device: CPU: ") and device.endswith(
        "; 1 replica(s); precision: float32; XLA: on"), device  # gan.flags compiles with XLA

    tags = summary_tags(workdir)
    assert {"d_loss", "g_loss", "d_real", "d_fake", "steps_per_sec",
            "learning_rate/d_optimizer", "learning_rate/g_optimizer"} <= tags["scalars"]
    assert {"generator/hidden/kernel", "generator/image/bias",
            "discriminator/hidden/kernel", "discriminator/logit/kernel"} <= tags["histograms"]
    assert tags["images"] == {"grid"}

    assert tf.train.latest_checkpoint(str(workdir / "checkpoints")).endswith("ckpt-30")
    assert sorted(os.listdir(workdir / "samples" / "grid")) == [
        "00000000.png", "00000015.png", "00000030.png"]
    with open(workdir / "samples" / "grid" / "00000030.png", "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    saved_flags = (workdir / "run.flags").read_text()
    assert "--model=vanilla_gan\n" in saved_flags and "--train_steps=30\n" in saved_flags

    second = run_main(f"--flagfile={workdir}/run.flags", "--train_steps=40")
    assert second.returncode == 0, second.stderr
    assert f"resuming from {workdir}/checkpoints/ckpt-30 at step 30" in second.stdout
    assert "step 40/40" in second.stdout and "step 10/" not in second.stdout
    assert tf.train.latest_checkpoint(str(workdir / "checkpoints")).endswith("ckpt-40")


def run_main_here(args, capsys, monkeypatch):
    """main's flag parsing and checks in this process: (exit code, stderr).

    Fails the test if a run would start (these inputs must all be refused first).
    """
    from tfgan_mnist import main

    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(main.train, "train", lambda *_: pytest.fail("a run started"))
    capsys.readouterr()
    main.FLAGS.unparse_flags()
    try:
        with pytest.raises(SystemExit) as stop:
            main.main(main.parse_flags(["tfgan_mnist.main", *args]))
    finally:
        main.FLAGS.unparse_flags()
    return stop.value.code, capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--dataset=cifar10"], "flag --dataset=cifar10: value should be one of <mnist|fashion_mnist|"
                            "stacked_mnist|made_up_colour|images>"),
     # the registered specs (conftest adds one) and a run's own images
    (["--model=gann"], "flag --model=gann: value should be one of <"),
    (["--batch_size=0"], "error: --batch_size=0: must be positive"),
    (["--train_steps=-5"], "error: --train_steps=-5: must be positive"),
    (["--flagfile=configs/missing.flags"], "error: --flagfile: cannot open 'configs/missing.flags'"),
    (["--batch_szie=64"], "Unknown command line flag 'batch_szie'"),
    (["--beta1=1.5"], "error: --beta1=1.5: must be in [0, 1)"),
    (["--pack=3", "--batch_size=64"], "error: --pack=3: must divide --batch_size=64"),
    (["--mixed_precision=float8"], "flag --mixed_precision=float8: 'float8' is not a precision: "
                                   "give one of float32, bfloat16, float16"),
    (["stray"], "error: unexpected arguments 'stray'"),
])
def test_bad_flags_give_one_line_and_write_nothing(tmp_path, args, message, capsys, monkeypatch):
    workdir = tmp_path / "never"
    code, err = run_main_here([f"--workdir={workdir}", f"--data_dir={FIXTURE_DIR}", *args],
                              capsys, monkeypatch)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert not workdir.exists()


def test_a_bad_flag_from_the_shell_is_its_one_line_alone(tmp_path):
    """The real entry point, started as a user would: no line of TensorFlow's around it."""
    workdir = tmp_path / "never"
    result = run_main(f"--workdir={workdir}", "--batch_size=0")
    assert result.returncode == 2
    assert result.stderr == "error: --batch_size=0: must be positive\n"
    assert not workdir.exists()


def test_an_unwritable_workdir_is_refused_before_anything_is_written(tmp_path, capsys,
                                                                    monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code, err = run_main_here([f"--workdir={blocker}/run", f"--data_dir={FIXTURE_DIR}"],
                              capsys, monkeypatch)
    assert code == 1
    assert err.strip() == (
        f"error: --workdir={blocker}/run: {blocker} is a file, not a folder; give a folder path")


def test_missing_data_without_download_is_one_line_naming_the_folder(tmp_path, capsys,
                                                                     monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    workdir = tmp_path / "run"
    code, err = run_main_here([f"--workdir={workdir}", f"--data_dir={empty}", "--nodownload",
                               "--dataset=fashion_mnist"], capsys, monkeypatch)
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and str(empty / "fashion_mnist") in err
    assert not workdir.exists()


@pytest.mark.parametrize("program, args", [
    ("sample", ["--workdir=nope"]),
    ("pictures", ["figures", "--workdir=nope"]),
    ("export", ["--workdir=nope"]),
])  # evaluate: test_evaluate.py, main: test_bad_flags_give_one_line_and_write_nothing
def test_every_program_answers_with_its_one_line_and_nothing_of_tensorflow(tmp_path, program,
                                                                          args):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user would start it
    result = subprocess.run([sys.executable, "-m", f"tfgan_mnist.{program}", *args],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr == "error: --workdir=nope: no such folder\n"


def test_help_exits_zero_for_every_program(capsys):
    from tfgan_mnist import evaluate, export, main, pictures, sample

    for name, call in [("main", lambda: main.parse_flags(["prog", "--help"])),
                       ("sample", lambda: sample.main(["prog", "--help"])),
                       ("pictures", lambda: pictures.main(["prog", "-h"])),
                       ("export", lambda: export.main(["prog", "--help"])),
                       ("evaluate", lambda: evaluate.main(["prog", "--help"]))]:
        with pytest.raises(SystemExit) as exit_:
            call()
        assert exit_.value.code == 0, name
        assert "--workdir" in capsys.readouterr().out, name
