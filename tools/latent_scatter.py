"""Scatter the test set's 2-d codes of a trained autoencoder (vae, aae, vae_gan), coloured by label.

Run from the repository root on a run trained with --z_dim=2:

  python tools/latent_scatter.py --workdir=runs/aae-2d

Restores the run's latest checkpoint, encodes the test images (the
encoder's mean), and writes <workdir>/samples/latent_scatter/<step>.png, the
figure the TwistedW VAE.py draws for a 2-d latent space.
"""

import os
import pathlib
import sys

from absl import flags

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tfgan_mnist import checkpoints, cli, data, pipeline, summaries, train  # noqa: E402

FLAGS = flags.FlagValues()  # its own flags: importing this module defines nothing global
flags.DEFINE_string("workdir", None, "A run's folder (holds run.flags and checkpoints/).",
                    flag_values=FLAGS)
flags.DEFINE_integer("count", 5000, "Test images to encode.", flag_values=FLAGS)
flags.DEFINE_string("data_dir", None, "Override the run's --data_dir.", flag_values=FLAGS)


def config_from_workdir(workdir):
    """The Config saved in <workdir>/run.flags, with workdir set to `workdir`."""
    return checkpoints.read_run_config(workdir)


def save_latent_scatter(path, codes, labels, title):
    """A PNG scatter of 2-d `codes`, one colour per label, with a legend."""
    figure = Figure(figsize=(6, 6), dpi=100)
    FigureCanvasAgg(figure)
    axis = figure.add_subplot(1, 1, 1)
    colours = matplotlib.colormaps["tab10"]
    for label in range(10):
        chosen = labels == label
        axis.scatter(codes[chosen, 0], codes[chosen, 1], s=3, color=colours(label),
                     label=str(label))
    axis.legend(markerscale=4, fontsize=8, loc="upper right")
    axis.set_xlabel("z[0]")
    axis.set_ylabel("z[1]")
    axis.set_title(title, fontsize=9)
    summaries.atomic_write(path, lambda tmp: figure.savefig(tmp, format="png"))


def main(argv):
    cli.parse_workdir_command(FLAGS, argv, __doc__.split("\n")[0], "draw")
    config = config_from_workdir(FLAGS.workdir)
    if FLAGS.data_dir is not None:
        config = config.replace(data_dir=FLAGS.data_dir)
    if config.z_dim != 2:
        sys.exit(f"error: {FLAGS.workdir} has --z_dim={config.z_dim}; the scatter needs 2")
    arrays = data.load_arrays(config.dataset, config.data_dir or None)
    run = train.prepare(config, arrays)
    model = run.model
    images = pipeline.scale_images(arrays.test_images[:FLAGS.count], model.image_range)
    labels = np.asarray(arrays.test_labels[:FLAGS.count])
    codes = np.concatenate([model.encode(images[i:i + 500], labels[i:i + 500]).numpy()
                            for i in range(0, len(labels), 500)])
    step = int(model.step.numpy())
    folder = os.path.join(config.run_dir, train.SAMPLES_DIR, "latent_scatter")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{step:08d}.png")
    save_latent_scatter(path, codes, labels,
                        f"{config.model} on {config.dataset}: test codes, step {step}")
    print(path)


if __name__ == "__main__":
    main(sys.argv)
