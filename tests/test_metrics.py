"""Tests of the pure metric functions against closed forms and brute force."""

import itertools
import math

import numpy as np
import pytest

from tfgan_mnist import metrics


def random_rotation(dim, rng):
    """A random orthogonal matrix (QR of a Gaussian matrix)."""
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


# ---------------------------------------------------------------- Frechet


def diagonal_frechet(mu_a, var_a, mu_b, var_b):
    """Closed form for diagonal covariances, written out independently."""
    return float(np.sum((mu_a - mu_b) ** 2)
                 + np.sum(var_a + var_b - 2.0 * np.sqrt(var_a * var_b)))


def test_frechet_one_dimensional_hand_value():
    # N(0, 1) vs N(3, 4): 3^2 + (1 + 4 - 2 * sqrt(1 * 4)) = 10.
    assert metrics.frechet_distance_from_moments(
        [0.0], [[1.0]], [3.0], [[4.0]]) == pytest.approx(10.0)


def test_frechet_diagonal_gaussians_match_closed_form():
    rng = np.random.default_rng(0)
    dim = 16
    mu_a, mu_b = rng.normal(size=dim), rng.normal(size=dim)
    var_a, var_b = rng.uniform(0.1, 3.0, dim), rng.uniform(0.1, 3.0, dim)
    expected = diagonal_frechet(mu_a, var_a, mu_b, var_b)
    assert metrics.frechet_distance_from_moments(
        mu_a, np.diag(var_a), mu_b, np.diag(var_b)) == pytest.approx(expected)

    # Rotating both Gaussians by the same orthogonal matrix keeps the distance
    # but makes the covariances dense, which exercises the matrix square root.
    rotation = random_rotation(dim, rng)
    rotated = metrics.frechet_distance_from_moments(
        rotation @ mu_a, rotation @ np.diag(var_a) @ rotation.T,
        rotation @ mu_b, rotation @ np.diag(var_b) @ rotation.T)
    assert rotated == pytest.approx(expected, rel=1e-9)


def test_frechet_non_commuting_covariances_match_scipy():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(1)
    dim = 8
    factor_a, factor_b = rng.normal(size=(2, dim, dim))
    sigma_a, sigma_b = factor_a @ factor_a.T, factor_b @ factor_b.T
    mu_a, mu_b = rng.normal(size=(2, dim))
    expected = (np.sum((mu_a - mu_b) ** 2) + np.trace(sigma_a + sigma_b)
                - 2.0 * np.trace(scipy_linalg.sqrtm(sigma_a @ sigma_b).real))
    assert metrics.frechet_distance_from_moments(
        mu_a, sigma_a, mu_b, sigma_b) == pytest.approx(expected, rel=1e-8)


def test_frechet_from_features_uses_sample_moments():
    rng = np.random.default_rng(2)
    features_a = rng.normal(size=(500, 6))
    features_b = 2.0 * rng.normal(size=(400, 6)) + 1.0
    mu_a, sigma_a = features_a.mean(0), np.cov(features_a.T)
    mu_b, sigma_b = features_b.mean(0), np.cov(features_b.T)
    assert metrics.frechet_distance(features_a, features_b) == pytest.approx(
        metrics.frechet_distance_from_moments(mu_a, sigma_a, mu_b, sigma_b))
    # Population value: 6 * 1^2 + 6 * (1 + 4 - 2 * 2) = 12.
    assert metrics.frechet_distance(features_a, features_b) == pytest.approx(
        12.0, rel=0.2)


def test_frechet_identical_sets_is_zero_even_when_rank_deficient():
    rng = np.random.default_rng(3)
    # Fewer samples than dimensions plus a dead (constant) feature: the
    # covariance is singular, and rounding yields negative eigenvalues.
    features = rng.normal(size=(20, 32))
    features[:, 5] = 0.0
    assert metrics.frechet_distance(features, features) == pytest.approx(
        0.0, abs=1e-8)


def test_frechet_rejects_mismatched_dimensions():
    with pytest.raises(ValueError, match="dimension"):
        metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


# ------------------------------------------------------- classifier score


def test_classifier_score_uniform_predictions_is_one():
    whole, mean, std = metrics.classifier_score(np.zeros((100, 10)), splits=5)
    assert (whole, mean, std) == pytest.approx((1.0, 1.0, 0.0))


def test_classifier_score_even_one_hot_predictions_is_num_classes():
    labels = np.arange(1000) % 10
    logits = np.where(np.arange(10) == labels[:, None], 0.0, -np.inf)
    whole, mean, std = metrics.classifier_score(logits, splits=10)
    assert (whole, mean, std) == pytest.approx((10.0, 10.0, 0.0))
    # Very confident finite logits give the same score, with no overflow.
    whole, _, _ = metrics.classifier_score(1000.0 * (logits == 0.0))
    assert whole == pytest.approx(10.0)


def test_classifier_score_collapsed_one_hot_is_one():
    logits = np.full((50, 10), -1e4)
    logits[:, 3] = 1e4
    assert metrics.classifier_score(logits, splits=2)[0] == pytest.approx(1.0)


def test_classifier_score_hand_value():
    # p(y|x1) = (1, 0), p(y|x2) = (1/2, 1/2); p(y) = (3/4, 1/4).
    logits = np.array([[0.0, -np.inf], [math.log(0.5), math.log(0.5)]])
    kl_1 = math.log(1 / 0.75)
    kl_2 = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    whole, _, _ = metrics.classifier_score(logits, splits=1)
    assert whole == pytest.approx(math.exp((kl_1 + kl_2) / 2))


def test_classifier_score_ignores_per_row_logit_offsets():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(200, 10))
    shifted = logits + rng.normal(size=(200, 1)) * 100.0
    np.testing.assert_allclose(metrics.classifier_score(logits),
                               metrics.classifier_score(shifted), rtol=1e-9)


def test_classifier_score_splits_are_scored_separately():
    # First half all class 0, second half all class 1: each split alone is
    # collapsed (score 1), the whole set has two even classes (score 2).
    logits = np.where(np.arange(2) == (np.arange(20) >= 10)[:, None], 0.0,
                      -np.inf)
    assert metrics.classifier_score(logits, splits=2) == pytest.approx(
        (2.0, 1.0, 0.0))


# ---------------------------------------------------------------- KID


def brute_force_mmd2(x, y):
    """Unbiased MMD^2 with the cubic kernel, written with explicit loops."""
    dim = x.shape[1]

    def kernel(a, b):
        return (float(np.dot(a, b)) / dim + 1.0) ** 3

    m = len(x)
    within_x = sum(kernel(x[i], x[j])
                   for i, j in itertools.permutations(range(m), 2))
    within_y = sum(kernel(y[i], y[j])
                   for i, j in itertools.permutations(range(m), 2))
    cross = sum(kernel(x[i], y[j]) for i in range(m) for j in range(m))
    return within_x / (m * (m - 1)) + within_y / (m * (m - 1)) - 2 * cross / m**2


def test_kernel_distance_matches_brute_force_on_whole_sets():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(15, 4))
    y = rng.normal(size=(15, 4)) + 0.5
    # One subset of the full size is a permutation of each set, and MMD^2 does
    # not depend on the order of the rows.
    mean, std = metrics.kernel_distance(x, y, num_subsets=1, subset_size=15)
    assert mean == pytest.approx(brute_force_mmd2(x, y), rel=1e-10)
    assert std == 0.0


def test_kernel_distance_same_vs_shifted_distribution():
    rng = np.random.default_rng(6)
    real = rng.normal(size=(1000, 16))
    same = rng.normal(size=(1000, 16))
    shifted = rng.normal(size=(1000, 16)) + 0.5
    same_mean, same_std = metrics.kernel_distance(real, same, num_subsets=10,
                                                  subset_size=250)
    shifted_mean, _ = metrics.kernel_distance(real, shifted, num_subsets=10,
                                              subset_size=250)
    # Observed here: about +-0.005 (std 0.008) and 0.95-1.02 over 5 seeds.
    assert abs(same_mean) < 0.03
    assert shifted_mean > 0.5
    assert shifted_mean > 20 * max(abs(same_mean), same_std)


def test_kernel_distance_is_seeded():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(2, 300, 8))
    first = metrics.kernel_distance(x, y, num_subsets=5, subset_size=100, seed=1)
    again = metrics.kernel_distance(x, y, num_subsets=5, subset_size=100, seed=1)
    other = metrics.kernel_distance(x, y, num_subsets=5, subset_size=100, seed=2)
    assert first == again
    assert first != other


# ------------------------------------------------------ precision/recall


def brute_force_precision_recall(real, fake, k):
    """Kynkaanniemi et al. 2019 written directly from the definition."""

    def radii(points):
        distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
        # Sorted row: index 0 is the point itself, index k its k-th neighbour.
        return np.sort(distances, axis=1)[:, k]

    def fraction_inside(queries, centres, centre_radii):
        distances = np.linalg.norm(queries[:, None] - centres[None], axis=-1)
        return np.mean(np.any(distances <= centre_radii[None], axis=1))

    return (fraction_inside(fake, real, radii(real)),
            fraction_inside(real, fake, radii(fake)))


@pytest.mark.parametrize("k, batch_size", [(1, 1024), (3, 7), (5, 16)])
def test_precision_recall_matches_brute_force(k, batch_size):
    rng = np.random.default_rng(8 + k)
    real = rng.normal(size=(60, 5))
    fake = 1.3 * rng.normal(size=(45, 5)) + 0.4
    result = metrics.precision_recall(real, fake, k=k, batch_size=batch_size)
    expected = brute_force_precision_recall(real, fake, k)
    assert 0.0 < expected[0] < 1.0 and 0.0 < expected[1] < 1.0
    assert result == pytest.approx(expected)


def test_precision_recall_identical_sets_is_one_one():
    rng = np.random.default_rng(9)
    features = rng.normal(size=(300, 10)) * 50.0 + 1000.0
    assert metrics.precision_recall(features, features,
                                    batch_size=64) == (1.0, 1.0)


def test_precision_recall_ball_includes_its_boundary():
    # Each point appears k + 1 = 4 times, so every radius is exactly 0 (small
    # integers keep the float32 arithmetic exact); a sample on the boundary
    # of a ball counts as inside, as in the reference implementation.
    points = np.array([[0, 0], [3, 1], [1, 4]], dtype=np.float64)
    features = np.repeat(points, 4, axis=0)
    assert metrics.precision_recall(features, features, k=3) == (1.0, 1.0)
    assert metrics.precision_recall(features, features[:8] + 1.0,
                                    k=3) == (0.0, 0.0)


def test_precision_recall_disjoint_sets_is_zero_zero():
    rng = np.random.default_rng(10)
    real = rng.normal(size=(100, 3))
    assert metrics.precision_recall(real, real + 100.0) == (0.0, 0.0)


def test_precision_recall_collapsed_fake_is_precise_but_not_diverse():
    rng = np.random.default_rng(11)
    real = rng.normal(size=(500, 4))
    # Every fake sample near one real point: realistic, but covers little.
    fake = real[0] + 0.01 * rng.normal(size=(500, 4))
    precision, recall = metrics.precision_recall(real, fake)
    assert precision == 1.0
    assert recall < 0.05


# ---------------------------------------- histograms and class coverage


def test_class_histogram_counts_fractions():
    histogram = metrics.class_histogram(np.array([0, 1, 1, 3]), num_classes=5)
    np.testing.assert_array_equal(histogram, [0.25, 0.5, 0.0, 0.25, 0.0])


def test_class_histogram_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        metrics.class_histogram(np.array([0, 10]))


def test_histogram_kl_hand_value():
    # KL((1/2, 1/2) || (1/4, 3/4)) = 1/2 ln 2 + 1/2 ln(2/3) = 0.1438410362...
    assert metrics.histogram_kl([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.14384103622589042)
    # Unnormalised counts are normalised first; p = 0 terms contribute 0.
    assert metrics.histogram_kl([2, 0, 2], [1, 1, 2]) == pytest.approx(
        0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.5))
    assert metrics.histogram_kl([1, 1], [1, 0]) == math.inf


def test_histogram_kl_to_uniform_of_a_collapsed_histogram_is_log_classes():
    collapsed = metrics.class_histogram(np.full(100, 7))
    assert metrics.histogram_kl(collapsed, np.full(10, 0.1)) == pytest.approx(
        math.log(10))


def test_count_rare_classes():
    # 1000 samples: class 2 gets 9 (0.9% < 1%), class 5 gets 10 (exactly 1%),
    # classes 8 and 9 none.
    labels = np.concatenate([np.full(9, 2), np.full(10, 5),
                             np.resize(np.array([0, 1, 3, 4, 6, 7]), 981)])
    histogram = metrics.class_histogram(labels)
    assert metrics.count_rare_classes(histogram) == 3
    assert metrics.count_rare_classes(histogram, threshold=0.0101) == 4


def test_conditional_accuracy():
    predicted = np.array([0, 1, 2, 3, 4])
    requested = np.array([0, 1, 2, 0, 0])
    assert metrics.conditional_accuracy(predicted, requested) == 0.6
    with pytest.raises(ValueError, match="equal length"):
        metrics.conditional_accuracy(predicted, requested[:3])


def test_matched_accuracy_pairs_each_requested_label_with_one_class():
    # codes 0, 1, 2 became classes 1, 2, 0: no sample has its code's number, all are matched
    requested = np.array([0, 0, 1, 1, 2, 2, 2])
    predicted = np.array([1, 1, 2, 2, 0, 0, 1])
    assert metrics.conditional_accuracy(predicted, requested) == 0.0
    assert metrics.matched_accuracy(predicted, requested) == 6 / 7
    # one class cannot take two codes: the larger group keeps it, the other takes its best
    requested = np.array([0, 0, 0, 1, 1, 2])
    predicted = np.array([5, 5, 5, 5, 4, 5])
    assert metrics.matched_accuracy(predicted, requested) == 4 / 6  # 0 -> 5, 1 -> 4
    # more codes than classes: a code stays unpaired
    assert metrics.matched_accuracy(np.array([7, 7, 7]), np.array([0, 1, 2])) == 1 / 3
    # labels that follow their code: as conditional_accuracy
    requested = np.arange(20) % 10
    predicted = requested.copy()
    predicted[:3] = 9
    assert metrics.matched_accuracy(predicted, requested) == (
        metrics.conditional_accuracy(predicted, requested)) == 0.85
    with pytest.raises(ValueError, match="equal length, got 3 and 2"):
        metrics.matched_accuracy(np.array([0, 1, 2]), np.array([0, 1]))
    with pytest.raises(ValueError, match="at most 12 distinct labels, got 13 requested"):
        metrics.matched_accuracy(np.zeros(13, int), np.arange(13))
