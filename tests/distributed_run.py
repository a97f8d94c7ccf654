"""Run by test_distribution.py and test_every_model_outputs.py in a fresh process:
TensorFlow's devices must be set first.

    python tests/distributed_run.py compare DIR [D_STEPS]  # one device vs MirroredStrategy on
                                                 # 2 CPUs, each trained, resumed and trained on
    python tests/distributed_run.py every DIR [PART PARTS]  # every registered model (or every
                                                 # PARTS-th from PART) trains under mirrored,
                                                 # in mixed precision
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import COLOUR, FLOAT16_MODELS, random_arrays  # noqa: E402
from tfgan_mnist import config as config_lib  # noqa: E402
from tfgan_mnist import train  # noqa: E402

TWO_CPUS = ["/cpu:0", "/cpu:1"]


def tiny(workdir, **overrides):
    values = dict(workdir=workdir, train_steps=12, batch_size=8, width=0.1, z_dim=8,
                  log_every=4, summary_every=12, checkpoint_every=6, steps_per_call=4,
                  sample_grid=2)
    values.update(overrides)
    return config_lib.Config(**values)


def trained_weights(config, strategy):
    train.train(config.replace(train_steps=6), random_arrays())
    train.train(config, random_arrays())  # resumes from step 6 under the strategy
    run = train.prepare(config, random_arrays(), strategy=strategy)
    return [v.numpy() for v in run.model.trainable_variables]


def compare(scratch, d_steps):
    one = trained_weights(tiny(f"{scratch}/one", d_steps=d_steps), tf.distribute.get_strategy())
    mirrored = tf.distribute.MirroredStrategy(TWO_CPUS)
    original = train.make_strategy
    train.make_strategy = lambda config: mirrored
    try:
        two = trained_weights(tiny(f"{scratch}/two", d_steps=d_steps), mirrored)
    finally:
        train.make_strategy = original
    assert mirrored.num_replicas_in_sync == 2
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(one, two))
    print(f"max abs difference {worst:.3g}")
    assert worst < 1e-5, worst


def every_model(scratch, part=0, parts=1):
    """Each registered model (every `parts`-th, from `part`) trains four steps under
    MirroredStrategy on 2 CPUs in mixed precision (float16 with loss scaling for
    FLOAT16_MODELS, bfloat16 for the others) on the made-up 3-channel dataset and saves
    float32 weights, with a grid at steps 0, 2 and 4 (test_every_model_outputs.py takes
    the workdirs on).

    One tiny run per model checks both options: each alone is checked on one model
    (`compare` here, test_speed_options.py), and a model that breaks under either
    breaks here, named."""
    from tfgan_mnist import variants

    mirrored = tf.distribute.MirroredStrategy(TWO_CPUS)
    train.make_strategy = lambda config: mirrored
    for name in variants.names()[part::parts]:
        workdir = f"{scratch}/{name}"
        config = tiny(workdir, model=name, train_steps=4, steps_per_call=2, log_every=2,
                      summary_every=2, checkpoint_every=2, width=0.05,
                      mixed_precision="float16" if name in FLOAT16_MODELS else "bfloat16",
                      dataset=COLOUR.name)
        logs = train.train(config, COLOUR.load())
        assert logs and all(np.isfinite(float(v)) for v in logs.values()), (name, logs)
        assert os.path.exists(f"{workdir}/checkpoints/ckpt-4.index"), name
        reader = tf.train.load_checkpoint(f"{workdir}/checkpoints/ckpt-4")
        weights = {key: dtype for key, dtype in reader.get_variable_to_dtype_map().items()
                   if key.startswith(("model/", "averaged/")) and not dtype.is_integer}
        assert weights and set(weights.values()) == {tf.float32}, (name, weights)
        print(name, "trained under", type(mirrored).__name__, "in", config.mixed_precision,
              flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "every":
        every_model(sys.argv[2], *(int(arg) for arg in sys.argv[3:5]))
    else:
        compare(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    print("ok")
