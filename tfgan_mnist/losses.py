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
