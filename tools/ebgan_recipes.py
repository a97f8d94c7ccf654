"""Train EBGAN with each recipe for a fixed number of steps and print whether it collapses.

    python tools/ebgan_recipes.py [--steps=1500] [--dataset=mnist] [--recipes=mse,collection]

Each recipe trains `python -m tfgan_mnist.main --flagfile=configs/ebgan.flags`
with the flags below (and D's decoder batch norm unless a recipe drops it) in runs/ebgan_recipes/<recipe>-<dataset> (resumable), then is
scored on 2,000 samples: Frechet distance (quick evaluation) and the samples'
spread, the mean over pixels of their standard deviation across samples
(real MNIST about 0.30; a collapsed generator, every sample alike, near 0),
beside the last logged energies, margin fraction and pull-away term.
"""

import argparse
import os
import subprocess
import sys

from repo_configs import REPO_ROOT, run_child

# name: (what it is, flags added to configs/ebgan.flags)
RECIPES = {
    "collection": ("the collection's EBGAN.py: batch energy ||D(x) - x|| / B, margin 1, "
                   "unsquared PT 0.1, D 2e-4 / G 1e-3",
                   ["--ebgan_energy=collection", "--energy_margin=1", "--nopt_squared",
                    "--g_learning_rate=0.001"]),
    "collection_squared": ("the collection's, with the paper's squared PT",
                           ["--ebgan_energy=collection", "--energy_margin=1", "--pt_squared",
                            "--g_learning_rate=0.001"]),
    "collection_equal_lr": ("the collection's, G at D's 2e-4",
                            ["--ebgan_energy=collection", "--energy_margin=1",
                             "--nopt_squared", "--g_learning_rate=0.0002"]),
    "mse": ("per-image MSE energy, margin 0.1 per image, squared PT 0.1, both 2e-4",
            ["--ebgan_energy=mse", "--energy_margin=0.1", "--g_learning_rate=0.0002"]),
    "mse_margin_1": ("per-image MSE, margin 1 (PyTorch-GAN's margin: the hinge is always on)",
                     ["--ebgan_energy=mse", "--energy_margin=1", "--g_learning_rate=0.0002"]),
    "mse_no_bn": ("per-image MSE, margin 0.1, D's decoder without batch norm",
                  ["--ebgan_energy=mse", "--energy_margin=0.1", "--g_learning_rate=0.0002",
                   "--noebgan_batch_norm"]),
    "mse_joint": ("per-image MSE, margin 0.1, real and generated through D as one batch",
                  ["--ebgan_energy=mse", "--energy_margin=0.1", "--g_learning_rate=0.0002",
                   "--ebgan_joint_batch"]),
    "mse_joint_fast_g": ("per-image MSE, margin 0.1, one batch through D, G at 1e-3",
                         ["--ebgan_energy=mse", "--energy_margin=0.1",
                          "--g_learning_rate=0.001", "--ebgan_joint_batch"]),
    "collection_joint": ("the collection's recipe, real and generated through D as one batch",
                         ["--ebgan_energy=collection", "--energy_margin=1", "--nopt_squared",
                          "--g_learning_rate=0.001", "--ebgan_joint_batch"]),
    "mse_margin_1_pt_1": ("per-image MSE, margin 1, pull-away weight 1",
                          ["--ebgan_energy=mse", "--energy_margin=1", "--g_learning_rate=0.0002",
                           "--pt_weight=1"]),
    "mse_margin_1_no_bn": ("per-image MSE, margin 1, D's decoder without batch norm",
                           ["--ebgan_energy=mse", "--energy_margin=1",
                            "--g_learning_rate=0.0002", "--noebgan_batch_norm"]),
    "mse_no_bn_margin_0.04": ("per-image MSE, margin 0.04 (about 3x the real energy), D's "
                              "decoder without batch norm",
                              ["--ebgan_energy=mse", "--energy_margin=0.04",
                               "--g_learning_rate=0.0002", "--noebgan_batch_norm"]),
    "mse_fast_g": ("per-image MSE, margin 0.1, G at 1e-3",
                   ["--ebgan_energy=mse", "--energy_margin=0.1", "--g_learning_rate=0.001"]),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--flags", default="", help="more flags for every recipe")
    args = parser.parse_args()
    sys.path.insert(0, REPO_ROOT)
    from tfgan_mnist.cli import quiet_tensorflow_import

    quiet_tensorflow_import()
    import numpy as np

    from tfgan_mnist import evaluate, generators

    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    rows = []
    for name in args.recipes.split(","):
        what, flags = RECIPES[name]
        if "--noebgan_batch_norm" not in flags:  # the config drops it; these recipes keep it
            flags = ["--ebgan_batch_norm", *flags]
        workdir = os.path.join(REPO_ROOT, "runs", "ebgan_recipes", f"{name}-{args.dataset}")
        run_child([sys.executable, "-m", "tfgan_mnist.main", "--flagfile=configs/ebgan.flags",
                   f"--dataset={args.dataset}", f"--workdir={workdir}",
                   f"--train_steps={args.steps}", *flags, *args.flags.split()],
                  cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL)
        generator = generators.load_generator(workdir)
        report = evaluate.evaluate(generator, 2000, quick=True, data_dir=generator.config.data_dir)
        images = generator.sample(2000, seed=1).astype(np.float32) / 255
        spread = float(images.std(axis=0).mean())
        logs = last_logs(workdir)
        rows.append((name, report["metrics"]["frechet_distance"], spread, logs, what))
        print(f"{name}: FD {rows[-1][1]:.2f}, spread {spread:.3f}, "
              + ", ".join(f"{k} {v:.3f}" for k, v in logs.items()), flush=True)
    print(f"\n| recipe | steps | FD (2,000) | spread | energy real | energy fake | "
          f"margin active | pull-away | what |\n| --- | --- | --- | --- | --- | --- | --- | "
          "--- | --- |")
    for name, fd, spread, logs, what in rows:
        print(f"| {name} | {args.steps} | {fd:.2f} | {spread:.3f} | "
              + " | ".join(f"{logs.get(k, float('nan')):.3f}" for k in
                           ("energy_real", "energy_fake", "margin_active", "pull_away"))
              + f" | {what} |")


def last_logs(workdir):
    """The last logged value of each EBGAN scalar in the run's TensorBoard events."""
    import glob

    import tensorflow as tf

    values = {}
    for path in sorted(glob.glob(os.path.join(workdir, "events*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                name = value.tag.split("/")[-1]
                if name in ("energy_real", "energy_fake", "margin_active", "pull_away"):
                    values[name] = float(tf.make_ndarray(value.tensor)) if value.HasField(
                        "tensor") else value.simple_value
    return values


if __name__ == "__main__":
    main()
