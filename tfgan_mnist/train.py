"""Training: build the model, restore its last checkpoint, run, summarize, save.

The loop is our own rather than `fit()`: one `tf.function` runs a chunk of
calls of the model's own `train_step` on batches drawn in-graph, and Python
only wakes up between chunks, where something is logged, drawn or saved.
That keeps the host out of the hot path, lets a checkpoint hold the exact
data order and RNG state (so a resumed run continues as if never stopped),
and works the same under a `tf.distribute` strategy, where `fit()` with a
two-optimizer GAN does not (keras-team/keras#20164). `fit()` still works on
any of these models for users with their own data.

What a run survives: SIGKILL at any moment loses only the steps since the
last checkpoint (checkpoint writes never touch the previous checkpoint, and a
damaged latest checkpoint is passed over); SIGTERM and Ctrl-C finish the
current chunk and save; a NaN or infinite loss is caught at the step it
appears, and stops the run or rolls it back.
"""

import contextlib
import dataclasses
import functools
import glob
import math
import os
import shutil
import signal
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from tfgan_mnist import config as config_lib
from tfgan_mnist import (data, datasets, idx, machine, outputs, own_images, pipeline,
                         precision, summaries, variants, workdir)
from tfgan_mnist.workdir import (CHECKPOINT_DIR, FLAGFILE, WorkdirError,  # noqa: F401
                                 make_checkpoint)

SAMPLES_DIR = "samples"
CALL_SECONDS = 1.0  # a chunk of steps lasts about this long, so stops are served promptly
PROGRESS_SECONDS = 30.0  # a progress line at least this often, between --log_every lines
MAX_ROLLBACKS = 3
clock = time.perf_counter  # the loop's only time source: tests replace it with a fake one


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite."""


class RunInterrupted(Exception):
    """SIGTERM or Ctrl-C stopped the run after a checkpoint was saved."""

    def __init__(self, signum, message):
        super().__init__(message)
        self.signum = signum


@dataclasses.dataclass
class Run:
    """A model with everything needed to train it, save it and restore it."""

    config: object
    model: keras.Model
    sampler: pipeline.InMemorySampler
    checkpoint: tf.train.Checkpoint
    manager: tf.train.CheckpointManager
    strategy: tf.distribute.Strategy
    restored_from: str = None
    trained_seconds: tf.Variable = None  # training time so far, for --train_minutes


def set_seeds(config):
    """Seed Python, NumPy and TensorFlow; with --deterministic, make ops repeatable too."""
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()


def check_image_shape(images, dataset):
    """A DataError unless `images` have the shape of `dataset`'s spec (one channel may come
    without its axis)."""
    image_shape = datasets.get(dataset).image_shape
    if tuple(np.shape(images)[1:]) not in idx.expected_image_shapes(image_shape):
        raise data.DataError(
            f"--dataset={dataset}: training images of shape {tuple(np.shape(images)[1:])}; the "
            f"spec's images are {idx.shapes_phrase(image_shape)}")


def make_strategy(config):
    """The tf.distribute strategy that `config.strategy` names."""
    if config.strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    if config.strategy == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def prepare(config, arrays=None, warn=None, strategy=None, bfloat16=None):
    """Build the run that `config` describes and restore its latest usable checkpoint.

    `bfloat16`: the machine's answer (`machine.bfloat16_support()`); None reads it where
    the config's precision depends on it."""
    workdir.check_matches(config)
    if arrays is None:
        arrays = data.load_arrays(config.dataset, config.data_dir or None,
                                  download=config.download)
    check_image_shape(arrays.train_images, config.dataset)
    strategy = strategy or make_strategy(config)
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise config_lib.ConfigError("batch_size", config.batch_size,
                                     f"must divide evenly over the {replicas} replicas")
    set_seeds(config)
    precision.set_precision(
        config, precision.machine_bfloat16(config) if bfloat16 is None else bfloat16)
    with strategy.scope():  # model and optimizer variables are mirrored over the replicas
        model = variants.build(config)
    # each discriminator call gets a replica's share of the batch (of one domain, for the
    # two-domain models): packing needs whole packs of it
    share = config.batch_size // replicas // (2 if model.domain_halves else 1)
    if share % model.pack:
        raise config_lib.ConfigError(
            "pack", config.pack, f"must divide the {share} images each discriminator call "
            f"gets (--batch_size={config.batch_size} over {replicas} replica(s)"
            + (", half a batch a domain)" if model.domain_halves else ")"))
    # Autoencoding models draw reconstructions of a few fixed real test images.
    test_images = getattr(arrays, "test_images", None)
    if test_images is not None and len(test_images):  # none, or --holdout=0's empty split
        model.set_reference_images(test_images, arrays.test_labels)
    spec = datasets.get(config.dataset)
    images, labels = arrays.train_images, arrays.train_labels
    sampler_class = pipeline.InMemorySampler
    if spec.stacks_of and getattr(arrays, "base", None) is not None:
        # new stacks every batch, drawn from the base dataset
        sampler_class = functools.partial(
            pipeline.StackedSampler, channels=spec.channels,
            base_classes=datasets.get(spec.stacks_of).num_classes)
        images, labels = arrays.base.train_images, arrays.base.train_labels
    if model.domain_halves:  # each domain from its half (of the base images, for stacks)
        sampler_class = functools.partial(pipeline.DomainHalvesSampler,
                                          half_sampler=sampler_class)
    try:
        sampler = sampler_class(images, labels, config.batch_size * config.d_steps,
                                model.image_range, seed=config.seed)
    except ValueError as error:
        raise config_lib.ConfigError("batch_size", config.batch_size, str(error)) from None
    trained_seconds = tf.Variable(0.0, dtype=tf.float64, trainable=False,
                                  name="trained_seconds")
    checkpoint = workdir.make_checkpoint(model, sampler, trained_seconds)
    manager = tf.train.CheckpointManager(
        checkpoint.saveable, os.path.join(config.run_dir, CHECKPOINT_DIR),
        max_to_keep=config.keep_checkpoints, checkpoint_name="ckpt")
    restored = workdir.restore_latest_usable(
        checkpoint, manager, warn or (lambda message: print(message, file=sys.stderr)))
    if restored:
        model.after_restore()
    return Run(config, model, sampler, checkpoint, manager, strategy, restored, trained_seconds)


@contextlib.contextmanager
def writing(path, run):
    """Turn a failed write of `path` (a full disk, a removed folder) into one OutputError.

    The message names the file, says which checkpoint is intact and what to
    do. Errors of TensorFlow that are not about the disk pass through.
    """
    try:
        yield
    except outputs.OutputError:
        raise
    except (OSError, tf.errors.OpError) as error:
        if not isinstance(error, OSError) and not outputs.is_disk_full(error):
            raise
        latest = run.manager.latest_checkpoint
        intact = (f"the last checkpoint {latest} is intact and the same command resumes "
                  "from it" if latest else "no checkpoint was written yet")
        raise outputs.write_failure(getattr(error, "filename", None) or path, error,
                                    intact) from None


def save_checkpoint(run, step):
    """Save checkpoint `step`; on failure remove what it half-wrote and raise an OutputError."""
    prefix = os.path.join(run.manager.directory, f"ckpt-{step}")
    try:
        with writing(prefix, run):
            return run.manager.save(checkpoint_number=step)
    except outputs.OutputError:
        for leftover in glob.glob(glob.escape(prefix) + "_temp*") + \
                glob.glob(glob.escape(prefix) + ".*"):
            if os.path.isdir(leftover):
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                os.remove(leftover)
        raise


def standing_statistics(run, step):
    """Figures and evaluations during training sample as `sample` does by default: with
    standing batch-norm statistics of the weights in use (`gan.BN_STATISTICS_DEFAULT`),
    computed once per step (the figures and the evaluation of a step share them)."""
    from tfgan_mnist import gan

    return run.model.standing_statistics(gan.BN_STATISTICS_DEFAULT == "standing", key=step)


def write_samples(run, step):
    """Each of the model's figures at `step`: an image summary and a PNG.

    The PNG goes to <workdir>/samples/<figure>/<step>.png, one folder per
    figure, like the TF1 tutorial's out/ folder.
    """
    with standing_statistics(run, step):
        figures = run.model.figures(run.config.sample_grid)
    for name, figure in figures.items():
        summaries.write_grid_image(name, summaries.tile(figure.images, figure.rows, figure.cols),
                                   step)
        folder = os.path.join(run.config.run_dir, SAMPLES_DIR, name)
        os.makedirs(folder, exist_ok=True)
        summaries.save_figure_png(os.path.join(folder, f"{step:08d}.png"), figure,
                                  f"{run.config.model} on {run.config.dataset}, step {step}")


HPARAMS_FIRST = ("model", "dataset")  # TensorBoard shows the first few columns by default


def write_hparams(config, metric_names=()):
    """The run's Config as TensorBoard HParams, so the dashboard compares runs side by side.

    The trial is named after the workdir (TensorBoard would list a hash), and
    the experiment's hyperparameters are declared with model and dataset
    first, so those are the columns shown by default. The model's scalars
    (d_loss, ...) and the evaluation's Frechet distance are its metrics.
    Paths are left out: they name where a run lives, not how it trains.
    """
    from tensorboard.plugins.hparams import api as hparams_api

    values = {name: value for name, value in dataclasses.asdict(config).items()
              if name not in ("workdir", "data_dir")}
    order = [*HPARAMS_FIRST, *(name for name in values if name not in HPARAMS_FIRST)]
    metrics = [*metric_names, "eval/frechet_distance"]
    hparams_api.hparams_config(hparams=[hparams_api.HParam(name) for name in order],
                               metrics=[hparams_api.Metric(tag) for tag in metrics])
    hparams_api.hparams({name: values[name] for name in order}, trial_id=config.workdir)


def _format_duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _format_step_time(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _steps_to_next(step, every):
    return every - step % every


class _StopRequests:
    """Turns SIGTERM and SIGINT into a flag the loop checks between chunks.

    A second Ctrl-C stops at once; SIGTERM asks again for the same thing, since it can
    come twice (a process group's `kill` and a tool that passes it on to its child)."""

    def __init__(self):
        self.signum = None
        self.previous = {}
        self.interrupts = 0

    def __enter__(self):
        for signum in (signal.SIGTERM, signal.SIGINT):
            self.previous[signum] = signal.signal(signum, self._request)
        return self

    def _request(self, signum, frame):
        if signum == signal.SIGINT:
            self.interrupts += 1
            if self.interrupts > 1:  # a second Ctrl-C: stop now
                raise KeyboardInterrupt
        if self.signum is None:
            self.signum = signum

    def __exit__(self, *exc_info):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def make_step_function(model, sampler, jit_compile=False, strategy=None):
    """A tf.function that runs up to `num_steps` steps and stops early at a non-finite loss.

    It returns how many steps it ran. The trackers hold running means, so
    one non-finite loss makes its mean non-finite until they are reset.

    Under a distribution strategy the sampler draws the global batch (in
    cross-replica context, so the data order is one sequence whatever the
    number of replicas) and each replica trains on its slice of it.
    """
    strategy = strategy or tf.distribute.get_strategy()
    distributed = not isinstance(strategy, type(tf.distribute.get_strategy()))
    d_steps = getattr(model, "d_steps", 1)

    def replica_step(images, labels):
        context = tf.distribute.get_replica_context()
        replicas, index = context.num_replicas_in_sync, context.replica_id_in_sync_group
        # The batch holds d_steps chunks (one per discriminator update); each
        # replica takes its share of every chunk.
        chunks = tf.reshape(images, (d_steps, -1, *images.shape[1:]))
        chunk_labels = tf.reshape(labels, (d_steps, -1))
        share = tf.shape(chunks)[1] // replicas
        mine = chunks[:, index * share:(index + 1) * share]
        mine_labels = chunk_labels[:, index * share:(index + 1) * share]
        return model.train_step((tf.reshape(mine, (-1, *images.shape[1:])),
                                 tf.reshape(mine_labels, (-1,))))

    # XLA compiles the model's step alone: compiling the whole loop with the
    # sampler (the dataset is a 47 MB constant in it) ran about 100 times
    # slower on CPU. Under a strategy the whole loop is compiled, as
    # strategy.run needs its cross-replica calls outside a compiled step.
    train_step = (tf.function(lambda images, labels: model.train_step((images, labels)),
                              jit_compile=True)
                  if jit_compile and not distributed else
                  lambda images, labels: model.train_step((images, labels)))

    def one_step():
        if distributed:
            strategy.run(replica_step, args=sampler.next_batch())
            model.update_average()  # cross-replica: every replica's copy alike
        else:
            train_step(*sampler.next_batch())
        return {name: tracker.result() for name, tracker in model.trackers.items()}

    @tf.function(jit_compile=jit_compile and distributed)
    def run_steps(num_steps):
        done = tf.constant(0)
        for _ in tf.range(num_steps):
            means = one_step()
            done += 1
            finite = tf.reduce_all([tf.math.is_finite(tf.cast(v, tf.float32))
                                    for v in means.values()])
            if not finite:
                break
        return done

    return run_steps


def train(config, arrays=None, out=None, bfloat16=None):
    """Train `config.model` to `config.train_steps`, resuming from the workdir's checkpoint.

    `bfloat16`: the machine's bfloat16 answer ("native", "emulated" or "unknown"); None
    reads it (`machine.bfloat16_support()`) where the config's precision depends on it.
    Returns the last logged means of the model's metrics.
    """
    out = out or sys.stdout

    def say(message):
        print(message, file=out, flush=True)

    def warn(message):
        print(message, file=sys.stderr, flush=True)

    workdir.check_matches(config)
    strategy = make_strategy(config)
    bfloat16 = precision.machine_bfloat16(config) if bfloat16 is None else bfloat16
    if not is_chief(strategy):
        return _train_as_worker(config, arrays, strategy, warn, bfloat16)
    # the first line: where and how it computes ("is it on the GPU?")
    gpus = machine.visible_gpus()
    say(precision.device_line(config, bfloat16, strategy.num_replicas_in_sync,
                              machine.describe_devices(gpus)))
    slower = precision.precision_warning(config, bfloat16, gpus)
    if slower:
        warn(slower)
    if config.mixed_precision_where_fast and config.mixed_precision == precision.FLOAT32:
        chosen = precision.compute_precision(config, bfloat16)
        say("--mixed_precision_where_fast: " + (
            "bfloat16 (native on this machine)" if chosen == precision.BFLOAT16 else
            f"float32 (bfloat16 is {bfloat16} here: float32 unless it is known native)"))
    run_dir = config.run_dir
    created = not os.path.exists(run_dir)
    os.makedirs(run_dir, exist_ok=True)
    with workdir.Lock(run_dir), _StopRequests() as stop:
        try:
            run = prepare(config, arrays, warn, strategy, bfloat16)
        except Exception:
            if created:  # refused before anything was written: leave no empty workdir
                shutil.rmtree(run_dir, ignore_errors=True)
            raise
        summaries.atomic_write(os.path.join(run_dir, FLAGFILE),
                               lambda tmp: open(tmp, "w").write(config.to_flags()))
        if config.images:  # the run's own images, so that it resumes and scores on them
            own_images.keep(run_dir, datasets.get(config.dataset),
                            arrays if arrays is not None else data.load_arrays(config.dataset))
        return _train_loop(run, stop, say, warn)


def is_chief(strategy):
    """Whether this process writes the run's files: always, except a non-chief worker."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def _train_as_worker(config, arrays, strategy, warn, bfloat16):
    """A non-chief worker: the same steps, collectives and saves, into a scratch folder.

    Multi-worker training needs every worker to run every step and every
    checkpoint save; only the chief's files are the run's. This worker reads
    the chief's checkpoint to resume and writes its own copies to a scratch
    folder that is removed at the end.
    """
    with tempfile.TemporaryDirectory(prefix="tfgan-worker-") as scratch:
        run = prepare(config, arrays, warn, strategy, bfloat16)
        run.manager = tf.train.CheckpointManager(run.checkpoint.saveable, scratch, max_to_keep=1)
        with _StopRequests() as stop:
            return _train_loop(run, stop, lambda message: None, warn, chief=False)


def _train_loop(run, stop, say, warn, chief=True):
    config, model = run.config, run.model
    step, total = int(model.step.numpy()), config.train_steps
    if run.restored_from:
        say(f"resuming from {run.restored_from} at step {step}")
    budget = config.train_minutes * 60.0
    if step >= total:
        say(f"already trained to step {step} of {total}; nothing to do")
        return {}
    if budget and float(run.trained_seconds.numpy()) >= budget:
        say(f"already trained for the --train_minutes={config.train_minutes:g} budget (step "
            f"{step}); nothing to do")
        return {}
    trained_before, loop_started = float(run.trained_seconds.numpy()), clock()
    run_steps = make_step_function(model, run.sampler, config.jit_compile, run.strategy)
    writer = (tf.summary.create_file_writer(config.run_dir) if chief
              else tf.summary.create_noop_writer())
    say(f"training {config.model} on {config.dataset} for {total} steps in {config.run_dir}")
    logs, rollbacks, seconds_per_step = {}, 0, None
    with writer.as_default():
        if step == 0 and chief:
            with writing(os.path.join(config.run_dir, SAMPLES_DIR), run):
                write_hparams(config, model.metric_names)  # once, when the run starts
                write_samples(run, 0)
        last_time, last_step = clock(), step
        said_time, said_step = last_time, step  # the last line printed, of either kind
        chunks = 0
        while step < total:
            count = min(config.steps_per_call, total - step,
                        _steps_to_next(step, config.log_every),
                        _steps_to_next(step, config.summary_every),
                        _steps_to_next(step, config.checkpoint_every),
                        _steps_to_next(step, config.eval_every or total))
            # Chunks sized by this process's own timing; not with several workers, whose
            # collectives must line up call for call, so all follow the fixed schedule.
            multi_worker = isinstance(run.strategy, tf.distribute.MultiWorkerMirroredStrategy)
            if seconds_per_step and not multi_worker:
                count = max(1, min(count, int(CALL_SECONDS / seconds_per_step)))
            elif chunks == 0 and not multi_worker:
                count = 1  # the first call traces and compiles: time the steps after it
            started = clock()
            done = int(run_steps(tf.constant(count, tf.int32)))
            seconds_per_step = (clock() - started) / done
            step += done
            chunks += 1
            if chunks == 1:
                compile_seconds = clock() - started
            elif chunks == 2:
                say(f"step {step}/{total}: compiled in {compile_seconds:.1f} s; "
                    f"{_format_step_time(seconds_per_step)} a step, "
                    f"left {_left(run, total - step, 1 / seconds_per_step, budget)}")
                said_time, said_step = clock(), step
            if done < count or not _all_finite(model):
                bad = {n: float(t.result()) for n, t in model.trackers.items()
                       if not math.isfinite(float(t.result()))}
                name, value = next(iter(bad.items()))
                if config.on_nan == "rollback" and rollbacks < MAX_ROLLBACKS:
                    rollbacks += 1
                    step = _roll_back(run, warn, f"{name} is {value} at step {step}")
                    last_time, last_step = clock(), step
                    continue
                raise TrainingDiverged(
                    f"{name} is {value} at step {step}; stopped without saving, the last "
                    f"checkpoint ({run.manager.latest_checkpoint}) is intact")
            run.trained_seconds.assign(trained_before + clock() - loop_started)
            out_of_time = bool(budget) and float(run.trained_seconds.numpy()) >= budget
            done_all = step == total or out_of_time  # the last step of this run: write all
            if step % config.log_every == 0 or done_all:
                logs = {name: float(t.result()) for name, t in model.trackers.items()}
                for tracker in model.metrics:
                    tracker.reset_state()
                now = clock()
                rate = (step - last_step) / (now - last_time)
                last_time, last_step = now, step
                summaries.write_scalars(logs, step)
                summaries.write_scalars(
                    {f"learning_rate/{name}": _value(opt.learning_rate)
                     for name, opt in model.named_optimizers().items()}, step)
                summaries.write_scalars({"steps_per_sec": rate}, step)
                values = "  ".join(f"{k} {v:.4f}" for k, v in logs.items())
                say(f"step {step}/{total}  {values}  {rate:.1f} steps/s  "
                    f"left {_left(run, total - step, rate, budget)}")
                said_time, said_step = now, step
            elif chunks > 2 and clock() - said_time >= PROGRESS_SECONDS:
                now = clock()  # running means so far; TensorBoard gets the log lines
                rate = (step - said_step) / (now - said_time)
                values = "  ".join(f"{name} {float(t.result()):.4f}"
                                   for name, t in model.trackers.items())
                say(f"step {step}/{total}  {values}  {rate:.2f} steps/s  "
                    f"left {_left(run, total - step, rate, budget)}")
                said_time, said_step = now, step
            if step % config.summary_every == 0 or done_all:
                with writing(os.path.join(config.run_dir, SAMPLES_DIR), run):
                    summaries.write_histograms(model.trainable_variables, step)
                    if chief:
                        write_samples(run, step)
                    writer.flush()
            saved = step % config.checkpoint_every == 0 or done_all
            if saved:
                save_checkpoint(run, step)
            if chief and config.eval_every and (step % config.eval_every == 0 or done_all):
                _evaluate_and_keep_best(run, step, say)
            if out_of_time:
                break
            if stop.signum is not None:
                if not saved:
                    save_checkpoint(run, step)
                with writing(config.run_dir, run):
                    writer.flush()
                name = signal.Signals(stop.signum).name
                raise RunInterrupted(stop.signum, f"stopped by {name} at step {step}; saved "
                                     f"{run.manager.latest_checkpoint}; run the same command "
                                     "again to resume")
    with writing(config.run_dir, run):
        writer.close()
    if step < total:
        say(f"stopped at the --train_minutes={config.train_minutes:g} budget at step {step} "
            f"of {total}; checkpoint {run.manager.latest_checkpoint}; a larger budget "
            "continues from it")
        return logs
    say(f"done: step {step}; checkpoint {run.manager.latest_checkpoint}")
    return logs


def _left(run, steps_left, rate, budget):
    """The time left: the steps left at `rate` steps/s, or the --train_minutes budget's rest
    where that comes first."""
    seconds = steps_left / max(rate, 1e-9)
    if budget:
        seconds = min(seconds, max(0.0, budget - _value(run.trained_seconds)))
    return _format_duration(seconds)


BEST_FILE = "best.json"
# One JSON line per evaluation during training: step, training seconds so far, the weights
# scored and the quick metrics (`evaluate.score(quick=True)`); a resumed run appends.
HISTORY_FILE = "eval_history.jsonl"
HISTORY_KEYS = ("frechet_distance", "classifier_score", "class_kl", "rare_classes",
                "conditional_accuracy", "modes", "mode_kl")


def _evaluate_and_keep_best(run, step, say):
    """Score the generator now; keep this checkpoint too if its Frechet distance is the best.

    The best checkpoint lives in <workdir>/checkpoints_best with best.json
    naming its step and score, so a resumed run knows what to beat.
    """
    import json

    from tfgan_mnist import evaluate, generators

    config = run.config
    generator = generators.Generator(run.model, config, step, "training")
    with standing_statistics(run, step):
        report = evaluate.evaluate(generator, config.eval_samples, seed=0,
                                   data_dir=config.data_dir, quick=True)
    scores = report["metrics"]
    summaries.write_scalars({f"eval/{key}": scores[key] for key, _, _ in evaluate.METRIC_INFO
                             if key in scores}, step)
    history = {"step": step, "trained_seconds": round(_value(run.trained_seconds), 1),
               "weights": report["weights"], "num_samples": config.eval_samples,
               **{key: scores[key] for key in HISTORY_KEYS if key in scores}}
    with writing(config.run_dir, run), open(os.path.join(config.run_dir, HISTORY_FILE),
                                            "a") as handle:
        handle.write(json.dumps(history) + "\n")
    folder = os.path.join(config.run_dir, workdir.BEST_CHECKPOINT_DIR)
    record = os.path.join(folder, BEST_FILE)
    best = json.load(open(record)) if os.path.exists(record) else None
    distance = scores["frechet_distance"]
    improved = best is None or distance < best["frechet_distance"]
    if improved:
        with writing(folder, run):
            manager = tf.train.CheckpointManager(run.checkpoint.saveable, folder, max_to_keep=1,
                                                 checkpoint_name="ckpt")
            manager.save(checkpoint_number=step)
            summaries.atomic_write(record, lambda tmp: open(tmp, "w").write(json.dumps(
                {"step": step, "frechet_distance": distance}) + "\n"))
    modes = (f", modes {scores['modes']} of {scores['num_modes']} (KL {scores['mode_kl']:.2f})"
             if "modes" in scores else "")
    say(f"eval at step {step}: Frechet distance {distance:.3f}, classifier score "
        f"{scores['classifier_score']:.3f}, class KL {scores['class_kl']:.3f}{modes}"
        + ("  (best so far, kept)" if improved else "") + f"  [{report['seconds']:.0f} s]")


def _value(variable):
    """A scalar variable's value as a float (also for a strategy's mirrored variables)."""
    return float(keras.ops.convert_to_numpy(variable))


def _all_finite(model):
    return all(math.isfinite(float(t.result())) for t in model.trackers.values())


def _roll_back(run, warn, reason):
    """Restore the last checkpoint and halve both learning rates; return the restored step."""
    path = workdir.restore_latest_usable(run.checkpoint, run.manager, warn)
    if path is None:
        raise TrainingDiverged(f"{reason}, and there is no checkpoint to roll back to")
    for tracker in run.model.metrics:
        tracker.reset_state()
    rates = []
    for name, optimizer in run.model.named_optimizers().items():
        optimizer.learning_rate.assign(_value(optimizer.learning_rate) * 0.5)
        rates.append(f"{name} {_value(optimizer.learning_rate):.3g}")
    step = int(run.model.step.numpy())
    warn(f"warning: {reason}; rolled back to {path} (step {step}) with learning rates "
         f"halved: {', '.join(rates)}")
    return step
