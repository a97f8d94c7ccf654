"""Ours against each source's own training loop, at equal steps, scored alike.

    python tools/fidelity.py                      # every pair that can run here, 3 seeds
    python tools/fidelity.py --pairs=vanilla_gan --seeds=3 --steps=20000
    python tools/fidelity.py --report       # the table from every kept run

For each pair, our model (its config, configs/*.flags, at --steps generator updates;
`SOURCES` names the values a pair changes) and the source's loop as `reference_loops.py`
or `ebgan_reference.py` writes it (the same number of steps) are trained with seeds
0 .. N-1 on the same data, and --num_samples images of each are scored the same way
(`tfgan_mnist.evaluate`'s scores, the shipped classifier): Frechet distance, classifier
score, precision, recall, class KL; ours also with its raw weights (FD), and the CoGANs'
class agreement of their two domains. Each run's figures are kept in
<root>/results.json as it finishes, so a stopped run resumes where it was; docs/fidelity.md
(or --out) gets mean ± std over the seeds for ours and for the source, their ratio, the
steps and each side's speed (steps/s of the whole training, set-up and tracing
included; both in this process, one after the other), and docs/fidelity/ seed 0's
sample grids of both sides.

Pairs whose source needs PyTorch (`SOURCES`) run only where torch is installed
(`pip install -e '.[reference]'`); the table says which did not run and why.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tfgan_mnist.cli import quiet_tensorflow_import  # noqa: E402

quiet_tensorflow_import()


from tfgan_mnist import config as config_lib  # noqa: E402
from tfgan_mnist import classifier as classifier_lib  # noqa: E402
from tfgan_mnist import data, evaluate, generators, summaries, train  # noqa: E402
from repo_configs import config_for, cpu_description, usable_cpus  # noqa: E402
from zoo import ALPHA, welch_p  # noqa: E402

MARKER = "<!-- written by tools/fidelity.py: rerun it to update -->"
METRICS = (("frechet_distance", "FD"), ("classifier_score", "score"),
           ("precision", "precision"), ("recall", "recall"), ("class_kl", "class KL"))


class Source:
    """One pair's source: what it is, its maker in a tools/ module, and our side's settings.

    `maker` names `module.function`; called with (train_images, seed=, [batch_size=])
    it returns (step, sample) or, for a CoGAN, (step, sample, sample_pair): `step(count)`
    trains, `sample(count, seed)` gives uint8 (count, 28, 28) images, `sample_pair` both
    domains' float images in [0, 1] from one noise. `ours` overrides our config's values
    where the pair compares another recipe than the config's.
    """

    def __init__(self, what, maker, needs_torch=False, ours=None):
        self.what, self.maker, self.needs_torch = what, maker, needs_torch
        self.ours = ours or {}

    def make(self):
        module, function = self.maker.split(".")
        return getattr(__import__(module), function)


# model: its source
SOURCES = {
    "vanilla_gan": Source("the TF1 tutorial's graph (wiseodd gan_tensorflow.py)",
                          "reference_loops.tf1_vanilla_gan_with_sampler"),
    "dcgan": Source("the TensorFlow DCGAN tutorial's loop (tensorflow/docs dcgan.ipynb)",
                    "reference_loops.tutorial_dcgan_with_sampler"),
    "gan_mlp": Source("PyTorch-GAN gan.py", "reference_loops.torch_gan_mlp_with_sampler",
                      needs_torch=True),
    "aae": Source("PyTorch-GAN aae.py (at 28x28)", "reference_loops.torch_aae_with_sampler",
                  needs_torch=True),
    "cogan": Source("wiseodd cogan_pytorch.py", "reference_loops.torch_cogan_with_sampler",
                    needs_torch=True),
    # ours with the collection's recipe, which configs/ebgan.flags replaces: both collapse
    "ebgan": Source("the collection's EBGAN recipe as TF1 graph code (tools/ebgan_reference.py)",
                    "ebgan_reference.collection_ebgan",
                    ours=dict(ebgan_energy="collection", pt_squared="false",
                              ebgan_batch_norm="true", g_learning_rate="0.001")),
}


def torch_missing():
    """Why a PyTorch source cannot run here, or "" where it can."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return "needs PyTorch (pip install -e '.[reference]'; see the README)"
    return ""


class Pairing:
    """Trains and scores both sides of the pairs, keeping each run's figures in a file."""

    def __init__(self, root, steps, num_samples, data_dir="", tiny=False, say=print,
                 pictures=None):
        self.root, self.steps, self.num_samples = root, steps, num_samples
        self.data_dir, self.tiny, self.say, self.pictures = data_dir, tiny, say, pictures
        self.path = os.path.join(root, "results.json")
        self.results = json.load(open(self.path)) if os.path.exists(self.path) else {}
        self.written = {}  # what this process kept: the file's other runs may be newer
        self._arrays = None

    def arrays(self):
        if self._arrays is None:
            self._arrays = data.load_arrays("mnist", self.data_dir or None)
        return self._arrays

    def keep(self, key, figures):
        """Add a run's figures to the file, with what another process kept there meanwhile."""
        self.written[key] = figures
        if os.path.exists(self.path):
            self.results = {**json.load(open(self.path)), **self.written}
        self.results[key] = figures
        os.makedirs(self.root, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump(self.results, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def score(self, images, seed):
        report = evaluate.evaluate_samples(images, "mnist", self.data_dir or None, seed=seed)
        return {key: float(report["metrics"][key]) for key, _ in METRICS}

    def draw(self, model, side, seed, images):
        """Seed 0's first 64 scored images as a grid in the pictures folder."""
        if self.pictures and seed == 0:
            os.makedirs(self.pictures, exist_ok=True)
            summaries.save_grid_png(picture_path(self.pictures, model, self.steps, side),
                                    images[:64], 8, 8,
                                    title=f"{model}, {side}: {self.steps} steps, seed 0")

    def quick_fd(self, images, seed):
        """The Frechet distance alone (the raw weights' column)."""
        network, test, _ = evaluate.embed_test_set("mnist", self.data_dir or None, len(images))
        return float(evaluate.score(images, network, test, seed=seed,
                                    quick=True)["frechet_distance"])

    def agreement(self, first, second):
        """How often the classifier reads a CoGAN's two domains (rotate) as one digit."""
        from cogan_agreement import class_agreement

        return class_agreement(classifier_lib.load_classifier("mnist"), first, second, "rotate")

    def config(self, model, seed):
        values, _ = config_for(model)
        settings = dict(train_steps=self.steps, seed=seed, eval_every=0, train_minutes=0,
                        workdir=os.path.join(self.root, f"{model}-steps{self.steps}-seed{seed}"),
                        data_dir=self.data_dir, log_every=max(1, self.steps),
                        summary_every=max(1, self.steps), checkpoint_every=max(1, self.steps),
                        # float32, as the sources compute: the pair compares models
                        mixed_precision="float32", mixed_precision_where_fast=False,
                        **SOURCES[model].ours)
        if self.tiny:
            settings.update(width=0.1, batch_size=8, sample_grid=2)
        return config_lib.Config.from_strings({**values, **settings})

    def ours(self, model, seed):
        """Figures of our model trained `steps` with `seed`, from its config."""
        config = self.config(model, seed)
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            train.train(config, self.arrays(), out=quiet)
        seconds = time.perf_counter() - started
        return {"steps": self.steps, "steps_per_s": self.steps / seconds,
                "cores": usable_cpus(),
                **self.score_ours(model, seed)}

    def score_ours(self, model, seed, raw_only=False):
        """Our kept run's figures: averaged weights (as every figure of the package), and
        with raw weights the FD; a CoGAN's class agreement with each."""
        figures = {}
        run_dir = self.config(model, seed).run_dir
        for raw in (False, True) if not raw_only else (True,):
            suffix = "_raw" if raw else ""
            generator = generators.load_generator(run_dir, raw_weights=raw)
            images, _ = evaluate.generate(generator, self.num_samples, seed)
            images = images[..., 0] if images.ndim == 4 else images
            if raw:
                figures["frechet_distance_raw"] = self.quick_fd(images, seed)
            else:
                figures.update(self.score(images, seed))
                self.draw(model, "ours", seed, images)
            if hasattr(generator.model, "generate_pair"):
                first, second = generator.model.generate_pair(
                    generator.model.draw_noise(self.num_samples, seed))
                figures["class_agreement" + suffix] = self.agreement(np.asarray(first),
                                                                     np.asarray(second))
        return figures

    def source(self, model, seed):
        """Figures of the source's loop trained `steps` with `seed`."""
        started = time.perf_counter()
        made = SOURCES[model].make()(self.arrays().train_images, seed=seed,
                                     **({"batch_size": 8} if self.tiny else {}))
        made[0](self.steps)
        seconds = time.perf_counter() - started
        images = made[1](self.num_samples, seed)
        self.draw(model, "source", seed, images)
        figures = {"steps": self.steps, "steps_per_s": self.steps / seconds,
                "cores": usable_cpus(),
                   **self.score(images, seed)}
        if len(made) > 2:
            figures["class_agreement"] = self.agreement(*made[2](self.num_samples, seed))
        return figures

    def run(self, model, seeds):
        for seed in range(seeds):
            for side, function in (("ours", self.ours), ("source", self.source)):
                key = f"{model}/{side}/steps{self.steps}/seed{seed}"
                kept = self.results.get(key)
                if kept and side == "ours" and not all(
                        f"{name}_raw" in kept for name in RAW if name in kept):
                    if os.path.exists(self.config(model, seed).run_dir):  # kept before that column
                        self.keep(key, {**kept, **self.score_ours(model, seed, raw_only=True)})
                if kept and seed == 0 and self.pictures and not os.path.exists(
                        picture_path(self.pictures, model, self.steps, side)):
                    if side == "source":
                        self.say(f"{key}: drawing its picture, from a second training with "
                                 "its seed")
                        self.source(model, seed)
                    elif os.path.exists(self.config(model, seed).run_dir):
                        self.say(f"{key}: drawing its picture")
                        generator = generators.load_generator(self.config(model, seed).run_dir)
                        images, _ = evaluate.generate(generator, self.num_samples, seed)
                        self.draw(model, side, seed, images[..., 0] if images.ndim == 4
                                  else images)
                    else:
                        self.say(f"{key}: no picture (its workdir is gone)")
                if kept:
                    self.say(f"{key}: done already")
                    continue
                self.say(f"{key}: training")
                self.keep(key, function(model, seed))
                figures = self.results[key]
                self.say(f"{key}: FD {figures['frechet_distance']:.3f}, "
                         f"{figures['steps_per_s']:.3g} steps/s")


def picture_path(folder, model, steps, side):
    return os.path.join(folder, f"{model}-steps{steps}-{side}.png")


# figures that only some runs have: ours with raw weights, a CoGAN's class agreement
EXTRA = ("frechet_distance_raw", "class_agreement", "class_agreement_raw")
RAW = ("frechet_distance", "class_agreement")  # what ours is also scored on with raw weights


def summary(results, model, steps):
    """{side: {figure: (mean, std, n)}} of a pair's runs at `steps` (std 0 for one run); a
    figure that not every run of a side has is left out."""
    out = {}
    for side in ("ours", "source"):
        runs = [figures for key, figures in results.items()
                if key.startswith(f"{model}/{side}/steps{steps}/")]
        if not runs:
            continue
        out[side] = {}
        for key in [k for k, _ in METRICS] + list(EXTRA) + ["steps_per_s"]:
            if not all(key in run for run in runs):
                continue
            values = [run[key] for run in runs]
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            out[side][key] = (statistics.mean(values), std, len(values))
    return out


def values(results, model, steps, side, key):
    """One figure of every run of a side at `steps`, in seed order (runs without it left out)."""
    prefix = f"{model}/{side}/steps{steps}/seed"
    runs = sorted((int(name[len(prefix):]), figures[key]) for name, figures in results.items()
                  if name.startswith(prefix) and key in figures)
    return [value for _, value in runs]


def same_model_test(results, model, steps):
    """Welch's p for equal mean FDs of ours and the source, ours with raw weights where every
    run has them (the source averages nothing): (p, "raw" or "averaged"), or None below
    two seeds a side."""
    source = values(results, model, steps, "source", "frechet_distance")
    ours_runs = values(results, model, steps, "ours", "frechet_distance")
    raw = values(results, model, steps, "ours", "frechet_distance_raw")
    ours, which = (raw, "raw") if raw and len(raw) == len(ours_runs) else (ours_runs, "averaged")
    if len(ours) < 2 or len(source) < 2:
        return None
    return welch_p(ours, source), which


def _verdict(test):
    if test is None:
        return "–"
    p, which = test
    return f"{p:.2g} ({which}){', differ' if p < ALPHA else ''}"


def _cell(figures, key):
    if key not in figures:
        return "–"
    mean, std, _ = figures[key]
    return f"{mean:.3g} ± {std:.2g}"


def step_counts(results, model):
    """The step counts at which `model` has runs of both sides, in increasing order."""
    sides = {}
    for key in results:
        name, side, steps, _ = key.split("/")
        if name == model:
            sides.setdefault(int(steps[len("steps"):]), set()).add(side)
    return sorted(steps for steps, seen in sides.items() if seen == {"ours", "source"})


def table(results, models, command, missing_torch="", pictures=None, out_dir=None):
    """docs/fidelity.md's text: a row per pair and step count, the pairs that did not run
    (`missing_torch`: why the PyTorch sources cannot run, "" where they can), and the
    sample grids found in `pictures`, linked relative to `out_dir`."""
    kept = [figures for key, figures in results.items() if key.split("/")[0] in models]
    cores = sorted({figures["cores"] for figures in kept if "cores" in figures})
    unrecorded = sum("cores" not in figures for figures in kept)
    where = (f"runs on {' or '.join(map(str, cores))} core(s) each" if cores else "")
    where += ((", " if where else "") + f"{unrecorded} run(s) kept before the cores a run "
              "used were recorded") if unrecorded else ""
    lines = [MARKER, "", "# Fidelity: ours against the sources, at equal steps", "",
             f"Written by `{command}` ({cpu_description()}; {where}), "
             f"{time.strftime('%Y-%m-%d')}, from the runs kept in "
             "runs/fidelity (`python tools/fidelity.py --pairs=MODEL --seeds=N --steps=S` "
             "trains them). Each side trained the row's steps per seed, then was "
             "scored on the same number of samples by `tfgan_mnist.evaluate`'s scores (the "
             "shipped MNIST classifier); mean ± standard deviation over the seeds. Ours is "
             "scored with its averaged generator (--ema_decay, as every figure of the "
             "package) and, in the raw column, with its trained weights, as the sources "
             "(which average nothing) are. FD ratio = ours (averaged) / source of the means: "
             "below 1 is ours better. Pairs agree: a CoGAN's two domains read as one digit "
             "(`tools/cogan_agreement.py`'s class agreement; chance is 0.1). p: Welch's t-test "
             "of equal mean FDs over the seeds, ours with raw weights (as the source, "
             f"averaged where runs lack the raw figure) against the source; below {ALPHA:g} "
             "the seeds tell ours and the source apart. Speed: steps/s "
             "of each whole training, set-up and tracing included, both in float32.", "",
             "| model | source | steps | seeds | FD ours | FD ours, raw weights | FD source "
             "| FD ratio | p, same FD | " + " | ".join(f"{label} ours | {label} source"
                                         for _, label in METRICS[1:])
             + " | pairs agree ours | pairs agree ours, raw weights | pairs agree source "
             "| steps/s ours | steps/s source |",
             "| --- " * (9 + 2 * len(METRICS[1:]) + 5) + "|"]
    missing = []
    for model in models:
        source = SOURCES[model]
        counts = step_counts(results, model)
        if not counts:
            why = missing_torch if source.needs_torch and missing_torch else "no runs yet"
            missing.append(f"- `{model}` against {source.what}: {why}")
        for steps in counts:
            figures = summary(results, model, steps)
            ours, theirs = figures["ours"], figures["source"]
            ratio = ours["frechet_distance"][0] / theirs["frechet_distance"][0]
            seeds = min(ours["frechet_distance"][2], theirs["frechet_distance"][2])
            lines.append(
                f"| {model} | {source.what} | {steps} | {seeds} | "
                f"{_cell(ours, 'frechet_distance')} | {_cell(ours, 'frechet_distance_raw')} | "
                f"{_cell(theirs, 'frechet_distance')} | {ratio:.2f} | "
                f"{_verdict(same_model_test(results, model, steps))} | "
                + " | ".join(f"{_cell(ours, key)} | {_cell(theirs, key)}"
                             for key, _ in METRICS[1:])
                + f" | {_cell(ours, 'class_agreement')} | {_cell(ours, 'class_agreement_raw')} | "
                f"{_cell(theirs, 'class_agreement')} | "
                f"{ours['steps_per_s'][0]:.3g} | {theirs['steps_per_s'][0]:.3g} |")
    drawn = []
    for model in models if pictures else ():
        for steps in step_counts(results, model):
            paths = [picture_path(pictures, model, steps, side) for side in ("ours", "source")]
            if any(os.path.exists(path) for path in paths):
                drawn.append(f"| {model} | {steps} | " + " | ".join(
                    f"![{model} {side}]({os.path.relpath(path, out_dir)})"
                    if os.path.exists(path) else "–"
                    for side, path in zip(("ours", "source"), paths)) + " |")
    if drawn:
        lines += ["", "## Samples", "", "Seed 0's first 64 scored images, ours from the "
                  "averaged generator. A source's loop keeps no weights: where its picture "
                  "was missing, it was trained again with seed 0 to draw it.", "",
                  "| model | steps | ours | source |", "| --- | --- | --- | --- |"] + drawn
    if missing:
        lines += ["", "Not in the table:", ""] + missing
    return "\n".join(lines) + "\n"


def check_out(path):
    """Refuse an --out that this tool did not write (its MARKER), before any training."""
    if os.path.exists(path):
        with open(path) as handle:
            if handle.readline().strip() != MARKER:
                raise SystemExit(f"--out={path} exists and was not written by "
                                 "tools/fidelity.py; give another --out")


def write_table(path, text):
    """Write `text` at `path`, replacing only a file this tool wrote."""
    check_out(path)
    with open(path, "w") as handle:
        handle.write(text)


def main(argv=None, say=print):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", default=",".join(SOURCES),
                        help=f"models to pair with their sources ({', '.join(SOURCES)})")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--num_samples", type=int, default=10_000)
    parser.add_argument("--root", default=os.path.join(REPO_ROOT, "runs", "fidelity"))
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "docs", "fidelity.md"))
    parser.add_argument("--data_dir", default="")
    parser.add_argument("--tiny", action="store_true", help="tiny networks: the tests' setting")
    parser.add_argument("--report", action="store_true",
                        help="train nothing: write the table from the kept runs")
    args = parser.parse_args(argv)
    models = [name for name in args.pairs.split(",") if name]
    unknown = [name for name in models if name not in SOURCES]
    if unknown:
        parser.error(f"--pairs: {unknown[0]} has no source here; valid: {', '.join(SOURCES)}")
    for name in ("seeds", "steps", "num_samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name}={getattr(args, name)}: must be positive")
    check_out(args.out)
    pictures = os.path.splitext(args.out)[0]  # docs/fidelity.md: docs/fidelity/
    pairing = Pairing(args.root, args.steps, args.num_samples, args.data_dir, args.tiny, say,
                      pictures)
    missing_torch = torch_missing()
    for model in models:
        if SOURCES[model].needs_torch and missing_torch:
            say(f"{model}: not run ({missing_torch})")
        elif not args.report:
            pairing.run(model, args.seeds)
    command = "python tools/fidelity.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_table(args.out, table(pairing.results, models, command.strip(), missing_torch,
                                pictures, os.path.dirname(args.out)))
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
