"""Train the TensorFlow tutorial's own DCGAN loop, then draw and score its samples.

    python tools/dcgan_reference.py --steps=1170 --out=/tmp/tutorial-dcgan [--dataset=mnist]
        [--mixed_precision] [--every=234]

The loop is `reference_loops.tutorial_dcgan` (tensorflow/docs,
tutorials/generative/dcgan.ipynb: its Sequential networks, its two-tape
`train_step`, its shuffled tf.data batches of 256, Adam(1e-4)). Every
`--every` steps and at the end it saves `<out>/grid-<step>.png`, 64 samples
of one fixed noise (generator in inference mode, as the tutorial draws
them), then scores 10,000 samples with the metrics of `tfgan_mnist.evaluate`
and writes them to `<out>/metrics.json`. Put beside a `tfgan_mnist.main`
run of `configs/dcgan.flags` for the same number of steps, it shows whether
our `dcgan` learns as the tutorial does.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tfgan_mnist.cli import quiet_tensorflow_import  # noqa: E402

quiet_tensorflow_import()

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import reference_loops  # noqa: E402
from tfgan_mnist import data, evaluate, summaries  # noqa: E402


def to_uint8(images):
    """Tanh outputs in [-1, 1] -> uint8 pixels (N, 28, 28)."""
    images = np.asarray(tf.cast(images, tf.float32))[..., 0]
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1170)
    parser.add_argument("--every", type=int, default=234)
    parser.add_argument("--dataset", default="mnist", choices=("mnist", "fashion_mnist"))
    parser.add_argument("--out", required=True, help="folder for the grids and metrics.json")
    parser.add_argument("--mixed_precision", action="store_true",
                        help="the mixed_bfloat16 Keras policy, as our --mixed_precision")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.steps < 1 or args.every < 1:
        parser.error(f"--steps and --every must be at least 1, not {args.steps}, {args.every}")
    if args.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    os.makedirs(args.out, exist_ok=True)

    arrays = data.load_arrays(args.dataset)
    step, generator = reference_loops.tutorial_dcgan_with_generator(
        arrays.train_images, seed=args.seed)
    grid_noise = tf.random.stateless_normal([64, 100], seed=[args.seed, 1234])
    started, done = time.perf_counter(), 0
    while done < args.steps:
        count = min(args.every, args.steps - done)
        step(count)
        done += count
        path = os.path.join(args.out, f"grid-{done:05d}.png")
        summaries.save_grid_png(path, to_uint8(generator(grid_noise, training=False)), 8, 8,
                                title=f"tutorial DCGAN on {args.dataset}, step {done}")
        print(f"step {done}/{args.steps}  {done / (time.perf_counter() - started):.2f} steps/s",
              flush=True)
    seconds = time.perf_counter() - started

    network, test, reference = evaluate.embed_test_set(args.dataset)
    samples = [to_uint8(generator(tf.random.stateless_normal([500, 100], seed=[args.seed, i]),
                                  training=False)) for i in range(20)]
    result = evaluate.score(np.concatenate(samples), network, test)
    report = {"loop": "tensorflow/docs dcgan tutorial", "dataset": args.dataset,
              "steps": args.steps, "mixed_precision": args.mixed_precision,
              "train_seconds": round(seconds, 1), "metrics": result,
              "reference": reference}
    with open(os.path.join(args.out, "metrics.json"), "w") as handle:
        json.dump(report, handle, indent=1)
    print(" ".join(f"{name} {result[name]:.3f}" for name in
                   ("frechet_distance", "classifier_score", "precision", "recall")))


if __name__ == "__main__":
    main()
