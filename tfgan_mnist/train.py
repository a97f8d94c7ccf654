"""Training: build the model, restore its last checkpoint, run, summarize, save.

The loop is our own rather than `fit()`: one `tf.function` runs up to
`steps_per_call` calls of the model's own `train_step` on batches drawn
in-graph, and Python only wakes up at the steps where something is logged,
drawn or saved. That keeps the host out of the hot path, lets a checkpoint
hold the exact data order and RNG state (so a resumed run continues as if
never stopped), and works the same under a `tf.distribute` strategy, where
`fit()` with a two-optimizer GAN does not (keras-team/keras#20164).
`fit()` still works on any of these models for users with their own data.
"""

import dataclasses
import math
import os
import sys
import time

import keras
import tensorflow as tf

from tfgan_mnist import data, pipeline, registry, summaries

CHECKPOINT_DIR = "checkpoints"
SAMPLES_DIR = "samples"
FLAGFILE = "run.flags"


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite."""


class WorkdirError(ValueError):
    """The workdir holds a run that this config cannot continue."""


def check_workdir_matches(config):
    """Refuse to resume a workdir whose saved run has another model or dataset."""
    path = os.path.join(config.run_dir, FLAGFILE)
    if not os.path.exists(path):
        return
    saved = dict(line.strip()[2:].split("=", 1) for line in open(path)
                 if line.startswith("--") and "=" in line)
    for name in ("model", "dataset"):
        if name in saved and saved[name] != str(getattr(config, name)):
            raise WorkdirError(
                f"--workdir={config.run_dir} holds a {saved['model']} run on "
                f"{saved.get('dataset')}; --{name}={getattr(config, name)} cannot resume it: "
                "give another --workdir")


@dataclasses.dataclass
class Run:
    """A model with everything needed to train it, save it and restore it."""

    config: object
    model: keras.Model
    sampler: pipeline.InMemorySampler
    checkpoint: tf.train.Checkpoint
    manager: tf.train.CheckpointManager


def make_checkpoint(model, sampler=None):
    """A tf.train.Checkpoint of the model, its optimizers, its RNG state and the data order."""
    items = dict(model=model, rng=model.rng_variables(), **model.named_optimizers())
    if sampler is not None:
        items["sampler"] = sampler
    return tf.train.Checkpoint(**items)


def prepare(config, arrays=None):
    """Build the run that `config` describes and restore its latest checkpoint, if any."""
    check_workdir_matches(config)
    if arrays is None:
        arrays = data.load_arrays(config.dataset, config.data_dir or None,
                                  download=config.download)
    keras.utils.set_random_seed(config.seed)
    model = registry.build(config)
    # Autoencoding models draw reconstructions of a few fixed real test images
    # (multiphase.MultiPhaseModel.set_reference_images); other models lack the hook.
    if hasattr(model, "set_reference_images") and hasattr(arrays, "test_images"):
        model.set_reference_images(arrays.test_images, arrays.test_labels)
    sampler = pipeline.InMemorySampler(
        arrays.train_images, arrays.train_labels, config.batch_size * config.d_steps,
        model.image_range, seed=config.seed)
    checkpoint = make_checkpoint(model, sampler)
    manager = tf.train.CheckpointManager(
        checkpoint, os.path.join(config.run_dir, CHECKPOINT_DIR),
        max_to_keep=config.keep_checkpoints, checkpoint_name="ckpt")
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    return Run(config, model, sampler, checkpoint, manager)


def _steps_to_next(step, every):
    return every - step % every


def write_samples(run, step):
    """Each of the model's figures at `step`: an image summary and a PNG.

    The PNG goes to <workdir>/samples/<figure>/<step>.png, one folder per
    figure, like the TF1 tutorial's out/ folder.
    """
    for name, figure in run.model.figures(run.config.sample_grid).items():
        summaries.write_grid_image(name, summaries.tile(figure.images, figure.rows, figure.cols),
                                   step)
        folder = os.path.join(run.config.run_dir, SAMPLES_DIR, name)
        os.makedirs(folder, exist_ok=True)
        summaries.save_grid_png(
            os.path.join(folder, f"{step:08d}.png"), figure.images, figure.rows, figure.cols,
            title=f"{run.config.model} on {run.config.dataset}, step {step}",
            row_labels=figure.row_labels, col_labels=figure.col_labels)


def _format_duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def train(config, arrays=None, out=None):
    """Train `config.model` to `config.train_steps`, resuming from the workdir's checkpoint.

    Returns the last logged means of the model's metrics.
    """
    out = out or sys.stdout

    def say(message):
        print(message, file=out, flush=True)

    run = prepare(config, arrays)
    model, sampler, workdir = run.model, run.sampler, config.run_dir
    os.makedirs(os.path.join(workdir, SAMPLES_DIR), exist_ok=True)
    summaries.atomic_write(os.path.join(workdir, FLAGFILE),
                           lambda tmp: open(tmp, "w").write(config.to_flags()))
    writer = tf.summary.create_file_writer(workdir)

    step = int(model.step.numpy())
    total = config.train_steps
    if run.manager.latest_checkpoint:
        say(f"resuming from {run.manager.latest_checkpoint} at step {step}")
    if step >= total:
        say(f"already trained to step {step} of {total}; nothing to do")
        return {}

    @tf.function
    def run_steps(num_steps):
        for _ in tf.range(num_steps):
            model.train_step(sampler.next_batch())

    say(f"training {config.model} on {config.dataset} for {total} steps in {workdir}")
    logs = {}
    with writer.as_default():
        if step == 0:
            write_samples(run, 0)
        last_time, last_step = time.perf_counter(), step
        while step < total:
            count = min(config.steps_per_call, total - step,
                        _steps_to_next(step, config.log_every),
                        _steps_to_next(step, config.summary_every),
                        _steps_to_next(step, config.checkpoint_every))
            run_steps(tf.constant(count, tf.int32))
            step += count
            done = step == total
            if step % config.log_every == 0 or done:
                logs = {name: float(t.result()) for name, t in model.trackers.items()}
                for tracker in model.metrics:
                    tracker.reset_state()
                for name, value in logs.items():
                    if not math.isfinite(value):
                        raise TrainingDiverged(
                            f"{name} is {value} at step {step}; stopped without saving, "
                            f"the last checkpoint ({run.manager.latest_checkpoint}) is intact")
                now = time.perf_counter()
                rate = (step - last_step) / (now - last_time)
                last_time, last_step = now, step
                summaries.write_scalars(logs, step)
                summaries.write_scalars(
                    {f"learning_rate/{name}": float(opt.learning_rate)
                     for name, opt in model.named_optimizers().items()}, step)
                summaries.write_scalars({"steps_per_sec": rate}, step)
                values = "  ".join(f"{k} {v:.4f}" for k, v in logs.items())
                say(f"step {step}/{total}  {values}  {rate:.1f} steps/s  "
                    f"left {_format_duration((total - step) / rate)}")
            if step % config.summary_every == 0 or done:
                summaries.write_histograms(model.trainable_variables, step)
                write_samples(run, step)
                writer.flush()
            if step % config.checkpoint_every == 0 or done:
                run.manager.save(checkpoint_number=step)
    writer.close()
    say(f"done: step {step}; checkpoint {run.manager.latest_checkpoint}")
    return logs

