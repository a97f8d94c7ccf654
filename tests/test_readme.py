"""Every command and Python block of the README's "Using a trained model" runs as written.

The main command trains `configs/gan.flags` into `runs/gan`; here the same
flagfile trains a tiny run (fewer steps, a narrow network, the fixture's
images) into `runs/gan` under a temporary working folder, and then each
command the README shows is run in this process, from that folder, exactly
as the README spells it. The one substitution: the README's export step,
10000 (the config's last step), becomes the tiny run's.
"""

import io
import re
import shlex

import numpy as np
import pytest

from conftest import FIXTURE_DIR, REPO_ROOT
from tfgan_mnist import config as config_lib
from tfgan_mnist import evaluate, export, pictures, sample, train

TINY_STEPS = 20
PROGRAMS = {"sample": sample, "evaluate": evaluate, "pictures": pictures, "export": export}


def readme_section():
    text = (REPO_ROOT / "README.md").read_text()
    return text.split("## Using a trained model", 1)[1].split("\n## ", 1)[0]


def readme_commands(section):
    """The `python -m tfgan_mnist.<program> ...` lines of the section, in order."""
    return [line.strip() for line in section.splitlines()
            if line.startswith("    python -m tfgan_mnist.")]


def readme_python_blocks(section):
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A working folder holding runs/gan, trained from configs/gan.flags, tiny."""
    folder = tmp_path_factory.mktemp("newcomer")
    flags = config_lib.read_flagfile(str(REPO_ROOT / "configs" / "gan.flags"))
    config = config_lib.Config.from_strings(flags).replace(
        workdir=str(folder / flags["workdir"]), data_dir=str(FIXTURE_DIR),
        train_steps=TINY_STEPS, width=0.05, log_every=10, summary_every=10,
        checkpoint_every=10, jit_compile=False)
    train.train(config, out=io.StringIO())
    return folder


def test_readme_lists_the_commands_that_use_a_trained_run():
    commands = readme_commands(readme_section())
    assert {shlex.split(c)[2].split(".")[1] for c in commands} == set(PROGRAMS)
    assert all("runs/gan" in c for c in commands)  # the main command's workdir


def test_every_readme_command_runs_as_written_after_the_main_command(trained, monkeypatch,
                                                                     capsys):
    monkeypatch.chdir(trained)
    section = readme_section()
    for command in readme_commands(section):
        words = shlex.split(command)
        program = PROGRAMS[words[2].split(".")[1]]
        code = 0
        try:
            program.main([words[2], *words[3:]])
        except SystemExit as exit_:
            code = exit_.code
        captured = capsys.readouterr()
        assert code in (0, None), (command, captured.err)
        assert "error" not in captured.err, (command, captured.err)
    assert (trained / "runs/gan/samples.npz").exists()
    assert (trained / "runs/gan/export" / str(TINY_STEPS) / "saved_model.pb").exists()
    assert sorted(p.name for p in (trained / "runs/gan/pictures").iterdir()) == [
        "grid.gif", "interpolate.png", "losses.png"]
    for block in readme_python_blocks(section):
        namespace = {}
        code = block.replace("export/10000", f"export/{TINY_STEPS}")
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
        if "images" in namespace:
            assert np.asarray(namespace["images"]).shape == (16, 28, 28)
            assert np.asarray(namespace["images"]).dtype == np.uint8
        if "samples" in namespace:  # the fit() example
            assert int(namespace["model"].step.numpy()) == 4  # 256 images / batch 64, one epoch
