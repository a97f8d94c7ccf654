"""Train and score every registered model on both datasets; write docs/results.md.

    python tools/zoo.py                        # each model with its config's steps
    python tools/zoo.py --steps=2000           # the same step budget for all
    python tools/zoo.py --max_steps=1000       # each config's steps, but at most 1000
    python tools/zoo.py --models=vanilla_gan,gan --datasets=mnist
    python tools/zoo.py --models=dcgan --train_flags=--mixed_precision

Each entry trains with `python -m tfgan_mnist.main --flagfile=<its config>`
in runs/zoo/<model>-<dataset> (a fresh process, so no setting leaks from one
model to the next), is scored by `python -m tfgan_mnist.evaluate`, and its
final sample grid is copied to docs/results/. Results accumulate in
docs/results.json; an entry already there with the same step budget is not
run again (with --max_steps: an entry that has trained at least that budget),
so an interrupted zoo resumes where it stopped (and an entry's
own training resumes from its checkpoint).
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time

from repo_configs import REPO_ROOT, config_for

DOCS = os.path.join(REPO_ROOT, "docs")
RESULTS_JSON = os.path.join(DOCS, "results.json")
COLUMNS = (("frechet_distance", "FD", "{:.2f}"), ("kernel_distance", "KID", "{:.4f}"),
           ("classifier_score", "score", "{:.2f}"), ("precision", "precision", "{:.3f}"),
           ("recall", "recall", "{:.3f}"), ("class_kl", "class KL", "{:.3f}"),
           ("rare_classes", "rare", "{:d}"), ("conditional_accuracy", "cond. acc.", "{:.3f}"))


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


def run_entry(model, dataset, steps, budget, root, num_samples, train_flags=()):
    """Train and evaluate one model on one dataset; return its results record.

    `train_flags` are extra flags for `tfgan_mnist.main` (e.g. --mixed_precision);
    the record keeps them so the table says how the row was trained.
    """
    values, config_path = config_for(model, dataset)
    workdir = os.path.join(root, f"{model}-{dataset}")
    command = [sys.executable, "-m", "tfgan_mnist.main", f"--dataset={dataset}",
               f"--workdir={workdir}"]
    if config_path:
        command.insert(3, f"--flagfile={config_path}")
    else:
        command.append(f"--model={model}")
    if steps:
        command.append(f"--train_steps={steps}")
    command += list(train_flags)
    started = time.time()
    subprocess.run(command, cwd=REPO_ROOT, env=_env(), check=True)
    seconds = time.time() - started
    subprocess.run([sys.executable, "-m", "tfgan_mnist.evaluate", f"--workdir={workdir}",
                    f"--num_samples={num_samples}"], cwd=REPO_ROOT, env=_env(), check=True)
    with open(os.path.join(workdir, "metrics.json")) as handle:
        report = json.load(handle)
    picture = copy_picture(workdir, model, dataset)
    return {"model": model, "dataset": dataset, "steps": report["step"],
            "budget": budget, "train_seconds": round(seconds, 1),
            "config": os.path.relpath(config_path, REPO_ROOT) if config_path else None,
            "metrics": report["metrics"], "reference": report["reference"],
            "picture": picture, "cpus": os.cpu_count(), "train_flags": list(train_flags),
            "weights": report.get("weights", "trained")}


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


def copy_picture(workdir, model, dataset):
    """Copy the run's last sample grid to docs/results/; return its path there (or None)."""
    for figure in PICTURE_FIGURES:
        grids = sorted(glob.glob(os.path.join(workdir, "samples", figure, "*.png")))
        if grids:
            os.makedirs(os.path.join(DOCS, "results"), exist_ok=True)
            picture = f"results/{model}-{dataset}.png"
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
    return "-" if value is None else pattern.format(value)


def write_markdown(results):
    """docs/results.md from the accumulated results."""
    lines = ["# Results", "",
             "Every model scored by `python -m tfgan_mnist.evaluate` (10,000 samples against "
             "the 10,000-image test set, features and predictions of the shipped classifier). "
             "FD: Frechet distance, KID: kernel distance (lower is better); score: classifier "
             "score; precision and recall with k = 3; class KL: KL divergence of the predicted "
             "classes from the test labels; rare: classes with under 1% of the samples; cond. "
             "acc.: how often the classifier agrees with the label asked of a conditional "
             "model. Produced by `python tools/zoo.py`; times are wall-clock training time on "
             "the machine that ran it (CPU cores as listed).", ""]
    for dataset in ("mnist", "fashion_mnist"):
        rows = [r for r in results.values() if r["dataset"] == dataset]
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
    lines = ["| model | dataset | steps | " + " | ".join(names[k] for k in README_COLUMNS) + " |",
             "| --- | --- | --- | " + " | ".join("---" for _ in README_COLUMNS) + " |"]
    for dataset in ("mnist", "fashion_mnist"):
        rows = sorted((r for r in results.values() if r["dataset"] == dataset),
                      key=lambda r: r["model"])
        if rows:
            lines.append(f"| real data | {dataset} | - | " + " | ".join(
                _cell(rows[0]["reference"], k, patterns[k]) for k in README_COLUMNS) + " |")
        for record in rows:
            lines.append(f"| {record['model']} | {dataset} | {_steps(record)} | " + " | ".join(
                _cell(record["metrics"], k, patterns[k]) for k in README_COLUMNS) + " |")
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
    parser.add_argument("--num_samples", type=int, default=10_000)
    parser.add_argument("--train_flags", default="",
                        help="extra flags for tfgan_mnist.main, space-separated "
                             "(e.g. --train_flags=--mixed_precision); shown in the tables")
    parser.add_argument("--report", action="store_true",
                        help="only rewrite docs/results.md and the README table from "
                             "docs/results.json")
    args = parser.parse_args()
    if args.report:
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
    for model in models:
        for dataset in args.datasets.split(","):
            key = f"{model}/{dataset}"
            steps, budget = entry_budget(model, dataset, args.steps, args.max_steps)
            done = results.get(key)
            if done and (done["budget"] == budget or (args.max_steps and done["steps"] >= steps)):
                print(f"{key}: done already ({results[key]['steps']} steps)", flush=True)
                continue
            print(f"{key}: training", flush=True)
            results[key] = run_entry(model, dataset, steps, budget, args.root, args.num_samples,
                                     args.train_flags.split())
            save_results(results)
            write_markdown(results)
    write_markdown(results)
    write_readme_table(results)
    print(f"wrote {os.path.join(DOCS, 'results.md')}")


if __name__ == "__main__":
    main()
