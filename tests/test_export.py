"""`python -m tfgan_mnist.export`: a SavedModel that runs without this package, a .keras file."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURE_DIR
from test_sample import (CONDITIONAL, assert_one_line_error, conditional_registered, run_cli,
                         tiny_workdir)
from tfgan_mnist import checkpoints, export, generators

# Runs in a fresh interpreter where importing tfgan_mnist fails: loads the
# SavedModel and serves the noise, so the SavedModel needs nothing of ours.
FRESH_PROCESS = textwrap.dedent("""
    import sys

    class NoTfganMnist:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "tfgan_mnist":
                raise ImportError("tfgan_mnist is blocked in this process")

    sys.meta_path.insert(0, NoTfganMnist())
    import numpy as np
    import tensorflow as tf
    saved, noise_file, out_file = sys.argv[1:4]
    serve = tf.saved_model.load(saved).signatures["serving_default"]
    inputs = {"noise": tf.constant(np.load(noise_file))}
    if len(sys.argv) > 4:
        inputs["labels"] = tf.constant(np.load(sys.argv[4]))
    images = serve(**inputs)["images"].numpy()
    assert not [m for m in sys.modules if m.startswith("tfgan_mnist")], "imported tfgan_mnist"
    np.save(out_file, images)
    print(images.dtype, images.shape)
""")


def serve_in_fresh_process(saved, tmp_path, noise, labels=None):
    """The SavedModel's images for `noise`, computed by a Python that never imports tfgan_mnist."""
    np.save(tmp_path / "noise.npy", noise)
    args = [sys.executable, "-c", FRESH_PROCESS, saved, str(tmp_path / "noise.npy"),
            str(tmp_path / "served.npy")]
    if labels is not None:
        np.save(tmp_path / "labels.npy", labels)
        args.append(str(tmp_path / "labels.npy"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "uint8" in result.stdout
    return np.load(tmp_path / "served.npy")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The tiny vanilla run exported by the command line to a temporary folder."""
    workdir = tiny_workdir(tmp_path_factory)
    out = tmp_path_factory.mktemp("export") / "vanilla" / "20"
    code = 0
    try:
        export.main(["prog", f"--workdir={workdir}", f"--out={out}"])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 0
    return workdir, str(out)


def test_export_writes_savedmodel_with_metadata_and_keras_file(exported):
    workdir, out = exported
    assert os.path.exists(os.path.join(out, "saved_model.pb"))
    assert os.path.isfile(out + ".keras")
    metadata = json.load(open(os.path.join(out, "assets", "metadata.json")))
    assert metadata["model"] == "vanilla_gan" and metadata["dataset"] == "mnist"
    assert metadata["step"] == 20
    assert metadata["config"]["width"] == 0.05 and metadata["config"]["batch_size"] == 16
    assert metadata["latent_dim"] == 8 and metadata["noise"] == "uniform"
    assert metadata["conditional"] is False


def test_savedmodel_serves_the_same_images_in_a_fresh_process(exported, tmp_path):
    workdir, out = exported
    generator = generators.load_generator(workdir)
    noise = np.random.default_rng(0).uniform(-1, 1, (6, 8)).astype(np.float32)
    expected = generator.images_from_noise(noise)[0]
    served = serve_in_fresh_process(out, tmp_path, noise)
    assert served.dtype == np.uint8 and served.shape == (6, 28, 28)
    np.testing.assert_array_equal(served, expected)


def test_savedmodel_signature_is_noise_in_uint8_images_out(exported):
    _, out = exported
    serve = tf.saved_model.load(out).signatures["serving_default"]
    _, inputs = serve.structured_input_signature
    assert {name: (spec.shape.as_list(), spec.dtype) for name, spec in inputs.items()} == {
        "noise": ([None, 8], tf.float32)}
    assert {name: (spec.shape.as_list(), spec.dtype)
            for name, spec in serve.structured_outputs.items()} == {
        "images": ([None, 28, 28], tf.uint8)}


def test_keras_file_round_trips_in_safe_mode(exported):
    workdir, out = exported
    loaded = keras.saving.load_model(out + ".keras", safe_mode=True)
    assert isinstance(loaded, export.ExportedGenerator)
    assert loaded.metadata["model"] == "vanilla_gan" and loaded.metadata["step"] == 20
    restored = checkpoints.restore(workdir)
    latent = restored.model.sample_latent(5, seed=4)
    np.testing.assert_allclose(loaded(latent).numpy(), restored.model(latent).numpy(),
                               rtol=0, atol=1e-6)
    # Every weight came back, not freshly initialised ones: the averaged generator's.
    averaged = restored.model.sampling_network()
    assert averaged is restored.model.averaged and loaded.metadata["weights"] == "averaged"
    assert len(loaded.weights) == len(averaged.weights) == 4
    for saved, original in zip(loaded.weights, averaged.weights):
        np.testing.assert_array_equal(saved.numpy(), original.numpy())


def test_load_generator_gives_the_same_samples_from_every_source(exported):
    workdir, out = exported
    from_workdir = generators.load_generator(workdir).sample(7, seed=11)
    assert from_workdir.shape == (7, 28, 28) and from_workdir.dtype == np.uint8
    np.testing.assert_array_equal(generators.load_generator(out).sample(7, seed=11),
                                  from_workdir)
    np.testing.assert_array_equal(generators.load_generator(out + ".keras").sample(7, seed=11),
                                  from_workdir)


def test_conditional_export_takes_labels(tmp_path_factory, tmp_path):
    with conditional_registered():
        workdir = tiny_workdir(tmp_path_factory, CONDITIONAL)
        saved, keras_file, generator = export.export(workdir, str(tmp_path / "cond"))
        serve = tf.saved_model.load(saved).signatures["serving_default"]
        assert sorted(serve.structured_input_signature[1]) == ["labels", "noise"]
        noise = np.random.default_rng(1).uniform(-1, 1, (4, 2)).astype(np.float32)
        labels = np.array([0, 1, 2, 3], np.int32)
        served = serve_in_fresh_process(saved, tmp_path, noise, labels)
        np.testing.assert_array_equal(served, generator.images_from_noise(noise, labels)[0])
        other = serve(noise=tf.constant(noise), labels=tf.constant([5, 1, 2, 3]))["images"]
        assert (other.numpy()[0] != served[0]).any() and (other.numpy()[1] == served[1]).all()
        from_keras = generators.load_generator(keras_file).sample(4, labels=labels, seed=3)
        np.testing.assert_array_equal(from_keras, generator.sample(4, labels=labels, seed=3))
        # The .keras network serves (noise, labels) -> uint8 as the SavedModel does.
        network = keras.saving.load_model(keras_file)
        images = network.serve(noise, labels)["images"]
        assert images.dtype == tf.uint8 and images.shape == (4, 28, 28)
        np.testing.assert_array_equal(images.numpy(), served)
        with pytest.raises(ValueError, match="conditional: give labels"):
            network.serve(noise)
        for source in (saved, keras_file):  # images from given noise, from every source
            np.testing.assert_array_equal(
                generators.load_generator(source).images_from_noise(noise, labels)[0], served)


@pytest.mark.parametrize("args, code, fragments", [
    ([], 2, ["--workdir"]),
    (["--workdir={missing}"], 1, ["--workdir=", "no such folder"]),
    (["--workdir={workdir}", "--keras_out={tmp}/g.h5"], 1, ["--keras_out=", "end in .keras"]),
    (["--workdir={workdir}", "--checkpoint=best"], 1, ["--checkpoint=best"]),
])
def test_export_bad_options_are_one_line_errors(tmp_path_factory, tmp_path, capsys, args, code,
                                                fragments):
    workdir = tiny_workdir(tmp_path_factory)
    args = [a.format(workdir=workdir, missing=tmp_path / "nope", tmp=tmp_path) for a in args]
    got, _, err = run_cli(export, [*args, f"--out={tmp_path}/out"], capsys)
    assert got == code
    assert_one_line_error(err, *fragments)
    assert not os.path.exists(tmp_path / "out")


def test_savedmodel_holds_the_generator_only(exported):
    _, out = exported
    names = [name for name, _ in tf.train.list_variables(os.path.join(out, "variables",
                                                                      "variables"))
             if name.endswith("VARIABLE_VALUE")]
    assert not [n for n in names if "optimizer" in n or "discriminator" in n], names
    assert len([n for n in names if n.startswith("network/")]) == 4  # 2 kernels, 2 biases


def test_savedmodel_falls_back_to_the_whole_model(tmp_path_factory, tmp_path, monkeypatch):
    workdir = tiny_workdir(tmp_path_factory)
    monkeypatch.setattr(export, "sampling_network", lambda model: (_ for _ in ()).throw(
        ValueError("no network")))
    restored = checkpoints.restore(workdir)
    generator = generators.Generator(restored.model, restored.config, restored.step, "test")
    saved = export.save_savedmodel(generator, str(tmp_path / "whole"))
    names = [name for name, _ in tf.train.list_variables(os.path.join(saved, "variables",
                                                                      "variables"))]
    assert any("optimizer" in n for n in names)  # saved whole
    noise = np.zeros((2, 8), np.float32)
    served = tf.saved_model.load(saved).signatures["serving_default"](noise=noise)["images"]
    np.testing.assert_array_equal(served.numpy(), generator.images_from_noise(noise)[0])


def test_noise_controls_sampling_detects_extra_randomness(tmp_path_factory):
    from test_sample import TinyConditionalGAN, build_conditional

    restored = checkpoints.restore(tiny_workdir(tmp_path_factory))
    assert export.noise_controls_sampling(restored.model)

    class RandomCodes(TinyConditionalGAN):
        def sample_latent(self, batch_size, labels=None, seed=None):
            codes = keras.random.uniform((batch_size, 2), seed=seed)  # not from draw_noise
            return tf.concat([super().sample_latent(batch_size, labels, seed), codes], 1)

    with conditional_registered():
        model = build_conditional(restored.config.replace(model=CONDITIONAL))
        assert export.noise_controls_sampling(model)
        model.__class__ = RandomCodes
        assert not export.noise_controls_sampling(model)


class Unsaveable(keras.Model):
    """A generator network Keras cannot rebuild: a constructor argument and no get_config."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, z, training=False):
        return self.inner(z, training=training)


def test_export_without_a_rebuildable_network_writes_the_savedmodel_and_says_why(
        tmp_path_factory, tmp_path, monkeypatch, capsys):
    workdir = tiny_workdir(tmp_path_factory)
    monkeypatch.setattr(export, "sampling_network", lambda model: Unsaveable(model.generator))
    code, out, err = run_cli(export, [f"--workdir={workdir}", f"--out={tmp_path}/m"], capsys)
    assert code == 0, err
    assert os.path.exists(tmp_path / "m" / "saved_model.pb")
    assert not os.path.exists(tmp_path / "m.keras")
    assert not [name for name in os.listdir(tmp_path) if "tmp" in name]
    assert "no .keras file: Unsaveable cannot be saved and loaded back" in out


def _tree(path):
    """{relative path: file bytes or None for folders} of everything under `path`."""
    found = {}
    for root, folders, files in os.walk(path):
        for name in folders:
            found[os.path.relpath(os.path.join(root, name), path)] = None
        for name in files:
            full = os.path.join(root, name)
            found[os.path.relpath(full, path)] = open(full, "rb").read()
    return found


@pytest.mark.parametrize("target, fragment", [
    ("workdir", "a training workdir is there"),
    ("folder", "a folder that is not an export is there"),
    ("file", "a file is there"),
    ("root", "refusing to export into this folder"),
])
def test_export_refuses_to_replace_what_it_did_not_write(tmp_path_factory, tmp_path, capsys,
                                                          target, fragment):
    workdir = tiny_workdir(tmp_path_factory)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("mine")
    (tmp_path / "file").write_text("mine too")
    out = {"workdir": workdir, "folder": str(tmp_path / "folder"),
           "file": str(tmp_path / "file"), "root": "/"}[target]
    before = _tree(workdir), _tree(tmp_path)
    for extra in ([], ["--overwrite"]):  # --overwrite replaces only an earlier export
        code, _, err = run_cli(export, [f"--workdir={workdir}", f"--out={out}", *extra], capsys)
        assert code == 1
        assert_one_line_error(err, f"--out={out}:", fragment)
    assert (_tree(workdir), _tree(tmp_path)) == before


def test_export_replaces_an_earlier_export_only_with_overwrite(tmp_path_factory, tmp_path,
                                                               capsys):
    workdir = tiny_workdir(tmp_path_factory)
    out = str(tmp_path / "e")
    assert run_cli(export, [f"--workdir={workdir}", f"--out={out}"], capsys)[0] == 0
    first = _tree(out)
    code, _, err = run_cli(export, [f"--workdir={workdir}", f"--out={out}",
                                    "--checkpoint=10"], capsys)
    assert code == 1
    assert_one_line_error(err, f"--out={out}:", "earlier export", "--overwrite")
    assert _tree(out) == first
    code, _, err = run_cli(export, [f"--workdir={workdir}", f"--out={out}", "--checkpoint=10",
                                    "--overwrite"], capsys)
    assert code == 0, err
    assert json.load(open(os.path.join(out, "assets", "metadata.json")))["step"] == 10
    assert keras.saving.load_model(out + ".keras").metadata["step"] == 10
    assert sorted(os.listdir(tmp_path)) == ["e", "e.keras"]  # no temporaries left
    # An export someone added a file to is no longer only an export: refused.
    (tmp_path / "e" / "README.txt").write_text("my notes")
    code, _, err = run_cli(export, [f"--workdir={workdir}", f"--out={out}", "--overwrite"],
                           capsys)
    assert code == 1 and (tmp_path / "e" / "README.txt").exists()
    assert_one_line_error(err, "a folder that is not an export")


def test_export_refuses_a_keras_file_it_did_not_write(tmp_path_factory, tmp_path, capsys):
    workdir = tiny_workdir(tmp_path_factory)
    (tmp_path / "g.keras").write_bytes(b"someone's model")
    code, _, err = run_cli(export, [f"--workdir={workdir}", f"--out={tmp_path}/e",
                                    f"--keras_out={tmp_path}/g.keras", "--overwrite"], capsys)
    assert code == 1
    assert_one_line_error(err, f"--keras_out={tmp_path}/g.keras", "did not write")
    assert sorted(os.listdir(tmp_path)) == ["g.keras"]
    assert (tmp_path / "g.keras").read_bytes() == b"someone's model"


def test_a_full_disk_during_an_export_is_one_line_and_leaves_nothing(tmp_path_factory, tmp_path,
                                                                     capsys, monkeypatch):
    workdir = tiny_workdir(tmp_path_factory)

    def full_disk(module, path, **kwargs):
        os.makedirs(os.path.join(path, "variables"))  # what a save leaves when it fails
        raise tf.errors.ResourceExhaustedError(None, None, "No space left on device")

    monkeypatch.setattr(tf.saved_model, "save", full_disk)
    code, _, err = run_cli(export, [f"--workdir={workdir}", f"--out={tmp_path}/e"], capsys)
    assert code == 1
    assert_one_line_error(err, f"cannot write {tmp_path}/e (no space left on the device); "
                          "nothing was exported; free some space or give another --out")
    assert os.listdir(tmp_path) == []


def test_exports_made_before_dataset_specs_load_and_sample_the_same():
    """Files exported by the code before networks took their image shape as an argument
    (tests/data/exports_before_specs: gan and vanilla_gan, width 0.05, 2 steps) load with
    today's code and draw the images they drew then."""
    folder = FIXTURE_DIR / "exports_before_specs"
    expected = np.load(folder / "expected_samples.npz")
    for name in ("gan.keras", "vanilla_gan.keras", "gan"):
        generator = generators.load_generator(str(folder / name))
        assert generator.dataset == "mnist" and generator.step == 2
        np.testing.assert_array_equal(generator.sample(4, seed=5),
                                      expected[name.replace(".", "_")], err_msg=name)
