"""tools/benchmark.py --against: an earlier commit's package, importable beside this one."""

import importlib
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT


@pytest.fixture()
def bench_tool(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO_ROOT / "tools"))
    spec = importlib.util.spec_from_file_location("benchmark", REPO_ROOT / "tools" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("benchmark", None)


def test_an_earlier_commit_is_imported_beside_this_checkout(bench_tool, tmp_path, monkeypatch):
    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    name, folder = bench_tool.older_package("HEAD", into=str(tmp_path))
    assert (name, folder) == (f"tfgan_mnist_at_{commit[:7]}", str(tmp_path))
    texts = [open(os.path.join(d, f)).read() for d, _, files in os.walk(tmp_path / name)
             for f in files if f.endswith(".py")]
    assert texts and not any("from tfgan_mnist " in t or "from tfgan_mnist." in t
                             or "import tfgan_mnist\n" in t for t in texts)
    monkeypatch.syspath_prepend(folder)
    try:
        losses = importlib.import_module(f"{name}.losses")
        assert losses.__file__ == str(tmp_path / name / "losses.py")
        from tfgan_mnist import losses as ours
        real, fake = np.array([[1.5], [-0.5]], np.float32), np.array([[0.25], [-2.0]], np.float32)
        assert float(losses.minimax_discriminator_loss(real, fake)) == pytest.approx(
            float(ours.minimax_discriminator_loss(real, fake)), abs=0)
    finally:
        for module in [m for m in sys.modules if m.startswith(name)]:
            sys.modules.pop(module)


def test_an_unknown_revision_is_refused_in_one_line(bench_tool):
    with pytest.raises(ValueError, match=r"^--against=no-such-rev: not a commit of this "
                                         r"repository \(give a hash, tag or branch"):
        bench_tool.older_package("no-such-rev")
