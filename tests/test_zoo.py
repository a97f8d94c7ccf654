"""tools/zoo.py's bookkeeping: rows merged from another checkout, the time cell."""

import importlib.util
import json
import sys

import pytest

from conftest import REPO_ROOT


@pytest.fixture()
def zoo(tmp_path, monkeypatch):
    """The zoo tool as a module, writing into tmp_path/ours/docs."""
    monkeypatch.syspath_prepend(str(REPO_ROOT / "tools"))
    spec = importlib.util.spec_from_file_location("zoo", REPO_ROOT / "tools" / "zoo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "DOCS", str(tmp_path / "ours" / "docs"))
    yield module
    sys.modules.pop("zoo", None)


def row(model, budget, fd, picture=True):
    return {"model": model, "dataset": "mnist", "budget": budget,
            "metrics": {"frechet_distance": fd},
            "picture": f"results/{model}-mnist.png" if picture else None}


def test_merge_takes_missing_rows_and_leaderboard_rows_over_short_ones(zoo, tmp_path):
    lane = tmp_path / "lane"
    (lane / "docs" / "results").mkdir(parents=True)
    theirs = {"new/mnist": row("new", "10 min", 1.0),
              "longer/mnist": row("longer", "10 min", 2.0),
              "shorter/mnist": row("shorter", "max 500", 3.0),
              "both/mnist": row("both", "10 min", 4.0, picture=False)}
    (lane / "docs" / "results.json").write_text(json.dumps(theirs))
    for name in ("new", "longer", "shorter"):
        (lane / "docs" / "results" / f"{name}-mnist.png").write_bytes(name.encode())
    ours = {"longer/mnist": row("longer", "max 500", 9.0),
            "shorter/mnist": row("shorter", "10 min", 8.0),
            "both/mnist": row("both", "10 min", 7.0, picture=False)}

    taken = zoo.merge_rows(ours, str(lane))

    assert taken == ["longer/mnist", "new/mnist"]
    assert ours["new/mnist"] == theirs["new/mnist"]
    assert ours["longer/mnist"]["metrics"]["frechet_distance"] == 2.0
    assert ours["shorter/mnist"]["metrics"]["frechet_distance"] == 8.0  # ours: the leaderboard
    assert ours["both/mnist"]["metrics"]["frechet_distance"] == 7.0  # both leaderboard: ours
    pictures = tmp_path / "ours" / "docs" / "results"
    assert sorted(p.name for p in pictures.iterdir()) == ["longer-mnist.png", "new-mnist.png"]
    assert (pictures / "new-mnist.png").read_bytes() == b"new"


def test_merge_names_the_flag_and_the_missing_file(zoo, tmp_path):
    with pytest.raises(SystemExit) as raised:
        zoo.merge_rows({}, str(tmp_path))
    assert str(raised.value) == (
        f"error: --merge: {tmp_path}/docs/results.json does not exist; name the top folder "
        "of a checkout whose tools/zoo.py has written rows")


def test_time_cell_names_the_cores_a_row_had(zoo):
    assert zoo._time_here({"train_seconds": 762.0, "cpus": 2}) == "12.7 min, 2 cores"
    assert zoo._time_here({"train_seconds": 60.0, "cpus": 1}) == "1.0 min, 1 core"
    assert zoo._time_here({"train_seconds": 60.0}) == "1.0 min"
    # a resumed run: the zoo timed its last process (7.6 s), the checkpoints carried 1,024.9 s
    resumed = {"train_seconds": 7.6, "cpus": 1,
               "history": [{"step": 10, "trained_seconds": 3.0},
                           {"step": 20, "trained_seconds": 1024.9}]}
    assert zoo._time_here(resumed) == "17.1 min, 1 core"


def test_welch_test_and_ranks_that_admit_ties(zoo):
    # p-values checked against a numerical integral of Student's t density
    assert zoo.welch_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.0213116, abs=1e-6)  # df 4
    assert zoo.welch_p([1, 2, 3, 4], [2, 4, 6, 9]) == pytest.approx(0.1647021, abs=1e-6)
    assert zoo.welch_p([0.5, 0.5], [0.5, 0.5]) == 1.0
    # The first three cannot be told apart (p 0.10, 0.10, 0.43): rank 1 each. The last is
    # told from each of them (p 0.007, 0.011, 0.021), and from the one-seed row above it,
    # which cannot be tested and is taken at its value.
    runs = [[0.5, 0.55, 0.6], [0.6, 0.62, 0.7], [0.6, 0.7, 0.8], [0.9], [0.9, 1.0, 1.1]]
    assert zoo.tie_ranks(runs) == [1, 1, 1, 4, 5]


def test_seeds_pool_into_one_row_with_the_picture_of_the_run_nearest_the_mean(zoo):
    def run(seed, fd, raw, score):
        return {**row("gan", "10 min", fd), "seed": seed, "train_seconds": 60.0 * (seed + 1),
                "weights": "averaged", "picture": f"results/gan-mnist-{seed}.png",
                "metrics": {"frechet_distance": fd, "classifier_score": score,
                            "class_histogram": [0.1] * 10},
                "raw_metrics": {"frechet_distance": raw}}

    results = {"gan/mnist": run(0, 0.6, 1.6, 9.0), "gan/mnist@seed=1": run(1, 0.5, 1.4, 9.2),
               "gan/mnist@seed=2": run(2, 0.7, 1.9, 9.1),
               "lsgan/mnist": {**row("lsgan", "10 min", 0.9), "train_seconds": 1.0}}
    pooled = zoo.pool_seeds(results)
    assert sorted(pooled) == ["gan/mnist", "lsgan/mnist"]
    gan = pooled["gan/mnist"]
    assert gan["seeds"] == [0, 1, 2] and gan["fd_runs"] == [0.6, 0.5, 0.7]
    assert gan["raw_fd_runs"] == [1.6, 1.4, 1.9]
    assert gan["metrics"] == pytest.approx({"frechet_distance": 0.6, "classifier_score": 9.1})
    assert gan["train_seconds"] == 120.0
    assert gan["picture"] == "results/gan-mnist-0.png"  # 0.6 is the mean
    assert zoo._fd_spread(gan["fd_runs"]) == "0.60 ± 0.10"
    assert zoo._range(gan["fd_runs"]) == "0.50-0.70"
    assert pooled["lsgan/mnist"]["fd_runs"] == [0.9]
    assert zoo._fd_spread([0.9]) == "0.90" and zoo._range([0.9]) == "-"
    assert zoo.entry_key("gan", "mnist", 2) == "gan/mnist@seed=2"
    assert zoo.entry_key("gan", "mnist") == "gan/mnist"


def test_time_cell_of_several_seeds_gives_the_range_of_their_runs(zoo):
    pooled = {"train_seconds": 1.0, "train_seconds_runs": [762.0, 2916.0], "cpus_runs": [2, 1]}
    assert zoo._time_here(pooled) == "12.7-48.6 min, 1-2 cores"


def test_a_count_averaged_over_seeds_keeps_its_fraction(zoo):
    assert zoo._cell({"rare_classes": 0.5}, "rare_classes", "{:d}") == "0.5"
    assert zoo._cell({"rare_classes": 2.0}, "rare_classes", "{:d}") == "2"
    assert zoo._cell({"rare_classes": 3}, "rare_classes", "{:d}") == "3"


def test_stacked_rows_make_a_mode_table_ranked_by_kl_with_pack_rows_beside(zoo):
    def run(model, seed, modes, kl, pack=1):
        return {"model": model, "dataset": "stacked_mnist", "budget": "10 min", "seed": seed,
                "pack": pack, "steps": 4260, "idle_steps_per_s": 7.1, "precision": "bf16",
                "train_seconds": 600.0, "cpus": 1, "picture": None,
                "metrics": {"frechet_distance": 1.0 + kl, "modes": modes, "mode_kl": kl,
                            "num_modes": 1000},
                "reference": {"frechet_distance": 0.3, "modes": 1000, "mode_kl": 0.021,
                              "num_images": 26000}}

    results = {zoo.entry_key("gan", "stacked_mnist"): run("gan", 0, 700, 1.0),
               zoo.entry_key("gan", "stacked_mnist", 1): run("gan", 1, 800, 0.8),
               zoo.entry_key("gan", "stacked_mnist", 0, 2): run("gan", 0, 1000, 0.1, 2),
               zoo.entry_key("gan", "stacked_mnist", 1, 2): run("gan", 1, 990, 0.12, 2),
               zoo.entry_key("wgan", "stacked_mnist"): run("wgan", 0, 900, 0.12)}
    assert zoo.entry_key("gan", "stacked_mnist", 2, 4, 0.25) == (
        "gan+pack4+dwidth0.25/stacked_mnist@seed=2")
    assert zoo._row_name({"model": "gan", "pack": 4, "d_width": 0.25}) == (
        "gan, pack 4, D width 0.25")
    assert sorted(results) == ["gan+pack2/stacked_mnist", "gan+pack2/stacked_mnist@seed=1",
                               "gan/stacked_mnist", "gan/stacked_mnist@seed=1",
                               "wgan/stacked_mnist"]
    lines = zoo.modes_lines(list(zoo.pool_seeds(results).values()), "stacked_mnist")
    table = [line for line in lines if line.startswith("| ")]
    assert table[2] == "| - | real data (26,000 training stacks) | - | - | - | 1000 | 0.021 | 0.30 | - | - |"
    # Two seeds a row tell little: the packed gan's KLs (0.10, 0.12) and gan's (1.0, 0.8)
    # give Welch's p = 0.08, so gan is not ranked below it; the one-seed wgan (0.12)
    # cannot be tested, ranks by its value, and ranks gan below it.
    assert table[3] == ("| 1 | gan, pack 2 | 4260 (7.1, bf16) | 10.0 min, 1 core | 2 | "
                        "995 ± 7 | 0.110 ± 0.014 | 1.11 ± 0.01 | 0.100-0.120 | - |")
    assert table[4].startswith("| 2 † | wgan | 4260 (7.1, bf16) | 10.0 min, 1 core | 1 | 900 | "
                               "0.120 | 1.12 | - |")
    assert zoo.welch_p([0.1, 0.12], [1.0, 0.8]) == pytest.approx(0.08, abs=0.005)
    assert table[5].startswith("| 2 | gan | ") and "| 750 ± 71 | 0.900 ± 0.141 |" in table[5]


def test_averaging_across_seeds_is_counted_run_by_run(zoo):
    def pooled(model, averaged, raw):
        return {"model": model, "dataset": "mnist", "fd_runs": averaged, "raw_fd_runs": raw,
                "raw_metrics": {"frechet_distance": 0.0}}

    rows = [pooled("gan", [0.5, 0.6, 0.55], [1.5, 1.7, 1.6]),  # apart: p < 0.05
            pooled("wgan", [1.0, 2.0], [1.5, 1.9]),  # the second run is worse averaged
            pooled("vae", [3.0], [4.0])]  # one seed: not counted
    assert zoo.averaging_lines(rows) == [
        "Averaging across seeds: in 4 of the 5 runs of the 2 rows trained over several seeds "
        "the averaged generator scored a lower FD than the trained weights (not in every run "
        "of wgan on mnist); Welch's test (unpaired, as for ranks) tells the two apart in 1 of "
        "those 2 rows, the others having too few seeds or too wide a spread.", ""]
    assert zoo.averaging_lines(rows[2:]) == []


# A stand-in for a training run: it says when it is ready, and on SIGTERM notes each
# signal it gets, "saves" and exits as tfgan_mnist.main does (status 143).
CHILD = """
import signal, sys, time
log = open(sys.argv[1], "a")
def stop(signum, frame):
    log.write("TERM\\n"); log.flush(); time.sleep(0.2); sys.exit(128 + signum)
signal.signal(signal.SIGTERM, stop)
log.write("ready\\n"); log.flush()
time.sleep(60)
log.write("trained on\\n")
"""


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGINT"])
def test_a_stopped_tool_stops_its_training_child_with_sigterm_and_waits(tmp_path, signum):
    import signal
    import subprocess
    import time

    log = tmp_path / "child.log"
    tool = ("import sys; sys.path.insert(0, sys.argv[1]); from repo_configs import run_child; "
            "run_child([sys.executable, '-c', sys.argv[2], sys.argv[3]])")
    parent = subprocess.Popen([sys.executable, "-c", tool, str(REPO_ROOT / "tools"), CHILD,
                               str(log)], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while not (log.exists() and "ready" in log.read_text()):
        assert time.time() < deadline and parent.poll() is None
        time.sleep(0.05)
    parent.send_signal(getattr(signal, signum))
    _, stderr = parent.communicate(timeout=30)
    assert log.read_text() == "ready\nTERM\n"  # one SIGTERM, waited for, not killed
    assert parent.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        f"-c: stopped by {signum}; the run it was training saved a checkpoint: the same "
        "command again resumes it")
