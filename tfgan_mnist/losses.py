"""Loss and penalty functions: pure, batch-mean reduced, named as TF-GAN names them.

Arguments are discriminator *outputs*, not probabilities: logits for the
sigmoid cross-entropy losses, raw scores for critics.
"""

import math

import tensorflow as tf


def _sigmoid_cross_entropy(labels_value, logits):
    labels = tf.fill(tf.shape(logits), tf.constant(labels_value, logits.dtype))
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


def minimax_discriminator_loss(discriminator_real_outputs, discriminator_gen_outputs):
    """-log D(x) - log(1 - D(G(z))), each term averaged over its batch."""
    real = tf.cast(discriminator_real_outputs, tf.float32)
    fake = tf.cast(discriminator_gen_outputs, tf.float32)
    return _sigmoid_cross_entropy(1.0, real) + _sigmoid_cross_entropy(0.0, fake)


def modified_generator_loss(discriminator_gen_outputs):
    """The non-saturating generator loss: -log D(G(z)), averaged over the batch."""
    return _sigmoid_cross_entropy(1.0, tf.cast(discriminator_gen_outputs, tf.float32))


def minimax_generator_loss(discriminator_gen_outputs):
    """The saturating generator loss of the minimax game: log(1 - D(G(z)))."""
    return -_sigmoid_cross_entropy(0.0, tf.cast(discriminator_gen_outputs, tf.float32))


# --- dcgan, gan_mlp, ebgan, began, sagan --------------------------------------
# PyTorch-GAN's averaged discriminator loss, then the energy-based losses:
# EBGAN (Zhao et al. 2016) and BEGAN (Berthelot et al. 2017) score images by an
# autoencoder's reconstruction error, their "energy". TF-GAN has no such
# losses; these follow its naming and argument conventions.


def averaged_minimax_discriminator_loss(discriminator_real_outputs, discriminator_gen_outputs):
    """(-log D(x) - log(1 - D(G(z)))) / 2: PyTorch-GAN gan.py's `(real_loss + fake_loss) / 2`.

    Half of `minimax_discriminator_loss`. Adam's steps do not depend on the
    loss scale (up to its epsilon); the halving makes the logged value the
    source's.
    """
    return 0.5 * minimax_discriminator_loss(discriminator_real_outputs, discriminator_gen_outputs)


def reconstruction_energy(images, reconstructions):
    """The batch's reconstruction error as the collection computes it: ||D(x) - x||_2 / B.

    TwistedW/tensorflow-GANs EBGAN.py and BEGAN.py:
    `tf.sqrt(2 * tf.nn.l2_loss(out - x)) / self.batch_size`, the Frobenius
    norm of the whole batch's error divided by the batch size (not a per-pixel
    mean). EBGAN's margin of 1 is on this scale: a batch of 64 MNIST digits
    reconstructed as flat grey scores about 1.75 (each pixel off by ~0.5), a
    briefly trained autoencoder 0.35 to 0.5 (our BEGAN and EBGAN runs).
    """
    errors = tf.cast(reconstructions, tf.float32) - tf.cast(images, tf.float32)
    batch_size = tf.cast(tf.shape(errors)[0], tf.float32)
    return tf.sqrt(tf.reduce_sum(tf.square(errors))) / batch_size


def energy_discriminator_loss(discriminator_real_energy, discriminator_gen_energy, margin):
    """EBGAN's discriminator loss: D(x) + max(0, margin - D(G(z)))."""
    real = tf.cast(discriminator_real_energy, tf.float32)
    fake = tf.cast(discriminator_gen_energy, tf.float32)
    return tf.reduce_mean(real) + tf.reduce_mean(tf.nn.relu(margin - fake))


def energy_generator_loss(discriminator_gen_energy):
    """EBGAN's (and BEGAN's) generator loss: the energy of its images, D(G(z))."""
    return tf.reduce_mean(tf.cast(discriminator_gen_energy, tf.float32))


def pull_away_term(embeddings):
    """EBGAN's pull-away term: mean squared cosine similarity over pairs i != j.

    f_PT(S) = 1 / (N (N - 1)) * sum_{i != j} (S_i . S_j / (|S_i| |S_j|))^2
    (Zhao et al. 2016, eq. 7), on the discriminator's codes of a generated
    batch; low when the codes point in different directions. The collection's
    `pullaway_loss` sums the cosines without squaring them, so opposite codes
    cancel there; we square, as the paper does. Needs N >= 2.
    """
    embeddings = tf.cast(embeddings, tf.float32)
    count = tf.cast(tf.shape(embeddings)[0], tf.float32)
    normalized = tf.math.l2_normalize(embeddings, axis=1)
    similarity = tf.matmul(normalized, normalized, transpose_b=True)
    off_diagonal = tf.reduce_sum(tf.square(similarity)) - tf.reduce_sum(
        tf.square(tf.linalg.diag_part(similarity)))
    return off_diagonal / (count * (count - 1.0))


def boundary_equilibrium_discriminator_loss(discriminator_real_energy, discriminator_gen_energy,
                                            k):
    """BEGAN's discriminator loss: L(x) - k * L(G(z)), with k the control variable."""
    real = tf.reduce_mean(tf.cast(discriminator_real_energy, tf.float32))
    fake = tf.reduce_mean(tf.cast(discriminator_gen_energy, tf.float32))
    return real - tf.cast(k, tf.float32) * fake


def boundary_equilibrium_k_update(k, discriminator_real_energy, discriminator_gen_energy,
                                  gamma, k_learning_rate):
    """The next k: clip(k + lambda_k * (gamma * L(x) - L(G(z))), 0, 1).

    BEGAN's proportional control (Berthelot et al. 2017, eq. 4 and the text
    after it: k is kept in [0, 1]). The collection's BEGAN.py omits the clip
    (fixed upstream in hwalsuklee PR #16), letting k go negative.
    """
    real = tf.reduce_mean(tf.cast(discriminator_real_energy, tf.float32))
    fake = tf.reduce_mean(tf.cast(discriminator_gen_energy, tf.float32))
    k = tf.cast(k, tf.float32) + k_learning_rate * (gamma * real - fake)
    return tf.clip_by_value(k, 0.0, 1.0)


def boundary_equilibrium_convergence(discriminator_real_energy, discriminator_gen_energy, gamma):
    """BEGAN's convergence measure M = L(x) + |gamma * L(x) - L(G(z))| (lower is better)."""
    real = tf.reduce_mean(tf.cast(discriminator_real_energy, tf.float32))
    fake = tf.reduce_mean(tf.cast(discriminator_gen_energy, tf.float32))
    return real + tf.abs(gamma * real - fake)


# ----- Losses and penalties of the GAN collection (GAN, CGAN, ACGAN, infoGAN,
# ----- LSGAN, WGAN, WGAN-GP, DRAGAN) ------------------------------------------


def _float(tensor):
    return tf.cast(tensor, tf.float32)


def wasserstein_discriminator_loss(discriminator_real_outputs, discriminator_gen_outputs):
    """The critic's loss E[D(G(z))] - E[D(x)] on raw (unbounded) critic outputs."""
    return (tf.reduce_mean(_float(discriminator_gen_outputs))
            - tf.reduce_mean(_float(discriminator_real_outputs)))


def wasserstein_generator_loss(discriminator_gen_outputs):
    """The generator's Wasserstein loss -E[D(G(z))] on raw critic outputs."""
    return -tf.reduce_mean(_float(discriminator_gen_outputs))


def least_squares_discriminator_loss(discriminator_real_outputs, discriminator_gen_outputs,
                                     real_label=1.0, fake_label=0.0):
    """LSGAN: 0.5 E[(D(x) - b)^2] + 0.5 E[(D(G(z)) - a)^2] on RAW outputs (no sigmoid)."""
    real = _float(discriminator_real_outputs)
    fake = _float(discriminator_gen_outputs)
    return (0.5 * tf.reduce_mean(tf.square(real - real_label))
            + 0.5 * tf.reduce_mean(tf.square(fake - fake_label)))


def least_squares_generator_loss(discriminator_gen_outputs, real_label=1.0):
    """LSGAN: 0.5 E[(D(G(z)) - c)^2] on raw outputs, c = the real label."""
    return 0.5 * tf.reduce_mean(tf.square(_float(discriminator_gen_outputs) - real_label))


def hinge_discriminator_loss(discriminator_real_outputs, discriminator_gen_outputs):
    """The hinge loss E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))] on raw outputs.

    Lim and Ye 2017 (Geometric GAN), as Miyato et al. 2018 (SNGAN) train with it.
    """
    real = _float(discriminator_real_outputs)
    fake = _float(discriminator_gen_outputs)
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))


def hinge_generator_loss(discriminator_gen_outputs):
    """The hinge GAN's generator loss -E[D(G(z))] on raw outputs (SNGAN)."""
    return -tf.reduce_mean(_float(discriminator_gen_outputs))


def _softmax_cross_entropy(logits, one_hot_labels):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
        labels=_float(one_hot_labels), logits=_float(logits)))


def acgan_discriminator_loss(discriminator_real_classification_logits,
                             discriminator_gen_classification_logits, one_hot_labels):
    """ACGAN's class loss for D: softmax cross-entropy on real plus on generated LOGITS.

    Logits, never probabilities: cross-entropy on a softmax output applies the
    softmax twice (the bug of PyTorch-GAN's acgan.py, its issue #141).
    """
    return (_softmax_cross_entropy(discriminator_real_classification_logits, one_hot_labels)
            + _softmax_cross_entropy(discriminator_gen_classification_logits, one_hot_labels))


def acgan_generator_loss(discriminator_gen_classification_logits, one_hot_labels):
    """ACGAN's class loss for G: softmax cross-entropy of the generated images' logits."""
    return _softmax_cross_entropy(discriminator_gen_classification_logits, one_hot_labels)


def categorical_mutual_information_penalty(one_hot_codes, code_logits):
    """-E[log Q(c|x)] for a categorical code: softmax cross-entropy on Q's logits.

    Minimizing it maximizes infoGAN's lower bound on I(c; G(z, c)) (the
    code's entropy, a constant, is left out).
    """
    return _softmax_cross_entropy(code_logits, one_hot_codes)


def continuous_mutual_information_penalty(codes, code_predictions):
    """E[sum_i (c_i - Q_i(x))^2]: the collection's continuous-code loss on raw Q outputs.

    A Gaussian log-likelihood with fixed unit variance, up to a factor 2 and a
    constant (TwistedW/tensorflow-GANs infoGAN.py: sum over code dims, batch
    mean). Q's raw outputs, not a softmax: the codes live in [-1, 1].
    """
    return tf.reduce_mean(tf.reduce_sum(tf.square(_float(codes) - _float(code_predictions)),
                                        axis=-1))


def mutual_information_penalty(one_hot_codes, code_logits, continuous_codes,
                               continuous_predictions, categorical_weight=1.0,
                               continuous_weight=1.0):
    """infoGAN's weighted information loss over a categorical and a continuous code."""
    return (categorical_weight * categorical_mutual_information_penalty(one_hot_codes,
                                                                        code_logits)
            + continuous_weight * continuous_mutual_information_penalty(
                continuous_codes, continuous_predictions))


def gradient_penalty(critic_fn, inputs, target=1.0, epsilon=1e-10, group=1):
    """E[(sqrt(|grad_x critic(x)|^2 + epsilon) - target)^2] at `inputs`.

    The norm is over all of an example's pixels (the collection summed over one
    axis only: hwalsuklee/tensorflow-generative-model-collections PR #22);
    `epsilon` under the root keeps the gradient of the norm finite at zero.
    `group`: inputs per example of the critic (PacGAN's packing: `group`
    consecutive images are one packed input, and the norm is over all of them).
    The inner tape records the critic so an outer tape can differentiate the
    penalty again with respect to the critic's weights.
    """
    inputs = _float(inputs)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = _float(critic_fn(inputs))
    gradients = tape.gradient(outputs, inputs)
    squared_norms = tf.reduce_sum(tf.square(gradients),
                                  axis=tf.range(1, tf.rank(gradients)))
    if group > 1:
        squared_norms = tf.reduce_sum(tf.reshape(squared_norms, (-1, group)), axis=1)
    return tf.reduce_mean(tf.square(tf.sqrt(squared_norms + epsilon) - target))


def _per_example(weights, like):
    """Interpolation weights of shape (batch,) -> broadcastable to `like` per example."""
    weights = _float(weights)
    tf.debugging.assert_rank(weights, 1, message="one interpolation weight per example")
    return tf.reshape(weights, tf.concat([tf.shape(weights), tf.ones_like(tf.shape(like)[1:])],
                                         axis=0))


def wasserstein_gradient_penalty(real_data, generated_data, critic_fn, interpolation_weights,
                                 target=1.0, epsilon=1e-10, group=1):
    """WGAN-GP: the gradient penalty at x + t (G(z) - x), one weight t ~ U[0, 1] per example.

    `interpolation_weights` has shape (batch,): one per example, as in the
    paper (the collection drew one per pixel; hwalsuklee issue #33).
    """
    real, fake = _float(real_data), _float(generated_data)
    weights = _per_example(interpolation_weights, real)
    return gradient_penalty(critic_fn, real + weights * (fake - real), target, epsilon,
                            group)


def dragan_gradient_penalty(real_data, perturbed_data, critic_fn, interpolation_weights,
                            target=1.0, epsilon=1e-10, group=1):
    """DRAGAN: the gradient penalty at x + t (x_perturbed - x), one t ~ U[0, 1] per example.

    The penalty acts around the data instead of between data and samples.
    """
    real, perturbed = _float(real_data), _float(perturbed_data)
    weights = _per_example(interpolation_weights, real)
    return gradient_penalty(critic_fn, real + weights * (perturbed - real), target,
                            epsilon, group)
# ----- autoencoder losses (vae, cvae, vae_gan, aae) ---------------------------
# Unlike the GAN losses above these compare images or codes, so they take the
# data and the network outputs; each is still a batch mean of a per-example loss.

def bernoulli_reconstruction_loss(images, decoder_logits):
    """-log p(x|z) of pixels in [0, 1] under Bernoulli outputs: summed over pixels, batch mean.

    TwistedW VAE.py writes it as sum(x log y + (1 - x) log(1 - y)) with y the
    decoder's sigmoid output clipped to [1e-8, 1 - 1e-8]; the same quantity
    from the logits is the sigmoid cross-entropy, stable without the clip.
    """
    images = tf.cast(images, tf.float32)
    logits = tf.cast(decoder_logits, tf.float32)
    per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=images, logits=logits)
    per_example = tf.reduce_sum(tf.reshape(per_pixel, [tf.shape(per_pixel)[0], -1]), axis=1)
    return tf.reduce_mean(per_example)


def gaussian_kl_divergence(mean, stddev):
    """KL(N(mean, stddev^2) || N(0, I)), summed over latent dimensions, batch mean.

    As TwistedW VAE.py: 0.5 * sum(mean^2 + stddev^2 - log(1e-8 + stddev^2) - 1).
    """
    mean = tf.cast(mean, tf.float32)
    variance = tf.square(tf.cast(stddev, tf.float32))
    per_example = 0.5 * tf.reduce_sum(
        tf.square(mean) + variance - tf.math.log(1e-8 + variance) - 1.0, axis=1)
    return tf.reduce_mean(per_example)


def l1_reconstruction_loss(images, reconstructions):
    """Mean absolute pixel difference (PyTorch's L1Loss, as aae.py uses it)."""
    return tf.reduce_mean(tf.abs(tf.cast(images, tf.float32) - tf.cast(reconstructions, tf.float32)))


def unit_gaussian_negative_log_likelihood(predictions, targets):
    """-log N(targets; predictions, 1) summed over all but the batch axis, batch mean.

    TwistedW VAE_GAN.py's `NLLNormal` (despite its name the log-likelihood,
    which that file negates in the encoder loss): -0.5 log(2 pi) - (p - t)^2 / 2.
    """
    predictions = tf.cast(predictions, tf.float32)
    targets = tf.cast(targets, tf.float32)
    per_element = 0.5 * tf.square(predictions - targets) + 0.5 * math.log(2.0 * math.pi)
    flat = tf.reshape(per_element, [tf.shape(per_element)[0], -1])
    return tf.reduce_mean(tf.reduce_sum(flat, axis=1))
