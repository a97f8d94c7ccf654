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
