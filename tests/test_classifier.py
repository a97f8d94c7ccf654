"""Tests of the shipped evaluation classifiers on the committed image fixtures."""

import pathlib

import numpy as np
import pytest

from tfgan_mnist import classifier as classifier_lib
from tfgan_mnist import data, datasets
from tfgan_mnist import metrics

# The fixtures hold the first 512 training and 128 test images of each
# dataset, in the original IDX files' format.
FIXTURE_DIR = pathlib.Path(__file__).resolve().parent / "data"

# Fixture test-split accuracy the shipped weights must reach. The full test
# sets give 99.6% and 93.2%, so these leave room for 128-image noise.
MIN_FIXTURE_ACCURACY = {"mnist": 0.97, "fashion_mnist": 0.85}


# Each shipped network on its own dataset (stacks are scored by their base's, per channel:
# tests/test_stacked.py).
OWN_CLASSIFIER = [name for name in classifier_lib.with_classifier()
                  if datasets.get(name).scored_as == name]


@pytest.fixture(scope="module", params=OWN_CLASSIFIER)
def dataset(request):
    return request.param


@pytest.fixture(scope="module")
def arrays(dataset):
    return data.load_arrays(dataset, data_dir=str(FIXTURE_DIR))


@pytest.fixture(scope="module")
def classifier(dataset):
    return classifier_lib.load_classifier(dataset)


def test_shipped_weights_classify_fixture_test_images(dataset, arrays,
                                                      classifier,
                                                      record_property):
    predictions = classifier.predict_labels(arrays.test_images)
    accuracy = float(np.mean(predictions == arrays.test_labels))
    record_property("fixture_test_accuracy", accuracy)
    print(f"{dataset}: fixture test accuracy {accuracy:.4f} "
          f"on {len(predictions)} images")
    assert accuracy >= MIN_FIXTURE_ACCURACY[dataset]


def test_features_and_logits_shapes_and_batching(arrays, classifier):
    images = arrays.test_images[:50]
    features, logits = classifier.features_and_logits(images, batch_size=1000)
    assert features.shape == (50, classifier_lib.FEATURE_DIM)
    assert logits.shape == (50, 10)
    assert features.dtype == logits.dtype == np.float32
    # ReLU features: non-negative, and not all dead.
    assert features.min() >= 0.0 and features.max() > 0.0
    # Uneven batches give the same numbers (inference mode: no batch
    # statistics, no dropout).
    batched_features, batched_logits = classifier.features_and_logits(
        images, batch_size=7)
    np.testing.assert_allclose(batched_features, features, rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(batched_logits, logits, rtol=1e-4, atol=1e-4)


def test_uint8_and_float_inputs_agree(arrays, classifier):
    images = arrays.test_images[:20]
    from_uint8 = classifier.features_and_logits(images)[1]
    from_float = classifier.features_and_logits(
        images[..., None].astype(np.float32) / 255.0)[1]
    np.testing.assert_allclose(from_uint8, from_float, rtol=1e-5, atol=1e-5)


def test_rejects_tanh_range_and_wrong_shapes(classifier):
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        classifier.features_and_logits(np.full((4, 28, 28, 1), -1.0,
                                               np.float32))
    with pytest.raises(ValueError, match="shape"):
        classifier.features_and_logits(np.zeros((4, 32, 32, 1), np.float32))


def test_load_classifier_caches_and_names_valid_datasets():
    assert (classifier_lib.load_classifier("mnist")
            is classifier_lib.load_classifier("mnist"))
    with pytest.raises(ValueError, match="mnist, fashion_mnist"):
        classifier_lib.load_classifier("cifar10")


def test_real_images_score_better_than_noise_and_collapse(arrays, classifier):
    """Metric sanity ordering on real data: real < noise, real < one repeated image."""
    rng = np.random.default_rng(0)
    count = len(arrays.test_images)
    candidates = {
        "real": arrays.test_images,
        "noise": rng.uniform(size=(count, 28, 28)).astype(np.float32),
        "collapsed": np.repeat(arrays.test_images[:1], count, axis=0),
    }
    # The fixture's training split is the reference set, as the full test
    # set is for scoring generators.
    reference_features, _ = classifier.features_and_logits(arrays.train_images)
    frechet, kernel, score = {}, {}, {}
    for name, images in candidates.items():
        features, logits = classifier.features_and_logits(images)
        frechet[name] = metrics.frechet_distance(reference_features, features)
        kernel[name] = metrics.kernel_distance(reference_features, features,
                                               num_subsets=10)[0]
        score[name] = metrics.classifier_score(logits, splits=1)[0]
    for bad in ("noise", "collapsed"):
        assert frechet["real"] < frechet[bad], frechet
        assert kernel["real"] < kernel[bad], kernel
        assert score["real"] > score[bad], score
    # 128 real images of 10 fairly balanced classes, confidently classified.
    assert score["real"] > 7.0
    assert score["collapsed"] == pytest.approx(1.0, abs=1e-3)
