"""Every loss and penalty of losses.py against hand-computed values."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import losses

LN2, LN3 = math.log(2.0), math.log(3.0)


def test_wasserstein_losses():
    real, fake = tf.constant([[1.0], [2.0], [3.0]]), tf.constant([[0.5], [-0.5]])
    assert float(losses.wasserstein_discriminator_loss(real, fake)) == pytest.approx(-2.0)
    assert float(losses.wasserstein_generator_loss(tf.constant([[1.0], [-3.0]]))) == 1.0


def test_least_squares_losses_are_on_raw_outputs():
    real, fake = tf.constant([[0.5], [2.0]]), tf.constant([[1.0], [-1.0]])
    # 0.5 * mean(0.25, 1) + 0.5 * mean(1, 1)
    assert float(losses.least_squares_discriminator_loss(real, fake)) == pytest.approx(0.8125)
    # 0.5 * mean(1, 4)
    assert float(losses.least_squares_generator_loss(tf.constant([[0.0], [3.0]]))) == 1.25


def test_acgan_losses_are_cross_entropy_on_logits():
    one_hot = tf.constant([[1.0, 0.0]])
    real_logits = tf.constant([[0.0, LN3]])  # p(class 0) = 1/4
    fake_logits = tf.constant([[0.0, 0.0]])  # p = 1/2
    value = losses.acgan_discriminator_loss(real_logits, fake_logits, one_hot)
    assert float(value) == pytest.approx(math.log(4.0) + LN2, rel=1e-6)
    value = losses.acgan_generator_loss(tf.constant([[LN3, 0.0]]), one_hot)  # p = 3/4
    assert float(value) == pytest.approx(math.log(4.0 / 3.0), rel=1e-6)


def test_acgan_loss_on_softmax_outputs_would_differ():
    # The bug this guards against: feeding probabilities as logits.
    logits = tf.constant([[4.0, 0.0]])
    one_hot = tf.constant([[1.0, 0.0]])
    right = float(losses.acgan_generator_loss(logits, one_hot))
    wrong = float(losses.acgan_generator_loss(tf.nn.softmax(logits), one_hot))
    assert right == pytest.approx(math.log1p(math.exp(-4.0)), rel=1e-5)
    assert abs(wrong - right) > 0.2


def test_mutual_information_penalties():
    one_hot = tf.constant([[0.0, 1.0], [1.0, 0.0]])
    logits = tf.constant([[0.0, LN3], [0.0, 0.0]])  # p = 3/4 and 1/2
    categorical = (math.log(4.0 / 3.0) + LN2) / 2
    assert float(losses.categorical_mutual_information_penalty(one_hot, logits)) == \
        pytest.approx(categorical, rel=1e-6)
    codes = tf.constant([[1.0, -1.0], [0.0, 0.0]])
    predictions = tf.constant([[0.0, -1.0], [0.5, 0.5]])  # squared errors sum to 1 and 0.5
    assert float(losses.continuous_mutual_information_penalty(codes, predictions)) == 0.75
    total = losses.mutual_information_penalty(one_hot, logits, codes, predictions,
                                              categorical_weight=2.0, continuous_weight=3.0)
    assert float(total) == pytest.approx(2 * categorical + 3 * 0.75, rel=1e-6)


def linear_critic(scale):
    """x -> scale * <u, x> with |u| = 1 over each 2x2x1 example: gradient norm `scale`."""
    direction = tf.constant([[[0.5], [0.5]], [[0.5], [-0.5]]])  # (2, 2, 1), norm 1
    return lambda x: scale * tf.reduce_sum(x * direction, axis=[1, 2, 3])


INPUTS = tf.reshape(tf.range(12.0), (3, 2, 2, 1))  # three 2x2x1 examples


def test_gradient_penalty_is_zero_for_a_unit_norm_critic():
    assert float(losses.gradient_penalty(linear_critic(1.0), INPUTS)) < 1e-12


def test_gradient_penalty_of_a_linear_critic():
    # |grad| = 3 everywhere: (3 - 1)^2
    assert float(losses.gradient_penalty(linear_critic(3.0), INPUTS)) == pytest.approx(4.0)
    assert float(losses.gradient_penalty(linear_critic(0.5), INPUTS)) == pytest.approx(0.25)


def quadratic_critic(x):
    """x -> |x|^2 / 2 per example: its gradient is x itself."""
    return 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])


def test_gradient_penalty_takes_the_norm_per_example_over_all_pixels():
    inputs = tf.stack([tf.fill((2, 2, 1), 0.5), tf.fill((2, 2, 1), 1.5)])  # norms 1 and 3
    assert float(losses.gradient_penalty(quadratic_critic, inputs)) == pytest.approx(2.0)


def test_gradient_penalty_has_a_finite_gradient_at_a_zero_gradient():
    weight = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(lambda x: weight * tf.reduce_sum(x, [1, 2, 3]),
                                          INPUTS)
    gradient = tape.gradient(penalty, weight)
    assert float(penalty) == pytest.approx(1.0, abs=1e-4)
    assert math.isfinite(float(gradient)) and float(gradient) == 0.0


def test_gradient_penalty_differentiates_through_the_critic_weights():
    weight = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(
            lambda x: weight * linear_critic(1.0)(x), INPUTS)
    # d/dw (w - 1)^2 = 2 (w - 1) = 4
    assert float(tape.gradient(penalty, weight)) == pytest.approx(4.0, rel=1e-5)


def test_wasserstein_gradient_penalty_interpolates_per_example():
    real = tf.zeros((2, 2, 2, 1))
    fake = tf.ones((2, 2, 2, 1))  # |fake| = 2 per example
    weights = tf.constant([0.5, 1.0])  # x_hat norms 1 and 2: penalties 0 and 1
    value = losses.wasserstein_gradient_penalty(real, fake, quadratic_critic, weights)
    assert float(value) == pytest.approx(0.5)


def test_dragan_gradient_penalty_interpolates_towards_the_perturbed_batch():
    real = tf.ones((2, 2, 2, 1))  # |x| = 2
    perturbed = 2.0 * real  # |x_p| = 4
    weights = tf.constant([0.0, 0.5])  # x_hat norms 2 and 3: penalties 1 and 4
    value = losses.dragan_gradient_penalty(real, perturbed, quadratic_critic, weights)
    assert float(value) == pytest.approx(2.5)


def test_interpolation_weights_must_be_one_per_example():
    real = tf.zeros((2, 2, 2, 1))
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
        losses.wasserstein_gradient_penalty(real, real, quadratic_critic, tf.ones((2, 2, 2, 1)))


def test_hinge_losses_match_hand_computed_values():
    real = tf.constant([[2.0], [0.5], [-1.0]])  # max(0, 1 - x): 0, 0.5, 2 -> mean 2.5 / 3
    fake = tf.constant([[-2.0], [0.0]])  # max(0, 1 + x): 0, 1 -> mean 0.5
    assert float(losses.hinge_discriminator_loss(real, fake)) == pytest.approx(2.5 / 3 + 0.5)
    assert float(losses.hinge_generator_loss(fake)) == pytest.approx(1.0)  # -mean(-2, 0)
    # Outputs beyond the margins cost nothing.
    assert float(losses.hinge_discriminator_loss(tf.constant([3.0]), tf.constant([-3.0]))) == 0.0


# ----- dcgan, gan_mlp, ebgan, began, sagan -------------------------------------

def test_averaged_minimax_discriminator_loss_is_half_the_sum_of_its_terms():
    # logit 0 on both sides: each cross-entropy term is log 2.
    value = losses.averaged_minimax_discriminator_loss(tf.zeros((3, 1)), tf.zeros((3, 1)))
    assert float(value) == pytest.approx(math.log(2.0), rel=1e-6)  # (log 2 + log 2) / 2


def test_reconstruction_energy_is_the_batch_l2_norm_over_the_batch_size():
    images = np.zeros((2, 28, 28, 1), np.float32)
    reconstructions = images.copy()
    reconstructions[0, 3, 4, 0] = 3.0
    reconstructions[1, 10, 2, 0] = -4.0
    # sqrt(3^2 + 4^2) / 2 images = 5 / 2
    assert float(losses.reconstruction_energy(images, reconstructions)) == pytest.approx(2.5)


def test_energy_discriminator_loss_has_a_hinge_at_the_margin():
    # 0.3 + max(0, 1 - 0.4) = 0.9
    assert float(losses.energy_discriminator_loss(0.3, 0.4, 1.0)) == pytest.approx(0.9)
    # fake energy above the margin: the hinge is off, only the real energy is left
    assert float(losses.energy_discriminator_loss(0.3, 1.5, 1.0)) == pytest.approx(0.3)
    assert float(losses.energy_discriminator_loss(0.3, 1.5, 2.0)) == pytest.approx(0.8)


def test_energy_generator_loss_is_the_energy_of_the_fakes():
    assert float(losses.energy_generator_loss(tf.constant(0.4))) == pytest.approx(0.4)


def test_pull_away_term_averages_squared_cosines_over_pairs():
    # cosines: (e1, e2) = 0, (e1, e3) = (e2, e3) = 1/sqrt(2); squared 0, 1/2, 1/2.
    # Each unordered pair counts twice: 2 * (0 + 1/2 + 1/2) / (3 * 2) = 1/3.
    codes = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert float(losses.pull_away_term(codes)) == pytest.approx(1.0 / 3.0, rel=1e-6)
    # The collection's unsquared sum would give 2 * sqrt(2) / 6 = 0.4714.
    assert float(losses.pull_away_term(codes)) != pytest.approx(0.4714, abs=1e-3)


def test_pull_away_term_ignores_length_and_counts_opposite_codes_as_aligned():
    assert float(losses.pull_away_term(tf.constant([[2.0, 0.0], [0.0, 3.0]]))) == 0.0
    # cos = -1, squared 1; the collection's unsquared version would say -1.
    assert float(losses.pull_away_term(tf.constant([[1.0, 0.0], [-5.0, 0.0]]))) == (
        pytest.approx(1.0))


def test_pull_away_term_is_finite_for_a_zero_code():
    value = losses.pull_away_term(tf.constant([[0.0, 0.0], [1.0, 2.0]]))
    assert float(value) == 0.0


def test_boundary_equilibrium_discriminator_loss_weights_the_fake_energy_by_k():
    # 0.8 - 0.2 * 0.5 = 0.7
    value = losses.boundary_equilibrium_discriminator_loss(0.8, 0.5, tf.constant(0.2))
    assert float(value) == pytest.approx(0.7)


def test_boundary_equilibrium_k_update_is_a_clipped_proportional_step():
    # 0.5 + 0.001 * (0.75 * 1.0 - 0.5) = 0.50025
    k = losses.boundary_equilibrium_k_update(0.5, 1.0, 0.5, gamma=0.75, k_learning_rate=0.001)
    assert float(k) == pytest.approx(0.50025, abs=1e-7)
    # 0.9999 + 0.001 * (0.75 * 2.0 - 0.0) = 1.0014 -> clipped to 1
    assert float(losses.boundary_equilibrium_k_update(0.9999, 2.0, 0.0, 0.75, 0.001)) == 1.0
    # 0.0 + 0.001 * (0.75 * 0.2 - 1.0) = -0.00085 -> clipped to 0 (the collection kept -0.00085)
    assert float(losses.boundary_equilibrium_k_update(0.0, 0.2, 1.0, 0.75, 0.001)) == 0.0


def test_boundary_equilibrium_convergence_measure():
    # M = 1.0 + |0.75 * 1.0 - 0.5| = 1.25 and 1.0 + |0.75 - 0.9| = 1.15
    assert float(losses.boundary_equilibrium_convergence(1.0, 0.5, 0.75)) == pytest.approx(1.25)
    assert float(losses.boundary_equilibrium_convergence(1.0, 0.9, 0.75)) == pytest.approx(1.15)


def test_energy_losses_compute_in_float32_from_bfloat16():
    images = tf.zeros((2, 28, 28, 1), tf.bfloat16)
    assert losses.reconstruction_energy(images, images).dtype == tf.float32
    assert losses.pull_away_term(tf.ones((2, 3), tf.bfloat16)).dtype == tf.float32


REAL_LOGITS = tf.constant([[2.0], [-1.0]])
FAKE_LOGITS = tf.constant([[0.5], [-3.0]])


def softplus(x):
    return math.log1p(math.exp(x))


def test_minimax_discriminator_loss_matches_hand_computed_value():
    # -log sigmoid(x) = softplus(-x); -log(1 - sigmoid(x)) = softplus(x)
    expected = ((softplus(-2.0) + softplus(1.0)) / 2) + ((softplus(0.5) + softplus(-3.0)) / 2)
    value = losses.minimax_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)
    assert float(value) == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(1.231427, abs=1e-6)


def test_modified_generator_loss_matches_hand_computed_value():
    expected = (softplus(-0.5) + softplus(3.0)) / 2
    assert float(losses.modified_generator_loss(FAKE_LOGITS)) == pytest.approx(expected, rel=1e-6)


def test_minimax_generator_loss_is_log_of_one_minus_d():
    expected = -(softplus(0.5) + softplus(-3.0)) / 2
    assert float(losses.minimax_generator_loss(FAKE_LOGITS)) == pytest.approx(expected, rel=1e-6)


def test_losses_compute_in_float32_from_bfloat16_outputs():
    value = losses.minimax_discriminator_loss(tf.cast(REAL_LOGITS, tf.bfloat16),
                                              tf.cast(FAKE_LOGITS, tf.bfloat16))
    assert value.dtype == tf.float32
