"""config.py: Config's checks and its flagfile round trip."""

import pytest

from tfgan_mnist import config as config_lib
from tfgan_mnist import variants


def test_config_errors_name_the_field_and_what_is_valid():
    with pytest.raises(config_lib.ConfigError, match=r"^--batch_size=0: must be positive$"):
        config_lib.Config(batch_size=0)
    with pytest.raises(config_lib.ConfigError, match=r"--beta1=1.5: must be in \[0, 1\)"):
        config_lib.Config(beta1=1.5)
    with pytest.raises(config_lib.ConfigError, match=r"--model=nope: valid models: .*vanilla_gan"):
        variants.build(config_lib.Config(model="nope"))  # the flag's enum checks it too
    with pytest.raises(config_lib.ConfigError, match=r"--dataset=cifar: valid values: mnist, fashion_mnist"):
        config_lib.Config(dataset="cifar")


def test_config_reads_back_from_its_own_flagfile_lines(tmp_path):
    config = config_lib.Config(batch_size=7, beta1=0.5, mixed_precision=True, workdir="x")
    path = tmp_path / "run.flags"
    path.write_text("# a comment\n" + config.to_flags())
    assert config_lib.Config.from_strings(config_lib.read_flagfile(path)) == config
    path.write_text("--jit_compile\n--nomixed_precision\n--nodownload_missing_flag\n")
    assert config_lib.read_flagfile(path) == {"jit_compile": "true", "mixed_precision": "false"}
    with pytest.raises(config_lib.ConfigError, match=r"^--batch_size=lots: must be a number"):
        config_lib.Config.from_strings({"batch_size": "lots"})
    with pytest.raises(config_lib.ConfigError, match=r"^--colour=red: no such setting"):
        config_lib.Config.from_strings({"colour": "red"})
