"""Several generator averages kept over one training run, scored side by side.

    python tools/average_sweep.py --config=configs/quick_mnist.flags --steps=3338 \\
        --seeds=3 --warmups=3,5,10,20,40
    python tools/average_sweep.py --report     # only rewrite docs/average_sweep.md

Training never reads the generator's moving average (`--ema_decay`,
`--ema_warmup`), so one run can keep many averages at once and score each: a
paired comparison (the same trained weights under every average) that costs one
training instead of one per choice. Each average here has its own warm-up c
(decay min(--ema_decay, (1 + t) / (c + t)) at step t, as the model's own
average: with c > 1 it spans about the last (c + t) / (c - 1) steps until the
decay binds). The config's own c is always among them and must come out equal
to the model's own average, which the tool checks.

The run is the config's training, as `python -m tfgan_mnist.main` runs it, for
`--steps` steps with `--seed=S`, in runs/average_sweep/<config>-seed<S>: it
checkpoints the extra averages with the rest and resumes like any run. Then
every average is scored by the evaluation of `python -m tfgan_mnist.evaluate`
(10,000 samples, standing batch-norm statistics), and the trained weights too.
Runs accumulate in docs/average_sweep.json; docs/average_sweep.md gives, per
config, step count and c, the FD's mean ± standard deviation over the seeds and
the mean difference from the config's own c (paired: per seed, the same
training). `--steps`: the step count an idle 2-core run of the config makes in
its minutes, as for tools/quick_sweep.py.
"""

import argparse
import contextlib
import os
import sys

from repo_configs import (REPO_ROOT, check_config_and_steps, cpu_description,
                          merge_results, read_results, usable_cpus)
from zoo import _mean, _std

from tfgan_mnist.cli import quiet_tensorflow_import

quiet_tensorflow_import()

import tensorflow as tf  # noqa: E402

from tfgan_mnist import checkpoints, evaluate, generators, train, variants  # noqa: E402
from tfgan_mnist import config as config_lib  # noqa: E402

RESULTS_JSON = os.path.join(REPO_ROOT, "docs", "average_sweep.json")
REPORT_MD = os.path.join(REPO_ROOT, "docs", "average_sweep.md")


def _name(warmup):
    return f"average_warmup_{warmup:g}".replace(".", "_")


def keep_averages(model, warmups):
    """Give `model` one more moving average of its generator per warm-up in `warmups`,
    updated wherever its own is and held in its checkpoints; returns {c: [variables]}."""
    if model.averaged is None:
        raise ValueError("--ema_decay=0: the config keeps no average to compare with")
    trained = model.trained_network().variables
    averages = {c: [tf.Variable(v.numpy(), trainable=False, name=f"{_name(c)}_{i}")
                    for i, v in enumerate(model.averaged.variables)] for c in warmups}
    own_update, own_state = model.update_average, model.extra_state

    def update_average():
        own_update()
        step = tf.cast(model.step, tf.float32)
        for c, copies in averages.items():
            decay = tf.minimum(model.ema_decay, (1.0 + step) / (c + step))
            for copy, variable in zip(copies, trained):
                if variable.trainable:
                    copy.assign(decay * copy + (1.0 - decay) * tf.cast(variable, copy.dtype))
                else:
                    copy.assign(variable)

    def extra_state():
        return {**own_state(), **{_name(c): tf.train.Checkpoint(variables=copies)
                                  for c, copies in averages.items()}}

    object.__setattr__(model, "update_average", update_average)
    object.__setattr__(model, "extra_state", extra_state)
    return averages


@contextlib.contextmanager
def building_with_averages(warmups):
    """Inside the block every model the package builds (`variants.build`: training,
    restoring) keeps the extra averages; yields {id(model): (model, averages)}, filled as
    models are built."""
    kept, build = {}, variants.build

    def build_with_averages(config):
        model = build(config)
        kept[id(model)] = (model, keep_averages(model, warmups))
        return model

    variants.build = build_with_averages
    try:
        yield kept
    finally:
        variants.build = build


def score(model, config, averages, num_samples, data_dir=None):
    """{c: FD} of every average, and the trained weights' FD, on `num_samples` samples."""
    own = [v.numpy() for v in model.averaged.variables]
    c_own = float(config.ema_warmup)
    mismatch = max(float(abs(a - b).max()) for a, b in zip(own, [
        v.numpy() for v in averages[c_own]]))
    if mismatch > 1e-6:
        raise AssertionError(f"the extra average with the config's c = {c_own:g} differs "
                             f"from the model's own by {mismatch:g}")
    fds = {}
    for c, copies in averages.items():
        for average, copy in zip(model.averaged.variables, copies):
            average.assign(copy)
        generators.use_weights(model, raw_weights=False)
        generator = generators.load_generator(model, config=config)
        fds[c] = evaluate.evaluate(generator, num_samples, 0, data_dir)["metrics"][
            "frechet_distance"]
    for average, value in zip(model.averaged.variables, own):
        average.assign(value)
    generators.use_weights(model, raw_weights=True)
    raw = evaluate.evaluate(generators.load_generator(model, config=config), num_samples, 0,
                            data_dir)["metrics"]["frechet_distance"]
    generators.use_weights(model, raw_weights=False)
    return fds, raw


def run_one(config_path, steps, seed, warmups, root, num_samples=None):
    """Train (or resume) one seed's run keeping the averages, score them; its record."""
    name = os.path.splitext(os.path.basename(config_path))[0]
    values = config_lib.read_flagfile(os.path.join(REPO_ROOT, config_path))
    workdir = os.path.join(root, f"{name}-seed{seed}")
    config = config_lib.Config.from_strings({
        **values, "workdir": workdir, "train_minutes": "0", "train_steps": str(steps),
        "seed": str(seed)})
    warmups = sorted(set(warmups) | {float(config.ema_warmup)})
    with building_with_averages(warmups) as kept:
        train.train(config)
        restored = checkpoints.restore(workdir)
    model, averages = kept[id(restored.model)]
    fds, raw = score(model, restored.config, averages, num_samples, config.data_dir or None)
    return {"config": config_path, "seed": seed, "steps": restored.step,
            "own_warmup": float(config.ema_warmup),
            "fd": {f"{c:g}": fd for c, fd in fds.items()}, "raw_fd": raw,
            "num_samples": num_samples or evaluate.default_samples(config.dataset),
            "cpus": usable_cpus(), "cpu": cpu_description()}


def load_results(path=None):
    return read_results(path or RESULTS_JSON)


def save_results(results, path=None):
    merge_results(path or RESULTS_JSON, results)


def report_lines(results):
    """docs/average_sweep.md: per config and step count, a row per warm-up c."""
    groups = {}
    for record in results.values():
        groups.setdefault((record["config"], record["steps"]), []).append(record)
    lines = ["# Generator averages compared on the same trainings", "",
             "Made by `python tools/average_sweep.py` (its docstring says how). Each run "
             "trains its config once and keeps one moving average of the generator per "
             "warm-up c (decay min(--ema_decay, (1 + t) / (c + t)) at step t: about the "
             "last (c + t) / (c - 1) steps), each scored with standing "
             "batch-norm statistics (FD: Frechet distance to the test set). Mean ± sample "
             "standard deviation over the seeds; difference: the mean over seeds of the FD "
             "minus the FD of the config's own c on the same run (below 0: better).", ""]
    for (config, steps), runs in sorted(groups.items()):
        runs = sorted(runs, key=lambda r: r["seed"])
        own = runs[0]["own_warmup"]
        warmups = sorted({float(c) for r in runs for c in r["fd"]})
        cpus = sorted({r["cpus"] for r in runs})
        lines += [f"## {config}, {steps} steps, seeds {', '.join(str(r['seed']) for r in runs)}",
                  "", f"{runs[0]['cpu']}, {'-'.join(map(str, cpus))} "
                  f"core{'s' if cpus != [1] else ''} a run; FD of "
                  f"{runs[0].get('num_samples', 10000):,} samples.", "",
                  "| c | averages about the last | FD | per seed | difference from "
                  f"c = {own:g} |", "| --- | --- | --- | --- | --- |"]
        for c in warmups:
            key = f"{c:g}"
            fds = [r["fd"][key] for r in runs if key in r["fd"]]
            diffs = [r["fd"][key] - r["fd"][f"{own:g}"] for r in runs if key in r["fd"]]
            span = f"{(c + steps) / (c - 1):,.0f}"
            span += " step" if span == "1" else " steps"
            spread = f"{_mean(fds):.2f}" + (f" ± {_std(fds):.2f}" if len(fds) > 1 else "")
            diff = ("-" if c == own else f"{_mean(diffs):+.2f}"
                    + (f" ± {_std(diffs):.2f}" if len(diffs) > 1 else ""))
            lines.append(f"| {key}{' (the config)' if c == own else ''} | {span} | {spread} "
                         f"| {', '.join(f'{v:.2f}' for v in fds)} | {diff} |")
        raws = [r["raw_fd"] for r in runs]
        lines += [f"| trained weights | - | {_mean(raws):.2f}"
                  + (f" ± {_std(raws):.2f}" if len(raws) > 1 else "")
                  + f" | {', '.join(f'{v:.2f}' for v in raws)} | - |", ""]
    return lines


def write_report(results, path=None):
    with open(path or REPORT_MD, "w") as handle:
        handle.write("\n".join(report_lines(results)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="a config file, e.g. configs/quick_mnist.flags")
    parser.add_argument("--steps", type=int,
                        help="the steps an idle 2-core run of the config makes (its comments)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0 ... N-1")
    parser.add_argument("--warmups", default="3,5,10,20,40",
                        help="comma-separated warm-up constants c > 1 (the config's own "
                             "is added)")
    parser.add_argument("--num_samples", type=int, default=None,
                        help="samples scored per average (default 10,000)")
    parser.add_argument("--root", default=os.path.join(REPO_ROOT, "runs", "average_sweep"))
    parser.add_argument("--report", action="store_true",
                        help="only rewrite docs/average_sweep.md from docs/average_sweep.json")
    args = parser.parse_args(argv)
    if args.report:
        write_report(load_results())
        print(f"wrote {REPORT_MD}")
        return
    check_config_and_steps(parser, args.config, args.steps)
    try:
        warmups = [float(c) for c in args.warmups.split(",")]
    except ValueError:
        warmups = [0.0]
    if any(c <= 1 for c in warmups):
        parser.error(f"--warmups={args.warmups}: give comma-separated numbers above 1, "
                     "e.g. 3,5,10,20,40")
    if args.seeds < 1:
        parser.error(f"--seeds: {args.seeds} is not a count of runs; give 1 or more")
    os.chdir(REPO_ROOT)  # configs name their base files from the repository root
    for seed in range(args.seeds):
        key = f"{args.config}|{args.steps}|{seed}"
        done = load_results().get(key)
        if done and {f"{c:g}" for c in warmups} <= set(done["fd"]):
            print(f"{key}: done already", flush=True)
            continue
        record = run_one(args.config, args.steps, seed, warmups, args.root, args.num_samples)
        save_results({key: record})
        write_report(load_results())
        print(f"{key}: " + ", ".join(f"c={c}: {fd:.2f}" for c, fd in record["fd"].items())
              + f"; trained weights {record['raw_fd']:.2f}", flush=True)
    print(f"wrote {REPORT_MD}")


if __name__ == "__main__":
    sys.exit(main())
