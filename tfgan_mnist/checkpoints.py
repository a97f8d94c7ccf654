"""Load a trained run back: its config and its model at a checkpoint.

A workdir that `train.train` wrote holds `run.flags` (the run's `Config` as
`--field=value` lines) and `checkpoints/` (tf.train checkpoints of the model,
its optimizers, its RNG state and the data order). Restoring rebuilds the
model from the registry with that config and reads the checkpoint into it.
Images from a restored run, or from an export: `generators.py`.
"""

import dataclasses
import os
import sys

import tensorflow as tf

from tfgan_mnist import config as config_lib
from tfgan_mnist import workdir as workdir_lib
from tfgan_mnist.workdir import BEST_CHECKPOINT_DIR  # noqa: F401 (part of this API)

class LoadError(ValueError):
    """A workdir, checkpoint or exported file cannot be loaded; the message names the flag."""


# ----- a run's config ------------------------------------------------------

def config_from_dict(values, where):
    """A Config from {field: value or its text}; a problem is a LoadError naming `where`."""
    try:
        return config_lib.Config.from_strings(values)
    except config_lib.ConfigError as error:
        raise LoadError(f"{where}: {error}; load it with the version that trained it"
                        if "no such setting" in str(error) else f"{where}: {error}") from None


def read_run_config(workdir):
    """The Config that trained `workdir`, read from its run.flags (workdir set to `workdir`)."""
    path = os.path.join(workdir, workdir_lib.FLAGFILE)
    if not os.path.isdir(workdir):
        raise LoadError(f"--workdir={workdir}: no such folder")
    if not os.path.exists(path):
        raise LoadError(f"--workdir={workdir}: no {workdir_lib.FLAGFILE} here, so it is not a "
                        "training workdir (train one with python -m tfgan_mnist.main)")
    values = config_lib.read_flagfile(path)
    if values.get("images"):  # a run on its own images: their spec is made again
        from tfgan_mnist import own_images
        from tfgan_mnist.idx import DataError

        try:
            own_images.register_kept(workdir)
        except DataError as error:
            raise LoadError(str(error)) from None
    return config_from_dict(values, path).replace(workdir=workdir)


def config_as_dict(config):
    """The Config's fields as a JSON-ready dict."""
    return dataclasses.asdict(config)


# ----- checkpoints ----------------------------------------------------------

def find_checkpoint(workdir, which="latest"):
    """The checkpoint path that `which` names in `workdir`.

    `which` is "latest" (of <workdir>/checkpoints), "best" (the latest of
    <workdir>/checkpoints_best), a step number (ckpt-<step> in checkpoints/)
    or a checkpoint path prefix.
    """
    folder = os.path.join(workdir, workdir_lib.CHECKPOINT_DIR)
    if which in ("latest", "", None):
        path = tf.train.latest_checkpoint(folder)
        if path is None:
            raise LoadError(f"--workdir={workdir}: no checkpoint in {folder} yet")
        return path
    if which == "best":
        best = os.path.join(workdir, BEST_CHECKPOINT_DIR)
        path = tf.train.latest_checkpoint(best)
        if path is None:
            raise LoadError(f"--checkpoint=best: no checkpoint in {best}; this run keeps no "
                            "best checkpoint, use --checkpoint=latest")
        return path
    if str(which).isdigit():
        path = os.path.join(folder, f"ckpt-{int(which)}")
        if not os.path.exists(path + ".index"):
            kept = sorted(int(name[5:-6]) for name in os.listdir(folder)
                          if name.startswith("ckpt-") and name.endswith(".index")) \
                if os.path.isdir(folder) else []
            raise LoadError(f"--checkpoint={which}: no checkpoint of step {which} in {folder}; "
                            f"kept steps: {', '.join(map(str, kept)) or 'none'}")
        return path
    if os.path.exists(str(which) + ".index"):
        return str(which)
    raise LoadError(f"--checkpoint={which}: give latest, best, a kept step number or a "
                    "checkpoint path prefix (the file name without .index)")


@dataclasses.dataclass
class Restored:
    """A trained model with the config that built it and the checkpoint it came from."""

    config: config_lib.Config
    model: object
    step: int
    checkpoint_path: str


def _candidates(workdir, which):
    """Checkpoint paths to try, best first: every kept one, newest first, for "latest"."""
    latest = find_checkpoint(workdir, which)  # raises the one-line error when there is none
    if which not in ("latest", "", None):
        return [latest]
    state = tf.train.get_checkpoint_state(os.path.join(workdir, workdir_lib.CHECKPOINT_DIR))
    kept = list(state.all_model_checkpoint_paths) if state else []
    return [latest] + [path for path in reversed(kept) if path != latest]


def restore(workdir, which="latest", warn=None):
    """Rebuild the run's model from its run.flags and restore checkpoint `which` into it.

    With "latest", a damaged newest checkpoint (truncated, corrupt) is passed
    over with a warning for the one before, as training does.
    """
    from tfgan_mnist import variants

    warn = warn or (lambda message: print(message, file=sys.stderr, flush=True))
    config = read_run_config(workdir)
    model = variants.build(config)
    checkpoint = workdir_lib.make_checkpoint(model)
    try:
        path, status = workdir_lib.restore_first_usable(
            checkpoint, _candidates(workdir, which), warn)
    except workdir_lib.CheckpointMismatch as error:
        raise LoadError(f"--workdir={workdir}: checkpoint {error.path} does not fit the "
                        f"{config.model} model that run.flags describes ({error.reason})") from None
    except workdir_lib.NoUsableCheckpoint as error:
        raise LoadError(f"--workdir={workdir}: no usable checkpoint "
                        f"({'; '.join(error.failures)})") from None
    status.expect_partial()  # the sampler's data order is in the file; sampling needs none
    model.after_restore()
    return Restored(config, model, int(model.step.numpy()), path)
