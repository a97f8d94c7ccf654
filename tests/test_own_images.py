"""Your own images (--images): a folder or array file made a dataset, its errors, its scores."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from tfgan_mnist import config as config_lib
from tfgan_mnist import data, datasets, evaluate, generators, own_images, train


def write_png(path, value, size=(28, 28), mode="L"):
    """A flat image of brightness `value` (an RGB triple for mode "RGB")."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new(mode, size, value).save(path)


def class_folder(root, per_class=6, classes=("apple", "boat", "cat")):
    """Images whose brightness says their class: 40 * (index + 1); the first class's
    images sit one folder deeper (a class folder may hold subfolders)."""
    for index, name in enumerate(classes):
        for number in range(per_class):
            deeper = "more" if index == 0 else ""
            write_png(os.path.join(root, name, deeper, f"{number}.png"), 40 * (index + 1))
    return root


def test_class_folders_give_labels_and_a_seeded_holdout_is_kept_aside(tmp_path):
    folder = class_folder(str(tmp_path / "pictures"))
    spec, arrays, notes = own_images.from_path(folder, holdout=0.2, seed=1)
    assert spec is datasets.get(own_images.NAME)
    assert spec.class_names == ("apple", "boat", "cat") and spec.image_shape == (28, 28, 1)
    assert notes == []
    assert arrays.train_images.shape == (14, 28, 28) and arrays.test_images.shape == (4, 28, 28)
    for images, labels in ((arrays.train_images, arrays.train_labels),
                           (arrays.test_images, arrays.test_labels)):
        np.testing.assert_array_equal(images[:, 0, 0], 40 * (labels + 1))
    _, again, _ = own_images.from_path(folder, holdout=0.2, seed=1)
    _, other, _ = own_images.from_path(folder, holdout=0.2, seed=2)
    np.testing.assert_array_equal(again.test_images, arrays.test_images)
    assert not np.array_equal(other.test_labels, arrays.test_labels)
    # one image outside the class folders: the folder is unlabelled
    write_png(str(tmp_path / "pictures" / "stray.png"), 7)
    spec, arrays, _ = own_images.from_path(folder, holdout=0.2)
    assert spec.class_names == () and set(arrays.train_labels) == {0}


def test_colour_sizes_and_array_files_are_converted_to_28x28(tmp_path):
    folder = tmp_path / "mixed"
    write_png(str(folder / "a.png"), (200, 100, 0), size=(40, 30), mode="RGB")
    for number in range(5):
        write_png(str(folder / f"b{number}.png"), 90)
    spec, arrays, notes = own_images.from_path(str(folder), holdout=0.0)
    assert spec.image_shape == (28, 28, 3)  # colour because one image is
    assert notes == ["images of 2 sizes, from 28x28 to 40x30, resized to 28x28"]
    colour = arrays.train_images[np.argmax(arrays.train_images[:, 0, 0, 0])]
    np.testing.assert_array_equal(colour[14, 14], [200, 100, 0])  # flat: resizing keeps it
    spec, grey, _ = own_images.from_path(str(folder), channels=1, holdout=0.0)
    assert spec.image_shape == (28, 28, 1)
    assert sorted(set(grey.train_images[:, 0, 0])) == [90, 119]  # .299 * 200 + .587 * 100
    np.savez(tmp_path / "arrays.npz", images=np.full((10, 56, 56), 77, np.uint8),
             labels=np.arange(10) % 2)
    spec, arrays, notes = own_images.from_path(str(tmp_path / "arrays.npz"), holdout=0.2)
    assert spec.image_shape == (28, 28, 1) and spec.class_names == ("0", "1")
    assert notes == ["resized from 56x56 to 28x28"] and (arrays.train_images == 77).all()


def test_a_prepared_tfds_copy_goes_the_same_way_and_none_is_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with pytest.raises(data.DataError, match=(
            r"^--images=tfds:kmnist: no prepared TensorFlow Datasets copy of 'kmnist' in "
            rf"{tmp_path}/tfds; prepare one where its download is reachable")):
        own_images.from_path("tfds:kmnist")
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)  # CIFAR-sized
    monkeypatch.setattr(own_images, "tfds_arrays", lambda name: (
        colour, np.arange(20) % 2, ("airplane", "automobile")))
    spec, arrays, notes = own_images.from_path("tfds:cifar10", holdout=0.25)
    assert spec.image_shape == (28, 28, 3) and spec.class_names == ("airplane", "automobile")
    assert notes == ["resized from 32x32 to 28x28"] and len(arrays.test_images) == 5


def test_bad_input_is_one_line_naming_the_file_or_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    text = tmp_path / "text"
    text.mkdir()
    (text / "notes.txt").write_text("no pictures here")
    broken = tmp_path / "broken"
    for number in range(6):
        write_png(str(broken / f"{number}.png"), 50)
    good = (broken / "0.png").read_bytes()
    (broken / "9.png").write_bytes(good[:len(good) // 2])  # truncated
    lonely = class_folder(str(tmp_path / "lonely"))
    write_png(os.path.join(lonely, "dog", "0.png"), 9)
    np.savez(tmp_path / "floats.npz", images=np.zeros((10, 28, 28), np.float32))
    np.savez(tmp_path / "keys.npz", pictures=np.zeros((10, 28, 28), np.uint8))
    cases = [
        (empty, {}, "the folder holds no files; put images in it"),
        (text, {}, "no images among its 1 files (looked for .png, .jpg, .jpeg, .bmp, .gif, "
                   "in subfolders too)"),
        (broken, {}, f"cannot read {broken}/9.png ("),
        (broken, {"skip_bad": True, "batch_size": 8}, "5 training images (after holding out 1), "
                                                      "fewer than one batch of --batch_size=8"),
        (lonely, {}, "class folder 'dog' holds 1 image; give every class at least 2"),
        (tmp_path / "missing", {}, "no such file or folder"),
        (tmp_path / "floats.npz", {}, "images are float32; give uint8 pixels 0..255"),
        (tmp_path / "keys.npz", {}, "holds pictures; give an `images` array"),
    ]
    for path, options, message in cases:
        with pytest.raises(data.DataError) as error:
            own_images.from_path(str(path), **options)
        assert str(error.value).startswith(f"--images={path}: {message}"), str(error.value)
        assert "\n" not in str(error.value)
    spec, arrays, _ = own_images.from_path(str(broken), skip_bad=True, holdout=0.0)
    assert arrays.test_images is None  # all to train on: nothing to score against
    with pytest.raises(ValueError, match=r"the run held out no images \(--holdout=0\)"):
        evaluate.embed_own_images(spec.name, 100, str(tmp_path))
    _, arrays, notes = own_images.from_path(str(broken), skip_bad=True, holdout=0.2)
    assert notes == [f"left out 1 unreadable file (--skip_bad; first: {broken}/9.png)"]
    assert len(arrays.train_images) + len(arrays.test_images) == 6


def test_the_command_refuses_bad_images_in_one_line_and_writes_nothing(tmp_path, capsys,
                                                                       monkeypatch):
    from test_cli import run_main_here

    (tmp_path / "empty").mkdir()
    folder = class_folder(str(tmp_path / "pictures"))
    for args, code, message in [
        ([f"--images={tmp_path}/empty"], 1, f"error: --images={tmp_path}/empty: the folder "
                                            "holds no files"),
        ([f"--images={folder}", "--batch_size=64"], 1, "fewer than one batch of --batch_size=64"),
        (["--dataset=images"], 2, "error: --dataset=images: a run on your own images; give "
                                  "them with --images=PATH"),
    ]:
        exit_code, err = run_main_here(["--model=gan", f"--workdir={tmp_path}/run", *args],
                                       capsys, monkeypatch)
        assert exit_code == code and message in err, err
        assert len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / "run").exists()


@pytest.mark.long(seconds=20)
def test_a_run_on_a_folder_resumes_scores_in_its_own_classifier_and_exports(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(own_images, "CLASSIFIER_MIN_STEPS", 10)
    monkeypatch.setattr(own_images, "CLASSIFIER_EPOCHS", 2)
    folder = class_folder(str(tmp_path / "pictures"), per_class=12)
    config = config_lib.Config(model="cgan", images=folder, workdir=str(tmp_path / "run"),
                               train_steps=4, batch_size=8, width=0.05, z_dim=4,
                               log_every=2, summary_every=2, checkpoint_every=2, holdout=0.25)
    config, arrays = own_images.for_run(config, say=lambda message: None)
    assert config.dataset == "images" and len(arrays.test_images) == 9
    train.train(config, arrays, out=io.StringIO())
    kept = tmp_path / "run" / own_images.KEPT_FILE
    assert kept.exists()
    # the folder may change: a resumed run and its scores use the images it kept
    for name in os.listdir(os.path.join(folder, "cat")):
        os.remove(os.path.join(folder, "cat", name))
    said = []
    resumed, again = own_images.for_run(config.replace(train_steps=6), say=said.append)
    np.testing.assert_array_equal(again.train_images, arrays.train_images)
    assert said == [f"--images: resuming on the images kept in {kept}"]
    datasets.unregister("images")  # as in a new process: loading the run makes it again
    generator = generators.load_generator(str(tmp_path / "run"))
    assert generator.step == 4
    assert generators.class_names("images", 3) == ["apple", "boat", "cat"]
    report = evaluate.evaluate(generator, 100)
    assert "trained on the run's 27 training images" in report["feature_space"]
    assert "kept in " + str(tmp_path / "run" / "classifier-") in report["feature_space"]
    assert 0 <= report["metrics"]["conditional_accuracy"] <= 1
    evaluate._TEST_EMBEDDINGS.clear()
    evaluate._REFERENCES.clear()
    again = evaluate.evaluate(generator, 100)
    assert "read from " in again["feature_space"]  # the cached classifier
    assert again["metrics"]["frechet_distance"] == pytest.approx(
        report["metrics"]["frechet_distance"], rel=1e-5)
    from tfgan_mnist import export

    export.save_keras(generator, str(tmp_path / "g.keras"))
    datasets.unregister("images")
    exported = generators.load_generator(str(tmp_path / "g.keras"))
    assert exported.dataset == "images" and exported.sample(4, labels=[0, 1, 2, 0]).shape == (
        4, 28, 28)


def test_unlabelled_images_refuse_conditional_models_and_score_without_classes(tmp_path):
    folder = tmp_path / "flat"
    for number in range(12):
        write_png(str(folder / f"{number}.png"), 20 * number)
    config = config_lib.Config(model="cgan", images=str(folder), workdir=str(tmp_path / "run"),
                               train_steps=2, batch_size=8, width=0.05, z_dim=4)
    config, arrays = own_images.for_run(config, say=lambda message: None)
    with pytest.raises(config_lib.ConfigError, match=(
            r"^--model=cgan: a conditional model needs labelled images, and 12 images from "
            rf"{folder}, no classes, 1 channel has no labels; put each image in a subfolder")):
        train.train(config, arrays, out=io.StringIO())
    assert not (tmp_path / "run").exists()
    scores = evaluate.without_classes(datasets.get("images"), {
        "frechet_distance": 1.0, "class_kl": 0.5, "classifier_score": 2.0, "precision": 0.5})
    assert scores == {"frechet_distance": 1.0, "precision": 0.5}


def test_image_folder_tool_writes_class_folders_and_refuses_an_existing_folder(tmp_path):
    import subprocess
    import sys

    from conftest import FIXTURE_DIR, REPO_ROOT

    out = tmp_path / "digits"
    command = [sys.executable, str(REPO_ROOT / "tools" / "image_folder.py"), "--dataset=mnist",
               f"--data_dir={FIXTURE_DIR}", "--count=60", f"--out={out}"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote 60 mnist training images to {out}/ in 10 class folders"
    arrays = data.load_arrays("mnist", str(FIXTURE_DIR))
    first = np.asarray(Image.open(out / str(arrays.train_labels[0]) / "00000.png"))
    np.testing.assert_array_equal(first, arrays.train_images[0])
    _, labels, names = own_images.list_images(str(out))
    assert names == tuple(str(digit) for digit in range(10)) and len(labels) == 60
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 2 and f"--out={out} exists; give a new folder" in again.stderr
