"""Every shipped config parses with the real flags, names a registered model, and fits it."""

import glob
import os

import pytest

from conftest import REPO_ROOT
from tfgan_mnist import main, variants

CONFIGS = sorted(glob.glob(str(REPO_ROOT / "configs" / "*.flags")))


@pytest.mark.parametrize("path", CONFIGS, ids=[os.path.basename(p) for p in CONFIGS])
def test_config_parses_names_a_registered_model_and_sets_only_its_options(path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)  # flagfiles include each other relative to the root
    main.FLAGS.unparse_flags()
    try:
        main.FLAGS(["tfgan_mnist.main", f"--flagfile={path}"])
        config = main.config_from_flags()
        assert config.model in variants.names()
        main.check_options_fit_the_model(config)  # exits on a flag of another model
    finally:
        main.FLAGS.unparse_flags()
    first_lines = open(path).read().splitlines()[:12]
    assert any("python -m tfgan_mnist.main --flagfile=configs/" in line for line in first_lines)


def test_every_registered_model_has_a_config():
    named = set()
    for path in CONFIGS:
        for line in open(path):
            if line.startswith("--model="):
                named.add(line.strip().split("=", 1)[1])
    assert set(variants.names()) <= named, set(variants.names()) - named


def test_a_flag_of_another_model_is_refused(capsys):
    main.FLAGS.unparse_flags()
    try:
        main.FLAGS(["tfgan_mnist.main", "--model=vanilla_gan", "--gp_weight=10"])
        with pytest.raises(SystemExit) as stop:
            main.check_options_fit_the_model(main.config_from_flags())
    finally:
        main.FLAGS.unparse_flags()
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "error: --gp_weight is used only by wgan_gp, dragan; --model=vanilla_gan does not use it")
