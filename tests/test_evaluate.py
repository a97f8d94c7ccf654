"""Evaluation of a trained generator: the CLI's metrics.json, and evaluation during training."""

import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf

from conftest import FIXTURE_DIR, REPO_ROOT
from tfgan_mnist import evaluate, train

EVERY_KEY = {"classifier_score", "classifier_score_mean", "classifier_score_std",
             "frechet_distance", "kernel_distance", "kernel_distance_std", "precision",
             "recall", "class_histogram", "class_kl", "rare_classes"}


@pytest.mark.long(seconds=14)
def test_the_cli_writes_metrics_json_with_every_metric_and_the_reference(tiny_config):
    config = tiny_config.replace(train_steps=10)
    train.train(config)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    command = [sys.executable, "-m", "tfgan_mnist.evaluate", f"--workdir={config.run_dir}",
               "--num_samples=200", "--seed=3"]
    first = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
    assert first.returncode == 0, first.stderr
    assert "Frechet distance on penultimate features" in first.stdout
    report = json.load(open(os.path.join(config.run_dir, "metrics.json")))
    assert set(report["metrics"]) == EVERY_KEY
    assert set(report["reference"]) == EVERY_KEY | {"conditional_accuracy", "matched_accuracy",
                                                    "num_images"}
    assert report["reference"]["num_images"] == 200  # as many real images as samples
    assert "real data: 200 training images" in first.stdout
    assert (report["model"], report["dataset"], report["step"], report["num_samples"]) == (
        "vanilla_gan", "mnist", 10, 200)
    # Real images score far better than a barely trained generator.
    assert report["reference"]["frechet_distance"] < report["metrics"]["frechet_distance"]
    assert report["reference"]["classifier_score"] > report["metrics"]["classifier_score"]
    # Fixed seeds: the same numbers again.
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    again = json.load(open(os.path.join(config.run_dir, "metrics.json")))
    assert again["metrics"] == report["metrics"]


def test_the_cli_refuses_a_folder_that_is_not_a_run(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    result = subprocess.run([sys.executable, "-m", "tfgan_mnist.evaluate",
                             f"--workdir={tmp_path}"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: --workdir={tmp_path}: no run.flags here, so it is not a training workdir "
        "(train one with python -m tfgan_mnist.main)"]


def test_evaluation_during_training_logs_scalars_and_keeps_the_best_checkpoint(tiny_config):
    config = tiny_config.replace(eval_every=10, eval_samples=100, data_dir=str(FIXTURE_DIR))
    train.train(config)
    best = json.load(open(os.path.join(config.run_dir, "checkpoints_best", "best.json")))
    assert best["step"] in (10, 20) and best["frechet_distance"] > 0
    assert tf.train.latest_checkpoint(
        os.path.join(config.run_dir, "checkpoints_best")).endswith(f"ckpt-{best['step']}")
    tags = set()
    for name in os.listdir(config.run_dir):
        if name.startswith("events"):
            for event in tf.compat.v1.train.summary_iterator(os.path.join(config.run_dir, name)):
                tags |= {value.tag for value in event.summary.value}
    assert {"eval/frechet_distance", "eval/classifier_score", "eval/class_kl"} <= tags
    assert "eval/precision" not in tags  # the quick score leaves out KID, precision, recall
    history = [json.loads(line) for line in open(os.path.join(config.run_dir,
                                                              "eval_history.jsonl"))]
    assert [entry["step"] for entry in history] == [10, 20]
    assert [entry["num_samples"] for entry in history] == [100, 100]
    assert all(entry["weights"] == "averaged" and entry["trained_seconds"] > 0
               and entry["frechet_distance"] > 0 for entry in history)
    assert best["frechet_distance"] == min(entry["frechet_distance"] for entry in history)


def test_the_reference_is_cached_on_disk_and_read_back_identical(tmp_path, monkeypatch):
    import shutil

    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE_DIR, data_dir)
    monkeypatch.setenv("TFGAN_MNIST_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(evaluate, "_TEST_EMBEDDINGS", {})
    monkeypatch.setattr(evaluate, "_REFERENCES", {})
    _, test, reference = evaluate.embed_test_set("mnist", str(data_dir), 150)
    cached = sorted(os.listdir(tmp_path / "cache" / "eval-cache"))
    assert len(cached) == 2 and cached[0].startswith("mnist-reference-150-")
    assert cached[1].startswith("mnist-test-") and cached[1].endswith(".npz")
    monkeypatch.setattr(evaluate, "_TEST_EMBEDDINGS", {})
    monkeypatch.setattr(evaluate, "_REFERENCES", {})
    monkeypatch.setattr(evaluate, "score", None)  # a second process computes nothing
    _, test_again, reference_again = evaluate.embed_test_set("mnist", str(data_dir), 150)
    assert reference_again == reference
    assert (test_again["features"] == test["features"]).all()


def test_the_table_puts_each_metric_beside_the_reference():
    report = {"model": "m", "dataset": "mnist", "step": 5, "num_samples": 10, "seed": 0,
              "metrics": {"frechet_distance": 12.5, "precision": 0.25},
              "reference": {"frechet_distance": 0.5, "precision": 0.75}}
    lines = evaluate.format_table(report).splitlines()
    assert lines[0] == ("m on mnist, step 5, 10 samples (seed 0); real data: 10000 training "
                        "images, scored the same way:")
    assert lines[2].split()[-3:] == ["12.5", "0.5", "lower"]
    assert lines[3].split()[-3:] == ["0.25", "0.75", "higher"]


def run_evaluate(capsys, *args):
    """(exit code, stdout, stderr) of `python -m tfgan_mnist.evaluate *args`, in process."""
    code = 0
    try:
        evaluate.main(["prog", *args])
    except SystemExit as exit_:
        code = exit_.code
    return code, *capsys.readouterr()


def test_evaluate_scores_images_from_a_file_and_names_what_is_wrong(tmp_path, capsys):
    import numpy as np

    from conftest import FIXTURE_DIR
    from tfgan_mnist import data

    arrays = data.load_arrays("mnist", str(FIXTURE_DIR))
    real = arrays.train_images[:200]
    np.savez(tmp_path / "real.npz", images=real)
    noise = np.random.default_rng(0).integers(0, 256, (200, 28, 28), dtype=np.uint8)
    np.save(tmp_path / "noise.npy", noise[..., None])  # (n, 28, 28, 1) is accepted too

    def run(*args):
        return run_evaluate(capsys, *args)

    code, out, err = run(f"--samples={tmp_path}/real.npz", "--dataset=mnist",
                         f"--data_dir={FIXTURE_DIR}")
    assert code == 0, err
    assert out.startswith("real.npz on mnist, 200 samples (seed 0); real data: 200 training")
    real_fd = float(next(line for line in out.splitlines() if "Frechet" in line).split()[-3])
    code, out, _ = run(f"--samples={tmp_path}/noise.npy", "--dataset=mnist",
                       f"--data_dir={FIXTURE_DIR}")
    noise_fd = float(next(line for line in out.splitlines() if "Frechet" in line).split()[-3])
    assert code == 0 and noise_fd > 10 * real_fd  # noise is far from digits, real images near

    np.savez(tmp_path / "floats.npz", images=real.astype(np.float32) / 255)
    np.savez(tmp_path / "small.npz", images=real[:, :14, :14])
    for args, code_wanted, message in [
        ([f"--samples={tmp_path}/none.npz", "--dataset=mnist"], 2,
         f"error: --samples={tmp_path}/none.npz: no such file"),
        ([f"--samples={tmp_path}/floats.npz", "--dataset=mnist"], 2,
         f"error: --samples={tmp_path}/floats.npz: images are float32; expected uint8 pixels"),
        ([f"--samples={tmp_path}/small.npz", "--dataset=mnist"], 2,
         f"error: --samples={tmp_path}/small.npz: images of shape (200, 14, 14); expected"),
        ([f"--samples={tmp_path}/real.npz"], 2, "error: --dataset: give the dataset"),
    ]:
        code, _, err = run(*args)
        assert code == code_wanted
        assert len(err.strip().splitlines()) == 1 and err.startswith(message), err
