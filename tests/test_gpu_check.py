"""tools/gpu_check.py on its CPU path: the checks a GPU user runs once, each a row."""

import os
import subprocess
import sys

import pytest

from conftest import FIXTURE_DIR, REPO_ROOT

TOOL = os.path.join(REPO_ROOT, "tools", "gpu_check.py")


@pytest.mark.long(seconds=45)
def test_gpu_check_runs_every_check_on_the_cpu_and_writes_its_table(tmp_path):
    out = tmp_path / "gpu.md"
    result = subprocess.run(
        [sys.executable, TOOL, "--tiny", "--models=vanilla_gan", "--option_model=vanilla_gan",
         "--no-speed", "--eval_samples=100", f"--data_dir={FIXTURE_DIR}", f"--out={out}"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env=dict(os.environ, CUDA_VISIBLE_DEVICES=""))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("device: CPU: ")
    assert lines[1].startswith("TensorFlow ")
    assert "no GPU visible: the same checks run on the CPU, for a few steps each" in lines
    table = out.read_text().splitlines()
    assert table[0].startswith("### tools/gpu_check.py on CPU: ")
    rows = [line.split(" | ") for line in table if line.startswith("| ") and "---" not in line]
    assert rows[0] == ["| check", "setting", "result", "steps/s", "note |"]
    checks = {(row[0][2:], row[1]): row[2] for row in rows[1:]}
    assert checks == {
        ("model", "vanilla_gan"): "ok",
        ("outputs", "export"): "ok", ("outputs", "sample"): "ok", ("outputs", "evaluate"): "ok",
        ("XLA", "vanilla_gan --jit_compile"): "ok",
        ("precision", "vanilla_gan --mixed_precision=bfloat16"): "ok",
        ("precision", "vanilla_gan --mixed_precision=float16"): "ok",
        ("mirrored", "vanilla_gan --strategy=mirrored on 1 CPU"): "ok",
        ("determinism", "vanilla_gan --deterministic, twice"): "ok"}
    assert "the two runs' weights are identical" in out.read_text()
    assert "| model | vanilla_gan | ok | " in result.stdout  # printed as it goes, too
    assert result.stdout.rstrip().endswith("9 checks passed (refusals name what TensorFlow "
                                           "cannot do here)")
    again = subprocess.run([sys.executable, TOOL, f"--out={out}"], capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines()[-1].endswith(
        f"error: --out={out} exists; give a new path (it is never overwritten)")
