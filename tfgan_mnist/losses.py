"""Loss and penalty functions: pure, batch-mean reduced, named as TF-GAN names them.

Arguments are discriminator *outputs*, not probabilities: logits for the
sigmoid cross-entropy losses, raw scores for critics.
"""

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
