"""A run's folder: who may use it, what it holds, and restoring from it safely."""

import fcntl
import os
import socket

import tensorflow as tf

from tfgan_mnist import precision

FLAGFILE = "run.flags"
LOCKFILE = "run.lock"
CHECKPOINT_DIR = "checkpoints"
BEST_CHECKPOINT_DIR = "checkpoints_best"  # the lowest Frechet distance, with --eval_every


class WorkdirError(ValueError):
    """The workdir cannot be used for this run; the message says why and what to do."""


class Lock:
    """An exclusive lock on a workdir, held for the life of the run.

    `flock` is released by the kernel when its holder dies, even by SIGKILL,
    so a lock left by a dead process is simply taken over. The file records
    the holder's process id and host so that a refusal can name it.
    """

    def __init__(self, folder):
        self.path = os.path.join(folder, LOCKFILE)
        self.handle = None

    def acquire(self):
        """Take the lock or raise WorkdirError naming the process that holds it."""
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise WorkdirError(
                f"{os.path.dirname(self.path)} is in use by {holder}; wait for it to finish, "
                "stop it, or give another --workdir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self.handle = handle
        return self

    def release(self):
        """Give the lock up."""
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


class RunCheckpoint:
    """The checkpoint of a run: the model, its optimizers, RNG state and data order (the core),
    and the state added since (the averaged generator, the time trained: the extras).

    `save(path)` writes both. `restore(path)` checks that the core matches the
    model exactly (another model or architecture is refused) and restores the
    extras where the file has them, so checkpoints written before the extras
    existed still load. `saveable` is what a tf.train.CheckpointManager saves.
    """

    def __init__(self, core_items, extra_items):
        self.core = tf.train.Checkpoint(**core_items)
        self.extras = tf.train.Checkpoint(**extra_items) if extra_items else None
        self.saveable = tf.train.Checkpoint(**core_items, **extra_items)

    def save(self, path):
        """Write the whole checkpoint; return its path."""
        return self.saveable.save(path)

    def restore(self, path):
        """Restore the core (the status to assert on) and whatever extras `path` holds.

        The file's extras are values the core does not take: `expect_partial` says so
        (else TensorFlow lists each one as unrestored when the status is collected).
        """
        status = self.core.restore(path).expect_partial()
        if self.extras is not None:
            self.extras.restore(path).expect_partial()
        return status


def make_checkpoint(model, sampler=None, trained_seconds=None):
    """The RunCheckpoint of a model and, for training, its sampler and time trained.

    `trained_seconds`, a float64 variable, counts the run's training time for
    --train_minutes (0 for checkpoints written before it existed).
    """
    optimizers = model.named_optimizers()
    # Adam's state under the optimizer's name in every precision, so that a run resumes
    # across precisions; float16's loss scale beside it, as an extra.
    core = dict(model=model, rng=model.rng_variables(),
                **{name: precision.unscaled(opt) for name, opt in optimizers.items()})
    if sampler is not None:
        core["sampler"] = sampler
    extras = dict(model.extra_state())
    for name, opt in optimizers.items():
        if precision.loss_scale_state(opt):
            extras[f"{name}_loss_scale"] = tf.train.Checkpoint(**precision.loss_scale_state(opt))
    if trained_seconds is not None:
        extras["trained_seconds"] = trained_seconds
    return RunCheckpoint(core, extras)


def saved_flags(folder):
    """{flag: value} of the run.flags in `folder`, or {} when there is none."""
    from tfgan_mnist.config import read_flagfile

    path = os.path.join(folder, FLAGFILE)
    return read_flagfile(path) if os.path.exists(path) else {}


def check_matches(config):
    """Refuse to continue a workdir whose run has another model, dataset, packing or
    --images."""
    saved = saved_flags(config.run_dir)
    if saved:  # runs from before --pack and --images did not pack, and read no images
        saved.setdefault("pack", "1")
        saved.setdefault("images", "")
    for name in ("model", "dataset", "pack", "images"):
        if name in saved and saved[name] != str(getattr(config, name)):
            raise WorkdirError(
                f"--workdir={config.run_dir} holds a {saved['model']} run on "
                f"{saved.get('dataset')} with --pack={saved['pack']}; "
                f"--{name}={getattr(config, name)} cannot resume it: give another --workdir")


class CheckpointMismatch(WorkdirError):
    """A checkpoint that reads, but holds another model, architecture or data sampler."""

    def __init__(self, path, reason):
        self.path, self.reason = path, reason
        super().__init__(f"checkpoint {path} does not fit this model ({reason}); it was "
                         "written by another model or architecture, or by a version of this "
                         "package with another data sampler: give another --workdir")


class NoUsableCheckpoint(WorkdirError):
    """Every candidate checkpoint is damaged."""

    def __init__(self, failures, folder):
        self.failures = failures
        super().__init__("no usable checkpoint (" + "; ".join(failures) + "); move "
                         f"{folder} away to start afresh")


def restore_first_usable(checkpoint, paths, warn, folder=""):
    """Restore the first of `paths` (best first) that loads; return (path, status) or (None, None).

    A checkpoint that is truncated or corrupt is passed over with a warning
    and the next is tried; one that does not fit the model (another model or
    architecture) raises CheckpointMismatch rather than a shape traceback;
    when every one fails, NoUsableCheckpoint names them. The one restore
    loop of the package: training resumes with it, and loading a run does.
    """
    failures = []
    for path in paths:
        try:
            status = checkpoint.restore(path)
            status.assert_existing_objects_matched()
            return path, status
        except (ValueError, AssertionError) as error:  # readable, but not this model's
            raise CheckpointMismatch(path, _first_line(error)) from None
        except (tf.errors.OpError, IndexError) as error:  # damaged: truncated or corrupt
            failures.append(f"{path}: {_first_line(error)}")
            warn(f"warning: checkpoint {path} is unusable ({_first_line(error)}); "
                 "trying the one before")
    if failures:
        raise NoUsableCheckpoint(failures, folder)
    return None, None


def restore_latest_usable(checkpoint, manager, warn):
    """Restore the newest of a CheckpointManager's checkpoints that loads; its path or None."""
    path, _ = restore_first_usable(checkpoint, list(reversed(manager.checkpoints)), warn,
                                   manager.directory)
    return path


def _first_line(error):
    text = getattr(error, "message", None) or str(error)
    return text.strip().splitlines()[0][:240] if text.strip() else type(error).__name__
