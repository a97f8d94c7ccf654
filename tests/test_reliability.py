"""Faults a run must survive: kills, signals, NaNs, damaged checkpoints, held locks, bad files."""

import glob
import io
import os
import random
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURE_DIR, REPO_ROOT, random_arrays
from tfgan_mnist import gan, train, workdir

RUN_FLAGS = [f"--data_dir={FIXTURE_DIR}", "--batch_size=8", "--width=0.1", "--z_dim=8",
             "--log_every=5", "--summary_every=1000", "--checkpoint_every=10",
             "--steps_per_call=5", "--sample_grid=2", "--deterministic"]


def main_command(*args):
    return [sys.executable, "-m", "tfgan_mnist.main", *RUN_FLAGS, *args]


def run_env():
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user would start it
    return env


def run_main(*args):
    return subprocess.run(main_command(*args), cwd=REPO_ROOT, env=run_env(),
                          capture_output=True, text=True, timeout=300)


def checkpoint_tensors(path):
    """{name: value} of every variable in a checkpoint, bookkeeping excluded."""
    reader = tf.train.load_checkpoint(path)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if not name.startswith(("save_counter", "_CHECKPOINTABLE_OBJECT_GRAPH"))}


def assert_same_checkpoint(path_a, path_b):
    """Every tensor equal, but the wall-clock time trained (for --train_minutes)."""
    a, b = checkpoint_tensors(path_a), checkpoint_tensors(path_b)
    assert a.keys() == b.keys()
    assert any(name.startswith("trained_seconds/") for name in a)
    for name in a:
        if not name.startswith("trained_seconds/"):
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.long(seconds=25)
def test_sigkill_at_a_random_step_then_resume_matches_an_uninterrupted_run(tmp_path):
    straight = run_main("--train_steps=60", f"--workdir={tmp_path / 'straight'}")
    assert straight.returncode == 0, straight.stderr

    # A different step each run; from step 15 on, ckpt-10 is surely written (the line
    # for a checkpoint step is printed just before its save).
    kill_at = random.Random().randrange(15, 55, 5)
    killed_dir = tmp_path / "killed"
    process = subprocess.Popen(main_command("--train_steps=60", f"--workdir={killed_dir}"),
                               cwd=REPO_ROOT, env=run_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        if line.startswith(f"step {kill_at}/"):
            process.send_signal(signal.SIGKILL)  # mid-way through the next chunk
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the run ended before step {kill_at}"

    resumed = run_main("--train_steps=60", f"--workdir={killed_dir}")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stdout, f"killed at step {kill_at}"
    assert_same_checkpoint(tmp_path / "straight/checkpoints/ckpt-60",
                           killed_dir / "checkpoints/ckpt-60")


@pytest.mark.long(seconds=20)
def test_sigterm_saves_a_checkpoint_and_the_run_resumes_from_it(tmp_path):
    # No periodic checkpoint before step 1000: the one that exists was saved by the stop.
    process = subprocess.Popen(main_command("--train_steps=100000", "--checkpoint_every=1000",
                                            f"--workdir={tmp_path}"),
                               cwd=REPO_ROOT, env=run_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith("step 15/"):
            process.send_signal(signal.SIGTERM)
            process.send_signal(signal.SIGTERM)  # twice (a group's kill and a tool's): one stop
            break
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    last = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    step = int(last.rsplit("-", 1)[1])
    assert step >= 15 and step % 5 == 0  # the end of the chunk that was running
    assert sorted(n for n in os.listdir(tmp_path / "checkpoints") if n.endswith(".index")) == [
        f"ckpt-{step}.index"]
    assert stderr.strip().splitlines()[-1] == (
        f"stopped by SIGTERM at step {step}; saved {last}; run the same command again to resume")
    resumed = run_main(f"--train_steps={step + 5}", "--checkpoint_every=1000",
                       f"--workdir={tmp_path}")
    assert f"resuming from {last} at step {step}" in resumed.stdout
    # the averaged weights and the time trained are restored as extras: TensorFlow's
    # "unrestored values" warnings (a screenful at exit) would be wrong
    assert "unrestored" not in resumed.stderr and "could not be found" not in resumed.stderr


@pytest.mark.long(seconds=18)
def test_two_deterministic_runs_give_identical_weights(tmp_path):
    for name in ("a", "b"):
        result = run_main("--train_steps=20", f"--workdir={tmp_path / name}")
        assert result.returncode == 0, result.stderr
    assert_same_checkpoint(tmp_path / "a/checkpoints/ckpt-20", tmp_path / "b/checkpoints/ckpt-20")


def poison_generator_loss_while(monkeypatch, condition):
    """Make the generator loss NaN at step 15 while condition(model) holds."""
    original = gan.GAN.generator_loss

    def generator_phase(self, real_images, real_labels):
        terms, logs = original_phase(self, real_images, real_labels)
        poisoned = tf.logical_and(tf.equal(self.step, 14), condition(self))
        loss = tf.where(poisoned, tf.constant(np.nan), terms["g_loss"][1])
        return {"g_loss": (1.0, loss)}, logs

    original_phase = gan.GAN.generator_phase
    monkeypatch.setattr(gan.GAN, "generator_phase", generator_phase)
    return original


def test_a_nan_with_rollback_restores_the_checkpoint_and_halves_the_learning_rates(
        tiny_config, monkeypatch, capsys):
    poison_generator_loss_while(monkeypatch, lambda m: m.g_optimizer.learning_rate > 9e-4)
    train.train(tiny_config.replace(on_nan="rollback"), random_arrays())
    err = capsys.readouterr().err
    assert "warning: g_loss is nan at step 15; rolled back to" in err
    assert "ckpt-10 (step 10) with learning rates halved: d_optimizer 0.0005, g_optimizer 0.0005" in err
    run = train.prepare(tiny_config, random_arrays())
    assert int(run.model.step.numpy()) == 20
    assert float(run.model.g_optimizer.learning_rate) == pytest.approx(5e-4)
    assert all(np.isfinite(v.numpy()).all() for v in run.model.trainable_variables)


def test_rollback_gives_up_after_three_tries(tiny_config, monkeypatch, capsys):
    poison_generator_loss_while(monkeypatch, lambda m: tf.constant(True))
    with pytest.raises(train.TrainingDiverged, match="g_loss is nan at step 15"):
        train.train(tiny_config.replace(on_nan="rollback"), random_arrays())
    assert capsys.readouterr().err.count("rolled back to") == 3


def test_a_truncated_latest_checkpoint_falls_back_to_the_one_before(tiny_config, capsys):
    train.train(tiny_config, random_arrays())
    data_file = glob.glob(f"{tiny_config.run_dir}/checkpoints/ckpt-20.data-*")[0]
    with open(data_file, "r+b") as handle:
        handle.truncate(64)
    run = train.prepare(tiny_config, random_arrays())
    assert run.restored_from.endswith("ckpt-10") and int(run.model.step.numpy()) == 10
    assert f"warning: checkpoint {tiny_config.run_dir}/checkpoints/ckpt-20 is unusable" in (
        capsys.readouterr().err)


def test_no_usable_checkpoint_names_every_file(tiny_config):
    train.train(tiny_config, random_arrays())
    for index in glob.glob(f"{tiny_config.run_dir}/checkpoints/*.index"):
        with open(index, "r+b") as handle:
            handle.truncate(8)
    with pytest.raises(workdir.WorkdirError, match=r"no usable checkpoint \(.*ckpt-20: .*ckpt-10: "):
        train.prepare(tiny_config, random_arrays())


def test_a_checkpoint_of_another_architecture_is_refused_with_an_explanation(tiny_config):
    train.train(tiny_config.replace(train_steps=10), random_arrays())
    os.remove(os.path.join(tiny_config.run_dir, workdir.FLAGFILE))  # hide the model check
    with pytest.raises(workdir.WorkdirError, match=(
            r"ckpt-10 does not fit this model \(Received incompatible tensor with shape "
            r"\(784, 13\) .* shape \(784, 26\).*\); it was written by another model")):
        train.prepare(tiny_config.replace(width=0.2), random_arrays())


def test_a_workdir_held_by_a_live_process_is_refused_and_names_it(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import fcntl, os, sys, time\n"
            f"f = open({str(tmp_path / workdir.LOCKFILE)!r}, 'a+')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "f.write(f'process {os.getpid()} on testhost'); f.flush()\n"
            "print('locked', flush=True); time.sleep(120)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = run_main("--train_steps=10", f"--workdir={tmp_path}")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {tmp_path} is in use by process {holder.pid} on testhost; wait for it to "
        "finish, stop it, or give another --workdir")
    assert not (tmp_path / "checkpoints").exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    (tmp_path / workdir.LOCKFILE).write_text("process 999999 on testhost\n")
    result = run_main("--train_steps=10", f"--workdir={tmp_path}")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / workdir.LOCKFILE).read_text().startswith("process ")
    assert "999999" not in (tmp_path / workdir.LOCKFILE).read_text()


def test_a_corrupt_data_file_is_one_line_naming_it(tmp_path):
    data_dir = tmp_path / "data" / "mnist"
    data_dir.mkdir(parents=True)
    for name in os.listdir(FIXTURE_DIR / "mnist"):
        (data_dir / name).write_bytes((FIXTURE_DIR / "mnist" / name).read_bytes())
    damaged = data_dir / "train-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:5000])
    result = run_main("--train_steps=10", f"--workdir={tmp_path / 'run'}",
                      f"--data_dir={tmp_path / 'data'}")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ") and str(damaged) in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_full_disk_at_a_checkpoint_is_one_error_and_leaves_no_temporary(tiny_config,
                                                                           monkeypatch):
    import errno

    import tensorflow as tf

    from conftest import random_arrays
    from tfgan_mnist import outputs, summaries, train

    arrays = random_arrays()
    real_save = tf.train.CheckpointManager.save

    def save_until_full(manager, checkpoint_number=None, **kwargs):
        if checkpoint_number < 20:
            return real_save(manager, checkpoint_number=checkpoint_number, **kwargs)
        os.makedirs(os.path.join(manager.directory, f"ckpt-{checkpoint_number}_temp"))
        raise tf.errors.ResourceExhaustedError(
            None, None, "ckpt-20_temp/part-00000-of-00001.data-00000-of-00001.tempstate; "
            "No space left on device [Op:SaveV2]")

    monkeypatch.setattr(tf.train.CheckpointManager, "save", save_until_full)
    folder = os.path.join(tiny_config.run_dir, "checkpoints")
    with pytest.raises(outputs.OutputError) as info:
        train.train(tiny_config, arrays, out=io.StringIO())
    assert str(info.value) == (
        f"cannot write {folder}/ckpt-20 (no space left on the device); the last checkpoint "
        f"{folder}/ckpt-10 is intact and the same command resumes from it; free some space "
        "or give another --workdir")
    assert sorted(os.listdir(folder)) == [
        "checkpoint", "ckpt-10.data-00000-of-00001", "ckpt-10.index"]
    monkeypatch.setattr(tf.train.CheckpointManager, "save", real_save)
    out = io.StringIO()
    train.train(tiny_config, arrays, out=out)  # space again: resumes from the intact one
    assert f"resuming from {folder}/ckpt-10 at step 10" in out.getvalue()

    def full_disk(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(summaries, "save_figure_png", full_disk)
    with pytest.raises(outputs.OutputError, match=r"^cannot write .*/samples/grid/00000030.png "
                       r"\(no space left on the device\); the last checkpoint .*ckpt-20 is "
                       "intact"):
        train.train(tiny_config.replace(train_steps=30), arrays, out=io.StringIO())
