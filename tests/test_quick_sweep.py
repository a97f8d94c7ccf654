"""tools/quick_sweep.py: its table over seeds and variants, resuming, its refusals."""

import importlib.util
import json
import sys

import pytest

from conftest import REPO_ROOT


@pytest.fixture()
def sweep(tmp_path, monkeypatch):
    """The sweep tool as a module, its results and report in tmp_path."""
    monkeypatch.syspath_prepend(str(REPO_ROOT / "tools"))
    spec = importlib.util.spec_from_file_location("quick_sweep",
                                                  REPO_ROOT / "tools" / "quick_sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS_JSON", str(tmp_path / "quick_sweep.json"))
    monkeypatch.setattr(module, "REPORT_MD", str(tmp_path / "quick_sweep.md"))
    yield module
    sys.modules.pop("quick_sweep", None)


def record(variant, seed, fd, raw_fd):
    return {"config": "configs/quick_mnist.flags", "variant": variant, "flags": [],
            "seed": seed, "steps": 3338, "fd": fd, "raw_fd": raw_fd, "cpus": 1,
            "cpu": "AMD EPYC"}


def test_report_pools_seeds_and_tests_variants_against_the_base(sweep):
    results = {f"quick_mnist|base|{s}": record("base", s, fd, fd + 1)
               for s, fd in enumerate([4.0, 5.0, 6.0])}
    results.update({f"quick_mnist|ttur|{s}": record("ttur", s, fd, 2.0)
                    for s, fd in enumerate([1.0, 2.0, 3.0])})
    results["quick_mnist|ema_warmup_2|0"] = record("ema_warmup_2", 0, 0.5, 0.7)
    lines = sweep.report_lines(results)
    heading = lines.index("## configs/quick_mnist.flags, 3338 steps")
    # this config's recipe changed after 3,338 steps: the group says what base was then
    assert lines[heading + 2].startswith("Base here is the config before it took the "
                                         "variant batch_128+lr_x2")
    table = lines[heading + 6:]
    assert table[0] == ("| base | the config as it is | 3 | 5.00 ± 1.00 | 4.00-6.00 | "
                        "6.00 ± 1.00 | - | AMD EPYC, 1 core |")
    # the base first, then by mean FD; p checked against scipy.stats.ttest_ind(equal_var=False)
    assert table[1].startswith("| ema_warmup_2 | a longer generator average")
    assert table[1].endswith("| 1 | 0.50 | 0.50-0.50 | 0.70 | - | AMD EPYC, 1 core |")
    assert table[2].startswith("| ttur | a two-time-scale update")
    assert table[2].endswith("| 3 | 2.00 ± 1.00 | 1.00-3.00 | 2.00 ± 0.00 | 0.02 | "
                             "AMD EPYC, 1 core |")


def test_runs_resume_and_bad_flags_are_refused(sweep, monkeypatch, capsys):
    trained = []

    def train_one(config, variant, seed, steps, root):
        trained.append((variant, seed))
        return {**record(variant, seed, 1.0 + seed, 2.0), "steps": steps}

    monkeypatch.setattr(sweep, "train_one", train_one)
    argv = ["--config=configs/quick_mnist.flags", "--steps=3338", "--seeds=2",
            "--variants=base,ttur"]
    sweep.main(argv)
    assert trained == [("base", 0), ("ttur", 0), ("base", 1), ("ttur", 1)]
    sweep.main(argv)  # everything done: nothing trains again
    assert len(trained) == 4
    assert "| ttur |" in open(sweep.REPORT_MD).read()
    sweep.main(argv[:-2] + ["--seeds=4", "--first_seed=3", "--variants=ttur"])
    assert trained[4:] == [("ttur", 3)]  # seed 2 left to another lane
    # A changed config trains another step count: new runs beside the old recipe's, which
    # stay (a key written before keys held the step count reads as one that does).
    results = json.load(open(sweep.RESULTS_JSON))
    results["quick_mnist|base|0"] = results.pop("quick_mnist|base|0|3338")
    json.dump(results, open(sweep.RESULTS_JSON, "w"))
    sweep.main(["--config=configs/quick_mnist.flags", "--steps=3338", "--seeds=1"])
    assert len(trained) == 5
    sweep.main(["--config=configs/quick_mnist.flags", "--steps=2159", "--seeds=1"])
    assert trained[5:] == [("base", 0)]
    assert sorted(sweep.load_results())[:2] == ["quick_mnist|base|0|2159",
                                                "quick_mnist|base|0|3338"]
    for bad, message in [
            (["--variants=fast"], "--variants: fast is not a variant; valid: base, "),
            (["--variants=batch_128+fast"], "--variants: fast is not a variant; valid: "),
            # quick_mnist has D 4e-4 already: a no-op variant is refused, not run as base
            (["--variants=d_lr_4e-4"], "--variants: d_lr_4e-4 sets --d_learning_rate=0.0004, "
                                       "which configs/quick_mnist.flags has already: it would "
                                       "train the base again"),
            (["--variants=base+ttur"], "--variants: base+ttur combines base, which adds "),
            (["--config=configs/nope.flags"], "--config: 'configs/nope.flags' is not a file"),
            (["--steps=0"], "--steps: give the steps an idle 2-core run"),
            (["--first_seed=2"], "--first_seed: 2 is not one of the seeds 0 ... 1 that "
                                 "--seeds=2 gives")]:
        with pytest.raises(SystemExit) as raised:
            sweep.main(argv + bad)
        assert raised.value.code == 2
        assert message in capsys.readouterr().err


def test_a_resumed_run_is_timed_by_its_checkpoints(sweep, monkeypatch, tmp_path):
    """The process of a resumed run trains only the rest: its time is the longer of the
    process's and the training time the checkpoints carried to the last evaluation."""
    calls = []
    monkeypatch.setattr(sweep, "run_child", lambda args, **kw: calls.append(args))

    def evaluate_run(workdir, checkpoint, raw_weights=False):
        return {"step": 3338, "metrics": {"frechet_distance": 2.0 if raw_weights else 0.7},
                "history": [{"step": 3000, "trained_seconds": 700.0}]}

    monkeypatch.setattr(sweep, "evaluate_run", evaluate_run)
    run = sweep.train_one("configs/quick_mnist.flags", "ttur", 2, 3338, str(tmp_path))
    assert calls[0][-5:] == ["--train_minutes=0", "--train_steps=3338", "--seed=2",
                             "--d_learning_rate=0.0004", "--g_learning_rate=0.0001"]
    assert f"--workdir={tmp_path}/quick_mnist-3338-ttur-seed2" in calls[0]
    assert (run["fd"], run["raw_fd"], run["steps"], run["seed"]) == (0.7, 2.0, 3338, 2)
    assert run["train_seconds"] == 700.0


def test_a_batch_variant_trains_the_steps_of_the_same_minutes(sweep, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(sweep, "run_child", lambda args, **kw: calls.append(args))
    monkeypatch.setattr(sweep, "evaluate_run", lambda workdir, checkpoint, raw_weights=False: {
        "step": 4673, "metrics": {"frechet_distance": 1.0}, "history": []})
    fashion = "configs/quick_fashion_mnist.flags"  # batch 64
    run = sweep.train_one(fashion, "batch_32", 0, 3338, str(tmp_path))
    assert calls[0][-3:] == ["--train_steps=4673", "--seed=0", "--batch_size=32"]  # x 10.5/7.5
    assert (run["steps"], run["config_steps"], run["config_batch"]) == (4673, 3338, 64)
    # grouped under the config's steps, beside the base
    results = {"quick_fashion_mnist|base|0": {**record("base", 0, 2.0, 3.0), "config": fashion},
               "quick_fashion_mnist|batch_32|0": run}
    lines = sweep.report_lines(results)
    assert lines.count(f"## {fashion}, 3338 steps") == 1
    assert [line.split(" | ")[0] for line in lines if line.startswith("| b")] == [
        "| base", "| batch_32"]
    # variants combine: flags in order, the batch's step factor, both parts described
    combined = sweep.train_one(fashion, "batch_128+d_lr_4e-4", 1, 3338, str(tmp_path))
    assert calls[1][-4:] == ["--train_steps=2159", "--seed=1", "--batch_size=128",
                             "--d_learning_rate=0.0004"]
    assert f"--workdir={tmp_path}/quick_fashion_mnist-3338-batch_128+d_lr_4e-4-seed1" in calls[1]
    line = [line for line in sweep.report_lines({"a": combined}) if "d_lr" in line][0]
    assert line.startswith("| batch_128+d_lr_4e-4 | batch 128 (64), for 0.65 times the "
                           "steps: 4.85 against 7.50 idle steps/s; D's learning rate "
                           "doubled, 4e-4 (2e-4); G's kept at 1e-3 | 1 | 1.00 |")
    # the factor is against the config's own batch: quick_mnist trains at 128
    for variant, steps in [("batch_32", 7227), ("batch_64", 5162), ("batch_128", 3338)]:
        sweep.train_one("configs/quick_mnist.flags", variant, 0, 3338, str(tmp_path))
        assert calls[-1][-3] == f"--train_steps={steps}"


def test_lr_x2_doubles_the_configs_own_learning_rates(sweep, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(sweep, "run_child", lambda args, **kw: calls.append(args))
    monkeypatch.setattr(sweep, "evaluate_run", lambda workdir, checkpoint, raw_weights=False: {
        "step": 10, "metrics": {"frechet_distance": 1.0}, "history": []})
    doubled = {}
    for config in ("configs/quick_mnist.flags", "configs/quick_fashion_mnist.flags"):
        run = sweep.train_one(config, "lr_x2", 0, 10, str(tmp_path))
        assert calls[-1][-2:] == run["flags"]
        doubled[config] = sweep.variant_text("lr_x2", 128, run["flags"])
    assert calls[0][-2:] == ["--d_learning_rate=0.0008", "--g_learning_rate=0.004"]  # 4e-4, 2e-3
    assert calls[1][-2:] == ["--d_learning_rate=0.0004", "--g_learning_rate=0.002"]  # 2e-4, 1e-3
    assert doubled == {
        "configs/quick_mnist.flags": "both learning rates doubled: D 0.0008, G 0.004",
        "configs/quick_fashion_mnist.flags": "both learning rates doubled: D 0.0004, G 0.002"}
