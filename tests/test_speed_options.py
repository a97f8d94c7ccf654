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


def test_bfloat16_detection_gives_each_of_its_three_answers(tmp_path):
    from tfgan_mnist import machine

    avx512_no_bf16 = {"fma", "avx2", "avx512f"}  # Intel Ice Lake, AMD Zen 3
    assert machine.bfloat16_from_cpu_flags(avx512_no_bf16) == "emulated"
    assert machine.bfloat16_from_cpu_flags(avx512_no_bf16 | {"avx512_bf16"}) == "native"
    assert machine.bfloat16_from_cpu_flags(avx512_no_bf16 | {"amx_bf16"}) == "native"
    assert machine.bfloat16_from_cpu_flags(None) == "unknown"  # /proc/cpuinfo unreadable
    assert machine.bfloat16_from_gpus([(7, 5)]) == "emulated"  # a T4
    assert machine.bfloat16_from_gpus([(8, 0), (9, 0)]) == "native"
    assert machine.bfloat16_from_gpus([(8, 6), (7, 0)]) == "emulated"  # every GPU must be
    assert machine.bfloat16_from_gpus([(8, 0), None]) == "unknown"
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 fma\n")
    assert machine.cpu_flags(str(cpuinfo)) == {"fpu", "sse", "avx2", "fma"}
    assert machine.cpu_flags(str(tmp_path / "none")) is None
    for answer in ("native", "emulated", "unknown"):
        assert machine.bfloat16_support({"TFGAN_MNIST_BFLOAT16": answer}) == answer
    with pytest.raises(machine.MachineError) as raised:
        machine.bfloat16_support({"TFGAN_MNIST_BFLOAT16": "yes"})
    assert str(raised.value) == ("$TFGAN_MNIST_BFLOAT16=yes is not one of native, emulated, "
                                 "unknown (or unset: detect)")


def test_mixed_precision_warns_only_where_bfloat16_is_emulated():
    mixed = config_lib.Config(mixed_precision=True)
    assert "--mixed_precision: this machine has no native bfloat16" in \
        train.precision_warning(mixed, "emulated")
    assert train.precision_warning(mixed, "native") is None
    assert train.precision_warning(mixed, "unknown") is None  # unknown: say nothing
    assert train.precision_warning(config_lib.Config(), "emulated") is None


def test_mixed_precision_where_fast_follows_the_machine():
    where_fast = config_lib.Config(mixed_precision_where_fast=True)
    try:
        train.set_precision(where_fast, "native")
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        for slow_or_unknown in ("emulated", "unknown"):  # float32 unless known native
            train.set_precision(where_fast, slow_or_unknown)
            assert keras.mixed_precision.global_policy().name == "float32"
        assert train.uses_bfloat16(config_lib.Config(mixed_precision=True), "emulated")
        assert not train.uses_bfloat16(config_lib.Config(), "native")
        assert train.precision_warning(where_fast, "emulated") is None  # never slows down
    finally:
        keras.mixed_precision.set_global_policy("float32")
    # a config that names its precision never reads the machine
    assert train.machine_bfloat16(config_lib.Config()) == "unknown"


def test_a_run_says_first_where_and_how_it_computes():
    from tfgan_mnist import machine

    assert machine.describe_devices(gpus=[("Tesla T4", (7, 5)), ("A100", None)]) == (
        "GPU 0: Tesla T4 (compute capability 7.5), GPU 1: A100")
    assert machine.describe_devices(gpus=[], cpu="AMD EPYC", cores=1) == "CPU: AMD EPYC, 1 core"
    assert machine.cpu_model("/no/such/cpuinfo") == "CPU"
