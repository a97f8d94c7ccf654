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


def gradient_penalty(critic_fn, inputs, target=1.0, epsilon=1e-10):
    """E[(sqrt(|grad_x critic(x)|^2 + epsilon) - target)^2] at `inputs`.

    The norm is over all of an example's pixels (the collection summed over one
    axis only: hwalsuklee/tensorflow-generative-model-collections PR #22);
    `epsilon` under the root keeps the gradient of the norm finite at zero.
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
    return tf.reduce_mean(tf.square(tf.sqrt(squared_norms + epsilon) - target))


def _per_example(weights, like):
    """Interpolation weights of shape (batch,) -> broadcastable to `like` per example."""
    weights = _float(weights)
    tf.debugging.assert_rank(weights, 1, message="one interpolation weight per example")
    return tf.reshape(weights, tf.concat([tf.shape(weights), tf.ones_like(tf.shape(like)[1:])],
                                         axis=0))


def wasserstein_gradient_penalty(real_data, generated_data, critic_fn, interpolation_weights,
                                 target=1.0, epsilon=1e-10):
    """WGAN-GP: the gradient penalty at x + t (G(z) - x), one weight t ~ U[0, 1] per example.

    `interpolation_weights` has shape (batch,): one per example, as in the
    paper (the collection drew one per pixel; hwalsuklee issue #33).
    """
    real, fake = _float(real_data), _float(generated_data)
    weights = _per_example(interpolation_weights, real)
    return gradient_penalty(critic_fn, real + weights * (fake - real), target, epsilon)


def dragan_gradient_penalty(real_data, perturbed_data, critic_fn, interpolation_weights,
                            target=1.0, epsilon=1e-10):
    """DRAGAN: the gradient penalty at x + t (x_perturbed - x), one t ~ U[0, 1] per example.

    The penalty acts around the data instead of between data and samples.
    """
    real, perturbed = _float(real_data), _float(perturbed_data)
    weights = _per_example(interpolation_weights, real)
    return gradient_penalty(critic_fn, real + weights * (perturbed - real), target, epsilon)
