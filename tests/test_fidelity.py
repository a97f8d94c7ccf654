"""tools/fidelity.py's own logic on tiny runs: pairing, resuming, scoring, the table."""

import json
import os
import sys

import pytest

from conftest import FIXTURE_DIR, REPO_ROOT

sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
import fidelity  # noqa: E402


def test_summary_gives_mean_and_std_over_seeds_per_side():
    results = {f"m/{side}/steps5/seed{seed}": {
        "frechet_distance": fd, "classifier_score": 9.0, "precision": 0.5, "recall": 0.5,
        "class_kl": 0.0, "steps_per_s": 10.0}
        for side, fds in (("ours", (1.0, 3.0)), ("source", (2.0, 2.0, 5.0)))
        for seed, fd in enumerate(fds)}
    results["m/ours/steps6/seed0"] = dict(results["m/ours/steps5/seed0"], frechet_distance=99.0)
    figures = fidelity.summary(results, "m", 5)
    assert figures["ours"]["frechet_distance"] == (2.0, 2.0 ** 0.5, 2)  # steps6 left out
    assert figures["source"]["frechet_distance"] == (3.0, 3.0 ** 0.5, 3)


def test_ours_and_the_source_are_told_apart_by_welch_on_raw_weights_where_kept():
    runs = {f"m/{side}/steps9/seed{seed}": figures
            for side, per_seed in (
                ("ours", [dict(frechet_distance=10.0, frechet_distance_raw=20.0),
                          dict(frechet_distance=11.0, frechet_distance_raw=21.0),
                          dict(frechet_distance=12.0, frechet_distance_raw=22.5)]),
                ("source", [dict(frechet_distance=20.5), dict(frechet_distance=21.5),
                            dict(frechet_distance=21.0)]))
            for seed, figures in enumerate(per_seed)}
    p, which = fidelity.same_model_test(runs, "m", 9)
    assert which == "raw" and p == pytest.approx(0.8467, abs=1e-4)  # scipy.stats.ttest_ind
    del runs["m/ours/steps9/seed2"]["frechet_distance_raw"]  # not every run: the averaged FDs
    p, which = fidelity.same_model_test(runs, "m", 9)
    assert which == "averaged" and p < 0.01
    assert fidelity._verdict((p, which)).endswith("(averaged), differ")


def test_the_table_gives_the_raw_weights_and_the_pairs_agreement_where_runs_have_them():
    base = {"frechet_distance": 2.0, "classifier_score": 9.0, "precision": 0.5,
            "recall": 0.5, "class_kl": 0.1, "steps_per_s": 10.0}
    results = {"cogan/ours/steps4/seed0": dict(base, frechet_distance_raw=3.0,
                                                class_agreement=0.25, class_agreement_raw=0.3),
               "cogan/ours/steps4/seed1": dict(base, frechet_distance_raw=5.0,
                                                class_agreement=0.35, class_agreement_raw=0.3),
               "cogan/source/steps4/seed0": dict(base, frechet_distance=4.0,
                                                  class_agreement=0.2),
               # a run kept before the raw column: the column is left out, not half-averaged
               "vanilla_gan/ours/steps4/seed0": dict(base),
               "vanilla_gan/source/steps4/seed0": dict(base)}
    text = fidelity.table(results, ["cogan", "vanilla_gan", "aae"], "cmd", "needs PyTorch (x)")
    header = next(line for line in text.splitlines() if line.startswith("| model |"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    rows = {line.split(" | ")[0][2:]: [c.strip() for c in line.strip("|").split("|")]
            for line in text.splitlines() if line.startswith(("| cogan", "| vanilla_gan"))}
    cogan = dict(zip(columns, rows["cogan"]))
    assert (cogan["seeds"], cogan["FD ours"], cogan["FD ours, raw weights"]) == (
        "1", "2 ± 0", "4 ± 1.4")
    assert (cogan["FD ratio"], cogan["pairs agree ours"], cogan["pairs agree source"]) == (
        "0.50", "0.3 ± 0.071", "0.2 ± 0")
    assert cogan["p, same FD"] == "–"  # one source seed: nothing to test
    assert cogan["pairs agree ours, raw weights"] == "0.3 ± 0"
    plain = dict(zip(columns, rows["vanilla_gan"]))
    assert plain["FD ours, raw weights"] == plain["pairs agree ours"] == "–"
    assert "- `aae` against PyTorch-GAN aae.py (at 28x28): needs PyTorch (x)" in text


@pytest.mark.long(seconds=20)
def test_the_tool_pairs_trains_scores_resumes_and_writes_its_table(tmp_path, monkeypatch):
    monkeypatch.setattr(fidelity, "torch_missing", lambda: "needs PyTorch (here: pretended)")
    out, root = tmp_path / "fidelity.md", tmp_path / "runs"
    args = ["--pairs=vanilla_gan,gan_mlp", "--seeds=2", "--steps=3", "--tiny",
            "--num_samples=200", f"--root={root}", f"--out={out}", f"--data_dir={FIXTURE_DIR}"]
    said = []
    fidelity.main(args, say=said.append)
    kept = json.loads((root / "results.json").read_text())
    assert sorted(kept) == [f"vanilla_gan/{side}/steps3/seed{seed}"
                            for side in ("ours", "source") for seed in (0, 1)]
    assert all(run["steps"] == 3 and run["frechet_distance"] > 0 for run in kept.values())
    ours = [kept[f"vanilla_gan/ours/steps3/seed{s}"] for s in (0, 1)]
    assert all(run["frechet_distance_raw"] > 0 for run in ours)  # ours' raw weights too
    assert "frechet_distance_raw" not in kept["vanilla_gan/source/steps3/seed0"]
    assert "gan_mlp: not run (needs PyTorch (here: pretended))" in said
    text = out.read_text()
    assert text.startswith(fidelity.MARKER)
    row = next(line for line in text.splitlines() if line.startswith("| vanilla_gan |"))
    cells = row.split(" | ")
    assert cells[1:4] == ["the TF1 tutorial's graph (wiseodd gan_tensorflow.py)", "3", "2"]
    ours = [kept[f"vanilla_gan/ours/steps3/seed{s}"]["frechet_distance"] for s in (0, 1)]
    source = [kept[f"vanilla_gan/source/steps3/seed{s}"]["frechet_distance"] for s in (0, 1)]
    assert cells[7] == f"{(sum(ours) / 2) / (sum(source) / 2):.2f}"  # the FD ratio
    assert "- `gan_mlp` against PyTorch-GAN gan.py: needs PyTorch (here: pretended)" in text
    assert "| vanilla_gan | 3 | ![vanilla_gan ours](fidelity/vanilla_gan-steps3-ours.png) | " \
        "![vanilla_gan source](fidelity/vanilla_gan-steps3-source.png) |" in text
    assert sorted(os.listdir(tmp_path / "fidelity")) == [  # seed 0's grids only
        "vanilla_gan-steps3-ours.png", "vanilla_gan-steps3-source.png"]
    said.clear()  # a second call resumes: every run is kept, none is trained again
    fidelity.main(args, say=said.append)
    assert sum("done already" in line for line in said) == 4
    assert not any("training" in line for line in said)
    said.clear()  # --report trains nothing, even for runs that are missing
    fidelity.main(args[:1] + ["--seeds=3", "--report"] + args[2:], say=said.append)
    assert not any("training" in line or "done already" in line for line in said)
    (tmp_path / "fidelity" / "vanilla_gan-steps3-source.png").unlink()
    said.clear()  # a kept seed-0 run without its picture: the source trains again to draw it
    fidelity.main(args, say=said.append)
    assert "vanilla_gan/source/steps3/seed0: drawing its picture, from a second training " \
        "with its seed" in said
    assert (tmp_path / "fidelity" / "vanilla_gan-steps3-source.png").exists()
    assert json.loads((root / "results.json").read_text()) == kept  # figures kept as they were
    foreign = tmp_path / "mine.md"
    foreign.write_text("notes of my own\n")
    said.clear()  # refused before anything trains
    with pytest.raises(SystemExit, match="was not written by tools/fidelity.py"):
        fidelity.main(args[:-2] + [f"--out={foreign}", f"--data_dir={FIXTURE_DIR}",
                                   "--steps=4"], say=said.append)
    assert foreign.read_text() == "notes of my own\n" and said == []
