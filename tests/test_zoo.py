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
