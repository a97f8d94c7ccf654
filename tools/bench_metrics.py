"""Time the evaluation metrics: N generated images scored against N real ones.

Run from the repository root:

  python tools/bench_metrics.py --dataset=mnist
  python tools/bench_metrics.py --dataset=fashion_mnist --num_images=10000

Two cases are timed, each covering everything an evaluation does after the
images exist: classifier forward passes for both sets, classifier score,
Frechet distance, KID, precision/recall, class histogram with its KL and
rare-class count, and conditional accuracy. Wall and CPU seconds are
printed for each stage.
- random: uniform-noise "generated" images against uniform-noise "real"
  images (needs no data);
- real: the first N training images as "generated" against the N-image test
  set (needs the dataset; skipped with a message if it cannot be loaded).
"""

import pathlib
import sys
import time

from absl import app
from absl import flags

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from tfgan_mnist import classifier as classifier_lib  # noqa: E402
from tfgan_mnist import metrics  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_enum("dataset", "mnist", list(classifier_lib.with_classifier()),
                  "Whose classifier (and data, for the real case) to use.")
flags.DEFINE_integer("num_images", 10000, "Images in each of the two sets.")
flags.DEFINE_string("data_dir", None, "Dataset directory for the real case.")


class Stopwatch:
    """Collects (stage, wall seconds, CPU seconds) and prints them as a table.

    CPU time counts all threads of this process. On a machine shared with
    other jobs the wall time grows but the CPU time barely does; on an idle
    2-core machine the wall time is between CPU/2 and CPU.
    """

    def __init__(self):
        self.stages = []

    def time(self, stage, function, *args, **kwargs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function(*args, **kwargs)
        self.stages.append((stage, time.perf_counter() - start,
                            time.process_time() - start_cpu))
        return result

    def report(self, title):
        print(f"\n{title}")
        print(f"  {'stage':<34s} {'wall':>9s} {'CPU':>9s}")
        for stage, wall, cpu in self.stages:
            print(f"  {stage:<34s} {wall:7.2f} s {cpu:7.2f} s")
        print(f"  {'total':<34s} {sum(s[1] for s in self.stages):7.2f} s "
              f"{sum(s[2] for s in self.stages):7.2f} s")


def score(classifier, real_images, generated_images, requested_labels, title):
    """Run and time every metric, then print the timings and the values."""
    watch = Stopwatch()
    real_features, _ = watch.time("classifier on real images",
                                  classifier.features_and_logits, real_images)
    features, logits = watch.time("classifier on generated images",
                                  classifier.features_and_logits,
                                  generated_images)
    values = {}
    values["classifier score (whole, mean, std)"] = watch.time(
        "classifier score", metrics.classifier_score, logits)
    values["Frechet distance"] = watch.time(
        "Frechet distance", metrics.frechet_distance, real_features, features)
    values["KID (mean, std)"] = watch.time(
        "KID (100 subsets of 1000)", metrics.kernel_distance, real_features,
        features)
    values["precision, recall (k=3)"] = watch.time(
        "precision/recall", metrics.precision_recall, real_features, features)

    def class_statistics():
        predicted = np.argmax(logits, axis=1)
        histogram = metrics.class_histogram(predicted)
        uniform = np.full(classifier.num_classes, 1.0 / classifier.num_classes)
        return (metrics.histogram_kl(histogram, uniform),
                metrics.count_rare_classes(histogram),
                metrics.conditional_accuracy(predicted, requested_labels))

    (values["class histogram KL to uniform"], values["classes under 1%"],
     values["conditional accuracy"]) = watch.time("histogram, KL, accuracy",
                                                  class_statistics)
    watch.report(f"{title}: {len(generated_images)} generated vs "
                 f"{len(real_images)} real images")
    for name, value in values.items():
        print(f"  {name}: {value}")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    count = FLAGS.num_images
    start = time.perf_counter()
    classifier = classifier_lib.load_classifier(FLAGS.dataset)
    # The first call traces the tf.function; time it apart from the runs.
    classifier.features_and_logits(np.zeros((1, 28, 28, 1), np.float32))
    print(f"load classifier and trace: {time.perf_counter() - start:.2f} s")

    rng = np.random.default_rng(0)
    score(classifier,
          rng.uniform(size=(count, *classifier.image_shape)).astype(np.float32),
          rng.uniform(size=(count, *classifier.image_shape)).astype(np.float32),
          rng.integers(0, classifier.num_classes, count),
          "random inputs")

    try:
        from tfgan_mnist import data  # pylint: disable=import-outside-toplevel
        arrays = data.load_arrays(FLAGS.dataset, data_dir=FLAGS.data_dir)
    except Exception as error:  # pylint: disable=broad-except
        print(f"\nreal inputs: skipped, cannot load {FLAGS.dataset}: {error}")
        return
    score(classifier, arrays.test_images[:count],
          arrays.train_images[:count], arrays.train_labels[:count],
          f"real inputs ({FLAGS.dataset} train images as generated)")


if __name__ == "__main__":
    app.run(main)
