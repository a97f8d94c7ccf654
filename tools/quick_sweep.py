"""A quick config over seeds and recipe variants, at the steps an idle run of it makes.

    python tools/quick_sweep.py --config=configs/quick_mnist.flags --steps=2573 --seeds=3
    python tools/quick_sweep.py --config=configs/quick_mnist.flags --steps=2573 \\
        --variants=base,batch_256,batch_256+ttur
    python tools/quick_sweep.py --report        # only rewrite docs/quick_sweep.md

The quick configs stop on the clock (`--train_minutes=9.5`), so how far a run
gets depends on the machine and on what else runs on it. To compare seeds and
recipes on a busy machine, or in one-core lanes (`taskset -c N`), each run here
trains the config for a fixed step count instead, `--steps`: the steps the
config makes in its minutes on an idle 2-core machine (its comments give them).
A variant adds flags to the config (VARIANTS below; "a+b" combines two, flags in
that order; lr_x2 doubles the config's own learning rates, and a variant whose
flags the config has already is refused); one that sets a batch size
(batch_32 ... batch_256) trains the steps that batch makes in the time the config's own batch takes for `--steps`:
`--steps` times the ratio of their idle steps/s (BATCH_STEPS_PER_S, measured on
the CPU the step counts come from). Each run trains in
runs/quick_sweep/<config>-<steps>-<variant>-seed<S>
(resumable) and is scored by `python -m tfgan_mnist.evaluate` (10,000 samples),
with the averaged and the trained generator weights. Runs accumulate in
docs/quick_sweep.json (a run already there is not trained again);
docs/quick_sweep.md gives, per config and variant, the FD's mean ± standard
deviation over the seeds, the best and worst run, and Welch's p against the
base recipe's seeds (the leaderboard's test, `zoo.welch_p`).
"""

import argparse
import os
import sys
import time

from repo_configs import (REPO_ROOT, check_config_and_steps, cpu_description, read_flagfile,
                          merge_results, read_results, run_child, usable_cpus)
from zoo import _mean, _std, evaluate_run, run_seconds, welch_p

DOCS = os.path.join(REPO_ROOT, "docs")
RESULTS_JSON = os.path.join(DOCS, "quick_sweep.json")
REPORT_MD = os.path.join(DOCS, "quick_sweep.md")

# Idle steps/s of the quick configs' network (hinge_gan bfloat16, 2 idle cores of the AMD
# EPYC with AVX512-BF16) by batch size, timed in turns in one process (6 rounds; the
# periodic evaluations left out, as they cost the same per 500 steps at any batch): 32:
# 10.50, 64: 7.50, 128: 4.85; another such run gave 64: 7.19, 128: 4.72, 256: 2.83, so
# 256 is 2.83 * 7.50 / 7.19 on the first run's scale.
BATCH_STEPS_PER_S = {32: 10.50, 64: 7.50, 128: 4.85, 256: 2.83 * 7.50 / 7.19}

# name: (what it changes, flags added to the config, or {flag: factor} of the config's own
# value of the flag: lr_x2 doubles whatever rates the config has)
VARIANTS = {
    "base": ("the config as it is", []),
    # At a few thousand steps --ema_decay alone changes nothing: the default warm-up
    # (c = 10) keeps the decay below 0.997 until step 3,000 and below 0.999 until 8,990,
    # the average spanning about the last (10 + step)/9 steps. A smaller c lengthens it.
    # tools/average_sweep.py compares many averages on one training: use it instead.
    "ema_warmup_2": ("a longer generator average: warm-up c = 2, so the decay is 0.999 "
                     "(about the last 1,000 steps) from step 998 (c = 10: about the last "
                     "(10 + step)/9 steps: 370 at step 3,338)", ["--ema_warmup=2"]),
    "ttur": ("a two-time-scale update as Heusel et al. 2017 ran it: D faster than G, "
             "D 4e-4, G 1e-4 (D 2e-4, G 1e-3)",
             ["--d_learning_rate=0.0004", "--g_learning_rate=0.0001"]),
    "d_lr_4e-4": ("D's learning rate doubled, 4e-4 (2e-4); G's kept at 1e-3",
                  ["--d_learning_rate=0.0004"]),
    "lr_x2": ("both learning rates doubled", {"d_learning_rate": 2, "g_learning_rate": 2}),
    "betas_0_0.9": ("Adam betas (0, 0.9), the SNGAN hinge recipe's (0.5, 0.999)",
                    ["--beta1=0.0", "--beta2=0.9"]),
    # A batch size changes the step time, so these train the steps the batch makes in the
    # same minutes as the config's batch (BATCH_STEPS_PER_S; variant_text describes them).
    **{f"batch_{batch}": (f"batch {batch}", [f"--batch_size={batch}"])
       for batch in BATCH_STEPS_PER_S},
}


SHORT_NAMES = {"d_learning_rate": "D", "g_learning_rate": "G"}

# (config, steps) of a group whose base is a recipe the config no longer has: what it was
FORMER_RECIPES = {
    ("configs/quick_mnist.flags", 3338): (
        "base here is the config before it took the variant batch_128+lr_x2 (over five "
        "seeds below): batch 64, D 2e-4, G 1e-3; its idle 9.5 minutes made 3,338 steps"),
}


def variant_parts(variant):
    """The variants a combined one names: "batch_128+d_lr_4e-4" -> its two parts."""
    return variant.split("+")


def config_values(config):
    """{flag: text} of a config file (its included files' too)."""
    return read_flagfile(os.path.join(REPO_ROOT, config))


def part_flags(part, values):
    """The flags one variant adds to a config of flag `values`; a factor of a flag the
    config does not set is refused (ValueError)."""
    flags = VARIANTS[part][1]
    if isinstance(flags, list):
        return flags
    missing = [flag for flag in flags if flag not in values]
    if missing:
        raise ValueError(f"{part} scales --{missing[0]}, which the config does not set")
    return [f"--{flag}={float(values[flag]) * factor:g}" for flag, factor in flags.items()]


def variant_flags(variant, values):
    """The flags `variant` adds to a config of flag `values` (a combined one: its parts'
    flags in order)."""
    return [flag for part in variant_parts(variant) for flag in part_flags(part, values)]


def variant_batch(variant):
    """The batch size `variant` sets, or None."""
    sizes = [int(flag.split("=")[1]) for part in variant_parts(variant)
             if isinstance(VARIANTS[part][1], list) for flag in VARIANTS[part][1]
             if flag.startswith("--batch_size=")]
    return sizes[-1] if sizes else None


def config_batch(config):
    return int(config_values(config).get("batch_size", 64))


def flag_values(flags):
    """{name: text} of flags written "--name=text"."""
    return dict(flag[2:].split("=", 1) for flag in flags)


def adds_nothing(variant, values):
    """The flags of `variant` if every one of them is already the config's, else []."""
    flags = variant_flags(variant, values)
    same = all(name in values and _same_value(values[name], text)
               for name, text in flag_values(flags).items())
    return flags if same else []


def _same_value(a, b):
    try:
        return float(a) == float(b)
    except ValueError:
        return a == b


def variant_text(variant, config_batch_size=64, flags=()):
    """What `variant` changes; a batch size says the steps it makes in the same time, a
    factor of the config's values the values it trained with (`flags`, a run's)."""
    texts = []
    for part in variant_parts(variant):
        if isinstance(VARIANTS[part][1], dict):
            names = flag_values(flags)
            texts.append(VARIANTS[part][0] + ": " + ", ".join(
                f"{SHORT_NAMES.get(flag, '--' + flag)} {names.get(flag, '?')}"
                for flag in VARIANTS[part][1]))
            continue
        batch = variant_batch(part)
        if batch:
            ratio = BATCH_STEPS_PER_S[batch] / BATCH_STEPS_PER_S[config_batch_size]
            texts.append(f"batch {batch} ({config_batch_size}), for {ratio:.2f} times the "
                         f"steps: {BATCH_STEPS_PER_S[batch]:.2f} against "
                         f"{BATCH_STEPS_PER_S[config_batch_size]:.2f} idle steps/s")
        else:
            texts.append(VARIANTS[part][0])
    return "; ".join(texts)


def variant_steps(variant, steps, config_batch_size=64):
    """The steps `variant` trains in the minutes the config's `steps` take at its batch
    size: scaled by the idle steps/s of the batch it sets against the config's."""
    batch = variant_batch(variant)
    if not batch:
        return steps
    return round(steps * BATCH_STEPS_PER_S[batch] / BATCH_STEPS_PER_S[config_batch_size])


def run_key(config, variant, seed, steps):
    """A run's key: config name, variant, seed and the config's step count, so that a
    config whose recipe changes (and with it the steps of its minutes) starts new runs
    instead of overwriting the old recipe's."""
    return f"{os.path.splitext(os.path.basename(config))[0]}|{variant}|{seed}|{steps}"


def load_results(path=None):
    """The runs by `run_key` (keys written before the step count was part of them get it
    from their record)."""
    results = {}
    for key, record in read_results(path or RESULTS_JSON).items():
        if key.count("|") == 2:
            key += f"|{record.get('config_steps', record['steps'])}"
        results[key] = record
    return results


def save_results(results, path=None):
    merge_results(path or RESULTS_JSON, results)


def train_one(config, variant, seed, steps, root):
    """Train and score one run; its record."""
    name = os.path.splitext(os.path.basename(config))[0]
    workdir = os.path.join(root, f"{name}-{steps}-{variant}-seed{seed}")
    flags, batch = variant_flags(variant, config_values(config)), config_batch(config)
    started = time.time()
    run_child([sys.executable, "-m", "tfgan_mnist.main", f"--flagfile={config}",
               f"--workdir={workdir}", "--train_minutes=0",
               f"--train_steps={variant_steps(variant, steps, batch)}",
               f"--seed={seed}", *flags], cwd=REPO_ROOT)
    seconds = time.time() - started
    raw = evaluate_run(workdir, None, raw_weights=True)
    averaged = evaluate_run(workdir, None)  # last, so metrics.json holds the default's scores
    return {"config": os.path.relpath(os.path.join(REPO_ROOT, config), REPO_ROOT),
            "variant": variant,
            "flags": flags, "seed": seed, "steps": averaged["step"], "config_steps": steps,
            "config_batch": batch,
            "fd": averaged["metrics"]["frechet_distance"],
            "raw_fd": raw["metrics"]["frechet_distance"],
            # a resumed run's process timed only its own part: take the checkpoints' count
            "train_seconds": round(run_seconds({"train_seconds": seconds,
                                                "history": averaged.get("history")}), 1),
            "cpus": usable_cpus(),
            "cpu": cpu_description()}


def _spread(values):
    return f"{_mean(values):.2f}" + (f" ± {_std(values):.2f}" if len(values) > 1 else "")


def report_lines(results):
    """docs/quick_sweep.md's lines: per config and step count, a row per variant."""
    groups = {}
    for record in results.values():
        steps = record.get("config_steps", record["steps"])  # the config's, for every variant
        groups.setdefault((record["config"], steps), {}).setdefault(
            record["variant"], []).append(record)
    lines = ["# Quick configs: seeds and recipe variants", "",
             "Made by `python tools/quick_sweep.py` (its docstring says how). Every run trains "
             "its config for the step count an idle 2-core run of the config makes in its "
             "minutes, with `--seed=S`, and is scored on 10,000 samples (FD: Frechet "
             "distance to the test set). FD averaged G: the generator's moving average, "
             "which sampling uses; raw G: the trained weights. Mean ± sample standard "
             "deviation over the seeds; p: Welch's t-test of the variant's averaged-G FDs "
             "against the base recipe's (two-sided; below 0.05 the seeds tell them apart). "
             "Training never reads the average, so a variant of the average alone "
             "(ema_*) trains the very weights of the base's run of the same seed on the "
             "same cores (its raw FD is the base's): its difference is the average's.",
             ""]
    for (config, steps), variants in sorted(groups.items()):
        base = [r["fd"] for r in variants.get("base", [])]
        lines += [f"## {config}, {steps} steps", ""]
        if (config, steps) in FORMER_RECIPES:
            lines += [FORMER_RECIPES[config, steps][0].upper()
                      + FORMER_RECIPES[config, steps][1:] + ".", ""]
        lines += [
                  "| variant | what | seeds | FD averaged G | best-worst | FD raw G | p vs base "
                  "| CPU |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        rows = sorted(variants.items(), key=lambda item: (item[0] != "base",
                                                          _mean([r["fd"] for r in item[1]])))
        for variant, runs in rows:
            runs = sorted(runs, key=lambda r: r["seed"])
            fds, raws = [r["fd"] for r in runs], [r["raw_fd"] for r in runs]
            p = ("-" if variant == "base" or len(fds) < 2 or len(base) < 2
                 else f"{welch_p(fds, base):.2f}")
            known = all(part in VARIANTS for part in variant_parts(variant))
            what = (variant_text(variant, runs[0].get("config_batch", 64), runs[0]["flags"])
                    if known
                    else " ".join(runs[0]["flags"]))
            cpus = sorted({r["cpus"] for r in runs})
            lines.append(f"| {variant} | {what} | {len(runs)} | {_spread(fds)} | "
                         f"{min(fds):.2f}-{max(fds):.2f} | {_spread(raws)} | {p} | "
                         f"{runs[0]['cpu']}, {'-'.join(map(str, cpus))} core"
                         f"{'s' if cpus != [1] else ''} |")
        lines.append("")
    return lines


def write_report(results, path=None):
    path = path or REPORT_MD
    with open(path, "w") as handle:
        handle.write("\n".join(report_lines(results)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="a quick config, e.g. configs/quick_mnist.flags")
    parser.add_argument("--steps", type=int,
                        help="the steps an idle 2-core run of the config makes (its comments)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 ... N-1 of each variant")
    parser.add_argument("--first_seed", type=int, default=0,
                        help="start at this seed instead of 0 (two lanes sharing a variant's "
                             "seeds: --first_seed=3 --seeds=5 trains seeds 3 and 4)")
    parser.add_argument("--variants", default="base",
                        help=f"comma-separated, of: {', '.join(VARIANTS)}; join variants "
                        "with + to combine them (batch_128+d_lr_4e-4)")
    parser.add_argument("--root", default=os.path.join(REPO_ROOT, "runs", "quick_sweep"))
    parser.add_argument("--report", action="store_true",
                        help="only rewrite docs/quick_sweep.md from docs/quick_sweep.json")
    args = parser.parse_args(argv)
    if args.report:
        write_report(load_results())
        print(f"wrote {REPORT_MD}")
        return
    check_config_and_steps(parser, args.config, args.steps)
    variants = args.variants.split(",")
    unknown = [part for v in variants for part in variant_parts(v) if part not in VARIANTS]
    if unknown:
        parser.error(f"--variants: {unknown[0]} is not a variant; valid: {', '.join(VARIANTS)}"
                     ", or several of them joined with +")
    clashing = [v for v in variants if "base" in variant_parts(v) and v != "base"]
    if clashing:
        parser.error(f"--variants: {clashing[0]} combines base, which adds nothing; "
                     "leave it out")
    values = config_values(args.config)
    for variant in variants:
        try:
            same = adds_nothing(variant, values)
        except ValueError as error:
            parser.error(f"--variants: {error} ({args.config})")
        if variant != "base" and same:
            parser.error(f"--variants: {variant} sets {' '.join(same)}, which {args.config} "
                         "has already: it would train the base again")
    if args.seeds < 1:
        parser.error(f"--seeds: {args.seeds} is not a count of runs; give 1 or more")
    if not 0 <= args.first_seed < args.seeds:
        parser.error(f"--first_seed: {args.first_seed} is not one of the seeds 0 ... "
                     f"{args.seeds - 1} that --seeds={args.seeds} gives")
    for seed in range(args.first_seed, args.seeds):  # every variant's seed S before any S+1
        for variant in variants:
            key = run_key(args.config, variant, seed, args.steps)
            done = load_results().get(key)
            if done:
                print(f"{key}: done already (FD {done['fd']:.2f})", flush=True)
                continue
            print(f"{key}: training "
                  f"{variant_steps(variant, args.steps, config_batch(args.config))} steps",
                  flush=True)
            record = train_one(args.config, variant, seed, args.steps, args.root)
            save_results({key: record})
            write_report(load_results())
            print(f"{key}: FD {record['fd']:.2f} (raw {record['raw_fd']:.2f})", flush=True)
    print(f"wrote {REPORT_MD}")


if __name__ == "__main__":
    main()
