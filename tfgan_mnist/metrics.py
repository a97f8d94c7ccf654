"""Sample-quality metrics computed from a classifier's features and logits.

Every function here is pure: arrays in, numbers out, no model and no I/O.
The classifier that produces the features and logits lives in
`tfgan_mnist/classifier.py`. Arrays are NumPy arrays (anything `np.asarray`
accepts works); statistics are computed in float64 unless a function says
otherwise.

References
- Salimans et al. 2016, "Improved Techniques for Training GANs"
  (Inception score; here its classifier-score analogue).
- Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge
  to a Local Nash Equilibrium" (Frechet Inception Distance).
- Dowson & Landau 1982, "The Frechet distance between multivariate normal
  distributions" (the closed form behind FID).
- Binkowski et al. 2018, "Demystifying MMD GANs" (Kernel Inception Distance).
- Gretton et al. 2012, "A Kernel Two-Sample Test" (unbiased MMD estimator).
- Kynkaanniemi et al. 2019, "Improved Precision and Recall Metric for
  Assessing Generative Models".
"""

import math

import numpy as np


# --------------------------------------------------------------------------
# Classifier score (the Inception score with a domain classifier)
# --------------------------------------------------------------------------


def _log_softmax(logits):
    """Row-wise log-softmax in float64, shifted by the row max for stability."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _log_mean_exp(log_values, axis):
    """log(mean(exp(log_values))) along `axis` without overflow or underflow."""
    peak = log_values.max(axis=axis, keepdims=True)
    # A class that no row predicts at all has peak -inf; keep it at -inf
    # instead of producing nan from (-inf) - (-inf).
    safe_peak = np.where(np.isfinite(peak), peak, 0.0)
    mean = np.exp(log_values - safe_peak).mean(axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.squeeze(np.log(mean) + safe_peak, axis=axis)


def _classifier_score_one(log_probs):
    """exp(E_x KL(p(y|x) || p(y))) for one block of log-probabilities."""
    log_marginal = _log_mean_exp(log_probs, axis=0)
    probs = np.exp(log_probs)
    # Where p(y|x) is 0 (a logit of -inf, or underflow) the term 0 * log 0 is
    # 0 by convention; np.where replaces the nan of 0 * (-inf).
    with np.errstate(invalid="ignore"):
        terms = np.where(probs > 0, probs * (log_probs - log_marginal), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


def classifier_score(logits, splits=10):
    """Inception-score analogue exp(E_x KL(p(y|x) || p(y))) from classifier logits.

    Salimans et al. 2016 ("Improved Techniques for Training GANs") define the
    score with an ImageNet Inception network; on MNIST-like data a classifier
    trained on the dataset itself plays that role. The score lies in
    [1, num_classes]: 1 when every prediction equals the marginal (no
    confident, or no diverse, predictions), num_classes when predictions are
    one-hot and spread evenly over all classes.

    Args:
      logits: (N, C) unnormalised class scores.
      splits: the usual protocol also reports the score on `splits` disjoint,
        consecutive parts of the set, each with its own marginal p(y).

    Returns:
      (score on the whole set, mean over splits, std over splits).
    """
    logits = np.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, C), got {logits.shape}")
    if not 1 <= splits <= len(logits):
        raise ValueError(
            f"splits must be between 1 and the number of samples "
            f"({len(logits)}), got {splits}")
    log_probs = _log_softmax(logits)
    whole = _classifier_score_one(log_probs)
    per_split = [_classifier_score_one(part)
                 for part in np.array_split(log_probs, splits)]
    return whole, float(np.mean(per_split)), float(np.std(per_split))


# --------------------------------------------------------------------------
# Frechet distance (FID with a domain classifier's features)
# --------------------------------------------------------------------------


def _as_feature_matrix(features, name):
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), got {features.shape}")
    return features


def feature_moments(features):
    """Mean vector and (unbiased) covariance matrix of (N, D) features, float64."""
    features = _as_feature_matrix(features, "features")
    if len(features) < 2:
        raise ValueError("a covariance needs at least 2 samples, got "
                         f"{len(features)}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrt_psd(matrix):
    """Symmetric square root of a symmetric positive semi-definite matrix.

    Rounding makes the eigenvalues of a sample covariance that should be 0
    (for example a feature that is constant, or fewer samples than
    dimensions) come out slightly negative; they are clipped to 0.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    return (eigenvectors * np.sqrt(eigenvalues)) @ eigenvectors.T


def trace_sqrt_product(sigma_a, sigma_b):
    """tr sqrt(sigma_a sigma_b) for symmetric PSD matrices, without scipy.

    sigma_a sigma_b is not symmetric, but it is similar to the symmetric PSD
    matrix sqrt(sigma_a) sigma_b sqrt(sigma_a) (conjugate by sqrt(sigma_a)),
    so both have the same non-negative eigenvalues, and the trace of the
    square root is the sum of their square roots. This replaces the general
    (and sometimes complex-valued) `scipy.linalg.sqrtm` used by the reference
    FID code with two symmetric eigen-decompositions.
    """
    sqrt_a = _sqrt_psd(sigma_a)
    product = sqrt_a @ sigma_b @ sqrt_a
    product = (product + product.T) / 2.0  # undo rounding asymmetry for eigh
    eigenvalues = np.clip(np.linalg.eigvalsh(product), 0.0, None)
    return float(np.sqrt(eigenvalues).sum())


def frechet_distance_from_moments(mu_a, sigma_a, mu_b, sigma_b):
    """Frechet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b).

    Closed form of Dowson & Landau 1982, used by FID (Heusel et al. 2017):
    ||mu_a - mu_b||^2 + tr(sigma_a + sigma_b - 2 sqrt(sigma_a sigma_b)).
    """
    mu_a = np.asarray(mu_a, dtype=np.float64)
    mu_b = np.asarray(mu_b, dtype=np.float64)
    sigma_a = np.atleast_2d(np.asarray(sigma_a, dtype=np.float64))
    sigma_b = np.atleast_2d(np.asarray(sigma_b, dtype=np.float64))
    dim = mu_a.shape[0]
    for name, value, shape in (("mu_b", mu_b, (dim,)),
                               ("sigma_a", sigma_a, (dim, dim)),
                               ("sigma_b", sigma_b, (dim, dim))):
        if value.shape != shape:
            raise ValueError(f"{name} must have shape {shape} to match mu_a, "
                             f"got {value.shape}")
    mean_term = float(np.sum((mu_a - mu_b) ** 2))
    covariance_term = (np.trace(sigma_a) + np.trace(sigma_b)
                       - 2.0 * trace_sqrt_product(sigma_a, sigma_b))
    # The distance is non-negative; rounding can leave about -1e-12 for two
    # identical sets, which would only confuse a log.
    return max(0.0, mean_term + float(covariance_term))


def frechet_distance(features_a, features_b):
    """Frechet distance between Gaussians fitted to two (N, D) feature sets (FID)."""
    features_a = _as_feature_matrix(features_a, "features_a")
    features_b = _as_feature_matrix(features_b, "features_b")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError("feature sets differ in dimension: "
                         f"{features_a.shape[1]} vs {features_b.shape[1]}")
    return frechet_distance_from_moments(*feature_moments(features_a),
                                         *feature_moments(features_b))


# --------------------------------------------------------------------------
# Kernel distance (KID)
# --------------------------------------------------------------------------


def polynomial_kernel(x, y):
    """Cubic polynomial kernel k(x, y) = (x . y / d + 1)^3 between rows of x and y."""
    kernel = x @ y.T
    kernel /= x.shape[1]
    kernel += 1.0
    # In-place products instead of `** 3`: about three times faster here,
    # and KID evaluates this on 300 matrices of 1000 x 1000 by default.
    cube = kernel * kernel
    cube *= kernel
    return cube


def mmd2_unbiased(x, y):
    """Unbiased estimate of MMD^2 between two equal-size samples, cubic kernel.

    Gretton et al. 2012, Lemma 6: the within-sample means leave out the
    diagonal k(x_i, x_i), so the estimate is unbiased and can be negative
    when the two distributions are equal.
    """
    m = len(x)
    k_xx = polynomial_kernel(x, x)
    k_yy = polynomial_kernel(y, y)
    k_xy = polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kernel_distance(features_a, features_b, num_subsets=100, subset_size=1000,
                    seed=0):
    """Kernel (Inception) distance: unbiased MMD^2, cubic kernel, over random subsets.

    Binkowski et al. 2018 ("Demystifying MMD GANs"): average the unbiased
    MMD^2 estimate over `num_subsets` pairs of subsets of `subset_size`
    rows, each drawn without replacement from each set, as their reference
    code does (100 subsets of 1000 by default). Unlike FID, the estimator is
    unbiased, so values from different sample sizes are comparable.
    If a set has fewer than `subset_size` rows, the subsets use the smaller size.

    Returns:
      (mean, std) of MMD^2 over the subsets.
    """
    features_a = _as_feature_matrix(features_a, "features_a")
    features_b = _as_feature_matrix(features_b, "features_b")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError("feature sets differ in dimension: "
                         f"{features_a.shape[1]} vs {features_b.shape[1]}")
    size = min(subset_size, len(features_a), len(features_b))
    if size < 2:
        raise ValueError(f"KID needs subsets of at least 2 rows, got {size}")
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be positive, got {num_subsets}")
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(num_subsets):
        subset_a = features_a[rng.choice(len(features_a), size, replace=False)]
        subset_b = features_b[rng.choice(len(features_b), size, replace=False)]
        estimates.append(mmd2_unbiased(subset_a, subset_b))
    return float(np.mean(estimates)), float(np.std(estimates))


# --------------------------------------------------------------------------
# Improved precision and recall
# --------------------------------------------------------------------------


def _squared_distances(rows, columns, columns_sq_norms):
    """(len(rows), len(columns)) squared Euclidean distances, float32."""
    rows_sq_norms = np.einsum("ij,ij->i", rows, rows)
    distances = rows_sq_norms[:, None] + columns_sq_norms[None, :]
    distances -= 2.0 * (rows @ columns.T)
    # ||a||^2 + ||b||^2 - 2 a.b can dip below 0 by rounding.
    return np.maximum(distances, 0.0, out=distances)


def _kth_neighbour_sq_radii(features, k, batch_size):
    """Squared distance from each row to its k-th nearest other row."""
    sq_norms = np.einsum("ij,ij->i", features, features)
    radii = np.empty(len(features), dtype=np.float32)
    for start in range(0, len(features), batch_size):
        distances = _squared_distances(features[start:start + batch_size],
                                       features, sq_norms)
        # Each row's own distance (0) is among the k + 1 smallest, so index k
        # of the partitioned row is the k-th nearest *other* row, as in the
        # reference implementation of Kynkaanniemi et al.
        radii[start:start + batch_size] = np.partition(distances, k, axis=1)[:, k]
    return radii


def precision_recall(real_features, fake_features, k=3, batch_size=1024):
    """Improved precision and recall of Kynkaanniemi et al. 2019.

    Each set's manifold is approximated by the union of balls around its
    points, each ball reaching the point's k-th nearest neighbour in the same
    set. Precision is the fraction of fake samples inside the real manifold
    (are the samples realistic?); recall is the fraction of real samples
    inside the fake manifold (is the real variety covered?).

    Distances are computed in float32 blocks of `batch_size` rows against a
    whole set, so memory is O(batch_size * N), never O(N^2 * D). Features are
    centred on their joint mean first: distances do not change, and the
    expansion ||a||^2 + ||b||^2 - 2 a.b loses less precision near 0.

    Returns:
      (precision, recall), both in [0, 1].
    """
    real = _as_feature_matrix(real_features, "real_features")
    fake = _as_feature_matrix(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError("feature sets differ in dimension: "
                         f"{real.shape[1]} vs {fake.shape[1]}")
    if not 1 <= k < min(len(real), len(fake)):
        raise ValueError(f"k must be at least 1 and below both set sizes "
                         f"({len(real)}, {len(fake)}), got {k}")
    center = (real.sum(axis=0) + fake.sum(axis=0)) / (len(real) + len(fake))
    real = (real - center).astype(np.float32)
    fake = (fake - center).astype(np.float32)

    real_sq_radii = _kth_neighbour_sq_radii(real, k, batch_size)
    fake_sq_radii = _kth_neighbour_sq_radii(fake, k, batch_size)

    # One pass over fake-vs-real distance blocks answers both questions:
    # rows (fake samples) for precision, columns (real samples) for recall.
    real_sq_norms = np.einsum("ij,ij->i", real, real)
    fake_in_real_manifold = np.empty(len(fake), dtype=bool)
    real_in_fake_manifold = np.zeros(len(real), dtype=bool)
    for start in range(0, len(fake), batch_size):
        stop = start + batch_size
        distances = _squared_distances(fake[start:stop], real, real_sq_norms)
        fake_in_real_manifold[start:stop] = np.any(
            distances <= real_sq_radii[None, :], axis=1)
        real_in_fake_manifold |= np.any(
            distances <= fake_sq_radii[start:stop, None], axis=0)
    return (float(fake_in_real_manifold.mean()),
            float(real_in_fake_manifold.mean()))


# --------------------------------------------------------------------------
# Class coverage and conditional accuracy
# --------------------------------------------------------------------------


def _as_labels(labels, name, num_classes=None):
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-D integer array, got shape "
                         f"{labels.shape} and dtype {labels.dtype}")
    if num_classes is not None and len(labels) and (
            labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"{name} must lie in [0, {num_classes}), got values "
                         f"from {labels.min()} to {labels.max()}")
    return labels


def class_histogram(predicted_labels, num_classes=10):
    """Fraction of samples predicted as each class: (num_classes,) float64, sums to 1."""
    labels = _as_labels(predicted_labels, "predicted_labels", num_classes)
    if len(labels) == 0:
        raise ValueError("predicted_labels is empty")
    counts = np.bincount(labels, minlength=num_classes)
    return counts / counts.sum()


def histogram_kl(p, q):
    """KL(p || q) = sum_i p_i log(p_i / q_i) in nats between two histograms.

    Both inputs are normalised to sum to 1. Terms with p_i = 0 contribute 0;
    if q_i = 0 where p_i > 0 the divergence is infinite. To measure how far a
    generator's class histogram is from balanced, pass it as `p` and the
    reference (uniform, or the real test set's histogram, both without
    zeros) as `q`: the result is then always finite, and for a uniform q it
    equals log(num_classes) - entropy(p).
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"p and q must be 1-D of equal length, got {p.shape} "
                         f"and {q.shape}")
    if (p < 0).any() or (q < 0).any() or p.sum() <= 0 or q.sum() <= 0:
        raise ValueError("p and q must be non-negative with a positive sum")
    p = p / p.sum()
    q = q / q.sum()
    support = p > 0
    if (q[support] == 0).any():
        return math.inf
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def mode_coverage(labels, num_modes):
    """(modes, kl) of sample `labels` among `num_modes` equally likely modes: how many
    distinct modes occur, and KL(label histogram || uniform) in nats.

    The Stacked MNIST protocol of PacGAN's code (Lin et al. 2018,
    stacked_MNIST_experiments/): each sample's label is its channels' predicted digits,
    modes are the distinct labels among 26,000 samples, and the KL is
    sum_i p_i log(p_i / (1 / num_modes)). A perfect generator does not read 0: with
    26,000 samples of 1000 modes the histogram's own noise gives about 0.02.
    """
    histogram = class_histogram(labels, num_modes)
    return int(np.count_nonzero(histogram)), histogram_kl(histogram, np.ones(num_modes))


def count_rare_classes(histogram, threshold=0.01):
    """Number of classes that receive less than `threshold` of the samples (dropped modes)."""
    histogram = np.asarray(histogram, dtype=np.float64)
    return int(np.sum(histogram / histogram.sum() < threshold))


def _paired_labels(predicted_labels, requested_labels):
    """Both label arrays, checked: 1-D integers, non-empty, of equal length."""
    predicted = _as_labels(predicted_labels, "predicted_labels")
    requested = _as_labels(requested_labels, "requested_labels")
    if predicted.shape != requested.shape or len(predicted) == 0:
        raise ValueError("predicted_labels and requested_labels must be "
                         "non-empty and of equal length, got "
                         f"{len(predicted)} and {len(requested)}")
    return predicted, requested


def conditional_accuracy(predicted_labels, requested_labels):
    """Fraction of conditional samples that the classifier assigns to the requested class."""
    predicted, requested = _paired_labels(predicted_labels, requested_labels)
    return float(np.mean(predicted == requested))


MATCHED_MAX_CLASSES = 12  # the exact search below visits up to 2**12 subsets per label


def matched_accuracy(predicted_labels, requested_labels):
    """`conditional_accuracy` after the best one-to-one relabelling of the requested labels.

    For a model whose codes are discovered rather than taught (infoGAN: which
    code value becomes which digit is learned, in some order), this reads how
    well the codes separate the classes; for a model that follows its labels it
    is at least `conditional_accuracy`. Each requested label is paired with a
    different predicted class so that the most samples agree: exactly, by a
    dynamic program over the subsets of classes already taken (at most
    MATCHED_MAX_CLASSES distinct labels).
    """
    predicted, requested = _paired_labels(predicted_labels, requested_labels)
    codes, code_index = np.unique(requested, return_inverse=True)
    classes, class_index = np.unique(predicted, return_inverse=True)
    if max(len(codes), len(classes)) > MATCHED_MAX_CLASSES:
        raise ValueError(f"matched_accuracy takes at most {MATCHED_MAX_CLASSES} distinct "
                         f"labels, got {len(codes)} requested and {len(classes)} predicted")
    counts = np.zeros((len(codes), len(classes)), np.int64)
    np.add.at(counts, (code_index, class_index), 1)
    best = {0: 0}  # classes taken (a bit mask) -> most agreeing samples so far
    for row in counts:
        following = dict(best)  # this code left unpaired (more codes than classes)
        for taken, agreeing in best.items():
            for column, count in enumerate(row):
                if not taken >> column & 1:
                    mask = taken | 1 << column
                    following[mask] = max(following.get(mask, 0), agreeing + int(count))
        best = following
    return max(best.values()) / len(predicted)
