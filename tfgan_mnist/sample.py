"""Draw samples from a trained run: `python -m tfgan_mnist.sample --workdir=DIR`.

Restores the workdir's latest checkpoint (or `--checkpoint=best`, a step
number or a path) and writes `--num` samples as a PNG grid and as an `.npz`
with `images` uint8 (N, H, W) ((N, H, W, C) for several channels), `noise` float32 (N, latent_dim) (the noise
they came from, for `pictures interpolate --pick`), and `labels` int32 (N,)
for conditional models. `--seed` reproduces a drawing; without it a random
seed is drawn and printed.

Conditional models: `--labels=3,3,7` (repeated to fill `--num` when `--num`
is given, else one sample per label) or `--per_class` (one grid row per
class, `--num // classes` samples each).
"""

import math
import os
import sys

from tfgan_mnist import cli

cli.quiet_tensorflow_import()  # before anything that imports TensorFlow

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

from tfgan_mnist import checkpoints, generators, outputs, summaries  # noqa: E402

FLAGS = flags.FlagValues()
flags.DEFINE_string("workdir", None, "Training workdir to sample from.", flag_values=FLAGS)
flags.DEFINE_string("checkpoint", "latest",
                    "latest, best (from <workdir>/checkpoints_best), a kept step number, or a "
                    "checkpoint path prefix.", flag_values=FLAGS)
cli.define_weight_flags(FLAGS, "Sample")
flags.DEFINE_integer("num", 64, "Number of samples.", lower_bound=1, flag_values=FLAGS)
flags.DEFINE_string("out", None,
                    "Output path: PATH.npz writes the array alone; PATH.png (or no extension) "
                    "writes the grid and the .npz next to each other. A file there that "
                    "tfgan_mnist did not write is refused. Default: <workdir>/samples.png "
                    "and <workdir>/samples.npz.",
                    flag_values=FLAGS)
flags.DEFINE_integer("seed", None, "Seed of the noise (and nothing else): the same seed gives "
                     "the same samples. Default: a random seed, printed.", flag_values=FLAGS)
flags.DEFINE_string("labels", None, "Conditional models: comma-separated class labels, e.g. "
                    "3,3,7.", flag_values=FLAGS)
flags.DEFINE_boolean("per_class", False, "Conditional models: one grid row per class, "
                     "--num // classes samples in each.", flag_values=FLAGS)

USAGE = """Draw samples from a trained run as a PNG grid and an .npz of uint8 images.

  python -m tfgan_mnist.sample --workdir=runs/gan [--num=64] [--seed=1]"""


def grid_shape(count):
    """(rows, cols) of a near-square grid holding `count` images."""
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def output_paths(out, workdir):
    """(png or None, npz) paths for `--out`: PATH.npz writes the array alone.

    PATH.png or a path without either extension writes both files next to
    each other. Default: <workdir>/samples.png and <workdir>/samples.npz.
    """
    base = out or os.path.join(workdir, "samples.png")
    stem, extension = os.path.splitext(base)
    if extension.lower() == ".npz":
        return None, base
    if extension.lower() not in (".png", ""):
        stem = base
    return stem + ".png", stem + ".npz"


def choose_labels(generator, labels_text, per_class, num, num_given):
    """(count, labels or None, rows, cols, row_labels) the options ask for; errors name flags."""
    if not generator.conditional:
        for flag, used in (("labels", labels_text is not None), ("per_class", per_class)):
            if used:
                raise ValueError(f"--{flag}: model {generator.model_name} is unconditional; "
                                 "only conditional models take class labels")
        rows, cols = grid_shape(num)
        return num, None, rows, cols, None
    if labels_text is not None and per_class:
        raise ValueError("--per_class: give either --labels or --per_class, not both")
    classes = generator.num_classes
    if per_class:
        each = max(1, num // classes)
        labels = np.repeat(np.arange(classes), each)
        names = generators.class_names(generator.dataset, classes)
        return len(labels), labels, classes, each, names
    if labels_text is not None:
        labels = cli.parse_int_list(labels_text, "labels")
        if not labels:
            raise ValueError(f"--labels={labels_text}: give at least one label")
        bad = [label for label in labels if not 0 <= label < classes]
        if bad:
            raise ValueError(f"--labels={labels_text}: {bad[0]} is not a class; classes are "
                             f"0..{classes - 1}")
        count = num if num_given else len(labels)
        labels = np.resize(np.asarray(labels), count)
    else:
        count, labels = num, None
    rows, cols = grid_shape(count)
    return count, labels, rows, cols, None


def write_samples(generator, png_path, npz_path, count, labels=None, seed=None, rows=None,
                  cols=None, row_labels=None, caption_labels=False):
    """Draw `count` samples and write the PNG grid (unless `png_path` is None) and the .npz.

    `caption_labels`: caption every cell with its class (for `--labels`).
    Returns (images, labels, seed).
    """
    seed = generators.fresh_seed() if seed is None else seed
    images_per_output, labels = generator.sample_outputs(count, labels, seed)
    images = images_per_output[0]
    if rows is None:
        rows, cols = grid_shape(count)
    for path in (png_path, npz_path):
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if png_path is not None:
        padded = np.full((rows * cols, *images.shape[1:]), 255, np.uint8)  # blank cells: white
        padded[:count] = images
        names = generators.class_names(generator.dataset, generator.num_classes)
        summaries.save_grid_png(
            png_path, padded, rows, cols,
            title=f"{generator.model_name} on {generator.dataset}, step {generator.step}, "
                  f"seed {seed}", row_labels=row_labels,
            cell_labels=[names[c] for c in labels] if caption_labels else None)
    arrays = {"images": images, "noise": np.asarray(generator.noise(count, seed), np.float32)}
    if labels is not None:
        arrays["labels"] = labels
    for index, extra in enumerate(images_per_output[1:], start=1):
        arrays[f"images_{index}"] = extra

    def save_npz(tmp):
        with open(tmp, "wb") as file:
            np.savez_compressed(file, **arrays)

    summaries.atomic_write(npz_path, save_npz)
    return images, labels, seed


def main(argv):
    """Run the sample command on argv; errors end with one line on stderr."""
    cli.parse_workdir_command(FLAGS, argv, USAGE, "sample from")
    try:
        generator = generators.load_generator(FLAGS.workdir, FLAGS.checkpoint,
                                               raw_weights=FLAGS.raw_weights,
                                               bn_statistics=FLAGS.bn_statistics)
    except checkpoints.LoadError as error:
        cli.fail(str(error))
    try:
        count, labels, rows, cols, row_labels = choose_labels(
            generator, FLAGS.labels, FLAGS.per_class, FLAGS.num, FLAGS["num"].present)
    except ValueError as error:
        cli.fail(str(error), cli.USAGE_ERROR)
    png_path, npz_path = output_paths(FLAGS.out, FLAGS.workdir)
    try:
        if FLAGS.out:  # the workdir's own samples.png/.npz are this command's to replace
            for path in (png_path, npz_path):
                if path is not None:
                    outputs.check_file(path, "out")
        _, _, seed = write_samples(generator, png_path, npz_path, count, labels, FLAGS.seed,
                                   rows, cols, row_labels,
                                   caption_labels=FLAGS.labels is not None and count <= 400)
    except outputs.OutputError as error:
        cli.fail(str(error))
    except OSError as error:
        cli.fail(str(outputs.write_failure(error.filename or npz_path, error,
                                           flag="out" if FLAGS.out else "workdir")))
    written = f"{png_path} and {npz_path}" if png_path else npz_path
    print(f"{count} samples of {generator.model_name} at step {generator.step} "
          f"(seed {seed}): {written}")


if __name__ == "__main__":
    main(sys.argv)
