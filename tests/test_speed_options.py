"""The speed options change how steps run, never what they compute (correctness only)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import random_arrays
from tfgan_mnist import config as config_lib
from tfgan_mnist import train


@pytest.fixture(autouse=True)
def float32_policy_afterwards():
    yield
    keras.mixed_precision.set_global_policy("float32")


def final_variables(config):
    train.train(config, random_arrays())
    return [v.numpy() for v in train.prepare(config, random_arrays()).model.variables]


def test_several_steps_per_call_give_the_same_weights_as_single_steps(tiny_config, tmp_path):
    single = final_variables(tiny_config.replace(workdir=str(tmp_path / "one"), steps_per_call=1))
    chunked = final_variables(tiny_config.replace(workdir=str(tmp_path / "ten"), steps_per_call=10))
    for a, b in zip(single, chunked):
        np.testing.assert_array_equal(a, b)


def test_mixed_precision_computes_in_bfloat16_and_keeps_float32_variables(tiny_config):
    logs = train.train(tiny_config.replace(mixed_precision=True), random_arrays())
    assert all(np.isfinite(v) for v in logs.values())
    run = train.prepare(tiny_config.replace(mixed_precision=True), random_arrays())
    assert {v.dtype for v in run.model.trainable_variables} == {"float32"}
    images = run.model(run.model.sample_latent(2))
    assert images.dtype == tf.bfloat16
    logits = run.model.discriminator(images)
    assert logits.dtype == tf.float32  # the layer the loss reads stays float32
    # every model trains in mixed precision: test_distribution.py (under MirroredStrategy)


def test_xla_compiled_steps_train(tiny_config):
    logs = train.train(tiny_config.replace(jit_compile=True, train_steps=10), random_arrays())
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v) for v in logs.values())


def test_mixed_precision_warns_where_bfloat16_is_emulated(tmp_path):
    from tfgan_mnist import config as config_lib
    from tfgan_mnist import train

    avx2_only = {"fma", "avx2", "avx512f"}
    assert train.bfloat16_is_fast(gpus=[], flags=avx2_only) is False
    assert train.bfloat16_is_fast(gpus=[], flags=avx2_only | {"avx512_bf16"}) is True
    assert train.bfloat16_is_fast(gpus=[], flags=avx2_only | {"amx_bf16"}) is True
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 fma\n")
    assert train.cpu_flags(str(cpuinfo)) == {"fpu", "sse", "avx2", "fma"}
    assert train.cpu_flags(str(tmp_path / "none")) is None
    mixed = config_lib.Config(mixed_precision=True)
    assert "--mixed_precision: this machine has no native bfloat16" in \
        train.precision_warning(mixed, fast=False)
    assert train.precision_warning(mixed, fast=True) is None
    assert train.precision_warning(mixed, fast=None) is None  # unknown: say nothing
    assert train.precision_warning(config_lib.Config(), fast=False) is None


def test_mixed_precision_where_fast_follows_the_machine():
    import keras

    where_fast = config_lib.Config(mixed_precision_where_fast=True)
    try:
        train.set_precision(where_fast, fast=True)
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        train.set_precision(where_fast, fast=False)  # emulated bfloat16: float32 instead
        assert keras.mixed_precision.global_policy().name == "float32"
        assert train.uses_bfloat16(config_lib.Config(mixed_precision=True), fast=False)
        assert not train.uses_bfloat16(config_lib.Config(), fast=True)
        assert train.precision_warning(where_fast, fast=False) is None  # it never slows down
    finally:
        keras.mixed_precision.set_global_policy("float32")

