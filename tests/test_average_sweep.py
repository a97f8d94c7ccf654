"""tools/average_sweep.py: extra generator averages kept over one run, resumed, scored."""

import importlib.util
import sys

import pytest
import tensorflow as tf

from conftest import FIXTURE_DIR, REPO_ROOT


@pytest.fixture()
def sweep(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO_ROOT / "tools"))
    spec = importlib.util.spec_from_file_location("average_sweep",
                                                  REPO_ROOT / "tools" / "average_sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS_JSON", str(tmp_path / "average_sweep.json"))
    monkeypatch.setattr(module, "REPORT_MD", str(tmp_path / "average_sweep.md"))
    yield module
    sys.modules.pop("average_sweep", None)


@pytest.mark.long(seconds=12)
def test_extra_averages_match_the_models_own_resume_and_are_scored(sweep, tmp_path):
    from tfgan_mnist import variants

    build = variants.build
    flags = tmp_path / "tiny.flags"
    flags.write_text("\n".join([
        "--model=vanilla_gan", f"--data_dir={FIXTURE_DIR}", "--batch_size=8", "--width=0.1",
        "--z_dim=8", "--log_every=2", "--summary_every=1000", "--checkpoint_every=2",
        "--eval_every=0", "--steps_per_call=2", "--sample_grid=2"]) + "\n")
    root = str(tmp_path / "runs")
    first = sweep.run_one(str(flags), 4, 0, [2.0], root, num_samples=100)
    # the run resumes at step 4: the extra averages come back from its checkpoint, or the
    # one with the config's c (10) would no longer equal the model's own (score checks it)
    record = sweep.run_one(str(flags), 6, 0, [2.0], root, num_samples=100)
    assert variants.build is build  # the package builds plain models again
    assert (first["steps"], record["steps"], record["own_warmup"]) == (4, 6, 10.0)
    assert sorted(record["fd"]) == ["10", "2"]
    assert record["fd"]["2"] != record["fd"]["10"] and record["raw_fd"] > 0
    names = tf.train.load_checkpoint(f"{root}/tiny-seed0/checkpoints/ckpt-6")
    assert any(name.startswith("average_warmup_2/") for name in
               names.get_variable_to_shape_map())
    sweep.save_results({f"{flags}|6|0": record})
    lines = sweep.report_lines(sweep.load_results())
    assert lines[lines.index("| c | averages about the last | FD | per seed | difference "
                             "from c = 10 |") + 2].startswith("| 2 | 8 steps | ")
    assert "| 10 (the config) | 2 steps |" in "\n".join(lines)


def test_a_warmup_of_one_or_less_is_refused(sweep, capsys):
    with pytest.raises(SystemExit) as exit_info:
        sweep.main(["--config=configs/quick_mnist.flags", "--steps=10", "--warmups=1,10"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "--warmups=1,10: give comma-separated numbers above 1, e.g. 3,5,10,20,40")
