"""Export a trained generator: `python -m tfgan_mnist.export --workdir=DIR [--out=PATH]`.

Two files come out of one checkpoint:

- A SavedModel (folder `--out`, default <workdir>/export/<step>, a numbered
  version folder as TensorFlow Serving expects under its model base path).
  Its `serving_default` signature takes `noise` float32 (batch, latent_dim)
  (and `labels` int32 (batch,) for conditional models) and returns `images`
  uint8 (batch, H, W) for one channel (MNIST: (batch, 28, 28)), (batch, H, W, C)
  for several (`images_1`, ... for models with several outputs).
  It is a plain `tf.Module` with a `tf.function` signature, so
  `tf.saved_model.load` and TensorFlow Serving run it without this package.
  `assets/metadata.json` records the model, dataset, step, config and the
  noise distribution (uniform on [-1, 1] or standard normal).
- A `.keras` file (`--keras_out`, default `<out>.keras`) holding the
  generator network wrapped in `ExportedGenerator`, whose `metadata` is the
  same record. Load it with `keras.saving.load_model(path)` (safe mode) after
  `import tfgan_mnist.export`, which registers the classes. It maps generator
  inputs (what the model's `sample_latent` builds) to images in the model's
  image range; `tfgan_mnist.load_generator(path)` builds those inputs for you.

It uses the model interface (`gan.GenerativeModel`): `sampling_network()`
for the `.keras` file, `latent_from_noise` and `generate` for the SavedModel.
"""

import json
import os
import shutil
import sys

from tfgan_mnist import cli

cli.quiet_tensorflow_import()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import flags  # noqa: E402

from tfgan_mnist import checkpoints, datasets, generators, outputs  # noqa: E402
import tfgan_mnist.variants  # noqa: E402,F401  (registers every network class with Keras)


# ----- the .keras file -------------------------------------------------------

ExportedGenerator = generators.ExportedGenerator  # defined where files are loaded


def sampling_network(model):
    """The Keras network from generator inputs to images: `model.sampling_network()`."""
    try:
        return model.sampling_network()
    except ValueError as error:
        raise ValueError(f"--keras_out: {error}") from None


class KerasExportError(ValueError):
    """The generator network cannot be saved as a `.keras` file that loads back."""


def save_keras(generator, path):
    """Write `generator`'s network with its metadata as a `.keras` file; return the path.

    The file is loaded back in safe mode before it is kept: a network whose
    classes are not registered or lack `get_config` would otherwise leave a
    file nobody can load. Raises KerasExportError then.
    """
    network = sampling_network(generator.model)
    exported = ExportedGenerator(network, json.dumps(generator.metadata),
                                 name=f"{generator.model_name}_generator")
    latent = generator.model.grid_latent(1, 1)
    expected = exported(latent)  # records the input structure, builds
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}.keras"
    try:
        try:
            exported.save(tmp)
            loaded = keras.saving.load_model(tmp, safe_mode=True)
            same = np.allclose(np.asarray(loaded(latent)), np.asarray(expected), atol=1e-5)
        except Exception as error:  # Keras raises many kinds for what it cannot rebuild
            if outputs.is_disk_full(error):
                raise
            reason = next((line.strip() for line in str(error).splitlines() if line.strip()),
                          type(error).__name__)
            raise KerasExportError(
                f"{type(network).__name__} cannot be saved and loaded back as a .keras file "
                f"({reason[:120]}); its classes need keras.saving."
                "register_keras_serializable and get_config") from None
        if not same:
            raise KerasExportError(f"{type(network).__name__} loads back from a .keras file "
                                   "with other outputs (are all its weights built on load?)")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


# ----- the SavedModel -------------------------------------------------------

class ServingGenerator(tf.Module):
    """noise (and labels) -> uint8 images, as a tf.function that needs no Python code to run.

    `lean`: track only the generator network and the RNG state, not the
    discriminator and the optimizers' slots (several times the generator's
    size). A model whose sampling reads other variables cannot be saved lean
    (TensorFlow refuses untracked resources), and is then saved whole.
    """

    def __init__(self, model, metadata_path, lean=True):
        super().__init__(name="generator")
        if lean:
            self.network = sampling_network(model)
            self.rng = model.rng_variables()
            self.extras = model.extra_state()  # the averaged weights sampling reads
            object.__setattr__(self, "_model", model)  # not tracked: saved through the above
        else:
            self._model = model  # tracked: every variable of the model is saved
            self.extras = model.extra_state()  # and the averaged weights, kept beside it
        self.metadata = tf.saved_model.Asset(metadata_path)
        noise = tf.TensorSpec([None, model.latent_dim], tf.float32, name="noise")
        if model.conditional:
            labels = tf.TensorSpec([None], tf.int32, name="labels")
            self.serve = tf.function(self._serve_conditional, input_signature=[noise, labels])
        else:
            self.serve = tf.function(self._serve, input_signature=[noise])

    def _images(self, noise, labels):
        model = self._model
        latent = model.latent_from_noise(noise, labels)
        outputs = generators.output_list(model.generate(latent))
        images = {}
        for index, batch in enumerate(outputs):
            key = "images" if index == 0 else f"images_{index}"
            images[key] = datasets.stored_form(model.to_uint8(batch))
        return images

    def _serve(self, noise):
        return self._images(noise, None)

    def _serve_conditional(self, noise, labels):
        return self._images(noise, labels)


def save_savedmodel(generator, path):
    """Write `generator`'s model as a SavedModel with a serving signature; return the path."""
    given, path = path, os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    staging = f"{tmp}-metadata"
    try:
        os.makedirs(staging, exist_ok=True)
        metadata_path = os.path.join(staging, generators.METADATA_FILE)
        with open(metadata_path, "w") as file:
            json.dump(generator.metadata, file, indent=2)
        try:
            module = ServingGenerator(generator.model, metadata_path, lean=True)
            tf.saved_model.save(module, tmp, signatures={"serving_default": module.serve})
        except (ValueError, AssertionError):  # no generator network, or untracked variables
            shutil.rmtree(tmp, ignore_errors=True)
            module = ServingGenerator(generator.model, metadata_path, lean=False)
            tf.saved_model.save(module, tmp, signatures={"serving_default": module.serve})
        if os.path.isdir(path):  # an earlier export (export() checked), kept until replaced
            old = f"{tmp}-old"
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old)
        else:
            os.replace(tmp, path)
    finally:
        for leftover in (tmp, staging, f"{tmp}-old"):
            if os.path.isdir(leftover):
                shutil.rmtree(leftover)
    return given


def noise_controls_sampling(model):
    """Whether generator inputs built from given noise equal those `sample_latent` draws.

    False for a model whose `sample_latent` draws more than its noise (say,
    random codes) without a `latent_from_noise` hook: its served images then
    also depend on randomness the caller does not give.
    """
    labels = tf.constant([0, 1], tf.int32) if model.conditional else None
    drawn = model.sample_latent(2, labels, seed=7)
    rebuilt = model.latent_from_noise(model.draw_noise(2, seed=7), labels)
    try:
        tf.nest.assert_same_structure(drawn, rebuilt)
    except (ValueError, TypeError):
        return False
    return all(np.array_equal(np.asarray(a), np.asarray(b))
               for a, b in zip(tf.nest.flatten(drawn), tf.nest.flatten(rebuilt)))


def check_paths(out, keras_out, overwrite):
    """Refuse output paths that hold anything but an earlier export (that only with `overwrite`)."""
    if keras_out and not keras_out.endswith(".keras"):
        raise ValueError(f"--keras_out={keras_out}: the file name must end in .keras")
    if out:
        outputs.check_export_folder(out, overwrite)
        outputs.check_keras_file(keras_out or f"{out.rstrip('/') or '/'}.keras", overwrite,
                                 "keras_out" if keras_out else "out")


def export(workdir, out=None, keras_out=None, checkpoint="latest", overwrite=False,
           raw_weights=False, bn_statistics=generators.BN_STATISTICS_DEFAULT):
    """Export the run in `workdir`; return (SavedModel path, .keras path or None, Generator).

    Only an earlier export is ever replaced, and only with `overwrite`;
    anything else at the paths is an `outputs.OutputError`, raised before
    anything is written. The `.keras` file needs one generator network (see
    `sampling_network`) that Keras can rebuild from its config; a model
    without one gets the SavedModel only, and the Generator's
    `keras_problem` says why.
    """
    check_paths(out, keras_out, overwrite)  # before anything is read or written
    restored = checkpoints.restore(workdir, checkpoint)
    generators.use_weights(restored.model, raw_weights, bn_statistics)
    generator = generators.Generator(restored.model, restored.config, restored.step,
                                      restored.checkpoint_path)
    if not out:
        out = os.path.join(workdir, "export", str(restored.step))
        check_paths(out, keras_out, overwrite)
    out = out.rstrip("/") or "/"
    keras_out = keras_out or f"{out}.keras"
    try:
        saved = save_savedmodel(generator, out)
    except (OSError, tf.errors.OpError) as error:
        raise outputs.write_failure(out, error, "nothing was exported", flag="out") from None
    try:
        return saved, save_keras(generator, keras_out), generator
    except ValueError as error:  # no single generator network, or one Keras cannot rebuild
        generator.keras_problem = str(error)
        return saved, None, generator
    except (OSError, tf.errors.OpError) as error:
        raise outputs.write_failure(keras_out, error, f"the SavedModel {saved} is complete",
                                    flag="keras_out") from None


# ----- command line -----------------------------------------------------------

FLAGS = flags.FlagValues()
flags.DEFINE_string("workdir", None, "Training workdir to export from.", flag_values=FLAGS)
flags.DEFINE_string("checkpoint", "latest",
                    "latest, best (from <workdir>/checkpoints_best), a kept step number, or a "
                    "checkpoint path prefix.", flag_values=FLAGS)
flags.DEFINE_string("out", None, "SavedModel folder. Default: <workdir>/export/<step>.",
                    flag_values=FLAGS)
flags.DEFINE_string("keras_out", None, "The .keras file. Default: <out>.keras.",
                    flag_values=FLAGS)
cli.define_weight_flags(FLAGS, "Export")
flags.DEFINE_boolean("overwrite", False, "Replace an earlier export at --out / --keras_out. "
                     "Nothing else is ever replaced: any other file or folder there is refused.",
                     flag_values=FLAGS)

USAGE = """Export a trained generator as a SavedModel and a .keras file.

  python -m tfgan_mnist.export --workdir=runs/gan [--out=PATH] [--overwrite]"""


def main(argv):
    """Run the export command on argv; errors end with one line on stderr."""
    cli.parse_workdir_command(FLAGS, argv, USAGE, "export from")
    try:
        saved, keras_file, generator = export(FLAGS.workdir, FLAGS.out, FLAGS.keras_out,
                                              FLAGS.checkpoint, FLAGS.overwrite,
                                              FLAGS.raw_weights, FLAGS.bn_statistics)
    except (checkpoints.LoadError, ValueError, OSError) as error:
        cli.fail(str(error).splitlines()[0])
    inputs = "noise, labels" if generator.conditional else "noise"
    if not noise_controls_sampling(generator.model):
        print(f"note: {generator.model_name} draws more than its noise when sampling; the "
              "SavedModel's images also depend on randomness it draws itself (a model "
              "controls this with a latent_from_noise(noise, labels) hook)")
    print(f"{generator.model_name} on {generator.dataset}, step {generator.step}:\n"
          f"  SavedModel {saved} (serving_default: {inputs} -> images uint8)\n"
          + (f"  Keras file {keras_file}" if keras_file else
             f"  no .keras file: {generator.keras_problem}"))


if __name__ == "__main__":
    main(sys.argv)
