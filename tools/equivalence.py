"""What every registered model computes, step by step, as numbers to compare across a change.

    python tools/equivalence.py --out=/tmp/before.json        # record
    python tools/equivalence.py --compare=/tmp/before.json    # record again and compare

Each model is built from its own config file with tiny widths (the same
overrides for all), trained 20 steps on fixed random images with fixed seeds,
one compiled `train_step` call per step. Recorded: every step's logged values
(the running means the trainer reads) and, for every variable of the model
at the end (weights, batch-norm statistics, optimizer slots not included),
its SHA-256 and its sum and root mean square. `--compare` says for each model
whether it is bit-identical, equal to float32 round-off (relative difference
at most --rtol in every number), or different, and exits 1 on a difference.
A name logged now but not before, or a variable that is new (the averaged
generator's), is listed, not counted as a difference: what was computed
before must be computed the same.
Run it before and after a change that must not change what the models
compute (an engine refactor, a move of network code).
"""

import argparse
import hashlib
import json
import os
import sys

from repo_configs import config_for

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_mnist import config as config_lib  # noqa: E402
from tfgan_mnist import pipeline, registry, train, variants  # noqa: E402

STEPS = 20
TINY = dict(width=0.05, batch_size=8, seed=7, mixed_precision=False, jit_compile=False,
            deterministic=True)


def tiny_config(model):
    """The model's config file with the tiny overrides."""
    values, _ = config_for(model)
    values = {key: value for key, value in values.items() if key not in ("workdir", "data_dir")}
    return config_lib.Config.from_strings(values).replace(**TINY)


def record_model(name):
    """{"logs": [{metric: value} per step], "variables": {path: {sha256, sum, rms}}}."""
    config = tiny_config(name)
    keras.backend.clear_session()  # layer names (and so variable paths) start afresh
    train.set_seeds(config)
    train.set_precision(config, "unknown")  # TINY computes in float32 on every machine
    # registry.build: the code before variants.build existed, so the same tool records
    # an older tree (run it there with PYTHONPATH pointing at that tree).
    model = (variants.build if hasattr(variants, "build") else registry.build)(config)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (256, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 256).astype(np.int64)
    if hasattr(model, "set_reference_images"):
        model.set_reference_images(images[:64], labels[:64])
    sampler = pipeline.InMemorySampler(images, labels, config.batch_size * config.d_steps,
                                       model.image_range, seed=config.seed)
    step = tf.function(lambda: model.train_step(sampler.next_batch()))
    logs = []
    for _ in range(STEPS):
        means = step()
        logs.append({key: float(value) for key, value in means.items()})
    variables, seen = {}, {}
    for variable in model.variables:
        value = np.asarray(variable.numpy())
        # Paths repeat (SAGAN's attention layers in G and D): number the repeats in order.
        count = seen[variable.path] = seen.get(variable.path, -1) + 1
        key = variable.path if count == 0 else f"{variable.path}#{count}"
        variables[key] = {
            "sha256": hashlib.sha256(value.tobytes()).hexdigest(),
            "sum": float(value.astype(np.float64).sum()),
            "rms": float(np.sqrt(np.mean(value.astype(np.float64) ** 2))) if value.size else 0.0}
    return {"config": {key: getattr(config, key) for key in TINY}, "logs": logs,
            "variables": variables}


def close(a, b, rtol):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-6)


def compare_model(before, after, rtol):
    """("identical" | "round-off" | "different", detail)."""
    missing = sorted(set(before["variables"]) - set(after["variables"]))
    if missing:
        return "different", f"variables gone: {missing[:4]}"
    new_variables = sorted(set(after["variables"]) - set(before["variables"]))
    if len(before["logs"]) != len(after["logs"]) or any(
            not set(a) <= set(b) for a, b in zip(before["logs"], after["logs"])):
        return "different", "a logged name is gone"
    added = sorted(set(after["logs"][0]) - set(before["logs"][0]))
    note = f" (new logs: {', '.join(added)})" if added else ""
    if new_variables:
        note += f" ({len(new_variables)} new variables, e.g. {new_variables[0]})"
    common = [{key: b[key] for key in a} for a, b in zip(before["logs"], after["logs"])]
    identical = all(before["variables"][p]["sha256"] == after["variables"][p]["sha256"]
                    for p in before["variables"]) and before["logs"] == common
    if identical:
        return "identical", note.strip()
    worst, where = 0.0, ""
    for step, (a, b) in enumerate(zip(before["logs"], after["logs"]), start=1):
        for key in a:
            difference = abs(a[key] - b[key]) / max(abs(a[key]), abs(b[key]), 1e-6)
            if difference > worst:
                worst, where = difference, f"step {step} {key}"
    for path, a in before["variables"].items():
        b = after["variables"][path]
        for key in ("sum", "rms"):
            difference = abs(a[key] - b[key]) / max(abs(a[key]), abs(b[key]), 1e-6)
            if difference > worst:
                worst, where = difference, f"{path} {key}"
    verdict = "round-off" if worst <= rtol else "different"
    return verdict, f"largest relative difference {worst:.2e} ({where}){note}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="write the record here (JSON)")
    parser.add_argument("--compare", help="a record to compare this one with")
    parser.add_argument("--models", help="comma-separated; default every registered model")
    parser.add_argument("--rtol", type=float, default=1e-5,
                        help="relative difference that still counts as float32 round-off")
    args = parser.parse_args()
    names = args.models.split(",") if args.models else (
        variants.names() if hasattr(variants, "names") else registry.names())
    record = {}
    for name in names:
        record[name] = record_model(name)
        print(f"{name}: recorded", flush=True)
    if args.out:
        with open(args.out, "w") as file:
            json.dump(record, file, indent=1, sort_keys=True)
    if not args.compare:
        return 0
    with open(args.compare) as file:
        before = json.load(file)
    failed = False
    for name in names:
        if name not in before:
            print(f"{name}: new (not in {args.compare})")
            continue
        verdict, detail = compare_model(before[name], record[name], args.rtol)
        failed |= verdict == "different"
        print(f"{name}: {verdict}" + (f"; {detail}" if detail else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
