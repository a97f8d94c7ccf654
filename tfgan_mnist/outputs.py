"""Where the commands write: no path they did not create is replaced, and a full disk is one line.

Every file the package writes outside a workdir's own folders carries a mark
that says so: PNGs a `Software` text chunk, GIFs a comment, the sample
`.npz` its own set of arrays, an export its `assets/metadata.json` and a
`.keras` file its `ExportedGenerator` config. A command may replace an
existing output only when it carries that mark; anything else at the path
(a training workdir, someone's folder, a file of another program, `/`) is
refused before anything is written, with the flag named.

Writes that fail for lack of space become `OutputError`s that name the
file, say what is intact and what to do, and leave no temporary behind.
"""

import errno
import json
import os
import zipfile

MARK = "tfgan_mnist"  # the PNG `Software` chunk and the GIF comment start with this
PNG_METADATA = {"Software": MARK}
SAMPLE_ARRAYS = {"images", "noise", "labels"}  # and images_1, ... for several outputs
EXPORT_ENTRIES = {"saved_model.pb", "fingerprint.pb", "variables", "assets"}


class OutputError(OSError):
    """An output path cannot be written; the message names the flag or file and what to do."""

    def __str__(self):
        return self.args[0] if self.args else ""


# ----- recognising our own files -------------------------------------------

def _png_or_gif_is_ours(path):
    from PIL import Image

    try:
        with Image.open(path) as image:
            text = getattr(image, "text", {}) or {}
            comment = image.info.get("comment", b"")
    except Exception:  # noqa: BLE001 - not an image Pillow can read: not ours
        return False
    if isinstance(comment, bytes):
        comment = comment.decode("latin-1")
    return str(text.get("Software", "")).startswith(MARK) or comment.startswith(MARK)


def _npz_is_ours(path):
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name[:-4] for name in archive.namelist() if name.endswith(".npy")}
    except (zipfile.BadZipFile, OSError):
        return False
    extra = {name for name in names if name.startswith("images_") and name[7:].isdigit()}
    return {"images", "noise"} <= names and names - extra <= SAMPLE_ARRAYS


def is_export(path):
    """Whether `path` is a SavedModel folder that `tfgan_mnist.export` wrote, untouched since."""
    if not os.path.isdir(path) or os.path.islink(path):
        return False
    entries = set(os.listdir(path))
    if "saved_model.pb" not in entries or not entries <= EXPORT_ENTRIES:
        return False
    assets = os.path.join(path, "assets")
    if not os.path.isdir(assets) or set(os.listdir(assets)) != {"metadata.json"}:
        return False
    metadata = os.path.join(assets, "metadata.json")
    try:
        with open(metadata) as file:
            return json.load(file).get("format") == "tfgan_mnist generator"
    except (OSError, ValueError, AttributeError):
        return False


def is_keras_export(path):
    """Whether `path` is a `.keras` file that `tfgan_mnist.export` wrote."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False
    return isinstance(config, dict) and \
        config.get("registered_name") == f"{MARK}>ExportedGenerator"


def written_by_us(path):
    """Whether the file at `path` is one this package wrote (see the module's marks)."""
    if not os.path.isfile(path) or os.path.islink(path):
        return False
    extension = os.path.splitext(path)[1].lower()
    if extension in (".png", ".gif"):
        return _png_or_gif_is_ours(path)
    if extension == ".npz":
        return _npz_is_ours(path)
    if extension == ".keras":
        return is_keras_export(path)
    return False


# ----- refusing paths -------------------------------------------------------

def _protected(path):
    """Folders never written into as outputs: the root, the home folder, the working folder."""
    real = os.path.realpath(path)
    return real in {os.path.realpath(p) for p in ("/", os.path.expanduser("~"), os.getcwd())}


def check_file(path, flag):
    """Refuse `path` as an output file unless it is free or a file this package wrote.

    `flag` is the option that gave the path (e.g. "out"); the error names it.
    """
    if not os.path.lexists(path):
        return
    if os.path.isdir(path):
        raise OutputError(f"--{flag}={path}: is a folder; give a file path")
    if not written_by_us(path):
        raise OutputError(f"--{flag}={path}: a file that tfgan_mnist did not write is there; "
                          "give another path or move that file away (nothing was written)")


def check_export_folder(path, overwrite, flag="out"):
    """Refuse `path` as a SavedModel folder unless free, or an earlier export and `overwrite`."""
    if _protected(path):
        raise OutputError(f"--{flag}={path}: refusing to export into this folder; give a new "
                          "folder path such as <workdir>/export/<step>")
    if not os.path.lexists(path):
        return
    if not is_export(path):
        kind = "a file" if not os.path.isdir(path) else (
            "a training workdir" if os.path.exists(os.path.join(path, "run.flags"))
            else "a folder that is not an export")
        raise OutputError(f"--{flag}={path}: {kind} is there, and an export replaces only an "
                          "earlier export; give a new folder path (nothing was written)")
    if not overwrite:
        raise OutputError(f"--{flag}={path}: holds an earlier export; add --overwrite to "
                          "replace it, or give another --out")


def check_keras_file(path, overwrite, flag="keras_out"):
    """Refuse `path` as the `.keras` file unless free, or an earlier export's and `overwrite`."""
    if not os.path.lexists(path):
        return
    if not is_keras_export(path) or os.path.isdir(path):
        raise OutputError(f"--{flag}={path}: a file that tfgan_mnist.export did not write is "
                          "there; give another path (nothing was written)")
    if not overwrite:
        raise OutputError(f"--{flag}={path}: holds an earlier export; add --overwrite to "
                          "replace it, or give another path")


# ----- a full disk ---------------------------------------------------------

def is_disk_full(error):
    """Whether `error` (an OSError or a TensorFlow error) says the device has no space left."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(getattr(error, "message", "") or error)
    return "No space left on device" in text or "Disk quota exceeded" in text


def write_failure(path, error, intact=None, flag="workdir"):
    """The one-line OutputError for a failed write of `path`: what failed, is intact, to do."""
    if is_disk_full(error):
        reason = "no space left on the device"
        advice = f"free some space or give another --{flag}"
    else:
        reason = (getattr(error, "strerror", None) or getattr(error, "message", None)
                  or str(error) or type(error).__name__).strip().splitlines()[0][:200]
        advice = f"check the folder or give another --{flag}"
    kept = f"; {intact}" if intact else ""
    return OutputError(f"cannot write {path} ({reason}){kept}; {advice}")
