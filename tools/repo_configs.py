"""What the tools share: the config file that trains a model on a dataset, the CPU's
description that goes with every figure they print, and a child process that is stopped
the way the tool is."""

import glob
import json
import os
import signal
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tfgan_mnist.config import read_flagfile  # noqa: E402
# the machine's words for figures' headers, as the package's own device line uses them
from tfgan_mnist.machine import cpu_description  # noqa: E402,F401
from tfgan_mnist.machine import usable_cores as usable_cpus  # noqa: E402,F401


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




def read_results(path):
    """The JSON object a tool keeps its runs in, or {} where the file is not there yet."""
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)


def merge_results(path, results):
    """Merge `results` into the file (another process may have added runs) and write it
    whole: a temporary file, then renamed over it."""
    merged = {**read_results(path), **results}
    partial = path + ".partial"
    with open(partial, "w") as handle:
        json.dump(merged, handle, indent=1, sort_keys=True)
    os.replace(partial, path)


def check_config_and_steps(parser, config, steps):
    """Refuse (parser.error) a --config that is not a file or a --steps below 1: the two
    flags of a tool that trains a config for the steps an idle run of it makes."""
    if not config or not os.path.isfile(os.path.join(REPO_ROOT, config)):
        parser.error(f"--config: {config!r} is not a file; name a config, e.g. "
                     "configs/quick_mnist.flags")
    if not steps or steps < 1:
        parser.error("--steps: give the steps an idle 2-core run of the config makes, e.g. "
                     "--steps=2573 for configs/quick_mnist.flags")


def run_child(command, **kwargs):
    """subprocess.run(command, check=True, **kwargs), except that a SIGTERM or Ctrl-C
    this tool receives is passed on to the child as SIGTERM and the child is waited for.

    A training run stopped so saves a checkpoint and exits, and the tool's next call
    resumes it; without this a SIGTERM left the child training with no tool to record
    it, and Ctrl-C killed it within a quarter of a second, before its checkpoint. The
    tool then exits (status 1) with one line naming the signal.
    """
    child = subprocess.Popen(command, **kwargs)
    received = []

    def pass_on(signum, frame):
        received.append(signum)
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous = {signum: signal.signal(signum, pass_on)
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise SystemExit(f"{os.path.basename(sys.argv[0])}: stopped by "
                         f"{signal.Signals(received[0]).name}; the run it was training saved a "
                         "checkpoint: the same command again resumes it")
    if code:
        raise subprocess.CalledProcessError(code, command)
