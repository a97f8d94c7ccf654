"""Train and score every registered model on both datasets; write docs/results.md.

    python tools/zoo.py                        # each model with its config's steps
    python tools/zoo.py --steps=2000           # the same step budget for all
    python tools/zoo.py --max_steps=1000       # each config's steps, but at most 1000
    python tools/zoo.py --models=vanilla_gan,gan --datasets=mnist
    python tools/zoo.py --models=dcgan --train_flags=--mixed_precision
    python tools/zoo.py --budget_minutes=10    # the leaderboard: equal idle training time
    python tools/zoo.py --merge=../lane2       # take the rows another checkout's zoo wrote
    python tools/zoo.py --budget_minutes=10 --seeds=3 --models=gan   # seeds 0, 1 and 2
    python tools/zoo.py --budget_minutes=10 --datasets=stacked_mnist --pack=2   # mode coverage
    python tools/zoo.py --budget_minutes=10 --datasets=stacked_mnist --d_width=0.25   # harder

Each entry trains with `python -m tfgan_mnist.main --flagfile=<its config>`
in runs/zoo/<model>-<dataset> (a fresh process, so no setting leaks from one
model to the next), is scored by `python -m tfgan_mnist.evaluate`, and its
final sample grid is copied to docs/results/. Results accumulate in
docs/results.json; an entry already there with the same step budget is not
run again (with --max_steps: an entry that has trained at least that budget),
so an interrupted zoo resumes where it stopped (and an entry's
own training resumes from its checkpoint). SIGTERM or Ctrl-C to the zoo is
passed on to the run it is training, which saves a checkpoint and exits; the
zoo then exits too, and the same command resumes both.

With --seeds=N every entry is trained N times, with --seed=0 ... N-1 (weights,
noise and data order), at the same budget: seed 0 is the entry's row as
before (key "model/dataset"), seed s > 0 is stored beside it as
"model/dataset@seed=s" (workdir runs/.../<model>-<dataset>-seed<s>). All
seed 1s are trained before any seed 2, so a stopped zoo has the most rows
covered. The report pools a row's seeds (mean, spread, ranks by a stated rule).

On stacked_mnist the rows make the mode-coverage table instead of a leaderboard
(modes of 1000, KL, FD of the channels; 26,000 samples by default), at the step
budgets of the MNIST leaderboard. --pack=M trains with PacGAN's packing: its rows
are keyed "model+packM/dataset" and shown beside the unpacked ones.

The leaderboard's budgets are step counts, so its rows can be made in lanes:
one zoo per checkout (`git worktree add`), each pinned to a core with
`taskset -c N` and given its own --models, and the rows gathered into one
checkout with --merge. Two one-core lanes finish more rows an hour than one
two-core zoo, most for the smallest models, which use a second core worst
(measured on a 2-core Intel Xeon with AMX, `tools/benchmark.py` pinned with
taskset and not: vanilla_gan 1.37x faster on 2 cores than on 1, vae in
bfloat16 1.79x; so two lanes do 1.46x and 1.11x the work).
"""

import argparse
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import time

from repo_configs import REPO_ROOT, config_for, cpu_description, run_child, usable_cpus

DOCS = os.path.join(REPO_ROOT, "docs")
RESULTS_JSON = os.path.join(DOCS, "results.json")
COLUMNS = (("frechet_distance", "FD", "{:.2f}"), ("kernel_distance", "KID", "{:.4f}"),
           ("classifier_score", "score", "{:.2f}"), ("precision", "precision", "{:.3f}"),
           ("recall", "recall", "{:.3f}"), ("class_kl", "class KL", "{:.3f}"),
           ("rare_classes", "rare", "{:d}"), ("conditional_accuracy", "cond. acc.", "{:.3f}"),
           ("matched_accuracy", "matched acc.", "{:.3f}"))


def registered_models():
    """Model names, asked of the package in a subprocess (keeps TensorFlow out of this one)."""
    out = subprocess.run([sys.executable, "-c", "import tfgan_mnist; print(' '.join("
                          "tfgan_mnist.model_names()))"], cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True, env=_env()).stdout
    return out.split()


def _env():
    return dict(os.environ, PYTHONPATH=REPO_ROOT)


def load_results():
    if os.path.exists(RESULTS_JSON):
        with open(RESULTS_JSON) as handle:
            return json.load(handle)
    return {}


def save_results(results):
    os.makedirs(DOCS, exist_ok=True)
    tmp = RESULTS_JSON + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
    os.replace(tmp, RESULTS_JSON)


SEED_MARK = "@seed="


PACK_MARK = "+pack"
D_WIDTH_MARK = "+dwidth"


def entry_key(model, dataset, seed=0, pack=1, d_width=1.0):
    """results.json's key of one run: "model/dataset" for seed 0, "...@seed=S" otherwise;
    "model+packM/..." for a run with --pack=M, "model+dwidthW/..." with --d_width=W."""
    name = (model + (f"{PACK_MARK}{pack}" if pack > 1 else "")
            + (f"{D_WIDTH_MARK}{d_width:g}" if d_width != 1.0 else ""))
    return f"{name}/{dataset}" + (f"{SEED_MARK}{seed}" if seed else "")


def run_entry(model, dataset, steps, budget, root, num_samples, train_flags=(),
              extra_flags=(), seed=0, pack=1, d_width=1.0):
    """Train and evaluate one model on one dataset; return its results record.

    `train_flags` are extra flags for `tfgan_mnist.main` (e.g. --mixed_precision);
    the record keeps them so the table says how the row was trained. `extra_flags`
    change what is recorded, not the training (--eval_every). Runs with an averaged
    generator are scored twice: averaged (`metrics`) and trained weights (`raw_metrics`).
    """
    values, config_path = config_for(model, dataset)
    suffix = ((f"-pack{pack}" if pack > 1 else "") + (f"-dwidth{d_width:g}" if d_width != 1.0
                                                      else "") + (f"-seed{seed}" if seed else ""))
    workdir = os.path.join(root, f"{model}-{dataset}{suffix}")
    command = [sys.executable, "-m", "tfgan_mnist.main", f"--dataset={dataset}",
               f"--workdir={workdir}"]
    if config_path:
        command.insert(3, f"--flagfile={config_path}")
    else:
        command.append(f"--model={model}")
    if steps:
        command.append(f"--train_steps={steps}")
    command += list(train_flags)
    if seed:
        command.append(f"--seed={seed}")
    if pack > 1:
        command.append(f"--pack={pack}")
    if d_width != 1.0:
        command.append(f"--d_width={d_width:g}")
    started = time.time()
    run_child(command + list(extra_flags), cwd=REPO_ROOT, env=_env())
    seconds = time.time() - started
    report = evaluate_run(workdir, num_samples)
    raw = None
    if report.get("weights") == "averaged":
        raw = evaluate_run(workdir, num_samples, raw_weights=True)
        with open(os.path.join(workdir, "metrics.json"), "w") as handle:  # the default's again
            json.dump(report, handle, indent=2, sort_keys=True)
    picture = copy_picture(workdir, model, dataset, suffix)
    record = {"model": model, "dataset": dataset, "seed": seed, "pack": pack, "d_width": d_width,
              "steps": report["step"],
              "budget": budget, "train_seconds": round(seconds, 1),
              "config": os.path.relpath(config_path, REPO_ROOT) if config_path else None,
              "metrics": report["metrics"], "reference": report["reference"],
              "picture": picture, "cpus": usable_cpus(), "cpu": cpu_description(),
              "train_flags": list(train_flags),
              "weights": report.get("weights", "trained"), "history": read_history(workdir)}
    if raw is not None:
        record["raw_metrics"] = raw["metrics"]
    return record


def evaluate_run(workdir, num_samples, raw_weights=False):
    """`python -m tfgan_mnist.evaluate` on a workdir; its metrics.json as a dict."""
    run_child([sys.executable, "-m", "tfgan_mnist.evaluate", f"--workdir={workdir}"]
              + ([f"--num_samples={num_samples}"] if num_samples else [])
              + (["--raw_weights"] if raw_weights else []), cwd=REPO_ROOT, env=_env())
    with open(os.path.join(workdir, "metrics.json")) as handle:
        return json.load(handle)


def read_history(workdir):
    """[{step, trained_seconds, frechet_distance, ...}] of the run's evaluations during
    training (eval_history.jsonl; a step evaluated twice, as after a resume, counts once)."""
    path = os.path.join(workdir, "eval_history.jsonl")
    if not os.path.exists(path):
        return []
    by_step = {}
    for line in open(path):
        if line.strip():
            entry = json.loads(line)
            by_step[entry["step"]] = entry
    return [by_step[step] for step in sorted(by_step)]


BENCHMARKS_MD = os.path.join(DOCS, "benchmarks.md")


LEADERBOARD_HEADING = "## Leaderboard speeds: every setting timed in turn"


def idle_speeds(path=BENCHMARKS_MD):
    """{model: {"f32": steps/s, "bf16": steps/s}}: the medians of docs/benchmarks.md's
    leaderboard section (`tools/benchmark.py --all --interleave`)."""
    text = open(path).read()
    if LEADERBOARD_HEADING not in text:
        raise SystemExit(f"error: {path} has no '{LEADERBOARD_HEADING[3:]}' section; run "
                         "python tools/benchmark.py --all --interleave on an idle machine")
    section = text.split(LEADERBOARD_HEADING, 1)[1].split("\n## ", 1)[0]
    speeds = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[2] in ("f32", "bf16"):
            try:
                speeds.setdefault(cells[0], {})[cells[2]] = float(cells[4].split()[0])
            except ValueError:
                continue
    return speeds


def leaderboard_setting(model, minutes, speeds):
    """(steps, flags, steps/s, precision) of a model's leaderboard entry: as many steps as
    `minutes` of its fastest precision's idle median steps/s (docs/benchmarks.md)."""
    if model not in speeds:
        raise SystemExit(f"error: {model} has no row in {BENCHMARKS_MD}; measure it with "
                         f"python tools/benchmark.py --model={model} (and --mixed_precision) "
                         "and add the rows")
    precision = max(speeds[model], key=speeds[model].get)
    rate = speeds[model][precision]
    flags = ["--mixed_precision"] if precision == "bf16" else []
    return max(1, round(minutes * 60 * rate)), flags, rate, precision


def merge_rows(results, other):
    """Take into `results` the rows of another checkout (its folder `other`) that ours lacks,
    or that are leaderboard rows where ours has only a short-budget row, with their pictures.
    Lets a zoo run in lanes, each in its own checkout (e.g. one `taskset -c N` per core).
    Return the keys taken."""
    path = os.path.join(other, "docs", "results.json")
    if not os.path.isfile(path):
        raise SystemExit(f"error: --merge: {path} does not exist; name the top folder of a "
                         "checkout whose tools/zoo.py has written rows")
    with open(path) as handle:
        theirs = json.load(handle)
    taken = []
    for key, record in sorted(theirs.items()):
        ours = results.get(key)
        if ours is not None and (_is_leaderboard(ours) or not _is_leaderboard(record)):
            continue
        if record.get("picture"):
            os.makedirs(os.path.join(DOCS, "results"), exist_ok=True)
            shutil.copyfile(os.path.join(other, "docs", record["picture"]),
                            os.path.join(DOCS, record["picture"]))
        results[key] = record
        taken.append(key)
    return taken


# ---- seeds: pooled rows and ranks that admit ties ----

ALPHA = 0.05  # two rows are told apart when Welch's t-test gives p < ALPHA (two-sided)


def _mean(values):
    return sum(values) / len(values)


def _std(values):
    """The sample standard deviation (n - 1), 0 for one value."""
    if len(values) < 2:
        return 0.0
    mean = _mean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _incomplete_beta(x, a, b):
    """The regularized incomplete beta function I_x(a, b) (Lentz's continued fraction)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(1.0 - x, b, a)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log(1.0 - x)) / a
    tiny, c, d = 1e-300, 1.0, 0.0
    result = 0.0
    for i in range(400):
        m = i // 2
        if i == 0:
            numerator = 1.0
        elif i % 2 == 0:
            numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1.0 + numerator * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + numerator / c
        c = c if abs(c) > tiny else tiny
        result = (result or 1.0) * c * d
        if abs(c * d - 1.0) < 1e-12:
            break
    return front * (result - 1.0)


def welch_p(a, b):
    """Two-sided p-value of Welch's t-test for equal means of samples `a` and `b` (each of
    two or more values); 1.0 where both have no spread and equal means."""
    var_a, var_b = _std(a) ** 2 / len(a), _std(b) ** 2 / len(b)
    difference = _mean(a) - _mean(b)
    if var_a + var_b == 0.0:
        return 1.0 if difference == 0.0 else 0.0
    t = difference / math.sqrt(var_a + var_b)
    df = (var_a + var_b) ** 2 / (var_a ** 2 / (len(a) - 1) + var_b ** 2 / (len(b) - 1))
    return _incomplete_beta(df / (df + t * t), df / 2.0, 0.5)


def told_apart(a, b):
    """Whether two rows' FDs (one value per seed) differ: Welch's t-test at p < ALPHA where
    both have two or more seeds; a row of one seed cannot be tested, and is taken at its
    value (told apart from any other value), as a single-run ranking does."""
    if len(a) < 2 or len(b) < 2:
        return _mean(a) != _mean(b)
    return welch_p(a, b) < ALPHA


def tie_ranks(samples):
    """Ranks of rows given as lists of FDs, best (lowest mean) first: 1 + the number of rows
    whose mean is lower and that are told apart from this one, so rows the seeds cannot
    tell apart share a rank. Returns the ranks in the order given."""
    return [1 + sum(_mean(other) < _mean(own) and told_apart(other, own) for other in samples)
            for own in samples]


def _mean_metrics(all_metrics):
    """The mean of each number the runs' metrics share (lists such as histograms dropped)."""
    keys = set.intersection(*(set(m) for m in all_metrics))
    return {key: _mean([m[key] for m in all_metrics]) for key in keys
            if all(isinstance(m[key], (int, float)) and not isinstance(m[key], bool)
                   for m in all_metrics)}


def _averaged_fd(record):
    return record["metrics"]["frechet_distance"]


def _raw_fd(record):
    return (record.get("raw_metrics") or record["metrics"])["frechet_distance"]


def run_seconds(record):
    """A run's wall-clock training time: its zoo process's, or, where the run was resumed
    (the zoo timed only its last process), the training time its checkpoints carried to
    the last evaluation, whichever is longer."""
    history = record.get("history") or []
    carried = history[-1].get("trained_seconds", 0.0) if history else 0.0
    return max(record["train_seconds"], carried)


def pooled_record(runs):
    """One row from a model's runs on one dataset over several seeds: mean metrics, the
    FD of every run (`fd_runs`, `raw_fd_runs`, `seeds`), and the picture, steps and
    settings of the run whose averaged-G FD is closest to the mean."""
    runs = sorted(runs, key=lambda r: r.get("seed", 0))
    fds = [_averaged_fd(r) for r in runs]
    nearest = min(runs, key=lambda r: abs(_averaged_fd(r) - _mean(fds)))
    record = dict(nearest)
    record["metrics"] = _mean_metrics([r["metrics"] for r in runs])
    if all(r.get("raw_metrics") for r in runs):
        record["raw_metrics"] = _mean_metrics([r["raw_metrics"] for r in runs])
    record["train_seconds"] = _mean([run_seconds(r) for r in runs])
    record["train_seconds_runs"] = [run_seconds(r) for r in runs]
    record["cpus_runs"] = [r.get("cpus") for r in runs]
    record["seeds"] = [r.get("seed", 0) for r in runs]
    record["fd_runs"], record["raw_fd_runs"] = fds, [_raw_fd(r) for r in runs]
    record["histories"] = [r.get("history") or [] for r in runs]
    record["metric_runs"] = [r["metrics"] for r in runs]
    record["picture_seed"] = nearest.get("seed", 0)
    return record


def pool_seeds(results):
    """{"model/dataset": row}: a row's runs over its seeds (keys "...@seed=S", same budget
    as seed 0's) pooled by `pooled_record`; a row of one run is that run."""
    groups = {}
    for key, record in sorted(results.items()):
        groups.setdefault(key.split(SEED_MARK)[0], []).append(record)
    rows = {}
    for key, runs in groups.items():
        first = min(runs, key=lambda r: r.get("seed", 0))
        same = [r for r in runs if r.get("budget") == first.get("budget")]
        rows[key] = pooled_record(same) if len(same) > 1 else {
            **first, "fd_runs": [_averaged_fd(first)], "raw_fd_runs": [_raw_fd(first)],
            "seeds": [first.get("seed", 0)], "histories": [first.get("history") or []],
            "metric_runs": [first["metrics"]]}
    return rows


def _fd_spread(values):
    """An FD cell: the mean, and with several seeds "± std"."""
    if len(values) < 2:
        return f"{values[0]:.2f}"
    return f"{_mean(values):.2f} ± {_std(values):.2f}"


def _range(values, pattern="{:.2f}"):
    return ("-" if len(values) < 2
            else f"{pattern.format(min(values))}-{pattern.format(max(values))}")


def entry_budget(model, dataset, steps, max_steps):
    """(steps to pass to main or None for the config's, budget label) of one entry."""
    if steps:
        return steps, steps
    if max_steps:
        values, _ = config_for(model, dataset)
        configured = int(values.get("train_steps", 0)) or max_steps
        return min(configured, max_steps), f"max {max_steps}"
    return None, "config"


PICTURE_FIGURES = ("grid", "samples", "pairs")  # the sample grid, an autoencoder's, CoGAN's


def copy_picture(workdir, model, dataset, suffix=""):
    """Copy the run's last sample grid to docs/results/; return its path there (or None)."""
    for figure in PICTURE_FIGURES:
        grids = sorted(glob.glob(os.path.join(workdir, "samples", figure, "*.png")))
        if grids:
            os.makedirs(os.path.join(DOCS, "results"), exist_ok=True)
            picture = f"results/{model}-{dataset}{suffix}.png"
            shutil.copyfile(grids[-1], os.path.join(DOCS, picture))
            return picture
    return None


def _steps(record):
    """The steps cell: the steps trained, any flags added to the config, averaged weights."""
    notes = list(record.get("train_flags") or ())
    if record.get("weights") == "averaged":
        notes.append("averaged G")
    return f"{record['steps']} ({' '.join(notes)})" if notes else str(record["steps"])


def _cell(record, key, pattern):
    value = record.get(key)
    if isinstance(value, float) and pattern == "{:d}":  # a count's mean over seeds: 0.5, 2
        return f"{value:.1f}".removesuffix(".0")
    return "-" if value is None else pattern.format(value)


def _is_leaderboard(record):
    return str(record.get("budget", "")).endswith(" min")


def _fd(metrics):
    return "-" if metrics is None else f"{metrics['frechet_distance']:.2f}"


def _time_here(record):
    """The row's wall-clock training time and the cores it had ("12.7 min, 2 cores"); for
    a row of several seeds, the range over its runs ("12.7-48.6 min, 1-2 cores")."""
    seconds = record.get("train_seconds_runs") or [run_seconds(record)]
    cores = sorted({c for c in record.get("cpus_runs") or [record.get("cpus")] if c})
    low, high = f"{min(seconds) / 60:.1f}", f"{max(seconds) / 60:.1f}"
    minutes = f"{low} min" if low == high else f"{low}-{high} min"
    if not cores:
        return minutes
    count = str(cores[0]) if len(cores) == 1 else f"{cores[0]}-{cores[-1]}"
    return f"{minutes}, {count} core{'s' if cores != [1] else ''}"


def leaderboard_lines(rows, dataset):
    """The leaderboard table of one dataset (pooled rows): best mean averaged-G FD first,
    ranked by `tie_ranks`."""
    minutes = rows[0]["budget"]
    lines = [f"### {dataset}: {minutes} of idle 2-core training", "",
             f"![FD against minutes](results/fd-vs-minutes-{dataset}.png)", "",
             "| rank | model | steps (idle steps/s, precision) | time here | seeds | FD raw G | "
             "FD averaged G | best-worst | " + " | ".join(c[1] for c in COLUMNS[1:])
             + " | samples |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | "
             + " | ".join("---" for _ in COLUMNS[1:]) + " | --- |"]
    reference = rows[0]["reference"]
    lines.append("| - | real data (10,000 training images) | - | - | - | - | "
                 f"{_fd(reference)} | - | " + " | ".join(
                     _cell(reference, key, pattern) for key, _, pattern in COLUMNS[1:])
                 + " | - |")
    ranked = sorted(rows, key=lambda r: _mean(r["fd_runs"]))
    for rank, record in zip(tie_ranks([r["fd_runs"] for r in ranked]), ranked):
        picture = f"![{record['model']}]({record['picture']})" if record["picture"] else "-"
        averaged = record.get("weights") == "averaged"
        seeds = len(record["fd_runs"])
        lines.append(
            f"| {rank}{'' if seeds > 1 else ' †'} | {record['model']} | {record['steps']} "
            f"({record['idle_steps_per_s']:.1f}, {record['precision']}) | "
            f"{_time_here(record)} | {seeds} | {_fd_spread(record['raw_fd_runs'])} | "
            f"{_fd_spread(record['fd_runs']) if averaged else '-'} | "
            f"{_range(record['fd_runs'])} | " + " | ".join(
                _cell(record["metrics"], key, pattern) for key, _, pattern in COLUMNS[1:])
            + f" | {picture} |")
    return lines + [""]


MODES_DATASETS = ("stacked_mnist",)  # datasets whose rows make a mode-coverage table


def _spread(values, pattern):
    """A cell of per-seed values: the value, or with several seeds "mean ± std"."""
    if len(values) < 2:
        return pattern.format(values[0])
    return f"{pattern.format(_mean(values))} ± {pattern.format(_std(values))}"


def _row_name(record):
    pack, d_width = record.get("pack", 1), record.get("d_width", 1.0)
    return (record["model"] + (f", pack {pack}" if pack > 1 else "")
            + (f", D width {d_width:g}" if d_width != 1.0 else ""))


def modes_lines(rows, dataset):
    """The mode-coverage table of one stacked dataset (pooled rows): lowest mean mode KL
    first, ranked by `tie_ranks` on the seeds' KLs."""
    minutes = rows[0]["budget"]
    reference = rows[0]["reference"]
    samples = rows[0].get("metric_runs", [{}])[0].get("num_modes", 1000)
    lines = [f"### {dataset}: {minutes} of idle 2-core training", "",
             "| rank | model | steps (idle steps/s, precision) | time here | seeds | "
             f"modes (of {samples}) | KL | FD (channel mean) | best-worst KL | samples |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
             f"| - | real data ({reference.get('num_images', 0):,} training stacks) | - | - | - "
             f"| {reference.get('modes', '-')} | {reference.get('mode_kl', 0):.3f} | "
             f"{reference['frechet_distance']:.2f} | - | - |"]
    kls = {id(r): [m["mode_kl"] for m in r["metric_runs"]] for r in rows}
    ranked = sorted(rows, key=lambda r: _mean(kls[id(r)]))
    for rank, record in zip(tie_ranks([kls[id(r)] for r in ranked]), ranked):
        runs = record["metric_runs"]
        picture = f"![{record['model']}]({record['picture']})" if record["picture"] else "-"
        seeds = len(runs)
        lines.append(
            f"| {rank}{'' if seeds > 1 else ' †'} | {_row_name(record)} | {record['steps']} "
            f"({record['idle_steps_per_s']:.1f}, {record['precision']}) | "
            f"{_time_here(record)} | {seeds} | {_spread([m['modes'] for m in runs], '{:.0f}')} | "
            f"{_spread(kls[id(record)], '{:.3f}')} | "
            f"{_spread([m['frechet_distance'] for m in runs], '{:.2f}')} | "
            f"{_range(kls[id(record)], '{:.3f}')} | {picture} |")
    return lines + [""]


def draw_fd_figure(rows, dataset):
    """docs/results/fd-vs-minutes-<dataset>.png: each model's FD during training against
    idle minutes (step / idle steps/s), from its eval_history.jsonl."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    figure, axes = plt.subplots(figsize=(8, 5), dpi=100)
    history = []
    for record in sorted(rows, key=lambda r: _mean(r["fd_runs"])):
        histories = [h for h in record["histories"] if h]
        if not histories:
            continue
        steps = sorted(set.intersection(*({e["step"] for e in h} for h in histories)))
        by_step = [{e["step"]: e["frechet_distance"] for e in h} for h in histories]
        curves = [[fds[step] for step in steps] for fds in by_step]
        minutes = [step / record["idle_steps_per_s"] / 60 for step in steps]
        means = [_mean(column) for column in zip(*curves)]
        label = record["model"] + (f" ({len(curves)} seeds)" if len(curves) > 1 else "")
        line, = axes.plot(minutes, means, marker=".", label=label)
        if len(curves) > 1:  # the band: best to worst seed at each evaluation
            axes.fill_between(minutes, [min(c) for c in zip(*curves)],
                              [max(c) for c in zip(*curves)], color=line.get_color(),
                              alpha=0.2, linewidth=0)
        history = histories[0]
    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axes.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axes.set_xlabel("minutes of idle 2-core training (steps / idle steps per second)")
    axes.set_ylabel(f"Frechet distance ({history[0]['num_samples'] if history else 2000} "
                    "samples, averaged G)")
    axes.set_title(f"{dataset}: quality during training")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, ncol=2)
    figure.tight_layout()
    os.makedirs(os.path.join(DOCS, "results"), exist_ok=True)
    figure.savefig(os.path.join(DOCS, "results", f"fd-vs-minutes-{dataset}.png"))
    plt.close(figure)


MODES_TEXT = [
    "## Mode coverage: Stacked MNIST", "",
    "Stacked MNIST (Metz et al. 2016) puts three independently drawn MNIST digits in the "
    "red, green and blue channels of one image: 1000 modes, one per combination of digits. "
    "Training draws new stacks every batch (`--dataset=stacked_mnist`); the two-domain "
    "CoGANs (cogan, cogan_conv) draw each domain's stacks from its own half of the MNIST "
    "training digits. Conditional models (acgan, cgan, "
    "cvae, infogan) refuse stacks: a generator told the digits would not show whether it "
    "finds the modes unaided. Each row trained "
    "for the step budget of its MNIST leaderboard row (three channels cost little: the "
    "first and last layers grow), and is scored by `python -m tfgan_mnist.evaluate` on "
    "26,000 samples, the protocol of PacGAN's code (Lin et al. 2018): the shipped MNIST "
    "classifier reads each channel, the three digits give one of 1000 labels, modes are "
    "the distinct labels among the samples, KL is KL(label histogram || uniform) in nats, "
    "FD the mean of the three channels' Frechet distances to the MNIST test set. "
    "Pack M: PacGAN's packing (`--pack=M`), the discriminator judging M samples at once. "
    "D width W: the discriminator's widths times W (`--d_width=W`), Metz et al.'s harder "
    "setting with a weaker discriminator. "
    "Ranked by mean KL with the leaderboard's tie rule (Welch's t-test on the seeds' KLs); "
    "† marks a row of one seed. Made by `python tools/zoo.py --budget_minutes=10 "
    "--datasets=stacked_mnist`, with `--seeds=3` for the rows of three seeds and "
    "`--pack=M`, `--d_width=W` for theirs, e.g. `python tools/zoo.py --budget_minutes=10 "
    "--datasets=stacked_mnist --pack=2 --seeds=3 --models=wgan,gan,hinge_gan`.", "",
    "The KL is comparable only to numbers made the same way. Published tables (VEEGAN, "
    "PacGAN: DCGAN 99 modes and KL 3.4; PacDCGAN 1000 modes, KL 0.06) used their own MNIST "
    "classifiers, whose errors spread samples over labels in their own way, and a KL from "
    "26,000 samples is biased upward by the histogram's noise (about 0.02 for a perfect "
    "generator, 0.04 at 10,000 samples, more below); the real data row shows where this "
    "classifier and sample count put a perfect generator. The modes counted also depend "
    "on the classifier: a misread digit can add a mode or hide one.", ""]


def averaging_lines(rows):
    """A paragraph on the averaged generator across seeds: in how many runs of the rows
    trained over several seeds it beat the trained weights, and in how many rows Welch's
    test tells the two apart."""
    seeded = [r for r in rows if len(r["fd_runs"]) > 1 and r.get("raw_metrics")]
    if not seeded:
        return []
    runs = sum(len(r["fd_runs"]) for r in seeded)
    better = sum(a < w for r in seeded for a, w in zip(r["fd_runs"], r["raw_fd_runs"]))
    apart = [r for r in seeded if told_apart(r["fd_runs"], r["raw_fd_runs"])]
    worse = sorted(f"{r['model']} on {r['dataset']}" for r in seeded
                   if any(a >= w for a, w in zip(r["fd_runs"], r["raw_fd_runs"])))
    return [f"Averaging across seeds: in {better} of the {runs} runs of the {len(seeded)} rows "
            "trained over several seeds the averaged generator scored a lower FD than the "
            "trained weights" + (f" (not in every run of {', '.join(worse)})" if worse else "")
            + f"; Welch's test (unpaired, as for ranks) tells the two apart in {len(apart)} of "
            f"those {len(seeded)} rows, the others having too few seeds or too wide a spread.", ""]


def write_markdown(results):
    """docs/results.md from the accumulated results."""
    lines = ["# Results", "",
             "Every model scored by `python -m tfgan_mnist.evaluate` (10,000 samples against "
             "the 10,000-image test set, features and predictions of the shipped classifier). "
             "FD: Frechet distance, KID: kernel distance (lower is better); score: classifier "
             "score; precision and recall with k = 3; class KL: KL divergence of the predicted "
             "classes from the test labels; rare: classes with under 1% of the samples; cond. "
             "acc.: how often the classifier agrees with the label asked of a conditional "
             "model; matched acc.: the same once the labels are paired one to one with classes "
             "so that the most samples agree, which reads infoGAN's codes, whose order is "
             "discovered, not taught. Produced by `python tools/zoo.py`; times are wall-clock training time on "
             "the machine that ran it (CPU cores as listed). The CoGANs' pair agreement "
             "(the CoGAN paper's measure) is in [cogan.md](cogan.md).", ""]
    results = pool_seeds(results)
    boards = {dataset: [r for r in results.values()
                        if r["dataset"] == dataset and _is_leaderboard(r)]
              for dataset in ("mnist", "fashion_mnist")}
    if any(boards.values()):
        lines += ["## Leaderboard: equal training time", "",
                  "Every model trained for as many steps as it makes in the budget on an idle "
                  "2-core machine (its config's recipe; bfloat16 where that is faster), at "
                  "the idle speed `docs/benchmarks.md` measured in its leaderboard section on "
                  "the CPU named there (a 2-core AMD EPYC with AVX512-BF16), so a noisy "
                  "machine changes the wall time, not the result. Scored with 10,000 samples; "
                  "FD raw G: the trained generator weights, FD averaged G: their moving "
                  "average (`--ema_decay`), which sampling uses by default; both with standing "
                  "batch-norm statistics (the default); the other columns score the "
                  "averaged G; time here: the wall-clock training time of the row and the "
                  "cores it had, on a machine that was not always idle (not always the same "
                  "CPU: docs/results.json names each row's). Ranked by the averaged FD. The figure "
                  "plots the FD of 2,000 samples, evaluated during training, against idle "
                  "minutes. Made by `python tools/zoo.py --budget_minutes=10`.", "",
                  "Seeds: a row trained with `--seeds=N` is N runs with `--seed=0` ... "
                  "N-1 (weights, noise and data order) at the same budget. Its FD cells "
                  "give the mean and the sample standard deviation over the seeds, "
                  "best-worst the averaged-G FD of its best and worst seed; the other "
                  "columns are means, and the samples are those of the run whose FD is "
                  "nearest the mean. The figure draws a row's mean curve with a band from "
                  "its best to its worst seed. Rank: 1 + the number of rows whose mean FD "
                  f"is lower and that Welch's t-test (two-sided, p < {ALPHA:g}, on the "
                  "seeds' averaged-G FDs) tells apart from this one, so rows whose seeds do "
                  "not tell them apart share a rank. A rank marked † is a row of one seed: "
                  "it cannot be tested and is ranked by its one value, as a single-run "
                  "table would be.", "",
                  "A row scores the budget's last step, not the run's best: where a curve "
                  "turns up, the best checkpoint `--eval_every` kept may score better "
                  "(`python -m tfgan_mnist.evaluate --workdir=WORKDIR --checkpoint=best`; "
                  "`sample` and `export` take `--checkpoint=best` too). wgan_gp on MNIST "
                  "is the clearest case: its best checkpoint, at step 1,470 of 2,940, "
                  "scores FD 1.52 against the row's 4.84 (10,000 samples, averaged G).", ""]
        lines += averaging_lines([r for rows in boards.values() for r in rows])
        for dataset, rows in boards.items():
            if rows:
                lines += leaderboard_lines(rows, dataset)
                draw_fd_figure(rows, dataset)
    modes = {dataset: [r for r in results.values()
                       if r["dataset"] == dataset and _is_leaderboard(r)]
             for dataset in MODES_DATASETS}
    if any(modes.values()):
        lines += MODES_TEXT
        for dataset, rows in modes.items():
            if rows:
                lines += modes_lines(rows, dataset)
    if any(boards.values()) and any(not _is_leaderboard(r) for r in results.values()):
        lines += ["## Earlier rows: short budgets", "",
                  "Rows of models not yet trained at the leaderboard's budget, each at the "
                  "steps given (most at 2-4% of their config's steps): how a model starts, "
                  "not how good it gets.", ""]
    for dataset in ("mnist", "fashion_mnist"):
        rows = [r for r in results.values()
                if r["dataset"] == dataset and not _is_leaderboard(r)]
        if not rows:
            continue
        lines += [f"## {dataset}", "",
                  "| model | steps | train time | " + " | ".join(c[1] for c in COLUMNS)
                  + " | samples |",
                  "| --- | --- | --- | " + " | ".join("---" for _ in COLUMNS) + " | --- |"]
        reference = rows[0]["reference"]
        lines.append("| real data (10,000 training images) | - | - | " + " | ".join(
            _cell(reference, key, pattern) for key, _, pattern in COLUMNS) + " | - |")
        for record in sorted(rows, key=lambda r: r["model"]):
            minutes = record["train_seconds"] / 60
            picture = f"![{record['model']}]({record['picture']})" if record["picture"] else "-"
            lines.append(f"| {record['model']} | {_steps(record)} | {minutes:.1f} min on "
                         f"{record['cpus']} CPUs | " + " | ".join(
                             _cell(record["metrics"], key, pattern)
                             for key, _, pattern in COLUMNS) + f" | {picture} |")
        lines.append("")
    with open(os.path.join(DOCS, "results.md"), "w") as handle:
        handle.write("\n".join(lines))


README = os.path.join(REPO_ROOT, "README.md")
README_START, README_END = "<!-- zoo results: start -->", "<!-- zoo results: end -->"
README_COLUMNS = ("frechet_distance", "classifier_score", "precision", "recall", "rare_classes")


def write_readme_table(results):
    """The README's summary (FD, score, precision, recall, rare classes) between its markers."""
    if not os.path.exists(README):
        return
    text = open(README).read()
    if README_START not in text or README_END not in text:
        return
    names = {key: label for key, label, _ in COLUMNS}
    patterns = {key: pattern for key, _, pattern in COLUMNS}
    rest = README_COLUMNS[1:]  # FD gets two columns: trained and averaged weights
    lines = ["| model | dataset | steps | FD raw G | FD averaged G | "
             + " | ".join(names[k] for k in rest) + " |",
             "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in rest) + " |"]
    for dataset in ("mnist", "fashion_mnist"):
        rows = [r for r in pool_seeds(results).values() if r["dataset"] == dataset]
        # leaderboard rows first, best mean averaged FD first; then the short-budget rows
        rows.sort(key=lambda r: (not _is_leaderboard(r), _mean(r["fd_runs"])
                                 if _is_leaderboard(r) else 0, r["model"]))
        if rows:
            lines.append(f"| real data | {dataset} | - | - | {_fd(rows[0]['reference'])} | "
                         + " | ".join(_cell(rows[0]["reference"], k, patterns[k])
                                      for k in rest) + " |")
        for record in rows:
            averaged = record["weights"] == "averaged" if "weights" in record else False
            steps = (f"{record['steps']} ({record['budget']})" if _is_leaderboard(record)
                     else _steps(record))
            seeds = len(record["fd_runs"])
            steps += f", {seeds} seeds" if seeds > 1 else ""
            lines.append(f"| {record['model']} | {dataset} | {steps} | "
                         f"{_fd_spread(record['raw_fd_runs'])} | "
                         f"{_fd_spread(record['fd_runs']) if averaged else '-'} | " + " | ".join(
                             _cell(record["metrics"], k, patterns[k]) for k in rest) + " |")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    with open(README, "w") as handle:
        handle.write(head + README_START + "\n" + "\n".join(lines) + "\n" + README_END + tail)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, help="step budget for every entry")
    parser.add_argument("--max_steps", type=int,
                        help="train each entry for its config's steps, but at most this many")
    parser.add_argument("--models", help="comma-separated names (default: all registered)")
    parser.add_argument("--datasets", default="mnist,fashion_mnist")
    parser.add_argument("--root", default=os.path.join(REPO_ROOT, "runs", "zoo"))
    parser.add_argument("--num_samples", type=int,
                        help="samples scored per run (default: evaluate's, 10,000; 26,000 "
                        "on stacked_mnist)")
    parser.add_argument("--pack", type=int, default=1,
                        help="train with PacGAN's packing, --pack=M (rows keyed model+packM)")
    parser.add_argument("--d_width", type=float, default=1.0,
                        help="train with --d_width=W, the discriminator's widths times W "
                        "(rows keyed model+dwidthW)")
    parser.add_argument("--train_flags", default="",
                        help="extra flags for tfgan_mnist.main, space-separated "
                             "(e.g. --train_flags=--mixed_precision); shown in the tables")
    parser.add_argument("--budget_minutes", type=float,
                        help="the leaderboard: each entry trains as many steps as this many "
                             "minutes of its fastest precision's idle steps/s in "
                             "docs/benchmarks.md, evaluating 2,000 samples ten times on the "
                             "way, and is scored with averaged and trained weights")
    parser.add_argument("--seeds", type=int, default=1,
                        help="train every entry with --seed=0 ... N-1 (seed 0 is the row as "
                             "without this flag); the report pools a row's seeds")
    parser.add_argument("--merge", metavar="CHECKOUT",
                        help="take the rows (and their pictures) that another checkout's zoo "
                             "wrote and this one lacks, then rewrite the report")
    parser.add_argument("--report", action="store_true",
                        help="only rewrite docs/results.md and the README table from "
                             "docs/results.json")
    args = parser.parse_args()
    if args.merge:
        results = load_results()
        taken = merge_rows(results, args.merge)
        save_results(results)
        print(f"took {len(taken)} rows from {args.merge}: {', '.join(taken) or 'none'}")
    if args.report or args.merge:
        results = load_results()
        write_markdown(results)
        write_readme_table(results)
        print(f"wrote {os.path.join(DOCS, 'results.md')} and the README table")
        return
    known = registered_models()
    models = args.models.split(",") if args.models else known
    unknown = [m for m in models if m not in known]
    if unknown:
        parser.error(f"--models: {unknown[0]} is not registered; valid: {', '.join(known)}")
    results = load_results()
    speeds = idle_speeds() if args.budget_minutes else None
    root = args.root
    if args.budget_minutes and root == parser.get_default("root"):
        root = os.path.join(REPO_ROOT, "runs", "leaderboard")
    if args.seeds < 1:
        parser.error(f"--seeds: {args.seeds} is not a count of runs; give 1 or more")
    for seed, model, dataset in [(seed, model, dataset) for seed in range(args.seeds)
                                 for model in models for dataset in args.datasets.split(",")]:
        key = entry_key(model, dataset, seed, args.pack, args.d_width)
        train_flags, extra_flags, setting = args.train_flags.split(), [], {}
        if args.budget_minutes:
            steps, flags, rate, precision = leaderboard_setting(
                model, args.budget_minutes, speeds)
            budget = f"{args.budget_minutes:g} min"
            train_flags += flags
            extra_flags = [f"--eval_every={max(1, steps // 10)}", "--eval_samples=2000"]
            setting = {"idle_steps_per_s": rate, "precision": precision}
        else:
            steps, budget = entry_budget(model, dataset, args.steps, args.max_steps)
        done = results.get(key)
        if done and (done["budget"] == budget or (args.max_steps and done["steps"] >= steps)):
            print(f"{key}: done already ({results[key]['steps']} steps)", flush=True)
            continue
        print(f"{key}: training" + (f" {steps} steps" if steps else ""), flush=True)
        results[key] = {**run_entry(model, dataset, steps, budget, root, args.num_samples,
                                    train_flags, extra_flags, seed, args.pack, args.d_width),
                        **setting}
        save_results(results)
        write_markdown(results)
    write_markdown(results)
    write_readme_table(results)
    print(f"wrote {os.path.join(DOCS, 'results.md')}")


if __name__ == "__main__":
    main()
