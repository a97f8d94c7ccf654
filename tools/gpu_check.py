"""Check, once, that everything works where you train: on a GPU, or on this CPU.

    python tools/gpu_check.py                    # every model and option; ~8 min on one GPU
    python tools/gpu_check.py --out=gpu.md       # also write the table (never overwrites)
    python tools/gpu_check.py --models=gan,dcgan --steps=50   # a quicker look

It prints the device and the TensorFlow build, then runs, each as a row of one table:

1. every registered model (or --models) for --steps steps with its config
   (configs/*.flags naming it), with its steps/s;
2. the options that behave differently on GPUs, on --option_model: XLA
   (`--jit_compile`), bfloat16 and float16 (`--mixed_precision`), determinism
   (`--deterministic`: two runs must give the same weights bit for bit, or
   TensorFlow refuses and names the op without a deterministic kernel) and
   `--strategy=mirrored` on every visible GPU (NCCL all-reduce between them);
3. hinge_gan and dcgan against the plain TF2 loops of `reference_loops.py` (the
   collection GAN's networks in a plain script, the TF tutorial's DCGAN loop),
   timed in turns in this process;
4. export, sample (from the export) and evaluate (FD) of the first model's run, as the
   command-line programs do them.

Without a GPU it says so and runs the same checks on the CPU for a few steps
(--steps defaults to 3 there), which is how the tests run it. `--tiny` shrinks every
network (width 0.1, batch 8) for those tests. A check that fails is a row that says
so; the exit status is 1 if any did.
"""

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tfgan_mnist.cli import quiet_tensorflow_import  # noqa: E402

quiet_tensorflow_import()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_mnist import config as config_lib  # noqa: E402
from tfgan_mnist import data, machine, train, variants  # noqa: E402
from tfgan_mnist.workdir import _first_line as first_line  # noqa: E402  (an error's 1st line)
from repo_configs import config_for  # noqa: E402

GPU_STEPS, CPU_STEPS = 300, 3
SPEED_PAIRS = (("hinge_gan", "gan"), ("dcgan", "dcgan"))  # (ours, reference_loops' key)
OK, REFUSED, FAILED = "ok", "refused", "FAILED"
HEADER = ("| check | setting | result | steps/s | note |\n"
          "| --- | --- | --- | --- | --- |")


def build_info():
    """TensorFlow's version and what its build was made for (CUDA, cuDNN, or CPU only)."""
    info = tf.sysconfig.get_build_info()
    if info.get("is_cuda_build"):
        build = f"CUDA {info.get('cuda_version', '?')}, cuDNN {info.get('cudnn_version', '?')}"
    elif info.get("is_rocm_build"):
        build = "ROCm"
    else:
        build = "CPU only"
    return f"TensorFlow {tf.__version__} ({build})"


class Checker:
    """Runs the checks, keeping one row per check."""

    def __init__(self, args, scratch, say=print):
        self.args, self.scratch, self.say = args, scratch, say
        self.rows = []
        self.arrays = {}

    def row(self, check, setting, result, rate=None, note=""):
        row = (check, setting, result, "-" if rate is None else f"{rate:.3g}", note)
        self.rows.append(row)
        self.say("| " + " | ".join(row) + " |")
        return row

    def config(self, model, **overrides):
        """The model's config (its configs/*.flags), shortened to --steps, in a fresh workdir."""
        values, _ = config_for(model)
        values = {key: value for key, value in values.items() if key not in ("workdir",)}
        steps = self.args.steps
        settings = dict(train_steps=steps, log_every=max(1, steps), summary_every=max(1, steps),
                        checkpoint_every=max(1, steps), eval_every=0, train_minutes=0,
                        steps_per_call=max(1, min(100, steps)), data_dir=self.args.data_dir,
                        workdir=tempfile.mkdtemp(prefix=f"{model}-", dir=self.scratch),
                        mixed_precision_where_fast=False)
        if self.args.tiny:
            settings.update(width=0.1, batch_size=8, z_dim=8, sample_grid=2)
        settings.update(overrides)
        return config_lib.Config.from_strings({**values, **settings})

    def load(self, dataset):
        if dataset not in self.arrays:
            self.arrays[dataset] = data.load_arrays(dataset, self.args.data_dir or None)
        return self.arrays[dataset]

    def train(self, config):
        """(seconds, logs) of training `config` from scratch; the run's output is kept
        quiet unless it fails."""
        out = io.StringIO()
        start = time.perf_counter()
        try:
            with contextlib.redirect_stderr(out):
                logs = train.train(config, self.load(config.dataset), out=out,
                                   bfloat16=self.bfloat16)
        finally:
            import keras

            keras.mixed_precision.set_global_policy("float32")
        bad = [name for name, value in logs.items() if not np.isfinite(float(value))]
        if bad:
            raise FloatingPointError(f"{', '.join(bad)} not finite after training")
        return time.perf_counter() - start, out.getvalue()

    def try_training(self, check, setting, config):
        """Train `config`, recording a row; the workdir on success, else None."""
        try:
            seconds, printed = self.train(config)
        except Exception as error:  # a check reports every failure and goes on
            self.row(check, setting, FAILED, note=first_line(error))
            return None
        # the run's own line after its first call: "compiled in 3.5 s; 207.3 ms a step"
        timing = re.search(r"compiled in ([\d.]+) s; ([\d.]+) ms a step", printed)
        if timing:
            self.row(check, setting, OK, 1000.0 / float(timing.group(2)),
                     f"{config.train_steps} steps; compiled in {timing.group(1)} s")
        else:
            self.row(check, setting, OK, config.train_steps / seconds,
                     f"{config.train_steps} steps in {seconds:.1f} s, compiling included")
        return config.run_dir

    # ----- the checks -----------------------------------------------------------

    def every_model(self):
        first = None
        for model in self.args.models:
            workdir = self.try_training("model", model, self.config(model))
            first = first or workdir
        return first

    def options(self):
        model = self.args.option_model
        self.try_training("XLA", f"{model} --jit_compile", self.config(model, jit_compile=True))
        for name in ("bfloat16", "float16"):
            self.try_training("precision", f"{model} --mixed_precision={name}",
                              self.config(model, mixed_precision=name))
        gpus = len(tf.config.list_physical_devices("GPU"))
        self.try_training("mirrored", f"{model} --strategy=mirrored on "
                          f"{gpus or 1} {'GPU' if gpus else 'CPU'}{'s' if gpus > 1 else ''}",
                          self.config(model, strategy="mirrored"))
        self.determinism(model)

    def determinism(self, model):
        """Two --deterministic runs: the same weights bit for bit, or TensorFlow's refusal.
        Last, because op determinism stays on in this process once set."""
        setting = f"{model} --deterministic, twice"
        weights = []
        try:
            for _ in range(2):
                config = self.config(model, deterministic=True)
                self.train(config)
                run = train.prepare(config, self.load(config.dataset))
                weights.append([v.numpy() for v in run.model.variables])
        except (tf.errors.UnimplementedError, tf.errors.InvalidArgumentError) as error:
            self.row("determinism", setting, REFUSED, note=first_line(error))
            return
        except Exception as error:
            self.row("determinism", setting, FAILED, note=first_line(error))
            return
        same = all(np.array_equal(a, b) for a, b in zip(*weights))
        self.row("determinism", setting, OK if same else FAILED,
                 note="the two runs' weights are identical" if same else
                 "the two runs' weights differ")

    def speed(self):
        """Ours against the plain TF2 loop of the same networks, one timed call each in
        turns (`benchmark.Timer`), medians."""
        import benchmark
        import keras
        import reference_loops

        for ours, key in self.args.speed_pairs:
            try:
                _, _, _, mine = benchmark.prepare(ours, steps=self.args.speed_steps)
                function, what, _ = reference_loops.REFERENCES[key][0]
                keras.mixed_precision.set_global_policy("float32")
                theirs = benchmark.Timer(function(self.load("mnist").train_images),
                                         self.args.speed_steps)
                for _ in range(self.args.repeats):
                    mine.time_once()
                    theirs.time_once()
            except Exception as error:
                self.row("speed", f"{ours} against {key}'s plain loop", FAILED,
                         note=first_line(error))
                continue
            self.row("speed", f"{ours} (its config)", OK, mine.median,
                     f"{mine.median / theirs.median:.2f}x {what} "
                     f"({theirs.median:.3g} steps/s), {self.args.repeats} calls each in turns")

    def outputs(self, workdir):
        """Export, sample and evaluate `workdir`, as `python -m tfgan_mnist.export`,
        `.sample` and `.evaluate` do it (their functions, in this process)."""
        from tfgan_mnist import evaluate, export, generators, sample

        if workdir is None:
            self.row("outputs", "export, sample, evaluate", FAILED, note="no model trained")
            return
        out = os.path.join(self.scratch, "outputs")
        os.makedirs(out)

        def exported():
            saved, keras_file, _ = export.export(workdir, f"{out}/saved",
                                                 f"{out}/generator.keras")
            return f"SavedModel{' and .keras' if keras_file else ''}"

        def sampled():
            images, _, _ = sample.write_samples(generators.load_generator(saved_path),
                                                f"{out}/samples.png", f"{out}/samples.npz", 16)
            return f"{len(images)} images {images.shape[1:]} {images.dtype} from the SavedModel"

        def evaluated():
            report = evaluate.evaluate(generators.load_generator(workdir),
                                       self.args.eval_samples, data_dir=self.args.data_dir or None)
            return (f"FD {report['metrics']['frechet_distance']:.3g} of "
                    f"{self.args.eval_samples} samples")

        saved_path = f"{out}/saved"
        for name, step in (("export", exported), ("sample", sampled), ("evaluate", evaluated)):
            start = time.perf_counter()
            try:
                what = step()
            except Exception as error:
                self.row("outputs", name, FAILED, note=first_line(error))
                continue
            self.row("outputs", name, OK, note=f"{what}; {time.perf_counter() - start:.1f} s")


def markdown(device, build, rows):
    """The table to paste into docs/benchmarks.md, with what it was measured on."""
    return (f"### tools/gpu_check.py on {device}\n\n{build}; measured "
            f"{time.strftime('%Y-%m-%d')}.\n\n{HEADER}\n"
            + "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(variants.names()),
                        help="comma-separated models to train (default: every registered one)")
    parser.add_argument("--steps", type=int,
                        help=f"steps a training check runs (default {GPU_STEPS} on a GPU, "
                             f"{CPU_STEPS} without one)")
    parser.add_argument("--option_model", default="dcgan",
                        help="the model the options are checked on")
    parser.add_argument("--speed", action=argparse.BooleanOptionalAction, default=True,
                        help="time hinge_gan and dcgan against the plain TF2 loops")
    parser.add_argument("--speed_steps", type=int, help="steps a timed call runs")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls of each loop")
    parser.add_argument("--eval_samples", type=int, default=2000,
                        help="images evaluate scores in the outputs check")
    parser.add_argument("--data_dir", default="", help="as tfgan_mnist.main's --data_dir")
    parser.add_argument("--tiny", action="store_true",
                        help="shrink every network (width 0.1, batch 8, z 8): the tests' setting")
    parser.add_argument("--out", help="also write the markdown table here (a new file)")
    args = parser.parse_args(argv)
    args.models = [name for name in args.models.split(",") if name]
    unknown = [name for name in args.models + [args.option_model] if name not in variants.names()]
    if unknown:
        parser.error(f"--models/--option_model: {unknown[0]} is not a registered model; "
                     f"valid: {', '.join(variants.names())}")
    if args.out and os.path.exists(args.out):
        parser.error(f"--out={args.out} exists; give a new path (it is never overwritten)")
    for name in ("steps", "speed_steps", "repeats", "eval_samples"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name}={value}: must be positive")
    args.speed_pairs = SPEED_PAIRS if args.speed else ()
    return args


def main(argv=None, say=print):
    args = parse_args(argv)
    gpus = machine.visible_gpus()
    device = machine.describe_devices(gpus)
    build = build_info()
    say(f"device: {device}\n{build}")
    if not gpus:
        say("no GPU visible: the same checks run on the CPU, for a few steps each")
    if args.steps is None:
        args.steps = GPU_STEPS if gpus else CPU_STEPS
    with tempfile.TemporaryDirectory(prefix="gpu_check-") as scratch:
        checker = Checker(args, scratch, say)
        checker.bfloat16 = machine.bfloat16_support()
        say(f"bfloat16 here: {checker.bfloat16}\n\n{HEADER}")
        first = checker.every_model()
        checker.outputs(first)
        checker.options()
        if args.speed_pairs:
            checker.speed()
    table = markdown(device, build, checker.rows)
    if args.out:
        with open(args.out, "x") as handle:
            handle.write(table)
        say(f"\nwrote {args.out}")
    failed = [row for row in checker.rows if row[2] == FAILED]
    say(f"\n{len(checker.rows)} checks: {len(failed)} failed" if failed else
        f"\n{len(checker.rows)} checks passed (refusals name what TensorFlow cannot do here)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
