"""Pictures of a trained run: `python -m tfgan_mnist.pictures <kind> --workdir=DIR`.

Kinds (output default: <workdir>/pictures/<kind>.png, or `--out`):

- `interpolate`: spherical interpolation between noise points, one row per
  path, `--steps` images along it; random pairs (`--rows`, `--seed`) or
  chosen points `--pick=i,j,...` from the noise a `sample` run saved
  (`--samples`, default <workdir>/samples.npz).
- `class_grid` (conditional models): one row per noise vector ("style"),
  one column per class.
- `figures`: every figure the model draws during training, at the checkpoint.
- any picture the model declares in `pictures()` (`gan.GenerativeModel`):
  `code_sweeps` (infoGAN: each continuous code swept, a row per categorical
  code), `manifold` (VAE/AAE with a 2-d latent space: the decoder over a
  grid of codes), `pairs` (CoGAN: both domains from the same noise).
- `gif`: an animated GIF of a training figure across training, built from
  the PNGs under <workdir>/samples/<figure>/ (default figure `grid`).
- `losses`: the scalar curves read back from the run's TensorBoard event files.

A declared picture returns a `summaries.Figure` or a dict of them by name; a
kind the model does not declare is a one-line error listing the ones it does.
"""

import glob
import os
import sys

from tfgan_mnist import cli

cli.quiet_tensorflow_import()  # before anything that imports TensorFlow

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402
# Agg canvases of their own, never pyplot: the user's backend is left as it is.
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure as MatplotlibFigure  # noqa: E402

from tfgan_mnist import checkpoints, generators, outputs, summaries  # noqa: E402

PICTURES_DIR = "pictures"
# Kinds some models declare (summaries.Picture), named in --help and errors.
DECLARED_KINDS = {"code_sweeps": "infogan", "manifold": "vae, aae with --z_dim=2",
                  "pairs": "cogan, cogan_conv"}
# Scalars the trainer writes about itself rather than about the model.
HOUSEKEEPING_PREFIXES = ("learning_rate/", "steps_per_sec")


class PictureError(ValueError):
    """A picture cannot be drawn with these options; the message names the flag."""


# ----- interpolation ---------------------------------------------------------

def slerp(start, end, fractions):
    """Spherical interpolation from `start` to `end` (vectors) at each of `fractions`.

    Moves along the great circle between the two directions while the norm
    changes linearly, so every point has the typical norm of a noise vector
    in high dimensions, where a straight line would pass near the origin
    (White 2016, "Sampling Generative Networks", arXiv:1609.04468). Nearly
    parallel vectors fall back to the straight line.
    """
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    fractions = np.asarray(fractions, np.float64)[:, None]
    norm_start, norm_end = np.linalg.norm(start), np.linalg.norm(end)
    cosine = np.dot(start, end) / max(norm_start * norm_end, 1e-12)
    angle = np.arccos(np.clip(cosine, -1.0, 1.0))
    if np.sin(angle) < 1e-6:
        return (1.0 - fractions) * start + fractions * end
    unit_start, unit_end = start / max(norm_start, 1e-12), end / max(norm_end, 1e-12)
    direction = (np.sin((1.0 - fractions) * angle) * unit_start
                 + np.sin(fractions * angle) * unit_end) / np.sin(angle)
    norms = (1.0 - fractions) * norm_start + fractions * norm_end
    return direction * norms


def interpolation_paths(starts, ends, steps):
    """Noise (rows * steps, dim): row r goes from starts[r] to ends[r] in `steps` points."""
    fractions = np.linspace(0.0, 1.0, steps)
    return np.concatenate([slerp(a, b, fractions) for a, b in zip(starts, ends)]).astype(
        np.float32)


def draw_interpolation(generator, path, rows=6, steps=10, seed=0, pick=None, samples=None,
                       label=None):
    """Write the interpolation grid; return (rows, cols) of the grid."""
    row_labels = None
    picked_labels = None
    if pick is not None:
        if len(pick) < 2:
            raise PictureError(f"--pick={','.join(map(str, pick))}: give at least two indices")
        if not os.path.exists(samples):
            raise PictureError(f"--samples={samples}: no such file; write it with "
                               "python -m tfgan_mnist.sample first")
        saved = np.load(samples)
        if "noise" not in saved:
            raise PictureError(f"--samples={samples}: holds no noise (not written by "
                               "tfgan_mnist.sample)")
        noise = saved["noise"]
        if noise.shape[1] != generator.latent_dim:
            raise PictureError(f"--samples={samples}: noise of {noise.shape[1]} dimensions; "
                               f"this model takes {generator.latent_dim}")
        bad = [i for i in pick if not 0 <= i < len(noise)]
        if bad:
            raise PictureError(f"--pick: index {bad[0]} is not in 0..{len(noise) - 1} "
                               f"(the samples in {samples})")
        starts, ends = noise[pick[:-1]], noise[pick[1:]]
        row_labels = [f"{a}>{b}" for a, b in zip(pick[:-1], pick[1:])]
        if "labels" in saved and generator.conditional:
            picked_labels = saved["labels"][pick[:-1]]
    else:
        noise = np.asarray(generator.noise(2 * rows, seed))
        starts, ends = noise[0::2], noise[1::2]
    count = len(starts)
    if generator.conditional:
        if label is not None and not 0 <= label < generator.num_classes:
            raise ValueError(f"--label={label}: not a class; classes are "
                             f"0..{generator.num_classes - 1}")
        if label is not None:
            row_classes = np.full((count,), label)
        elif picked_labels is not None:
            row_classes = picked_labels
        else:
            row_classes = np.arange(count) % generator.num_classes
        labels = np.repeat(row_classes, steps)
        names = generators.class_names(generator.dataset, generator.num_classes)
        row_labels = [names[c] if row_labels is None else f"{row_labels[i]} {names[c]}"
                      for i, c in enumerate(row_classes)]
    else:
        if label is not None:
            raise PictureError(f"--label: model {generator.model_name} is unconditional; "
                               "only conditional models take a class label")
        labels = None
    images = generator.images_from_noise(interpolation_paths(starts, ends, steps), labels)[0]
    summaries.save_grid_png(
        path, images, count, steps,
        title=f"{generator.model_name}, step {generator.step}: spherical interpolation",
        row_labels=row_labels)
    return count, steps


def draw_class_grid(generator, path, rows=8, seed=0):
    """Write the style x class grid of a conditional model; return (rows, cols)."""
    if not generator.conditional:
        raise PictureError(f"class_grid: model {generator.model_name} is unconditional; "
                           "a class-by-style grid needs a conditional model")
    classes = generator.num_classes
    noise = np.repeat(np.asarray(generator.noise(rows, seed)), classes, axis=0)
    labels = np.tile(np.arange(classes), rows)
    images = generator.images_from_noise(noise, labels)[0]
    summaries.save_grid_png(
        path, images, rows, classes,
        title=f"{generator.model_name}, step {generator.step}: one style per row",
        col_labels=generators.class_names(generator.dataset, classes))
    return rows, classes


# ----- model figures and declared pictures -----------------------------------

def _figure_paths(path, figures):
    """One path per figure: `path` itself for one, `<stem>_<name><ext>` for several."""
    if len(figures) == 1:
        return {name: path for name in figures}
    stem, extension = os.path.splitext(path)
    return {name: f"{stem}_{name}{extension or '.png'}" for name in figures}


def save_figures(generator, figures, path, what, check=False):
    """Save named summaries.Figure objects as PNGs; return the paths written.

    `check`: refuse (outputs.OutputError) any path that holds a file this
    package did not write, before writing any.
    """
    if isinstance(figures, summaries.Figure):
        figures = {what: figures}
    paths = _figure_paths(path, figures)
    if check:
        for target in paths.values():
            outputs.check_file(target, "out")
    written = []
    for name, target in paths.items():
        summaries.save_figure_png(target, figures[name],
                                  f"{generator.model_name}, step {generator.step}: {name}")
        written.append(target)
    return written


def declared_picture(generator, kind):
    """The `summaries.Picture` the model declares as `kind`; a PictureError if it has none."""
    declared = generator.model.pictures()
    if kind in declared:
        return declared[kind]
    own = ", ".join(sorted(declared)) or "none"
    if kind in DECLARED_KINDS:
        raise PictureError(f"{kind}: model {generator.model_name} declares no {kind} picture "
                           f"(its own: {own}); {kind} is for {DECLARED_KINDS[kind]}")
    raise ValueError(f"unknown picture kind {kind!r}; kinds: {', '.join(KINDS)}, and model "
                     f"{generator.model_name}'s own: {own}")


# ----- training history -------------------------------------------------------

def training_frames(workdir, figure="grid"):
    """Paths of the PNGs a figure was saved as during training, in step order."""
    folder = os.path.join(workdir, "samples", figure)
    frames = sorted(glob.glob(os.path.join(folder, "*.png")))
    if not frames:
        found = sorted(os.path.basename(p) for p in glob.glob(
            os.path.join(workdir, "samples", "*")) if os.path.isdir(p))
        raise PictureError(f"--figure={figure}: no PNGs in {folder}; figures of this run: "
                           f"{', '.join(found) or 'none'}")
    return frames


def gif_figure(workdir, figure=None):
    """The figure to animate: `figure`, else "grid", else the run's first figure by name."""
    if figure:
        return figure
    folders = sorted(name for name in os.listdir(os.path.join(workdir, "samples"))
                     if os.path.isdir(os.path.join(workdir, "samples", name))) \
        if os.path.isdir(os.path.join(workdir, "samples")) else []
    return "grid" if "grid" in folders or not folders else folders[0]


def _is_grey(image):
    """Whether every pixel of an RGB image has r = g = b."""
    pixels = np.asarray(image)
    return bool((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all())


def draw_gif(frames, path, fps=4):
    """An animated GIF of PNG frames (same pixel size as the first); return (width, height)."""
    from PIL import Image

    with Image.open(frames[0]) as first:
        size = first.size
    images = []
    for frame in frames:
        with Image.open(frame) as image:
            image = image.convert("RGB")
            images.append(image if image.size == size else image.resize(size))
    # grey grids (every pixel r = g = b) as grey frames; colour ones keep their colour
    if all(_is_grey(image) for image in images):
        images = [image.convert("L") for image in images]
    summaries.atomic_write(path, lambda tmp: images[0].save(
        tmp, format="GIF", save_all=True, append_images=images[1:],
        duration=int(round(1000 / fps)), loop=0, comment=outputs.MARK.encode()))
    return size


def read_scalars(workdir):
    """{tag: (steps, values)} of every scalar in the run's event files, sorted by step.

    A resumed run has several event files and may repeat steps; the value
    written last wins.
    """
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(workdir, "events.out.tfevents.*")))
    if not files:
        raise PictureError(f"--workdir={workdir}: no TensorBoard event files here")
    points = {}
    for file in files:
        for record in tf.data.TFRecordDataset(file):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    number = value.simple_value
                elif value.HasField("tensor") and not value.tensor.tensor_shape.dim and \
                        value.tensor.dtype in (tf.float32.as_datatype_enum,
                                               tf.float64.as_datatype_enum):
                    number = float(tf.make_ndarray(value.tensor))
                else:
                    continue
                points.setdefault(value.tag, {})[event.step] = (event.wall_time, number)
    scalars = {}
    for tag, by_step in points.items():
        steps = sorted(by_step)
        scalars[tag] = (np.array(steps), np.array([by_step[s][1] for s in steps]))
    return scalars


def _run_title(workdir):
    name = os.path.basename(os.path.normpath(workdir))
    try:
        config = checkpoints.read_run_config(workdir)
    except checkpoints.LoadError:  # curves need only the event files
        return name
    return f"{config.model} on {config.dataset} ({name})"


def draw_losses(workdir, path, tags=None, title=None):
    """Loss curves (and the other model scalars) of a run; return the tags drawn."""
    scalars = read_scalars(workdir)
    if tags:
        missing = [tag for tag in tags if tag not in scalars]
        if missing:
            raise PictureError(f"--tags: no scalar {missing[0]!r} in the event files of "
                               f"{workdir}; found: {', '.join(sorted(scalars))}")
    else:
        tags = sorted(tag for tag in scalars if not tag.startswith(HOUSEKEEPING_PREFIXES))
        if not tags:
            raise PictureError(f"--workdir={workdir}: the event files hold no model scalars")
    groups = [("losses", [t for t in tags if "loss" in t]),
              ("other scalars", [t for t in tags if "loss" not in t])]
    groups = [group for group in groups if group[1]]
    figure = MatplotlibFigure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    for index, (name, group) in enumerate(groups):
        axis = figure.add_subplot(1, len(groups), index + 1)
        for tag in group:
            steps, values = scalars[tag]
            axis.plot(steps, values, label=tag, marker="." if len(steps) < 30 else None)
        axis.set_xlabel("step")
        axis.set_title(name, fontsize=9)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
    figure.suptitle(title or _run_title(workdir), fontsize=10)
    figure.tight_layout()
    summaries.atomic_write(path, lambda tmp: figure.savefig(tmp, format="png",
                                                         metadata=outputs.PNG_METADATA))
    return tags


# ----- command line -----------------------------------------------------------

KINDS = ("interpolate", "class_grid", "figures", "gif", "losses")  # every model's
FLAGS = flags.FlagValues()
flags.DEFINE_string("workdir", None, "Training workdir.", flag_values=FLAGS)
flags.DEFINE_string("out", None, "Output file. Default: <workdir>/pictures/<kind>.png "
                    "(gif: <workdir>/pictures/<figure>.gif).", flag_values=FLAGS)
flags.DEFINE_string("checkpoint", "latest", "latest, best, a kept step number, or a "
                    "checkpoint path prefix.", flag_values=FLAGS)
flags.DEFINE_integer("seed", 0, "Seed of the noise.", flag_values=FLAGS)
cli.define_weight_flags(FLAGS, "Draw")
flags.DEFINE_integer("rows", 8, "Rows: interpolation paths, styles, or pairs.",
                     lower_bound=1, flag_values=FLAGS)
flags.DEFINE_integer("steps", 10, "Images along each interpolation path or code sweep.",
                     lower_bound=2, flag_values=FLAGS)
flags.DEFINE_string("pick", None, "interpolate: indices of samples in --samples to go "
                    "through, e.g. 3,17,40.", flag_values=FLAGS)
flags.DEFINE_string("samples", None, "interpolate --pick: the .npz that tfgan_mnist.sample "
                    "wrote. Default: <workdir>/samples.npz.", flag_values=FLAGS)
flags.DEFINE_integer("label", None, "interpolate, conditional models: the class of every "
                     "path.", lower_bound=0, flag_values=FLAGS)
flags.DEFINE_integer("size", 20, "manifold: points along each axis.", lower_bound=2,
                     flag_values=FLAGS)
flags.DEFINE_string("figure", None, "gif: the training figure to animate (a folder under "
                    "<workdir>/samples). Default: grid, else the run's first figure.",
                    flag_values=FLAGS)
flags.DEFINE_float("fps", 4.0, "gif: frames per second.", lower_bound=0.1, flag_values=FLAGS)
flags.DEFINE_string("tags", None, "losses: comma-separated scalar tags. Default: every model "
                    "scalar (not learning rates or speed).", flag_values=FLAGS)

# The options each kind takes besides --workdir and --out.
OPTIONS = {
    "interpolate": ("checkpoint", "raw_weights", "bn_statistics", "seed", "rows", "steps", "pick", "samples",
                    "label"),
    "class_grid": ("checkpoint", "raw_weights", "bn_statistics", "seed", "rows"),
    "figures": ("checkpoint", "raw_weights", "bn_statistics"),
    "gif": ("figure", "fps"),
    "losses": ("tags",),
}

USAGE = f"""Pictures of a trained run.

  python -m tfgan_mnist.pictures <kind> --workdir=DIR [options]

kinds: {', '.join(KINDS)}; and those a model declares: {', '.join(
    f"{kind} ({models})" for kind, models in DECLARED_KINDS.items())}"""


def check_options(kind, options=None):
    """Fail on an option the kind does not take, naming it (`options`: a declared picture's)."""
    options = (OPTIONS[kind] if options is None
               else ("checkpoint", "raw_weights", "bn_statistics", *options))
    allowed = {"workdir", "out", *options}
    for name in ("checkpoint", "raw_weights", "bn_statistics", "seed", "rows", "steps", "pick", "samples",
                 "label", "size", "figure", "fps", "tags"):
        if FLAGS[name].present and name not in allowed:
            cli.fail(f"--{name}: not an option of `pictures {kind}` (it takes "
                     f"{', '.join('--' + o for o in options)})", cli.USAGE_ERROR)


def draw(kind, workdir, out, explicit=False):
    """Draw picture `kind` of `workdir` to `out` from the parsed flags; return paths written.

    `explicit`: `out` came from --out, so a file there must be one of ours.
    """
    if explicit and kind in ("interpolate", "class_grid", "gif", "losses"):  # one file each
        outputs.check_file(out, "out")
    if kind == "gif":
        frames = training_frames(workdir, gif_figure(workdir, FLAGS.figure))
        draw_gif(frames, out, FLAGS.fps)
        return [out]
    if kind == "losses":
        tags = [t.strip() for t in FLAGS.tags.split(",") if t.strip()] if FLAGS.tags else None
        draw_losses(workdir, out, tags)
        return [out]
    generator = generators.load_generator(workdir, FLAGS.checkpoint,
                                           raw_weights=FLAGS.raw_weights,
                                           bn_statistics=FLAGS.bn_statistics)
    if kind == "interpolate":
        pick = cli.parse_int_list(FLAGS.pick, "pick") if FLAGS.pick else None
        samples = FLAGS.samples or os.path.join(workdir, "samples.npz")
        draw_interpolation(generator, out, FLAGS.rows, FLAGS.steps, FLAGS.seed, pick,
                           samples, FLAGS.label)
        return [out]
    if kind == "class_grid":
        draw_class_grid(generator, out, FLAGS.rows, FLAGS.seed)
        return [out]
    if kind == "figures":
        return save_figures(generator, generator.model.figures(generator.config.sample_grid),
                            out, "grid", check=explicit)
    picture = declared_picture(generator, kind)
    check_options(kind, picture.options)
    figures = picture.draw(**{name: FLAGS[name].value for name in picture.options})
    return save_figures(generator, figures, out, kind, check=explicit)


def main(argv):
    """Run the pictures command on argv; errors end with one line on stderr."""
    argv = cli.parse_flags(FLAGS, argv, USAGE)
    if len(argv) != 2:
        cli.fail(f"give one picture kind: {', '.join(KINDS)} "
                         f"(got {' '.join(argv[1:]) or 'none'})", cli.USAGE_ERROR)
    kind = argv[1]
    if kind in KINDS:  # any other kind is looked up among the model's declared pictures
        check_options(kind)
    if not FLAGS.workdir:
        cli.fail("--workdir: give the training workdir", cli.USAGE_ERROR)
    if not os.path.isdir(FLAGS.workdir):
        cli.fail(f"--workdir={FLAGS.workdir}: no such folder")
    default = (os.path.join(FLAGS.workdir, PICTURES_DIR,
                            f"{gif_figure(FLAGS.workdir, FLAGS.figure)}.gif") if kind == "gif"
               else os.path.join(FLAGS.workdir, PICTURES_DIR, f"{kind}.png"))
    out = FLAGS.out or default
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    try:
        written = draw(kind, FLAGS.workdir, out, explicit=bool(FLAGS.out))
    except (PictureError, checkpoints.LoadError, outputs.OutputError) as error:
        cli.fail(str(error))
    except ValueError as error:  # labels and options checked deeper down
        cli.fail(str(error).splitlines()[0], cli.USAGE_ERROR)
    except OSError as error:
        cli.fail(str(outputs.write_failure(error.filename or out, error,
                                           flag="out" if FLAGS.out else "workdir")))
    print("wrote " + ", ".join(written))


if __name__ == "__main__":
    main(sys.argv)
