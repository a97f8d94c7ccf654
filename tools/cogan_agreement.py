"""How well a trained CoGAN's two domains agree: the CoGAN paper's measure and a classifier's.

    python tools/cogan_agreement.py runs/cogan_conv [runs/cogan ...] [--num_pairs=10000]
        [--raw_weights]

For each workdir (a `cogan` or `cogan_conv` run), `num_pairs` codes z are
drawn (fixed seed) and both domains generated, with the weights and
batch-norm statistics sampling uses by default (the averaged weights; the
trained ones with --raw_weights, as a source without averaging samples).
Two figures per run:

- pixel agreement (Liu and Tuzel 2016, section 5.1): the fraction of pixels
  where the task's transform of G1(z) and G2(z) agree after thresholding at
  0.5 (`variants.cogan.pixel_agreement`);
- class agreement: the fraction of pairs where the shipped classifier gives
  G1(z) the class it gives the inverse transform of G2(z) (negative:
  1 - x; rotate: rotated back). Edges have no inverse, and the classifier
  cannot stand in for one: it reads the edges of a real test image as the
  class it reads the image itself as only about half the time (the `real`
  column), and two generated images it misreads alike would count as
  agreeing. For edges the table gives that real-data figure and no class
  agreement.

Prints a Markdown table row per run.
"""

import argparse
import sys

import numpy as np

from repo_configs import REPO_ROOT


def class_agreement(classifier, first, second, kind):
    """Fraction of pairs the classifier puts in one class (None: the task has no inverse)."""
    from tfgan_mnist.variants import cogan

    inverse = cogan.inverse_second_domain(second, kind)
    if inverse is None:
        return None
    first = np.clip(np.asarray(first), 0.0, 1.0)
    inverse = np.clip(np.asarray(inverse), 0.0, 1.0)
    return float(np.mean(classifier.predict_labels(first) == classifier.predict_labels(inverse)))


def _cell(value):
    return "n/a (no inverse)" if value is None else f"{value:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdirs", nargs="+")
    parser.add_argument("--num_pairs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--raw_weights", action="store_true",
                        help="the trained weights instead of their average (--ema_decay)")
    args = parser.parse_args()
    sys.path.insert(0, REPO_ROOT)
    from tfgan_mnist.cli import quiet_tensorflow_import

    quiet_tensorflow_import()
    from tfgan_mnist import classifier as classifier_lib, data, generators
    from tfgan_mnist.variants import cogan

    print("| run | model | dataset | task | step | pixel agreement | class agreement | "
          "class agreement, real |\n| --- | --- | --- | --- | --- | --- | --- | --- |",
          flush=True)
    for workdir in args.workdirs:
        generator = generators.load_generator(workdir, raw_weights=args.raw_weights)
        model, config = generator.model, generator.config
        if not hasattr(model, "generate_pair"):
            sys.exit(f"{workdir}: a {generator.model_name} run, not a CoGAN")
        kind = model.second_domain
        firsts, seconds = [], []
        for start in range(0, args.num_pairs, 500):
            count = min(500, args.num_pairs - start)
            first, second = model.generate_pair(model.draw_noise(count, args.seed + start))
            firsts.append(np.asarray(first, np.float32))
            seconds.append(np.asarray(second, np.float32))
        first, second = np.concatenate(firsts), np.concatenate(seconds)
        classifier = classifier_lib.load_classifier(config.dataset)
        real = data.load_arrays(config.dataset, config.data_dir or None).test_images
        real = real[:args.num_pairs, ..., None].astype(np.float32) / 255.0
        if kind == "edges":  # how often the edges of a real digit read as the digit itself
            edges = cogan.second_domain_images(real, kind).numpy()
            real_cell = (f"{np.mean(classifier.predict_labels(real) == classifier.predict_labels(edges)):.3f}")
        else:
            real_cell = "1 (exact inverse)"
        print(f"| {workdir} | {generator.model_name} | {config.dataset} | {kind} | "
              f"{generator.step} | {cogan.pixel_agreement(first, second, kind):.3f} | "
              f"{_cell(class_agreement(classifier, first, second, kind))} | {real_cell} |",
              flush=True)


if __name__ == "__main__":
    main()
