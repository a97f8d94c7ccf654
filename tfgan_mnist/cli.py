"""What the command-line programs share: a quiet TensorFlow start and one-line errors."""

import os
import sys

USAGE_ERROR = 2  # bad flags, flagfile or option
RUN_ERROR = 1  # the run could not start, or stopped


def quiet_tensorflow_import():
    """Import TensorFlow without its C++ start-up lines on stderr.

    TensorFlow 2.21 prints oneDNN and CUDA-probing notices before its logging
    is configured, so TF_CPP_MIN_LOG_LEVEL cannot hide them; they would bury
    a one-line error. stderr is silenced only while TensorFlow loads and looks
    for devices, and only when the user has not set TF_CPP_MIN_LOG_LEVEL.
    """
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        import tensorflow as tf  # noqa: F401  (the user asked for TF's own logging)

        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf

        tf.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def fail(message, code=RUN_ERROR):
    """Print one error line on stderr and exit with `code`."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)
