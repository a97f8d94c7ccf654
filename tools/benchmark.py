"""Measure training speed on the real training path.

    python tools/benchmark.py --model=vanilla_gan
    python tools/benchmark.py --model=vanilla_gan --mixed_precision --no-jit_compile
    python tools/benchmark.py --all            # every model; writes docs/benchmarks.md
    python tools/benchmark.py --all --interleave   # every model timed in turns (leaderboard)
    python tools/benchmark.py --model=dcgan --references   # and the source's own loop
    python tools/benchmark.py --model=gan --references --load=1   # idle and with a busy core
    python tools/benchmark.py --model=vanilla_gan --against=792e505   # this code and older

For each setting it builds the model from its config file (configs/*.flags
naming it) as `tfgan_mnist.main` would, runs the same compiled multi-step
function the trainer runs, on real data, and prints: steps/s (median and
min-max over --repeats timed calls), images/s, the FLOPs of one step (counted
by TensorFlow's profiler on the step's graph), the achieved GFLOP/s and that
as a fraction of a float32 or bfloat16 matmul peak measured in the same run,
and the process's peak resident memory. XLA is on where the model's config
turns it on (--jit_compile / --no-jit_compile override that). Machines are
noisy: compare ratios from one run, not single timings.

`--references` (implied by `--all`) also times, in the same run, the loop of
the code a model reimplements where the speed targets name one
(tools/reference_loops.py: the TF1 vanilla-GAN tutorial, the TF DCGAN
tutorial, and, where torch is installed, PyTorch-GAN's gan.py and the DCGAN
in PyTorch), and prints our steps/s as a ratio to each. With `--load=N`
every one of them is timed twice a round, idle and with N competing busy
processes that the benchmark starts and stops (`--load_kind`: a spinning
Python loop, one core each, or a NumPy BLAS job on every core), and the
rows give both figures: a laptop is rarely idle.

`--against=REV` times this checkout's training loop and that of an earlier commit
in one process, in alternating calls on the same data: the commit's package is
taken from git (`git archive`), renamed so both can be imported side by side, and
built with its own code; the row gives each one's steps/s and the per-round
ratio. Separate processes differ by more than a few percent on a noisy machine
(the same code's median moved 271-377 steps/s across runs); alternating calls in
one process share the machine's slow and fast minutes.
"""

import argparse
import importlib
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tfgan_mnist.cli import quiet_tensorflow_import  # noqa: E402

quiet_tensorflow_import()

import tensorflow as tf  # noqa: E402

from tfgan_mnist import config as config_lib  # noqa: E402
from tfgan_mnist import data, precision, train, variants  # noqa: E402
from repo_configs import config_for, cpu_description, usable_cpus  # noqa: E402
from reference_loops import REFERENCES  # noqa: E402


def step_flops(run):
    """FLOPs of one training step: TensorFlow's per-op FLOP statistics, summed over the ops
    of the step's graph that run.

    The profiler (`model_analyzer.profile`) counts every op of the traced graph.
    That graph holds gradients that nothing uses (each of the two tapes of a
    simultaneous step also builds the other network's backward pass), which
    TensorFlow prunes before running it: counting them gave dcgan 174 GFLOP a
    step where 106 run. So only the ops that a stateful op (a variable update)
    or an output depends on are counted.
    """
    from tensorflow.python.framework import ops as tf_ops
    from tensorflow.python.profiler.internal import flops_registry  # noqa: F401 (registers)

    @tf.function
    def one_step():
        run.model.train_step(run.sampler.next_batch())

    graph = one_step.get_concrete_function().graph
    operations = graph.get_operations()
    stack = [op for op in operations if op._is_stateful] + [t.op for t in graph.outputs]
    live = set()
    while stack:
        op = stack.pop()
        if op.name in live:
            continue
        live.add(op.name)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    total = 0
    for op in operations:
        if op.name not in live:
            continue
        try:
            flops = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value
        except (ValueError, TypeError):  # an op whose shapes are not fully known
            flops = None
        total += flops or 0
    return total


def matmul_peak(dtype, size=2048, repeats=3, iterations=20):
    """Median GFLOP/s of a size x size matmul in `dtype` (a practical peak)."""
    a = tf.random.normal((size, size), dtype=tf.float32)
    a = tf.cast(a, dtype)

    @tf.function
    def loop():
        x = a
        for _ in tf.range(iterations):
            x = tf.matmul(x, a) * tf.cast(1e-3, dtype)
        return tf.reduce_sum(tf.cast(x, tf.float32))

    loop()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        loop().numpy()
        rates.append(2 * size**3 * iterations / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


class Timer:
    """Times `step(count)` (which runs `count` training steps and returns how many ran).

    The first call warms up (tracing); `count` is set so that a timed call
    takes about two seconds unless given.
    """

    def __init__(self, step, count=None):
        self.step = step
        self.step(3)
        if count is None:
            start = time.perf_counter()
            self.step(5)
            count = max(5, int(2.0 / ((time.perf_counter() - start) / 5)))
        self.count = count
        self.rates = []

    def time_once(self, rates=None):
        """Time one call; its steps/s go to `rates` (default: `self.rates`)."""
        start = time.perf_counter()
        done = self.step(self.count)
        (self.rates if rates is None else rates).append(
            (self.count if done is None else done) / (time.perf_counter() - start))

    @property
    def median(self):
        return statistics.median(self.rates)


BUSY_PROGRAMS = {
    # one core spinning in the interpreter
    "spin": "while True: pass",
    # a multi-threaded numerical job: NumPy's BLAS multiplying 1024 x 1024 matrices on
    # every core it finds (as another training run or a notebook would)
    "matmul": "import numpy as np\na = np.ones((1024, 1024), np.float32)\n"
              "while True: a @ a",
}


class BusyProcesses:
    """`count` other processes running BUSY_PROGRAMS[kind] while in the block: the competing
    load of a laptop that is not idle (--load, --load_kind)."""

    def __init__(self, count, kind="spin"):
        self.count = count
        self.program = BUSY_PROGRAMS[kind]
        self.processes = []

    def __enter__(self):
        self.processes = [subprocess.Popen([sys.executable, "-c", self.program])
                          for _ in range(self.count)]
        time.sleep(0.5)  # let the scheduler see them
        return self

    def __exit__(self, *exc_info):
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()
        self.processes = []


# Workdirs of the settings; removed when the process ends.
_SCRATCH = tempfile.TemporaryDirectory(prefix="benchmark-")


def prepare(model, batch_size=None, steps=None, mixed_precision=False, jit_compile=None,
            dataset="mnist"):
    """(config, config path, FLOPs of a step, Timer) of one setting, built as main builds it.

    jit_compile None: as the model's config sets it.
    """
    values, config_path = config_for(model, dataset)
    arrays = data.load_arrays(dataset)
    scratch = tempfile.mkdtemp(dir=_SCRATCH.name)
    overrides = dict(mixed_precision=mixed_precision, workdir=scratch, dataset=dataset)
    if jit_compile is not None:  # otherwise the config's setting
        overrides["jit_compile"] = jit_compile
    if batch_size:
        overrides["batch_size"] = batch_size
    config = config_lib.Config.from_strings({**values, **overrides})
    run = train.prepare(config, arrays)
    run_steps = train.make_step_function(run.model, run.sampler, config.jit_compile)
    flops = step_flops(run)
    timer = Timer(lambda count: int(run_steps(tf.constant(count))), steps)
    return config, config_path, flops, timer


def benchmark(model, batch_size=None, steps=None, repeats=5, mixed_precision=False,
              jit_compile=None, dataset="mnist", peaks=None):
    """Measure one setting (jit_compile None: as the model's config sets it); return figures."""
    config, config_path, flops, timer = prepare(model, batch_size, steps, mixed_precision,
                                                jit_compile, dataset)
    for _ in range(repeats):
        timer.time_once()
    return figures(model, config, config_path, flops, timer, peaks)


def interleaved(settings, batch_size, steps, repeats, jit_compile, dataset, peaks):
    """Rows of every (model, mixed_precision) setting, timed in turns: all are prepared
    first, then each round times one call of each, so a noisy machine's slow minutes fall on
    every model alike (the leaderboard's step budgets come from these rows)."""
    prepared = []
    for name, mixed in settings:
        prepared.append((name, prepare(name, batch_size, steps, mixed, jit_compile, dataset)))
        print(f"prepared {name} {SHORT[precision.canonical(mixed)]}", file=sys.stderr,
              flush=True)
    for round_ in range(repeats):
        for _, (_, _, _, timer) in prepared:
            timer.time_once()
        print(f"round {round_ + 1} of {repeats} done", file=sys.stderr, flush=True)
    return [figures(name, config, path, flops, timer, peaks)
            for name, (config, path, flops, timer) in prepared]


LEADERBOARD_HEADING = "## Leaderboard speeds: every setting timed in turn"


def write_interleaved_section(rows, peaks, repeats):
    """Put the interleaved rows under LEADERBOARD_HEADING in docs/benchmarks.md (replacing
    that section, keeping the rest of the file)."""
    path = os.path.join(REPO_ROOT, "docs", "benchmarks.md")
    text = open(path).read() if os.path.exists(path) else "# Training speed\n"
    before, _, after = text.partition(LEADERBOARD_HEADING)
    rest = after.split("\n## ", 1)[1] if "\n## " in after else ""
    section = (f"{LEADERBOARD_HEADING}\n\nMeasured on {time.strftime('%Y-%m-%d')} by "
               "`python tools/benchmark.py --all --interleave` on "
               f"{usable_cpus()} CPU cores ({cpu_description()}), TensorFlow {tf.__version__}; "
               f"matmul peak float32 {peaks['float32']:.0f}, bfloat16 {peaks['bfloat16']:.0f} "
               "GFLOP/s. Every setting is prepared first, then each of "
               f"{repeats} rounds times one call of every setting in turn, so the machine's "
               "slow and fast minutes fall on all alike: these are the figures to compare "
               "models by, and `python tools/zoo.py --budget_minutes` turns the fastest "
               "precision's median into each model's step budget.\n\n"
               + HEADER + "\n" + "\n".join(format_row(r) for r in rows) + "\n")
    with open(path, "w") as out:
        out.write(before.rstrip("\n") + "\n\n" + section + ("\n## " + rest if rest else ""))


SHORT = {"float32": "f32", "bfloat16": "bf16", "float16": "f16"}


def figures(model, config, config_path, flops, timer, peaks):
    """The row of one measured setting."""
    median = timer.median
    images = config.batch_size * config.d_steps
    peak = (peaks or {}).get(config.mixed_precision)
    gflops = median * flops / 1e9
    return {
        "model": model, "config": os.path.relpath(config_path, REPO_ROOT) if config_path else "-",
        "batch": config.batch_size, "precision": SHORT[config.mixed_precision],
        "jit": config.jit_compile, "steps": timer.count, "steps_per_sec": median,
        "min": min(timer.rates), "max": max(timer.rates), "images_per_sec": median * images,
        "gflop_per_step": flops / 1e9, "gflops": gflops,
        "peak_fraction": gflops / peak if peak else float("nan"),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def against_references(name, args, arrays):
    """Rows of `name` against each reference loop, timed in alternation in this process.

    Ours (float32 and bfloat16, XLA as the config sets it) and every reference
    take turns, one timed call each, --repeats rounds: a shared machine's
    slow and fast moments then fall on all of them alike. With --load=N each
    round times every one twice, idle and then with N busy processes running
    (`BusyProcesses`), and the rows give both figures.
    """
    import keras

    ours = {}
    for mixed in (False, True):
        config, _, _, timer = prepare(name, args.batch_size, None, mixed, args.jit_compile,
                                      args.dataset)
        ours["bf16" if mixed else "f32"] = timer
    keras.mixed_precision.set_global_policy("float32")  # the references build in float32
    references = []
    for function, what, quoted in REFERENCES[name]:
        step = function(arrays.train_images)
        references.append((what, quoted, Timer(step) if step else None))
    timers = list(ours.values()) + [timer for _, _, timer in references if timer]
    loaded = {id(timer): [] for timer in timers}
    for _ in range(args.repeats):
        for timer in timers:
            timer.time_once()
        if args.load:
            with BusyProcesses(args.load, args.load_kind):
                for timer in timers:
                    timer.time_once(loaded[id(timer)])
    rows = []
    for what, quoted, timer in references:
        if timer is None:
            rows.append(f"| {name} | {what} | not run: torch is not installed "
                        f"(pip install torch) | {quoted:g} | - | - |"
                        + (" - | - | - |" if args.load else ""))
            continue
        cells = [f"{timer.median:.2f}", f"{quoted:g}"] + [
            f"{ours[p].median:.2f} ({ours[p].median / timer.median:.2f}x)" for p in ("f32", "bf16")]
        if args.load:
            theirs = statistics.median(loaded[id(timer)])
            cells.append(f"{theirs:.2f}")
            for precision in ("f32", "bf16"):
                mine = statistics.median(loaded[id(ours[precision])])
                cells.append(f"{mine:.2f} ({mine / theirs:.2f}x)")
        rows.append(f"| {name} | {what} | " + " | ".join(cells) + " |")
    return rows


def older_package(revision, into=None):
    """This repository's `tfgan_mnist` as of `revision`, importable beside the current one:
    (the package's name, e.g. tfgan_mnist_at_792e505, and the directory holding it).

    Its imports of tfgan_mnist are renamed to the copy. Raises ValueError (one line) for a
    revision git does not know.
    """
    found = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "--verify", "--quiet",
                            f"{revision}^{{commit}}"], capture_output=True, text=True)
    if found.returncode:
        raise ValueError(f"--against={revision}: not a commit of this repository "
                         "(give a hash, tag or branch that `git log` shows)")
    commit = found.stdout.strip()
    archive = subprocess.run(["git", "-C", REPO_ROOT, "archive", commit, "tfgan_mnist"],
                             capture_output=True, check=True).stdout
    name = f"tfgan_mnist_at_{commit[:7]}"
    into = into or tempfile.mkdtemp(dir=_SCRATCH.name)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    root = os.path.join(into, name)
    os.rename(os.path.join(into, "tfgan_mnist"), root)
    imports = re.compile(r"\b(from|import) tfgan_mnist\b")
    for folder, _, files in os.walk(root):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                text = open(path).read()
                with open(path, "w") as out:
                    out.write(imports.sub(rf"\1 {name}", text))
    return name, into


def against_revision(model, revision, repeats, steps=None, dataset="mnist"):
    """A row timing `model`'s training loop in this checkout and at `revision`, in
    alternating calls (the order swapped every round) in this one process."""
    name, folder = older_package(revision)
    sys.path.append(folder)  # kept: the copy's modules import more of it as they run
    older = {part: importlib.import_module(f"{name}.{part}")
             for part in ("config", "data", "train")}
    values, _ = config_for(model, dataset)

    def build(config_lib_, data_, train_):
        config = config_lib_.Config.from_strings(
            {**values, "workdir": tempfile.mkdtemp(dir=_SCRATCH.name), "dataset": dataset})
        run = train_.prepare(config, data_.load_arrays(dataset))
        run_steps = train_.make_step_function(run.model, run.sampler, config.jit_compile)
        return Timer(lambda count: int(run_steps(tf.constant(count))), steps)

    old = build(older["config"], older["data"], older["train"])
    new = build(config_lib, data, train)
    new.count = old.count
    ratios = []
    for round_ in range(repeats):
        for timer in ((old, new) if round_ % 2 == 0 else (new, old)):
            timer.time_once()
        ratios.append(new.rates[-1] / old.rates[-1])
    return (f"| {model} | {name[len('tfgan_mnist_at_'):]} "
            f"| {old.median:.1f} ({min(old.rates):.1f}-{max(old.rates):.1f}) "
            f"| {new.median:.1f} ({min(new.rates):.1f}-{max(new.rates):.1f}) "
            f"| {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f}) "
            f"| {repeats} x {old.count} |")


AGAINST_HEADER = ("| model | commit | its steps/s median (min-max) | this checkout's "
                  "| this / commit, per round: median (min-max) | rounds x steps |\n"
                  "| --- | --- | --- | --- | --- | --- |")


def format_row(r):
    return (f"| {r['model']} | {r['batch']} | {r['precision']} | {'on' if r['jit'] else 'off'} "
            f"| {r['steps_per_sec']:.1f} ({r['min']:.1f}-{r['max']:.1f}) "
            f"| {r['images_per_sec']:.0f} | {r['gflop_per_step']:.3f} | {r['gflops']:.1f} "
            f"| {100 * r['peak_fraction']:.1f}% | {r['rss_mb']:.0f} |")


HEADER = ("| model | batch | precision | XLA | steps/s median (min-max) | images/s "
          "| GFLOP/step | GFLOP/s | of matmul peak | peak RSS MB |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


REFERENCE_HEADER = ("| model | reference | its steps/s here | quoted | ours f32 | ours bf16 |\n"
                    "| --- | --- | --- | --- | --- | --- |")
LOADED_HEADER = ("| model | reference | its steps/s idle | quoted | ours f32 idle | ours bf16 idle "
                 "| its steps/s loaded | ours f32 loaded | ours bf16 loaded |\n"
                 "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="vanilla_gan")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--batch_size", type=int)
    parser.add_argument("--steps", type=int, help="steps per timed call (default: ~2 s)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mixed_precision", nargs="?", const="bfloat16", default="float32",
                        choices=precision.PRECISIONS,
                        help="bare: bfloat16, as tfgan_mnist.main's flag; or float16")
    parser.add_argument("--jit_compile", action=argparse.BooleanOptionalAction,
                        help="XLA on (--jit_compile) or off (--no-jit_compile) for every "
                             "setting; default: as each model's config sets it")
    parser.add_argument("--all", action="store_true",
                        help="every registered model, f32 and bf16; write docs/benchmarks.md")
    parser.add_argument("--interleave", action="store_true",
                        help="with --all: prepare every setting, then time them in turns; "
                             "writes the leaderboard section of docs/benchmarks.md")
    parser.add_argument("--references", action="store_true",
                        help="also time the reimplemented source's loop, where there is one")
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="with --references: time ours and the references idle and "
                             "again with N busy processes, in turns")
    parser.add_argument("--load_kind", choices=sorted(BUSY_PROGRAMS), default="spin",
                        help="what each busy process runs: spin (one core in a Python loop) "
                             "or matmul (NumPy's multi-threaded BLAS)")
    parser.add_argument("--against", metavar="REV",
                        help="time one --model in this checkout and at commit REV, in turns "
                             "in one process; --repeats rounds")
    args = parser.parse_args()
    if args.model not in variants.names():
        parser.error(f"--model={args.model}: valid models: {', '.join(variants.names())}")
    if args.load < 0 or (args.load and not args.references) or (args.load and args.all):
        parser.error(f"--load={args.load}: a number of busy processes (0 or more), with "
                     "--references and one --model")

    if args.against:
        if args.all or args.references or args.mixed_precision != "float32":
            parser.error(f"--against={args.against}: times one --model in float32 as its "
                         "config sets XLA; leave out --all, --references and "
                         "--mixed_precision")
        try:
            row = against_revision(args.model, args.against, args.repeats, args.steps,
                                   args.dataset)
        except ValueError as error:
            parser.error(str(error))
        print(f"{usable_cpus()} CPU cores: {cpu_description()}\n{AGAINST_HEADER}\n{row}")
        return
    peaks = {"float32": matmul_peak(tf.float32), "bfloat16": matmul_peak(tf.bfloat16)}
    if args.mixed_precision == "float16":
        peaks["float16"] = matmul_peak(tf.float16)
    print(f"{usable_cpus()} CPU cores: {cpu_description()}", flush=True)
    print("matmul peak here: " + ", ".join(f"{name} {peak:.0f} GFLOP/s"
                                           for name, peak in peaks.items()), flush=True)
    print(HEADER, flush=True)
    settings = ([(name, mp) for name in variants.names() for mp in (False, True)]
                if args.all else [(args.model, args.mixed_precision)])
    if args.all and args.interleave:
        rows = interleaved(settings, args.batch_size, args.steps, args.repeats,
                           args.jit_compile, args.dataset, peaks)
        for row in rows:
            print(format_row(row), flush=True)
        write_interleaved_section(rows, peaks, args.repeats)
        return
    rows = []
    for name, mixed in settings:
        row = benchmark(name, args.batch_size, args.steps, args.repeats, mixed,
                        args.jit_compile, args.dataset, peaks)
        rows.append(row)
        print(format_row(row), flush=True)
    reference_rows = []
    if args.all or args.references:
        arrays = data.load_arrays(args.dataset)
        print("\n" + (LOADED_HEADER if args.load else REFERENCE_HEADER), flush=True)
        for name in sorted({row["model"] for row in rows} & set(REFERENCES)):
            for line in against_references(name, args, arrays):
                reference_rows.append(line)
                print(line, flush=True)
    if args.all:
        os.makedirs(os.path.join(REPO_ROOT, "docs"), exist_ok=True)
        with open(os.path.join(REPO_ROOT, "docs", "benchmarks.md"), "w") as out:
            out.write("# Training speed\n\nMeasured by `python tools/benchmark.py --all` on "
                      f"{usable_cpus()} CPU cores ({cpu_description()}), TensorFlow "
                      f"{tf.__version__}; matmul peak in the same run: float32 "
                      f"{peaks['float32']:.0f} GFLOP/s, bfloat16 {peaks['bfloat16']:.0f} "
                      "GFLOP/s. Each model uses its own config's batch size and XLA "
                      "setting. GFLOP/step counts the ops of the step that run (TensorFlow's "
                      "per-op statistics). Peak RSS is the benchmark process's peak so far: "
                      "with --all it grows as models accumulate; run one model for its "
                      "own.\n\n")
            out.write(HEADER + "\n" + "\n".join(format_row(r) for r in rows) + "\n")
            out.write("\n## Against the reimplemented code, timed in the same run\n\n"
                      "Steps/s of the source's own loop (tools/reference_loops.py), the "
                      "figure quoted for it on a reference machine, and ours (ratio to the "
                      "source here). Ours and the references take turns, one timed call "
                      "each, so they share the machine's noise; medians of "
                      f"{args.repeats} rounds.\n\n" + REFERENCE_HEADER + "\n"
                      + "\n".join(reference_rows) + "\n")


if __name__ == "__main__":
    main()
