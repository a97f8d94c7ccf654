"""train.py: resume, NaN stops, workdir checks, progress lines."""

import os
import re

import numpy as np
import pytest
import tensorflow as tf

from conftest import random_arrays
from tfgan_mnist import gan, train, workdir


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


def fake_clock(tick):
    """A clock that advances `tick` seconds each time it is read: the loop's timing, and so
    where a --train_minutes budget stops, is the same on a fast, slow or busy machine."""
    now = [0.0]

    def clock():
        now[0] += tick
        return now[0]
    return clock


def test_progress_shows_the_compiled_step_then_a_line_at_least_every_progress_period(
        tiny_config, monkeypatch):
    import io
    import re

    out = io.StringIO()
    monkeypatch.setattr(train, "PROGRESS_SECONDS", 0.0)  # every chunk is "30 s later"
    monkeypatch.setattr(train, "clock", fake_clock(0.001))  # a slow machine reads the same
    train.train(tiny_config.replace(log_every=20, steps_per_call=4), random_arrays(), out=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("device: ") and lines[1].startswith("training vanilla_gan")
    assert re.fullmatch(r"step \d+/20: compiled in [0-9.]+ s; [0-9.]+ ms a step, left 0:00:\d\d",
                        lines[2]), lines
    progress = [line for line in lines[3:] if line.startswith("step ")]
    steps = [int(re.match(r"step (\d+)/20", line).group(1)) for line in progress]
    assert steps == sorted(steps) and steps[-1] == 20 and len(steps) >= 4  # chunks of <= 4
    assert all("d_loss" in line and "left" in line for line in progress)


def test_train_minutes_stops_cleanly_and_a_resumed_run_continues_toward_the_budget(
        tiny_config, monkeypatch):
    import io

    monkeypatch.setattr(train, "clock", fake_clock(0.005))
    arrays = random_arrays()
    config = tiny_config.replace(train_steps=100000, train_minutes=0.001, log_every=100000,
                                 summary_every=100000, checkpoint_every=100000)
    out = io.StringIO()
    train.train(config, arrays, out=out)
    printed = out.getvalue()
    assert "stopped at the --train_minutes=0.001 budget at step " in printed
    checkpoint = tf.train.latest_checkpoint(f"{config.run_dir}/checkpoints")
    step = int(checkpoint.rsplit("-", 1)[1])
    assert 0 < step < 100000 and f"step {step}/100000" in printed  # the last step is logged
    seconds = tf.train.load_variable(checkpoint, "trained_seconds/.ATTRIBUTES/VARIABLE_VALUE")
    assert seconds >= 0.06
    assert os.path.exists(f"{config.run_dir}/samples/grid/{step:08d}.png")  # outputs written
    out = io.StringIO()
    train.train(config, arrays, out=out)  # the same budget: nothing left
    assert "already trained for the --train_minutes=0.001 budget" in out.getvalue()
    out = io.StringIO()
    budget = (seconds + 0.2) / 60.0  # 0.2 (fake) s more than trained
    train.train(config.replace(train_minutes=budget), arrays, out=out)
    assert f"resuming from {checkpoint} at step {step}" in out.getvalue()
    later = tf.train.latest_checkpoint(f"{config.run_dir}/checkpoints")
    assert int(later.rsplit("-", 1)[1]) > step
    assert tf.train.load_variable(later, "trained_seconds/.ATTRIBUTES/VARIABLE_VALUE") >= \
        budget * 60.0
    # The time left is the budget's rest, never that of the 100,000 steps.
    lefts = re.findall(r"left (\d+):(\d\d):(\d\d)", out.getvalue())
    assert lefts and all(int(h) * 3600 + int(m) * 60 + int(s_) <= 5 for h, m, s_ in lefts)


def test_training_images_of_another_shape_than_the_spec_are_refused(tiny_config):
    from tfgan_mnist import data

    config = tiny_config.replace(dataset="made_up_colour")  # conftest's 28x28x3 spec
    with pytest.raises(data.DataError) as raised:
        train.prepare(config, random_arrays())  # grey (n, 28, 28) images
    assert str(raised.value) == ("--dataset=made_up_colour: training images of shape (28, 28); "
                                 "the spec's images are (28, 28, 3)")
    assert not os.path.exists(config.run_dir)
