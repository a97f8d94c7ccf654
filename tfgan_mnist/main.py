"""Train a GAN: `python -m tfgan_mnist.main --flagfile=configs/gan.flags`.

The only module that defines flags. Each field of `config.Config` is a flag
of the same name; this module turns flags into a `Config`, checks that the
run can start, and calls `train.train`. Every bad input ends with one line on
stderr that names the flag or file, a non-zero exit, and nothing written.
Paths in flagfiles are relative to the working directory: run from the
repository root.
"""

import dataclasses
import os
import shutil
import sys
import tempfile

from tfgan_mnist.cli import USAGE_ERROR, fail, quiet_tensorflow_import

quiet_tensorflow_import()

from absl import app, flags, logging  # noqa: E402

from tfgan_mnist import config as config_lib  # noqa: E402
from tfgan_mnist import (data, datasets, machine, outputs, own_images,  # noqa: E402
                         precision, train, variants, workdir)

FLAGS = flags.FLAGS


class _PrecisionParser(flags.ArgumentParser):
    """--mixed_precision: a precision's name, or bare (bfloat16) and --no... (float32), the
    flag's spellings from when it was a boolean."""

    def parse(self, argument):
        return precision.canonical(argument)

    def flag_type(self):
        return f"one of {', '.join(precision.PRECISIONS)}"


def _define_flags():
    for field in dataclasses.fields(config_lib.Config):
        help_text = field.metadata["help"]
        choices = field.metadata.get("choices")
        if choices == "models":
            choices = variants.names()
        if choices == "datasets":  # and a run on --images, whose run.flags name "images"
            choices = list(datasets.names()) + [own_images.NAME]
        if field.metadata.get("precision"):
            flags.DEFINE_flag(flags.Flag(_PrecisionParser(), flags.ArgumentSerializer(),
                                         field.name, field.default, help_text, boolean=True))
        elif choices and field.type in (str, "str"):
            flags.DEFINE_enum(field.name, field.default, choices, help_text)
        elif field.type in (bool, "bool"):
            flags.DEFINE_boolean(field.name, field.default, help_text)
        elif field.type in (int, "int"):
            flags.DEFINE_integer(field.name, field.default, help_text)
        elif field.type in (float, "float"):
            flags.DEFINE_float(field.name, field.default, help_text)
        else:
            flags.DEFINE_string(field.name, field.default, help_text)


_define_flags()


HELP_OPTIONS = ("--help", "-h", "-?", "--helpshort", "--helpfull")


def parse_flags(argv):
    """absl's parse, but --help exits 0 and any error is one line naming the flag or flagfile."""
    if any(arg in HELP_OPTIONS for arg in argv[1:]):
        # absl's own --help exits with status 1, which scripts read as a failure.
        if "--helpfull" in argv:
            text = FLAGS.get_help()
        else:  # the training flags alone, wherever this module was imported from
            module = next(name for name, defined in FLAGS.flags_by_module_dict().items()
                          if any(flag.name == "model" for flag in defined))
            text = FLAGS.module_help(module)
        print(f"{__doc__.strip()}\n\nflags (--helpfull: also absl's own):\n{text}")
        sys.exit(0)
    try:
        return FLAGS(argv)
    except flags.CantOpenFlagFileError as error:
        name = str(error).rsplit(":", 1)[-1].strip().strip("'\"")
        fail(f"--flagfile: cannot open {name!r}; give an existing file "
             "(paths are relative to the working directory: run from the repository root)",
             USAGE_ERROR)
    except flags.Error as error:
        fail(str(error).replace("\n", " "), USAGE_ERROR)


def config_from_flags():
    """The Config that the parsed flags describe."""
    values = {field.name: FLAGS[field.name].value
              for field in dataclasses.fields(config_lib.Config)}
    return config_lib.Config(**values)


def images_config():
    """(Config, arrays) of a run on --images: the images read and their spec registered
    (`own_images.for_run`), or those kept in the workdir when the run resumes."""
    if not FLAGS.images:
        raise config_lib.ConfigError("dataset", FLAGS.dataset, "a run on your own images; "
                                     "give them with --images=PATH")
    values = {field.name: FLAGS[field.name].value
              for field in dataclasses.fields(config_lib.Config)}
    if FLAGS.dataset not in ("mnist", own_images.NAME):  # e.g. from a config's flagfile
        print(f"--images: training on {FLAGS.images}, not on --dataset={FLAGS.dataset}",
              flush=True)
    values["dataset"] = "mnist"  # until the images' own spec is registered
    config = config_lib.Config(**values)
    return own_images.for_run(config, say=lambda message: print(message, flush=True))


def check_options_fit_the_model(config):
    """Refuse a model-specific flag given for a model that does not use it.

    Fields say which models use them in their `models` metadata; a flag set
    on the command line or in a flagfile for another model is a mistake
    (a typo in --model, or the wrong config), never silently ignored.
    """
    for field in dataclasses.fields(config_lib.Config):
        users = field.metadata.get("models")
        if users and FLAGS[field.name].present and config.model not in users:
            fail(f"--{field.name} is used only by {', '.join(users)}; --model={config.model} "
                 "does not use it", USAGE_ERROR)


def check_writable(workdir):
    """Fail unless `workdir` exists as a writable folder or can be created; write nothing."""
    existing = os.path.abspath(workdir)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        fail(f"--workdir={workdir}: {existing} is a file, not a folder; give a folder path")
    try:  # a real write test: permissions alone say nothing for root or read-only mounts
        shutil.rmtree(tempfile.mkdtemp(prefix=".write-test-", dir=existing))
    except OSError as error:
        fail(f"--workdir={workdir}: cannot write in {existing} ({error.strerror}); "
             "give a writable folder")


def main(argv):
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # TF's INFO lines would drown the progress
    if len(argv) > 1:
        fail(f"unexpected arguments {' '.join(argv[1:])!r}; every option is a --flag "
             "(see --help)", USAGE_ERROR)
    try:
        if FLAGS.images or FLAGS.dataset == own_images.NAME:
            config, arrays = images_config()
        else:
            config, arrays = config_from_flags(), None
    except config_lib.ConfigError as error:
        fail(str(error), USAGE_ERROR)
    except data.DataError as error:
        fail(str(error).splitlines()[0])
    check_options_fit_the_model(config)
    try:
        bfloat16 = precision.machine_bfloat16(config)
    except machine.MachineError as error:
        fail(str(error), USAGE_ERROR)
    check_writable(config.run_dir)

    try:
        if arrays is None:
            arrays = data.load_arrays(config.dataset, config.data_dir or None,
                                      download=config.download)
        train.train(config, arrays, bfloat16=bfloat16)
    except (data.DataError, train.TrainingDiverged, workdir.WorkdirError,
            config_lib.ConfigError, outputs.OutputError) as error:
        fail(str(error))
    except train.RunInterrupted as interrupted:
        print(interrupted, file=sys.stderr, flush=True)
        sys.exit(128 + interrupted.signum)


def run():
    """Console-script entry point (`tfgan-mnist`)."""
    app.run(main, flags_parser=parse_flags)


if __name__ == "__main__":
    run()
