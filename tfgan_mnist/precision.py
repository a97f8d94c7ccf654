"""The precision a run computes in, and what goes with it: Keras' dtype policy, loss
scaling for float16, the warning where a precision is slow, and the run's first line.

Three precisions, named by `--mixed_precision`:

- "float32": everything in float32 (the default; `--nomixed_precision`);
- "bfloat16": Keras' `mixed_bfloat16` policy, layers compute in bfloat16 with float32
  variables (`--mixed_precision` alone, as before the flag took a value). bfloat16 has
  float32's range, so it needs no loss scaling. Fast where the hardware has it: CPUs with
  AMX or AVX512_BF16, NVIDIA GPUs of compute capability 8.0 or newer (A100, RTX 30xx, L4,
  H100);
- "float16": Keras' `mixed_float16` policy with dynamic loss scaling
  (a `keras.optimizers.LossScaleOptimizer` around every optimizer, `precision_optimizer`),
  for the GPUs without bfloat16 that have float16 tensor cores: compute capability 7.x
  (V100, T4, RTX 20xx). float16 overflows above 65504 and underflows below 6e-8, which is
  why each loss is multiplied by a scale before differentiating and the gradients divided
  by it after; a step whose scaled gradients overflow is skipped and the scale halved,
  and the scale doubles after 2,000 good steps (Keras' defaults).

In both mixed policies variables, losses, gradient penalties and the averaged generator
stay float32 (`losses` casts every network output to float32 before using it).

The machine's answers are arguments (`bfloat16`, from `machine.bfloat16_support()`;
`gpus`, from `machine.gpu_names()`), so a test can say what the machine is.
"""

from tfgan_mnist import machine

FLOAT32, BFLOAT16, FLOAT16 = "float32", "bfloat16", "float16"
PRECISIONS = (FLOAT32, BFLOAT16, FLOAT16)
# --mixed_precision's older boolean spellings (flagfiles, run.flags and exports written
# before it took a value) and their meanings.
ALIASES = {"true": BFLOAT16, "1": BFLOAT16, "yes": BFLOAT16,
           "false": FLOAT32, "0": FLOAT32, "no": FLOAT32, "": FLOAT32}
POLICIES = {FLOAT32: "float32", BFLOAT16: "mixed_bfloat16", FLOAT16: "mixed_float16"}
WORDS = {FLOAT32: "float32", BFLOAT16: "mixed bfloat16",
         FLOAT16: "mixed float16 with loss scaling"}


def canonical(value):
    """The precision `value` names (one of PRECISIONS, a boolean or its text), or a
    ValueError naming the valid spellings."""
    if isinstance(value, bool):
        return BFLOAT16 if value else FLOAT32
    text = str(value).strip().lower()
    if text in PRECISIONS:
        return text
    if text in ALIASES:
        return ALIASES[text]
    raise ValueError(f"{value!r} is not a precision: give one of {', '.join(PRECISIONS)} "
                     "(--mixed_precision alone is bfloat16, --nomixed_precision float32)")


def compute_precision(config, bfloat16):
    """What a run of `config` computes in on a machine whose bfloat16 answer is `bfloat16`:
    --mixed_precision's value, or with --mixed_precision_where_fast (and no
    --mixed_precision) bfloat16 where it is native, float32 elsewhere."""
    chosen = canonical(config.mixed_precision)
    if chosen == FLOAT32 and config.mixed_precision_where_fast and bfloat16 == machine.NATIVE:
        return BFLOAT16
    return chosen


def set_precision(config, bfloat16):
    """Set Keras' global dtype policy for the models built next; return the precision."""
    import keras

    chosen = compute_precision(config, bfloat16)
    keras.mixed_precision.set_global_policy(POLICIES[chosen])
    return chosen


def machine_bfloat16(config):
    """This machine's bfloat16 answer where `config` depends on it, else "unknown" without
    looking (a config that names its precision needs no detection)."""
    if canonical(config.mixed_precision) == BFLOAT16 or config.mixed_precision_where_fast:
        return machine.bfloat16_support()
    return machine.UNKNOWN


def precision_warning(config, bfloat16, gpus=()):
    """A warning line when the chosen precision will be slower than float32 here, else
    None. `bfloat16`: the machine's answer (only "emulated" warns; "unknown" says nothing);
    `gpus`: the visible GPUs' names (float16 warns on a CPU)."""
    chosen = canonical(config.mixed_precision)
    if chosen == BFLOAT16 and bfloat16 == machine.EMULATED:
        return ("warning: --mixed_precision: this machine has no native bfloat16 (a CPU "
                "without AVX512_BF16 or AMX, or a GPU older than compute capability 8.0), so "
                "TensorFlow emulates it and training runs several times slower than in "
                "float32; drop --mixed_precision (or pass --nomixed_precision after a "
                "flagfile that sets it), or on a GPU of compute capability 7.x give "
                "--mixed_precision=float16")
    if chosen == FLOAT16 and not gpus:
        return ("warning: --mixed_precision=float16 on a CPU: TensorFlow computes most "
                "float16 ops there by converting to float32 and back, slower than float32; "
                "float16 is for GPUs without bfloat16 (compute capability 7.x, e.g. a T4). "
                "Give --nomixed_precision")
    return None


def precision_optimizer(optimizer, chosen):
    """`optimizer`, wrapped in a LossScaleOptimizer (dynamic loss scaling) when the run
    computes in float16."""
    if canonical(chosen) == FLOAT16:
        return _loss_scale_optimizer_class()(optimizer)
    return optimizer


_CLASS = []


def _loss_scale_optimizer_class():
    """Keras' LossScaleOptimizer, deciding to skip a step for every replica at once.

    Keras checks each replica's own gradients before they are summed, so under
    MirroredStrategy one replica whose gradients overflowed could skip the update while
    another applied the sum, overflow included (a BEGAN in float16 on 2 replicas had NaN
    weights after two steps). Here the replicas agree: all apply, or all skip. Made on
    first use, so that importing this module does not import Keras."""
    if not _CLASS:
        import keras
        import tensorflow as tf

        class ReplicaLossScaleOptimizer(keras.optimizers.LossScaleOptimizer):
            def check_finite(self, grads):
                finite = super().check_finite(grads)
                context = tf.distribute.get_replica_context()
                if context is None or context.num_replicas_in_sync == 1:
                    return finite
                overflowed = 1.0 - tf.cast(finite, tf.float32)  # 1 where a replica's did
                return context.all_reduce(tf.distribute.ReduceOp.SUM, overflowed) < 0.5

        _CLASS.append(ReplicaLossScaleOptimizer)
    return _CLASS[0]


def unscaled(optimizer):
    """The optimizer that holds the update's state (Adam's moments): the one inside a
    LossScaleOptimizer, else `optimizer` itself. Checkpoints store this one under the
    optimizer's name, so runs resume across precisions."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def loss_scale_state(optimizer):
    """The loss scale and its counter of a LossScaleOptimizer as a checkpointable dict
    (empty for any other optimizer)."""
    if not hasattr(optimizer, "dynamic_scale"):
        return {}
    return {"scale": optimizer.dynamic_scale, "good_steps": optimizer.step_counter}


def device_line(config, bfloat16, replicas, devices=None):
    """The run's first line: where and how it computes ("is it on the GPU?").
    `devices`: `machine.describe_devices()`'s words (None: ask)."""
    devices = machine.describe_devices() if devices is None else devices
    return (f"device: {devices}; {replicas} replica(s); "
            f"precision: {WORDS[compute_precision(config, bfloat16)]}; "
            f"XLA: {'on' if config.jit_compile else 'off'}")
