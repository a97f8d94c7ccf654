"""Score a trained generator: `python -m tfgan_mnist.evaluate --workdir=DIR`.

The shipped classifier of the run's dataset (`classifier.py`) embeds N
generated images and the 10,000-image test set; `metrics.py` turns the
embeddings into numbers. Every metric is printed beside the real-data
reference computed the same way (as many training images as samples, since
the distances depend on that number, against the test set), so a number can
be read without knowing its scale. Results go to
`<workdir>/metrics.json` and to TensorBoard (`eval/...` at the run's step).
Fixed seeds make a re-run give the same numbers.

Stacks (stacked_mnist) are scored a channel at a time by their base
dataset's classifier: the modes their labels cover of 1000 and the KL of the
label histogram from uniform, over 26,000 samples by default
(`score_stacks`).
"""

import json
import os
import time

import numpy as np

from tfgan_mnist import cli, datasets, idx

REFERENCE_IMAGES = 10_000
GENERATION_BATCH = 1000
METRICS_FILE = "metrics.json"

# (key, what it is, better when): the order of the printed table.
METRIC_INFO = (
    ("classifier_score", "classifier score, whole set (Inception-score analogue)", "higher"),
    ("classifier_score_mean", "classifier score, mean of 10 splits", "higher"),
    ("classifier_score_std", "classifier score, std of 10 splits", "-"),
    ("frechet_distance", "Frechet distance on penultimate features", "lower"),
    ("kernel_distance", "kernel distance (KID), mean over subsets", "lower"),
    ("kernel_distance_std", "kernel distance (KID), std over subsets", "-"),
    ("precision", "precision, k=3 (Kynkaanniemi et al. 2019)", "higher"),
    ("recall", "recall, k=3", "higher"),
    ("class_kl", "KL(predicted classes || test labels), nats", "lower"),
    ("rare_classes", "classes with under 1% of the samples", "lower"),
    ("conditional_accuracy", "classifier agrees with the requested label", "higher"),
    ("matched_accuracy", "the same, labels paired with classes at best (infoGAN)", "higher"),
    ("modes", "modes covered: distinct labels of the samples' channels", "higher"),
    ("mode_kl", "KL(samples' labels || uniform over the modes), nats", "lower"),
)
# Samples scored on stacks by default: PacGAN's Stacked MNIST protocol (Lin et al. 2018).
STACKED_SAMPLES = 26_000


def default_samples(dataset):
    """The sample count `evaluate` scores by default: 26,000 on stacks (the protocol of
    the published mode counts), 10,000 otherwise."""
    return STACKED_SAMPLES if datasets.get(dataset).stacks_of else REFERENCE_IMAGES


def generate(generator, count, seed):
    """`count` uint8 images (and the labels asked for, or None), in batches, reproducibly.

    Conditional models are asked for the classes in turn, so every class gets
    count / classes samples.
    """
    images, labels = [], []
    for index, start in enumerate(range(0, count, GENERATION_BATCH)):
        size = min(GENERATION_BATCH, count - start)
        wanted = ((np.arange(start, start + size) % generator.num_classes).astype(np.int32)
                  if generator.conditional else None)
        outputs, used = generator.sample_outputs(size, wanted, seed=seed * 100_003 + index)
        images.append(outputs[0])
        if used is not None:
            labels.append(np.asarray(used))
    return np.concatenate(images), (np.concatenate(labels) if labels else None)


# What a quick score (evaluation during training) leaves out: the kernel distance's 100
# subsets and precision/recall's nearest neighbours among all test images cost ten times
# more than the rest together.
SLOW_KEYS = ("kernel_distance", "kernel_distance_std", "precision", "recall")


def score(images, classifier, test, requested_labels=None, seed=0, quick=False):
    """Every metric of uint8 `images` against the test set's embedding `test`.

    `test` is the dict that `embed_test_set` returns. `quick` leaves out
    SLOW_KEYS (Frechet distance, classifier score and the class histogram stay).
    Images of several channels scored by a one-channel classifier are stacks
    (`score_stacks`).
    """
    from tfgan_mnist import metrics

    stacks = np.ndim(images) == 4 and np.shape(images)[-1] > 1
    if stacks and classifier.image_shape[-1] == 1:
        return score_stacks(images, classifier, test, requested_labels)

    features, logits = classifier.features_and_logits(images)
    whole, split_mean, split_std = metrics.classifier_score(logits)
    predicted = np.argmax(logits, axis=1)
    histogram = metrics.class_histogram(predicted, logits.shape[1])
    result = {
        "classifier_score": float(whole),
        "classifier_score_mean": float(split_mean),
        "classifier_score_std": float(split_std),
        "frechet_distance": float(metrics.frechet_distance(features, test["features"])),
        "class_histogram": [float(v) for v in histogram],
        "class_kl": float(metrics.histogram_kl(histogram, test["label_histogram"])),
        "rare_classes": int(metrics.count_rare_classes(histogram)),
    }
    if not quick:
        kid_mean, kid_std = metrics.kernel_distance(features, test["features"], seed=seed)
        precision, recall = metrics.precision_recall(test["features"], features, k=3)
        result.update(kernel_distance=float(kid_mean), kernel_distance_std=float(kid_std),
                      precision=float(precision), recall=float(recall))
    if requested_labels is not None:
        result["conditional_accuracy"] = float(
            metrics.conditional_accuracy(predicted, requested_labels))
        result["matched_accuracy"] = float(
            metrics.matched_accuracy(predicted, requested_labels))
    return result


def score_stacks(images, classifier, test, requested_labels=None):
    """The metrics of stacks (stacked_mnist): uint8 `images` (n, H, W, C) whose every channel
    is an image of the classifier's dataset.

    Each channel is classified on its own. `modes` and `mode_kl` are the mode coverage
    of the stacks' labels (the channels' predicted classes read as digits,
    `datasets.stack_labels`; `metrics.mode_coverage`). The Frechet distance, the
    classifier score and the class KL are the means of the channels' values (each
    channel's distance is in `channel_frechet_distances`); `conditional_accuracy`
    compares the stacks' labels. KID, precision and recall are not computed: three
    channels would triple the slowest part of a score, and the mode count answers
    what they would be read for.
    """
    from tfgan_mnist import metrics

    classes = classifier.num_classes
    distances, scores, class_kls, digits = [], [], [], []
    for channel in range(np.shape(images)[-1]):
        features, logits = classifier.features_and_logits(images[..., channel])
        distances.append(float(metrics.frechet_distance(features, test["features"])))
        scores.append(float(metrics.classifier_score(logits)[0]))
        predicted = np.argmax(logits, axis=1)
        class_kls.append(metrics.histogram_kl(metrics.class_histogram(predicted, classes),
                                              test["label_histogram"]))
        digits.append(predicted)
    labels = datasets.stack_labels(digits, classes)
    num_modes = classes ** len(digits)
    modes, mode_kl = metrics.mode_coverage(labels, num_modes)
    result = {"frechet_distance": float(np.mean(distances)),
              "channel_frechet_distances": distances,
              "classifier_score": float(np.mean(scores)),
              "class_kl": float(np.mean(class_kls)),
              "modes": modes, "num_modes": num_modes, "mode_kl": float(mode_kl)}
    if requested_labels is not None:
        result["conditional_accuracy"] = float(
            metrics.conditional_accuracy(labels, requested_labels))
    return result


_TEST_EMBEDDINGS = {}
_STACKS = {}
_REFERENCES = {}
CACHE_FOLDER = "eval-cache"  # test-set embeddings and real references, in cache_folder()


def cache_folder():
    """Where embeddings and references are kept: eval-cache/ in the default data folder
    ($TFGAN_MNIST_DATA_DIR or ~/.cache/tfgan_mnist). Files are named by a hash of what
    they were computed from, so data from any --data_dir shares the folder safely."""
    from tfgan_mnist import data

    return os.path.join(data.default_data_dir(), CACHE_FOLDER)


def embed_test_set(dataset, data_dir=None, reference_images=REFERENCE_IMAGES):
    """The classifier, the test set's features and label histogram, and the real reference.

    The reference scores the first `reference_images` training images the
    same way as a generator's samples: Frechet distance, KID and precision /
    recall depend on the number of images scored, so a generator's N samples
    are read beside N real images. Each is computed once per process, and
    kept on disk in `cache_folder()` under a key of the classifier's weights
    and the images (and, for the reference, the metrics' names: `_cache_key`),
    so later processes read them.
    """
    from tfgan_mnist import data

    scored_as = datasets.get(dataset).scored_as  # stacks: their base dataset's test set
    if scored_as not in _TEST_EMBEDDINGS:
        from tfgan_mnist import classifier as classifier_lib
        from tfgan_mnist import metrics

        arrays = data.load_arrays(scored_as, data_dir or None)
        network = classifier_lib.load_classifier(scored_as)
        folder = cache_folder()
        key = _cache_key(scored_as, arrays.test_images)
        path = os.path.join(folder, f"{scored_as}-test-{key}.npz")
        test = _read_cache(path)
        if test is None:
            features, _ = network.features_and_logits(arrays.test_images)
            test = {"features": features,
                    "label_histogram": metrics.class_histogram(arrays.test_labels,
                                                               network.num_classes)}
            _write_cache(path, lambda handle: np.savez(handle, **test))
        _TEST_EMBEDDINGS[scored_as] = (network, test, arrays, folder)
    network, test, arrays, folder = _TEST_EMBEDDINGS[scored_as]
    if scored_as != dataset:  # the real reference: fixed stacks of the training images
        if dataset not in _STACKS:
            _STACKS[dataset] = data.stacked_arrays(arrays, datasets.get(dataset))
        arrays = _STACKS[dataset]
    count = min(int(reference_images), len(arrays.train_images))
    if (dataset, count) not in _REFERENCES:
        # the metric names are hashed too: a reference kept before a metric was added
        # is computed again
        names = np.frombuffer(" ".join(k for k, _, _ in METRIC_INFO).encode(), np.uint8)
        key = _cache_key(dataset, arrays.test_images, arrays.train_images[:count],
                         arrays.train_labels[:count], names)
        path = os.path.join(folder, f"{dataset}-reference-{count}-{key}.json")
        reference = _read_cache(path)
        if reference is None:
            reference = score(arrays.train_images[:count], network, test,
                              requested_labels=arrays.train_labels[:count])
            reference["num_images"] = count
            _write_cache(path, lambda handle: handle.write(json.dumps(reference).encode()))
        _REFERENCES[dataset, count] = reference
    return network, test, _REFERENCES[dataset, count]


# What scores of unlabelled images leave out, and why: the classes they name would be
# MNIST's digits, not the images' own.
UNLABELLED_DROPS = ("classifier_score", "classifier_score_mean", "classifier_score_std",
                    "class_histogram", "class_kl", "rare_classes")
UNLABELLED_NOTE = ("classifier score, class KL and rare classes are left out: the images "
                   "have no labels to train a classifier of their own classes on")


def embed_own_images(dataset, reference_images=REFERENCE_IMAGES, workdir=None):
    """`embed_test_set` for a dataset without a shipped classifier (a run's own images):
    (classifier, test embedding, real reference, what the feature space is).

    Labelled images are scored in the features of a classifier trained on their training
    split and cached in `workdir` (`own_images.trained_classifier`); unlabelled ones in the
    shipped MNIST classifier's, without the class-based metrics. The test set is the
    held-out split."""
    from tfgan_mnist import data, metrics, own_images

    spec = datasets.get(dataset)
    arrays = data.load_arrays(dataset)
    if arrays.test_images is None:
        raise ValueError(f"--workdir={workdir}: the run held out no images (--holdout=0), so "
                         "there is nothing to score its samples against; train with a "
                         "--holdout above 0")
    key = ("own", own_images.fingerprint(arrays), workdir)
    if key not in _TEST_EMBEDDINGS:
        if spec.num_classes >= 2:
            network, space = own_images.trained_classifier(spec, arrays, workdir)
        else:
            network, space = own_images.unlabelled_classifier(spec)
        features, _ = network.features_and_logits(arrays.test_images)
        test = {"features": features,
                "label_histogram": metrics.class_histogram(arrays.test_labels,
                                                           network.num_classes)}
        _TEST_EMBEDDINGS[key] = (network, test, arrays, space)
    network, test, arrays, space = _TEST_EMBEDDINGS[key]
    count = min(int(reference_images), len(arrays.train_images))
    if (key, count) not in _REFERENCES:
        labels = arrays.train_labels[:count] if spec.num_classes >= 2 else None
        _REFERENCES[key, count] = without_classes(spec, {
            **score(arrays.train_images[:count], network, test, requested_labels=labels),
            "num_images": count})
    return network, test, _REFERENCES[key, count], space


def without_classes(spec, scores):
    """`scores` without the class-based metrics where `spec`'s images have no labels."""
    if spec.num_classes >= 2:
        return scores
    return {key: value for key, value in scores.items() if key not in UNLABELLED_DROPS}


def _cache_key(dataset, *arrays):
    """16 hex digits of a hash of the classifier's weights file and the arrays' bytes."""
    import hashlib
    import importlib.resources

    from tfgan_mnist import classifier as classifier_lib

    digest = hashlib.blake2b(digest_size=8)
    resource = (importlib.resources.files("tfgan_mnist") / "classifiers"
                / classifier_lib.weights_filename(dataset))
    digest.update(resource.read_bytes())
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _read_cache(path):
    """A cached test embedding (.npz: dict of arrays) or reference (.json), or None."""
    try:
        if path.endswith(".npz"):
            with np.load(path, allow_pickle=False) as loaded:
                return {name: loaded[name] for name in loaded.files}
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):  # absent, unreadable or half-written: compute it again
        return None


def _write_cache(path, write):
    """write(binary file) into a cache file, atomically; a folder that cannot be written
    only costs the cache."""
    from tfgan_mnist import summaries

    def write_file(tmp):
        with open(tmp, "wb") as handle:
            write(handle)

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        summaries.atomic_write(path, write_file)
    except OSError:
        pass


def evaluate(generator, num_samples=None, seed=0, data_dir=None, quick=False):
    """Score a `generators.Generator`: {"model", "dataset", "step", "num_samples", "seed",
    "seconds", "metrics", "reference"}; the reference scores as many real images.
    `num_samples` None: `default_samples` of the dataset. `quick` leaves out SLOW_KEYS
    (see `score`)."""
    started = time.perf_counter()
    num_samples = num_samples or default_samples(generator.dataset)
    spec = datasets.get(generator.dataset)
    if spec.classifier:
        network, test, reference = embed_test_set(generator.dataset, data_dir, num_samples)
        space = f"the shipped {spec.scored_as} classifier"
    else:
        network, test, reference, space = embed_own_images(
            generator.dataset, num_samples, getattr(generator.config, "workdir", None) or None)
    images, labels = generate(generator, num_samples, seed)
    result = without_classes(spec, score(images, network, test, labels, seed=seed, quick=quick))
    notes = [] if spec.num_classes >= 2 or spec.classifier else [UNLABELLED_NOTE]
    return {"model": generator.model_name, "dataset": generator.dataset,
            "feature_space": space, "notes": notes,
            "step": generator.step, "num_samples": num_samples, "seed": seed,
            "seconds": round(time.perf_counter() - started, 2),
            "weights": generator.metadata["weights"],
            "bn_statistics": generator.metadata["bn_statistics"],
            "metrics": result, "reference": reference}


def format_table(report):
    """The metrics beside the real-data reference, as aligned text lines."""
    real_count = report["reference"].get("num_images", REFERENCE_IMAGES)
    step = "" if report["step"] == "-" else f", step {report['step']}"
    lines = [f"{report['model']} on {report['dataset']}{step}, "
             f"{report['num_samples']} samples (seed {report['seed']}); real data: "
             f"{real_count} training "
             f"{'stacks' if 'channel_frechet_distances' in report['metrics'] else 'images'}, "
             "scored the same way"
             + (f", in the features of {report['feature_space']}:"
                if report.get("feature_space") else ":"),
             f"  {'metric':58s} {'model':>10s} {'real data':>10s}  better"]
    for key, text, better in METRIC_INFO:
        if key in report["metrics"]:
            model_value = report["metrics"][key]
            real_value = report["reference"].get(key, float("nan"))
            lines.append(f"  {text:58s} {model_value:10.4g} {real_value:10.4g}  {better}")
    if "channel_frechet_distances" in report["metrics"]:
        lines.append(f"  (stacks: {report['metrics']['num_modes']} modes; the Frechet distance, "
                     "classifier score and class KL are the means of the channels'; channel "
                     "distances " + ", ".join(
                         f"{value:.3g}" for value in report["metrics"]["channel_frechet_distances"])
                     + ")")
    lines += [f"  ({note})" for note in report.get("notes", ())]
    return "\n".join(lines)


def write_report(report, workdir):
    """metrics.json in `workdir` (atomically) and eval/* scalars in its TensorBoard events."""
    import tensorflow as tf

    from tfgan_mnist import summaries

    path = os.path.join(workdir, METRICS_FILE)
    summaries.atomic_write(path, lambda tmp: open(tmp, "w").write(
        json.dumps(report, indent=2, sort_keys=True) + "\n"))
    writer = tf.summary.create_file_writer(workdir)
    with writer.as_default():
        for key, _, _ in METRIC_INFO:
            if key in report["metrics"]:
                tf.summary.scalar(f"eval/{key}", report["metrics"][key], step=report["step"])
    writer.close()
    return path


def load_samples(path, image_shape=datasets.MNIST_SHAPE):
    """uint8 images of `image_shape` (H, W, C; (n, H, W) for one channel) from an .npz (its
    `images` array, or its only one) or .npy file.

    Any problem is a ValueError naming --samples and what would be valid.
    """
    if not os.path.isfile(path):
        raise ValueError(f"--samples={path}: no such file")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"--samples={path}: not a NumPy .npz or .npy file ({error})") from None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        names = list(loaded.keys())
        if "images" not in names and len(names) != 1:
            raise ValueError(f"--samples={path}: holds {', '.join(names) or 'no arrays'}; give "
                             "an .npz with an `images` array (or a single array)")
        images = loaded["images" if "images" in names else names[0]]
    else:
        images = loaded
    if images.shape[1:] not in idx.expected_image_shapes(image_shape):
        raise ValueError(f"--samples={path}: images of shape {images.shape}; expected "
                         + idx.shapes_phrase(image_shape, "n"))
    images = datasets.stored_form(images)
    if images.dtype != np.uint8:
        raise ValueError(f"--samples={path}: images are {images.dtype}; expected uint8 pixels "
                         "0..255 (multiply [0, 1] floats by 255 and round)")
    if len(images) < 100:
        raise ValueError(f"--samples={path}: {len(images)} images; score at least 100")
    return images


def evaluate_samples(images, dataset, data_dir=None, seed=0, source="samples"):
    """Score uint8 images from any generator against `dataset`'s test set, as `evaluate` does."""
    started = time.perf_counter()
    network, test, reference = embed_test_set(dataset, data_dir, len(images))
    result = score(images, network, test, seed=seed)
    return {"model": source, "dataset": dataset, "step": "-", "num_samples": len(images),
            "feature_space": f"the shipped {datasets.get(dataset).scored_as} classifier",
            "seed": seed, "seconds": round(time.perf_counter() - started, 2),
            "metrics": result, "reference": reference}


USAGE = """Score a trained generator, or images from any generator, with the shipped classifier.

  python -m tfgan_mnist.evaluate --workdir=runs/gan
  python -m tfgan_mnist.evaluate --samples=FILE.npz --dataset=mnist"""


def main(argv):
    """Run the evaluate command on argv."""
    from absl import flags

    from tfgan_mnist import checkpoints, data, generators
    from tfgan_mnist import classifier as classifier_lib

    flag_values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "Training workdir to evaluate.", flag_values=flag_values)
    flags.DEFINE_string("checkpoint", "latest", "latest, best, a kept step number, or a "
                        "checkpoint path prefix.", flag_values=flag_values)
    flags.DEFINE_integer("num_samples", None, "Generated images to score (default 10,000; "
                         f"{STACKED_SAMPLES:,} on stacks, as the published mode counts are).",
                         lower_bound=100, flag_values=flag_values)
    flags.DEFINE_integer("seed", 0, "Seed of the generated images and of KID's subsets.",
                         flag_values=flag_values)
    cli.define_weight_flags(flag_values, "Score")
    flags.DEFINE_string("samples", None, "Instead of --workdir: an .npz (array `images`) or "
                        ".npy of uint8 images (n, H, W) or (n, H, W, C) from any generator, to "
                        "score.",
                        flag_values=flag_values)
    flags.DEFINE_enum("dataset", None, list(classifier_lib.with_classifier()),
                      "With --samples: the dataset they imitate.", flag_values=flag_values)
    flags.DEFINE_string("data_dir", None, "With --samples: where the dataset's files are "
                        "(default as for training).", flag_values=flag_values)
    argv = cli.parse_flags(flag_values, argv, USAGE)
    if len(argv) > 1:
        cli.fail(f"unexpected arguments {' '.join(argv[1:])!r}; every option is a --flag "
                 "(see --help)", cli.USAGE_ERROR)
    if flag_values.samples:
        if flag_values.workdir:
            cli.fail("--samples: give either --samples or --workdir, not both", cli.USAGE_ERROR)
        if not flag_values.dataset:
            cli.fail("--dataset: give the dataset the samples imitate (one of "
                     f"{', '.join(classifier_lib.with_classifier())})", cli.USAGE_ERROR)
        try:
            images = load_samples(flag_values.samples,
                                  datasets.get(flag_values.dataset).image_shape)
            report = evaluate_samples(images, flag_values.dataset, flag_values.data_dir,
                                      flag_values.seed, os.path.basename(flag_values.samples))
        except ValueError as error:
            cli.fail(str(error).splitlines()[0], cli.USAGE_ERROR)
        except (data.DataError, OSError) as error:
            cli.fail(str(error).splitlines()[0])
        print(format_table(report))
        return
    if not flag_values.workdir:
        cli.fail("--workdir: give the training workdir to evaluate (or --samples=FILE "
                 "--dataset=NAME)", cli.USAGE_ERROR)
    try:
        generator = generators.load_generator(flag_values.workdir, flag_values.checkpoint,
                                               raw_weights=flag_values.raw_weights,
                                               bn_statistics=flag_values.bn_statistics)
        report = evaluate(generator, flag_values.num_samples, flag_values.seed,
                          generator.config.data_dir)
    except (checkpoints.LoadError, ValueError, OSError) as error:
        cli.fail(str(error).splitlines()[0])
    print(format_table(report))
    path = write_report(report, flag_values.workdir)
    print(f"wrote {path} ({report['seconds']} s)")


def run():
    """Entry point: quiet TensorFlow start, then main."""
    import sys

    cli.quiet_tensorflow_import()
    main(sys.argv)


if __name__ == "__main__":
    run()
