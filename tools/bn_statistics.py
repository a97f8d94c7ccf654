"""Moving against standing batch-norm statistics: the FD of trained runs sampled both ways.

    python tools/bn_statistics.py runs/dcgan runs/gan_mlp runs/hinge_gan [--num_samples=10000]

For each workdir, the generator is scored (Frechet distance on the shipped
classifier's features, `num_samples` samples, fixed seed) with its trained
and its averaged weights, each with the moving batch-norm statistics Keras
kept during training and with standing ones (`GenerativeModel.
use_standing_statistics`: recomputed over 16 batches of 256 fresh inputs).
Prints one table row per workdir; the default of --bn_statistics was chosen
from these figures (docs/results.md says which).
"""

import argparse
import os
import sys

from repo_configs import REPO_ROOT


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdirs", nargs="+")
    parser.add_argument("--num_samples", type=int, default=10_000)
    args = parser.parse_args()
    sys.path.insert(0, REPO_ROOT)
    from tfgan_mnist.cli import quiet_tensorflow_import

    quiet_tensorflow_import()
    from tfgan_mnist import evaluate, generators

    print("| run | step | FD trained, moving | trained, standing | averaged, moving | "
          "averaged, standing |\n| --- | --- | --- | --- | --- | --- |", flush=True)
    for workdir in args.workdirs:
        cells = []
        for raw in (True, False):
            for statistics in ("moving", "standing"):
                generator = generators.load_generator(workdir, raw_weights=raw,
                                                       bn_statistics=statistics)
                report = evaluate.evaluate(generator, args.num_samples, quick=True,
                                           data_dir=generator.config.data_dir)
                cells.append(f"{report['metrics']['frechet_distance']:.2f}")
        name = f"{generator.model_name} on {generator.dataset} ({os.path.basename(workdir)})"
        print(f"| {name} | {generator.step} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
