"""Ours against each source's own training loop, at equal steps, scored alike.

    python tools/fidelity.py                      # every pair that can run here, 3 seeds
    python tools/fidelity.py --pairs=vanilla_gan --seeds=3 --steps=20000
    python tools/fidelity.py --report       # the table from every kept run

For each pair, our model (its config, configs/*.flags, at --steps generator updates)
and the source's loop as `reference_loops.py` writes it (the same number of steps) are
trained with seeds 0 .. N-1 on the same data, and --num_samples images of each are
scored the same way (`tfgan_mnist.evaluate`'s scores, the shipped classifier): Frechet
distance, classifier score, precision, recall, class KL. Each run's figures are kept in
<root>/results.json as it finishes, so a stopped run resumes where it was; docs/fidelity.md
(or --out) gets mean ± std over the seeds for ours and for the source, their ratio, the
steps and each side's speed (steps/s of the whole training, set-up and tracing
included; both in this process, one after the other).

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

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tfgan_mnist.cli import quiet_tensorflow_import  # noqa: E402

quiet_tensorflow_import()


from tfgan_mnist import config as config_lib  # noqa: E402
from tfgan_mnist import data, evaluate, generators, train  # noqa: E402
from repo_configs import config_for, cpu_description, usable_cpus  # noqa: E402

MARKER = "<!-- written by tools/fidelity.py: rerun it to update -->"
METRICS = (("frechet_distance", "FD"), ("classifier_score", "score"),
           ("precision", "precision"), ("recall", "recall"), ("class_kl", "class KL"))


def _reference(name):
    import reference_loops

    return getattr(reference_loops, name)


# model: (what the source is, its (step, sample) maker in reference_loops, or None with why)
SOURCES = {
    "vanilla_gan": ("the TF1 tutorial's graph (wiseodd gan_tensorflow.py)",
                    "tf1_vanilla_gan_with_sampler", None),
    "dcgan": ("the TensorFlow DCGAN tutorial's loop (tensorflow/docs dcgan.ipynb)",
              "tutorial_dcgan_with_sampler", None),
    "gan_mlp": ("PyTorch-GAN gan.py", None, "needs PyTorch, and its sampler is not written"),
    "aae": ("PyTorch-GAN aae.py", None, "needs PyTorch, and its loop is not written"),
    "cogan": ("wiseodd cogan_pytorch.py", None, "needs PyTorch, and its loop is not written"),
    "ebgan": ("the collection's EBGAN re-created as TF1 code (tools/ebgan_reference.py)", None,
              "its script has no sampler yet"),
}


class Pairing:
    """Trains and scores both sides of the pairs, keeping each run's figures in a file."""

    def __init__(self, root, steps, num_samples, data_dir="", tiny=False, say=print):
        self.root, self.steps, self.num_samples = root, steps, num_samples
        self.data_dir, self.tiny, self.say = data_dir, tiny, say
        self.path = os.path.join(root, "results.json")
        self.results = json.load(open(self.path)) if os.path.exists(self.path) else {}
        self._arrays = None

    def arrays(self):
        if self._arrays is None:
            self._arrays = data.load_arrays("mnist", self.data_dir or None)
        return self._arrays

    def keep(self, key, figures):
        self.results[key] = figures
        os.makedirs(self.root, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump(self.results, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def score(self, images, seed):
        report = evaluate.evaluate_samples(images, "mnist", self.data_dir or None, seed=seed)
        return {key: float(report["metrics"][key]) for key, _ in METRICS}

    def ours(self, model, seed):
        """Figures of our model trained `steps` with `seed`, from its config."""
        values, _ = config_for(model)
        settings = dict(train_steps=self.steps, seed=seed, eval_every=0, train_minutes=0,
                        workdir=os.path.join(self.root, f"{model}-seed{seed}"),
                        data_dir=self.data_dir, log_every=max(1, self.steps),
                        summary_every=max(1, self.steps), checkpoint_every=max(1, self.steps),
                        # float32, as the sources compute: the pair compares models
                        mixed_precision="float32", mixed_precision_where_fast=False)
        if self.tiny:
            settings.update(width=0.1, batch_size=8, sample_grid=2)
        config = config_lib.Config.from_strings({**values, **settings})
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            train.train(config, self.arrays(), out=quiet)
        seconds = time.perf_counter() - started
        images, _ = evaluate.generate(generators.load_generator(config.run_dir),
                                      self.num_samples, seed)
        return {"steps": self.steps, "steps_per_s": self.steps / seconds,
                **self.score(images[..., 0] if images.ndim == 4 else images, seed)}

    def source(self, model, seed):
        """Figures of the source's loop trained `steps` with `seed`."""
        _, maker, _ = SOURCES[model]
        started = time.perf_counter()
        step, sample = _reference(maker)(self.arrays().train_images, seed=seed,
                                         **({"batch_size": 8} if self.tiny else {}))
        step(self.steps)
        seconds = time.perf_counter() - started
        return {"steps": self.steps, "steps_per_s": self.steps / seconds,
                **self.score(sample(self.num_samples, seed), seed)}

    def run(self, model, seeds):
        for seed in range(seeds):
            for side, function in (("ours", self.ours), ("source", self.source)):
                key = f"{model}/{side}/steps{self.steps}/seed{seed}"
                if key in self.results:
                    self.say(f"{key}: done already")
                    continue
                self.say(f"{key}: training")
                self.keep(key, function(model, seed))
                figures = self.results[key]
                self.say(f"{key}: FD {figures['frechet_distance']:.3f}, "
                         f"{figures['steps_per_s']:.3g} steps/s")


def summary(results, model, steps):
    """{side: {metric: (mean, std, n)}} of a pair's runs at `steps` (std 0 for one run)."""
    out = {}
    for side in ("ours", "source"):
        runs = [figures for key, figures in results.items()
                if key.startswith(f"{model}/{side}/steps{steps}/")]
        if not runs:
            continue
        out[side] = {}
        for key in [k for k, _ in METRICS] + ["steps_per_s"]:
            values = [run[key] for run in runs]
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            out[side][key] = (statistics.mean(values), std, len(values))
    return out


def _cell(figure):
    mean, std, _ = figure
    return f"{mean:.3g} ± {std:.2g}"


def step_counts(results, model):
    """The step counts at which `model` has runs of both sides, in increasing order."""
    sides = {}
    for key in results:
        name, side, steps, _ = key.split("/")
        if name == model:
            sides.setdefault(int(steps[len("steps"):]), set()).add(side)
    return sorted(steps for steps, seen in sides.items() if seen == {"ours", "source"})


def table(results, models, command):
    """docs/fidelity.md's text: a row per pair and step count, and the pairs that did not
    run."""
    lines = [MARKER, "", "# Fidelity: ours against the sources, at equal steps", "",
             f"Written by `{command}` on {usable_cpus()} CPU core{'s' if usable_cpus() != 1 else ''} "
             f"({cpu_description()}), {time.strftime('%Y-%m-%d')}, from the runs kept in "
             "runs/fidelity (`python tools/fidelity.py --pairs=MODEL --seeds=N --steps=S` "
             "trains them). Each side trained the row's steps per seed, then was "
             "scored on the same number of samples by `tfgan_mnist.evaluate`'s scores (the "
             "shipped MNIST classifier); mean ± standard deviation over the seeds; ratio = "
             "ours / source of the means (FD: below 1 is ours better). Speed: steps/s of "
             "each whole training, set-up and tracing included, both in float32. Ours is "
             "scored with its "
             "averaged generator (--ema_decay, as every figure of the package), the sources "
             "have none.", "",
             "| model | source | steps | seeds | " + " | ".join(
                 f"{label} ours | {label} source" for _, label in METRICS)
             + " | FD ratio | steps/s ours | steps/s source |",
             "| --- | --- | --- | --- | " + " | ".join("--- | ---" for _ in METRICS)
             + " | --- | --- | --- |"]
    missing = []
    for model in models:
        what, maker, why = SOURCES[model]
        counts = step_counts(results, model) if maker else []
        if not counts:
            missing.append(f"- `{model}` against {what}: " + (why or "no runs yet"))
        for steps in counts:
            figures = summary(results, model, steps)
            ours, source = figures["ours"], figures["source"]
            ratio = ours["frechet_distance"][0] / source["frechet_distance"][0]
            seeds = min(ours["frechet_distance"][2], source["frechet_distance"][2])
            lines.append(f"| {model} | {what} | {steps} | {seeds} | "
                         + " | ".join(f"{_cell(ours[key])} | {_cell(source[key])}"
                                      for key, _ in METRICS)
                         + f" | {ratio:.2f} | {ours['steps_per_s'][0]:.3g} | "
                         f"{source['steps_per_s'][0]:.3g} |")
    if missing:
        lines += ["", "Not in the table:", ""] + missing
    return "\n".join(lines) + "\n"


def write_table(path, text):
    """Write `text` at `path`, replacing only a file this tool wrote (its MARKER)."""
    if os.path.exists(path):
        with open(path) as handle:
            if handle.readline().strip() != MARKER:
                raise SystemExit(f"--out={path} exists and was not written by "
                                 "tools/fidelity.py; give another --out")
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
    pairing = Pairing(args.root, args.steps, args.num_samples, args.data_dir, args.tiny, say)
    for model in models:
        if SOURCES[model][1] is None:
            say(f"{model}: not run ({SOURCES[model][2]})")
        elif not args.report:
            pairing.run(model, args.seeds)
    command = "python tools/fidelity.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_table(args.out, table(pairing.results, models, command.strip()))
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
