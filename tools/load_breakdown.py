"""Which part of our training step loses speed when the CPU is shared: ours with parts
switched off against a plain TF2 script of the same networks, idle and under load.

    python tools/load_breakdown.py [--load=3] [--load_kind=spin|matmul] [--repeats=5]

Settings (the collection `gan`, its config, float32): the plain script
(`reference_loops.plain_collection_gan`), ours as the trainer compiles it
(a multi-step in-graph loop, averaged weights, frozen statistics, trackers),
ours without the averaged generator (--ema_decay=0), ours called one step at
a time from Python as the plain script is, and both switched off. Each round
times every setting idle and then with the busy processes running
(`benchmark.BusyProcesses`). Prints a Markdown table of medians and ratios to
the plain script. The trainer's other work (summaries, checkpoints) is not in
these steps; docs/benchmarks.md measures it separately.
"""

import argparse
import statistics
import tempfile

import benchmark as bench  # sets up sys.path and a quiet TensorFlow import
import tensorflow as tf

from reference_loops import plain_collection_gan
from repo_configs import config_for
from tfgan_mnist import config as config_lib, data, train


def ours(values, arrays, per_call=None, **overrides):
    """A Timer of our compiled step function for the config `values` with `overrides`."""
    config = config_lib.Config.from_strings(
        {**values, "workdir": tempfile.mkdtemp(dir=bench._SCRATCH.name), **overrides})
    run = train.prepare(config, arrays)
    run_steps = train.make_step_function(run.model, run.sampler, config.jit_compile)
    if per_call:
        return bench.Timer(lambda count: sum(int(run_steps(tf.constant(per_call)))
                                             for _ in range(count // per_call)), 10)
    return bench.Timer(lambda count: int(run_steps(tf.constant(count))), 10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load", type=int, default=3)
    parser.add_argument("--load_kind", choices=sorted(bench.BUSY_PROGRAMS), default="spin")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    arrays = data.load_arrays("mnist")
    values, _ = config_for("gan", "mnist")
    timers = {
        "plain TF2 script": bench.Timer(plain_collection_gan(arrays.train_images), 10),
        "ours": ours(values, arrays),
        "ours, no averaged G": ours(values, arrays, ema_decay=0.0),
        "ours, one step a call": ours(values, arrays, per_call=1),
        "ours, one step a call, no averaged G": ours(values, arrays, per_call=1,
                                                     ema_decay=0.0),
    }
    idle = {name: [] for name in timers}
    loaded = {name: [] for name in timers}
    for _ in range(args.repeats):
        for name, timer in timers.items():
            timer.time_once(idle[name])
        with bench.BusyProcesses(args.load, args.load_kind):
            for name, timer in timers.items():
                timer.time_once(loaded[name])
    plain_idle = statistics.median(idle["plain TF2 script"])
    plain_loaded = statistics.median(loaded["plain TF2 script"])
    print(f"{bench.cpu_description()}; {args.load} busy processes ({args.load_kind}), "
          f"medians of {args.repeats} rounds\n")
    print("| setting | idle steps/s | vs plain | loaded steps/s | vs plain |\n"
          "| --- | --- | --- | --- | --- |")
    for name in timers:
        i, l = statistics.median(idle[name]), statistics.median(loaded[name])
        print(f"| {name} | {i:.2f} | {i / plain_idle:.2f}x | {l:.2f} | {l / plain_loaded:.2f}x |",
              flush=True)


if __name__ == "__main__":
    main()
