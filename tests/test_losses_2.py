"""Losses of dcgan, gan_mlp, ebgan, began and sagan against hand-computed values."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import losses


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
