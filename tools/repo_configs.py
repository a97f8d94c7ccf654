"""What the tools share: the config file that trains a model on a dataset, and the CPU's
description that goes with every figure they print."""

import glob
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tfgan_mnist.config import read_flagfile  # noqa: E402


def config_for(model, dataset="mnist"):
    """(flag values, path) of the config file for `model` on `dataset`, or ({model}, None).

    A file that names the dataset wins over one that leaves it at the default. The
    quick_*.flags configs (tuned for ten minutes, not a source's recipe) are never picked.
    """
    fallback = None
    for path in sorted(glob.glob(os.path.join(REPO_ROOT, "configs", "*.flags"))):
        if os.path.basename(path).startswith("quick_"):
            continue
        values = read_flagfile(path)
        if values.get("model") != model:
            continue
        if values.get("dataset", "mnist") == dataset:
            return values, path
        fallback = fallback or (values, path)
    if fallback:
        return {**fallback[0], "dataset": dataset}, fallback[1]
    return {"model": model, "dataset": dataset}, None


def cpu_description():
    """The CPU's model name and its bfloat16 matmul support, from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as handle:
            info = handle.read()
    except OSError:
        return "CPU model unknown"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                 if line.startswith("model name")), "CPU model unknown")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines()
                      if line.startswith("flags")), []))
    bf16 = ("AMX" if "amx_bf16" in flags else "AVX512-BF16, no AMX" if "avx512_bf16" in flags
            else "no bfloat16 instructions")
    return f"{name}, {bf16}"


def usable_cpus():
    """How many cores this process may run on (`taskset` narrows it; os.cpu_count() does
    not see that)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform
        return os.cpu_count()
