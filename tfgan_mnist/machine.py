"""What this machine can do, read once and passed on as plain values.

The rest of the package takes these answers as arguments (`precision.set_precision(config,
bfloat16)`), so a caller, or a test, can say what the machine is instead of having it
read: only the functions here look at the hardware.

bfloat16 support is one of three answers:

- "native": the hardware computes bfloat16 (a CPU with AVX512_BF16 or AMX, a GPU of
  compute capability 8.0 or newer);
- "emulated": TensorFlow emulates it, several times slower than float32 (most laptop
  CPUs, every AMD CPU before Zen 4, GPUs before Ampere);
- "unknown": it cannot be told (no readable /proc/cpuinfo, a GPU that does not report
  its compute capability).

$TFGAN_MNIST_BFLOAT16 (one of the three) overrides the detection, for a virtual machine
that hides its CPU flags, or to run as if on another machine.
"""

import os

NATIVE, EMULATED, UNKNOWN = "native", "emulated", "unknown"
BFLOAT16_ANSWERS = (NATIVE, EMULATED, UNKNOWN)
BFLOAT16_ENV = "TFGAN_MNIST_BFLOAT16"
NATIVE_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


class MachineError(ValueError):
    """A setting about the machine that cannot be used (e.g. a bad $TFGAN_MNIST_BFLOAT16)."""


def cpu_flags(path="/proc/cpuinfo"):
    """The CPU's feature flags (Linux), or None where they cannot be read."""
    try:
        with open(path) as file:
            for line in file:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def bfloat16_from_cpu_flags(flags):
    """The answer for a CPU with these feature flags (None: they could not be read)."""
    if flags is None:
        return UNKNOWN
    return NATIVE if flags & NATIVE_CPU_FLAGS else EMULATED


def bfloat16_from_gpus(capabilities):
    """The answer for GPUs of these compute capabilities ((major, minor), or None where a
    GPU does not report one): native only if every GPU is Ampere (8.0) or newer."""
    if any(capability is None for capability in capabilities):
        return UNKNOWN
    return NATIVE if all(tuple(c) >= (8, 0) for c in capabilities) else EMULATED


def bfloat16_support(environ=None):
    """This machine's bfloat16 answer: $TFGAN_MNIST_BFLOAT16 if set, else the visible GPUs'
    (where TensorFlow sees any), else the CPU's flags."""
    environ = os.environ if environ is None else environ
    forced = environ.get(BFLOAT16_ENV, "")
    if forced:
        if forced not in BFLOAT16_ANSWERS:
            raise MachineError(f"${BFLOAT16_ENV}={forced} is not one of "
                               f"{', '.join(BFLOAT16_ANSWERS)} (or unset: detect)")
        return forced
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return bfloat16_from_gpus(
            [tf.config.experimental.get_device_details(gpu).get("compute_capability")
             for gpu in gpus])
    return bfloat16_from_cpu_flags(cpu_flags())


def cpu_model(path="/proc/cpuinfo"):
    """The CPU's model name from `path`, or "CPU" where it cannot be read."""
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "CPU"


def cpu_description(path="/proc/cpuinfo"):
    """The CPU's model name and its bfloat16 matmul support, for the headers of measured
    figures: "AMD EPYC, AVX512-BF16, no AMX"."""
    flags = cpu_flags(path) or set()
    bf16 = ("AMX" if "amx_bf16" in flags else "AVX512-BF16, no AMX" if "avx512_bf16" in flags
            else "no bfloat16 instructions")
    return f"{cpu_model(path)}, {bf16}"


def usable_cores():
    """The cores this process may run on (`taskset` narrows them; os.cpu_count() does not
    see that)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def visible_gpus():
    """[(name, (major, minor) or None)] of the GPUs TensorFlow sees (none: [])."""
    import tensorflow as tf

    gpus = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        gpus.append((details.get("device_name", gpu.name), details.get("compute_capability")))
    return gpus


def describe_devices(gpus=None, cpu=None, cores=None):
    """What a run computes on, in words: "GPU 0: NVIDIA T4 (compute capability 7.5)", or
    "CPU: AMD EPYC, 2 cores". `gpus`: [(name, (major, minor) or None)] (None: ask
    TensorFlow for the visible ones, `visible_gpus`)."""
    gpus = visible_gpus() if gpus is None else gpus
    if gpus:
        return ", ".join(f"GPU {index}: {name}" + (
            f" (compute capability {capability[0]}.{capability[1]})" if capability else "")
            for index, (name, capability) in enumerate(gpus))
    cores = usable_cores() if cores is None else cores
    return f"CPU: {cpu or cpu_model()}, {cores} core{'s' if cores != 1 else ''}"
