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


# ----- command-line helpers shared by the programs (no flags defined here) --------
#
# sample.py, export.py, pictures.py and evaluate.py are each a program with its own
# `absl.flags.FlagValues`, so they can all be imported together (and tested in one
# process) without their flags colliding.

def parse_flags(flag_values, argv, usage):
    """Parse argv with `flag_values`; --help prints usage and exits; errors are one line."""
    from absl import flags

    if any(arg in ("--help", "-h", "--helpfull") for arg in argv[1:]):
        print(usage.strip() + "\n\nflags:\n" + flag_values.get_help())
        sys.exit(0)
    flag_values.unparse_flags()  # a second call in one process starts from the defaults
    try:
        return flag_values(argv)
    except flags.Error as error:
        fail(str(error).replace("\n", " "), USAGE_ERROR)


def parse_workdir_command(flag_values, argv, usage, purpose):
    """Parse a command that works on a training workdir: no stray arguments, --workdir given.

    `purpose` completes "give the training workdir to ..." in the error.
    """
    argv = parse_flags(flag_values, argv, usage)
    if len(argv) > 1:
        fail(f"unexpected arguments {' '.join(argv[1:])!r}; every option is a --flag "
                 "(see --help)", USAGE_ERROR)
    if not flag_values.workdir:
        fail(f"--workdir: give the training workdir to {purpose}", USAGE_ERROR)
    return argv


def parse_int_list(text, flag):
    """'3,3,7' -> [3, 3, 7]; anything else is a one-line error naming --flag."""
    try:
        return [int(part) for part in text.split(",") if part.strip() != ""]
    except ValueError:
        fail(f"--{flag}={text}: give comma-separated integers, e.g. --{flag}=3,3,7",
                 USAGE_ERROR)


def define_weight_flags(flag_values, verb):
    """--raw_weights and --bn_statistics of a command that samples a workdir ("Sample",
    "Draw", "Export", "Score"), both read by `use_weights`."""
    from absl import flags

    from tfgan_mnist.generators import BN_STATISTICS, BN_STATISTICS_DEFAULT, BN_STATISTICS_HELP

    flags.DEFINE_boolean("raw_weights", False, f"{verb} with the trained generator weights, "
                         "not their moving average (--ema_decay of the run).",
                         flag_values=flag_values)
    flags.DEFINE_enum("bn_statistics", BN_STATISTICS_DEFAULT, list(BN_STATISTICS),
                      BN_STATISTICS_HELP, flag_values=flag_values)
