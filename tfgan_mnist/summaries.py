"""What a run shows: TensorBoard summaries and PNG sample grids."""

import dataclasses
import os
import textwrap

import numpy as np
import tensorflow as tf
# Figures are drawn on Agg canvases of their own, never through pyplot: the package leaves
# the user's matplotlib backend (a notebook's inline plots) as it is, and opens no window.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MatplotlibFigure

from tfgan_mnist import outputs  # noqa: E402


@dataclasses.dataclass
class Figure:
    """uint8 images (n, H, W[, C]) to draw as a rows x cols grid, with optional labels.

    `row_labels` / `col_labels` name each row / column (say, the value of a
    swept code); `row_title` / `col_title` say what those labels are (say,
    "categorical code", "continuous code 1"); `cell_labels` caption every
    image (say, the class each sample was drawn for).
    """

    images: np.ndarray
    rows: int
    cols: int
    row_labels: list = None
    col_labels: list = None
    row_title: str = None
    col_title: str = None
    cell_labels: list = None


def displayable(images):
    """uint8 images as pictures show them: (n, h, w) grey for one channel (given as
    (n, h, w) or (n, h, w, 1)), (n, h, w, 3) colour for three; any other channel count is
    an error, never a channel silently dropped."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        return images[..., 0]
    if images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3):
        return images
    raise ValueError(f"pictures show images of shape (n, h, w), (n, h, w, 1) or (n, h, w, 3); "
                     f"got {images.shape}")


def tile(images, rows, cols, padding=2):
    """uint8 images (n, h, w[, c]) -> one uint8 (rows*h + gaps, cols*w + gaps[, 3]) grid:
    grey for one channel, RGB for three."""
    images = displayable(images)
    n, height, width = images.shape[:3]
    if n < rows * cols:
        raise ValueError(f"a {rows}x{cols} grid needs {rows * cols} images, got {n}")
    grid = np.full((rows * (height + padding) - padding, cols * (width + padding) - padding,
                    *images.shape[3:]), 0, np.uint8)
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


@dataclasses.dataclass
class Picture:
    """A picture a model declares for `python -m tfgan_mnist.pictures <kind>`.

    `draw(**options)` returns a `Figure` or {name: Figure}; `options` names
    the command's flags it takes (of rows, steps, size, seed) and `about`
    says in a few words what it shows.
    """

    draw: object
    options: tuple = ()
    about: str = ""


LARGE_GRID = 400  # cells; larger grids are tiled directly (one Axes per cell is slow)
TITLE_POINTS = 9
LABEL_POINTS = 7


def _wrap(text, width_inches, points):
    """`text` broken into lines that fit `width_inches` at `points` (average glyph width)."""
    characters = max(8, int(width_inches * 72 / (points * 0.56)))
    return textwrap.wrap(str(text), characters) or [""]


def save_grid_png(path, images, rows, cols, title=None, row_labels=None, col_labels=None,
                  row_title=None, col_title=None, cell_labels=None):
    """Draw uint8 images as a rows x cols grid and save it as PNG (atomically).

    Like the TF1 tutorial's `plot()`: grey digits, no axes, thin gaps; the
    title wraps to the grid's width, labels name rows, columns or cells and
    the titles say what the labels are. Grids of more than LARGE_GRID
    images are tiled with NumPy and written with Pillow at one pixel per
    image pixel under a title strip (labels left out): 10,000 images take
    well under a second instead of minutes.
    """
    images = displayable(images)
    if rows * cols > LARGE_GRID:
        _save_tiled_png(path, images, rows, cols, title)
        return
    cell = 0.6  # inches per image
    grid_width = cols * cell
    title_lines = _wrap(title, grid_width + 0.1, TITLE_POINTS) if title else []
    col_title_lines = _wrap(col_title, grid_width, LABEL_POINTS) if col_title else []
    line = TITLE_POINTS * 1.25 / 72
    label_line = LABEL_POINTS * 1.3 / 72
    top_margin = (0.05 + line * len(title_lines) + label_line * len(col_title_lines)
                  + (0.2 if col_labels is not None else 0.0)
                  + (0.17 if cell_labels is not None else 0.0))
    left_margin = 0.05 + (0.3 if row_labels is not None else 0.0) + \
        (0.2 if row_title else 0.0)
    width, height = grid_width + left_margin + 0.05, rows * cell + top_margin + 0.05
    figure = MatplotlibFigure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    # One Axes shows the whole tiled grid (one Axes per cell took about a second
    # for 100 cells); the white gaps between cells are part of the image, and the
    # labels are placed in its pixel coordinates.
    n, cell_height, cell_width = images.shape[:3]
    # gaps of about 0.03 inches, 0.18 with a caption over every cell; equal both
    # ways so that the pixels stay square and the grid fills its width
    gap = round(cell_width / cell * (0.18 if cell_labels is not None else 0.03))
    gap_x = gap_y = max(1, gap)
    pitch_x, pitch_y = cell_width + gap_x, cell_height + gap_y
    tiled = np.full((rows * pitch_y - gap_y, cols * pitch_x - gap_x, *images.shape[3:]), 255,
                    np.uint8)
    for index in range(min(n, rows * cols)):
        row, col = divmod(index, cols)
        tiled[row * pitch_y:row * pitch_y + cell_height,
              col * pitch_x:col * pitch_x + cell_width] = images[index]
    axis = figure.add_axes((left_margin / width, 0.05 / height, grid_width / width,
                            rows * cell / height))
    if tiled.ndim == 3:  # colour: the pixels as they are
        axis.imshow(tiled, interpolation="nearest")
    else:
        axis.imshow(tiled, cmap="Greys_r", vmin=0, vmax=255)
    axis.set_axis_off()
    for row in range(rows):
        if row_labels is not None:
            axis.text(-gap_x - 1, row * pitch_y + cell_height / 2, str(row_labels[row]),
                      rotation=90, ha="right", va="center", fontsize=LABEL_POINTS)
        for col in range(cols):
            index = row * cols + col
            caption = [str(col_labels[col])] if col_labels is not None and row == 0 else []
            if cell_labels is not None and index < len(cell_labels):
                caption.append(str(cell_labels[index]))
            if caption:
                axis.text(col * pitch_x + cell_width / 2, row * pitch_y - 1.5,
                          "\n".join(caption), ha="center", va="bottom",
                          fontsize=LABEL_POINTS)
    if title_lines:
        figure.suptitle("\n".join(title_lines), fontsize=TITLE_POINTS, y=1 - 0.04 / height,
                        va="top")
    if col_title_lines:
        figure.text((left_margin + grid_width / 2) / width,
                    1 - (0.05 + line * len(title_lines)) / height, "\n".join(col_title_lines),
                    ha="center", va="top", fontsize=LABEL_POINTS, style="italic")
    if row_title:
        figure.text(0.03 / width, (0.05 + rows * cell / 2) / height, row_title, rotation=90,
                    ha="left", va="center", fontsize=LABEL_POINTS, style="italic")
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png",
                                                  metadata=outputs.PNG_METADATA))


def save_figure_png(path, figure, title=None):
    """Save a `Figure` with its labels and titles as a PNG grid."""
    save_grid_png(path, np.asarray(figure.images), figure.rows, figure.cols, title=title,
                  row_labels=figure.row_labels, col_labels=figure.col_labels,
                  row_title=figure.row_title, col_title=figure.col_title,
                  cell_labels=figure.cell_labels)


def _save_tiled_png(path, images, rows, cols, title):
    """A large grid at one pixel per image pixel: NumPy tiling, Pillow text and PNG writing."""
    from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

    padded = np.full((rows * cols, *images.shape[1:]), 255, np.uint8)
    padded[:len(images)] = images[:rows * cols]
    grid = tile(padded, rows, cols, padding=2)
    strip = 24 if title else 0
    mode = "RGB" if grid.ndim == 3 else "L"
    canvas = Image.new(mode, (grid.shape[1], grid.shape[0] + strip), (255,) * len(mode))
    canvas.paste(Image.fromarray(grid), (0, strip))
    if title:
        ImageDraw.Draw(canvas).text((4, 4), str(title), fill=(0,) * len(mode),
                                    font=ImageFont.load_default(size=14))
    info = PngImagePlugin.PngInfo()
    for key, value in outputs.PNG_METADATA.items():
        info.add_text(key, value)
    atomic_write(path, lambda tmp: canvas.save(tmp, format="PNG", pnginfo=info))


def write_scalars(values, step):
    """One scalar summary per entry, at `step`, to the default writer."""
    for name, value in values.items():
        tf.summary.scalar(name, value, step=step)


def write_histograms(variables, step):
    """A histogram of each variable, tagged with its path ('generator/hidden/kernel')."""
    for variable in variables:
        tf.summary.histogram(variable.path, variable, step=step)


def write_grid_image(name, grid, step):
    """A uint8 grid (grey (h, w) or colour (h, w, 3)) as an image summary."""
    grid = np.asarray(grid)
    tf.summary.image(name, grid[None, ..., None] if grid.ndim == 2 else grid[None], step=step)
