"""The speed options change how steps run, never what they compute (correctness only)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import random_arrays
from tfgan_mnist import config as config_lib
from tfgan_mnist import precision, train


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


def test_mixed_precision_warns_only_where_it_is_slow():
    mixed = config_lib.Config(mixed_precision=True)
    assert "--mixed_precision: this machine has no native bfloat16" in \
        precision.precision_warning(mixed, "emulated")
    assert precision.precision_warning(mixed, "native") is None
    assert precision.precision_warning(mixed, "unknown") is None  # unknown: say nothing
    assert precision.precision_warning(config_lib.Config(), "emulated") is None
    half = config_lib.Config(mixed_precision="float16")
    assert precision.precision_warning(half, "unknown").startswith(
        "warning: --mixed_precision=float16 on a CPU: ")
    assert precision.precision_warning(half, "emulated", gpus=[("Tesla T4", (7, 5))]) is None


def test_mixed_precision_where_fast_follows_the_machine():
    where_fast = config_lib.Config(mixed_precision_where_fast=True)
    try:
        assert precision.set_precision(where_fast, "native") == "bfloat16"
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        for slow_or_unknown in ("emulated", "unknown"):  # float32 unless known native
            assert precision.set_precision(where_fast, slow_or_unknown) == "float32"
            assert keras.mixed_precision.global_policy().name == "float32"
        assert precision.set_precision(config_lib.Config(mixed_precision="float16",
                                                         mixed_precision_where_fast=True),
                                       "native") == "float16"  # a named precision wins
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
        assert precision.compute_precision(config_lib.Config(mixed_precision=True),
                                           "emulated") == "bfloat16"
        assert precision.compute_precision(config_lib.Config(), "native") == "float32"
        assert precision.precision_warning(where_fast, "emulated") is None  # never slows down
    finally:
        keras.mixed_precision.set_global_policy("float32")
    # a config that names its precision never reads the machine
    assert precision.machine_bfloat16(config_lib.Config()) == "unknown"
    assert precision.machine_bfloat16(config_lib.Config(mixed_precision="float16")) == "unknown"


def test_mixed_precision_is_spelled_as_before_or_by_name(monkeypatch):
    from tfgan_mnist import main

    spellings = {("--mixed_precision",): "bfloat16", ("--nomixed_precision",): "float32",
                 ("--mixed_precision=float16",): "float16", (): "float32",
                 ("--mixed_precision", "--mixed_precision=false"): "float32",
                 ("--mixed_precision=bfloat16",): "bfloat16"}
    try:
        for args, expected in spellings.items():
            main.FLAGS.unparse_flags()
            main.FLAGS(["prog", *args])
            assert main.config_from_flags().mixed_precision == expected, args
    finally:
        main.FLAGS.unparse_flags()
    # a config, run.flags or export from before the flag took a value
    assert config_lib.Config(mixed_precision=True).mixed_precision == "bfloat16"
    assert config_lib.Config.from_strings({"mixed_precision": "False"}).mixed_precision == \
        "float32"
    with pytest.raises(config_lib.ConfigError) as raised:
        config_lib.Config(mixed_precision="half")
    assert str(raised.value) == ("--mixed_precision=half: give one of float32, bfloat16, "
                                 "float16 (--mixed_precision alone is bfloat16, "
                                 "--nomixed_precision float32)")


def test_float16_scales_the_loss_and_skips_a_step_that_overflows():
    """Through the shared update (`GenerativeModel.apply_update`): a step whose scaled
    gradients overflow float16 changes no weight and halves the scale; a good step
    changes the weights and counts toward growing it."""
    from tfgan_mnist import variants

    config = config_lib.Config(width=0.05, z_dim=4, batch_size=4, mixed_precision="float16")
    try:
        precision.set_precision(config, "unknown")
        model = variants.build(config)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    optimizer = model.d_optimizer
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.discriminator.compute_dtype == "float16"
    assert {v.dtype for v in model.d_variables} == {"float32"}
    images = tf.zeros((4, 28, 28, 1))
    labels = tf.zeros((4,), tf.int32)
    scale = float(optimizer.dynamic_scale.numpy())
    before = [v.numpy() for v in model.d_variables]

    def overflowing(images, labels):  # 1e4 x D's outputs: scaled, beyond float16's 65504
        outputs = model.discriminate(model.discriminator, images, training=True)
        return 1e4 * tf.reduce_sum(tf.cast(outputs, tf.float32)), {}

    model.apply_update(overflowing, optimizer, model.d_variables, images, labels)
    assert float(optimizer.dynamic_scale.numpy()) == scale / 2
    for a, v in zip(before, model.d_variables):
        np.testing.assert_array_equal(a, v.numpy())
    model.apply_update(model.discriminator_phase, optimizer, model.d_variables, images, labels)
    assert float(optimizer.dynamic_scale.numpy()) == scale / 2
    assert int(optimizer.step_counter.numpy()) == 1
    assert any(not np.array_equal(a, v.numpy()) for a, v in zip(before, model.d_variables))


@pytest.mark.long(seconds=12)
def test_a_run_resumes_across_precisions_with_adam_and_the_loss_scale(tiny_config):
    """Checkpoints keep Adam's state under the optimizer's name in every precision (the
    one inside float16's LossScaleOptimizer), the loss scale beside it."""
    config = tiny_config.replace(train_steps=4, checkpoint_every=2)
    train.train(config, random_arrays())
    half = config.replace(mixed_precision="float16", train_steps=6)
    assert all(np.isfinite(v) for v in train.train(half, random_arrays()).values())
    reader = tf.train.load_checkpoint(f"{config.workdir}/checkpoints/ckpt-6")
    names = reader.get_variable_to_shape_map()
    assert any(name.startswith("d_optimizer_loss_scale/scale") for name in names)
    run = train.prepare(half, random_arrays())
    assert run.restored_from.endswith("ckpt-6")
    assert int(run.model.g_optimizer.iterations.numpy()) == 6  # Adam's count went on
    assert 0 < float(run.model.g_optimizer.dynamic_scale.numpy()) <= 2.0 ** 15
    keras.mixed_precision.set_global_policy("float32")
    logs = train.train(config.replace(train_steps=8), random_arrays())  # and back to float32
    assert all(np.isfinite(v) for v in logs.values())
    run = train.prepare(config.replace(train_steps=8), random_arrays())
    assert int(run.model.g_optimizer.iterations.numpy()) == 8


def test_a_run_says_first_where_and_how_it_computes():
    from tfgan_mnist import machine

    assert machine.describe_devices(gpus=[("Tesla T4", (7, 5)), ("A100", None)]) == (
        "GPU 0: Tesla T4 (compute capability 7.5), GPU 1: A100")
    assert machine.describe_devices(gpus=[], cpu="AMD EPYC", cores=1) == "CPU: AMD EPYC, 1 core"
    assert machine.cpu_model("/no/such/cpuinfo") == "CPU"
