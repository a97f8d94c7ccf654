"""What a run shows: TensorBoard summaries and PNG sample grids."""

import dataclasses
import os

import matplotlib

matplotlib.use("Agg")  # files only; never open a window
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure as MatplotlibFigure  # noqa: E402


@dataclasses.dataclass
class Figure:
    """uint8 images (n, 28, 28, 1) to draw as a rows x cols grid, with optional labels."""

    images: np.ndarray
    rows: int
    cols: int
    row_labels: list = None
    col_labels: list = None


def tile(images, rows, cols, padding=2):
    """uint8 images (n, h, w[, 1]) -> one uint8 (rows*h + gaps, cols*w + gaps) grid."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    n, height, width = images.shape
    if n < rows * cols:
        raise ValueError(f"a {rows}x{cols} grid needs {rows * cols} images, got {n}")
    grid = np.zeros((rows * (height + padding) - padding, cols * (width + padding) - padding),
                    np.uint8)
    for index in range(rows * cols):
        row, col = divmod(index, cols)
        top, left = row * (height + padding), col * (width + padding)
        grid[top:top + height, left:left + width] = images[index]
    return grid


def atomic_write(path, write):
    """Call write(tmp_path), then rename into place: no half-written file at `path`."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_grid_png(path, images, rows, cols, title=None, row_labels=None, col_labels=None):
    """Draw uint8 images as a rows x cols grid with matplotlib and save it as PNG.

    Like the TF1 tutorial's `plot()`: grey digits, no axes, thin gaps.
    """
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    cell = 0.6  # inches per image
    top_margin = 0.05 + (0.3 if title else 0.0) + (0.2 if col_labels is not None else 0.0)
    left_margin = 0.3 if row_labels is not None else 0.05
    width, height = cols * cell + left_margin + 0.05, rows * cell + top_margin + 0.05
    figure = MatplotlibFigure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(rows, cols, wspace=0.05, hspace=0.05,
                               left=left_margin / width, right=1 - 0.05 / width,
                               bottom=0.05 / height, top=1 - top_margin / height)
    for index in range(rows * cols):
        row, col = divmod(index, cols)
        axis = figure.add_subplot(grid[row, col])
        axis.imshow(images[index], cmap="Greys_r", vmin=0, vmax=255)
        axis.set_xticks([])
        axis.set_yticks([])
        for spine in axis.spines.values():
            spine.set_visible(False)
        if row_labels is not None and col == 0:
            axis.set_ylabel(str(row_labels[row]), fontsize=7)
        if col_labels is not None and row == 0:
            axis.set_title(str(col_labels[col]), fontsize=7)
    if title:
        figure.suptitle(title, fontsize=9, y=1 - 0.06 / height, va="top")
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png"))


def write_scalars(values, step):
    """One scalar summary per entry, at `step`, to the default writer."""
    for name, value in values.items():
        tf.summary.scalar(name, value, step=step)


def write_histograms(variables, step):
    """A histogram of each variable, tagged with its path ('generator/hidden/kernel')."""
    for variable in variables:
        tf.summary.histogram(variable.path, variable, step=step)


def write_grid_image(name, grid, step):
    """A uint8 grid as an image summary."""
    tf.summary.image(name, grid[None, :, :, None], step=step)
