"""CoGAN: weight sharing, shared-gradient halving, the second domains, paired figures."""

import numpy as np
import pytest
import tensorflow as tf

from test_autoencoders import fixture_batch, tiny_config
from tfgan_mnist import gan, networks, variants
from tfgan_mnist.variants import cogan, cogan_conv


@pytest.fixture
def model():
    return variants.build(tiny_config("cogan", width=0.25))


def ids(variables):
    return {id(v) for v in variables}


def test_generators_share_the_trunk_variables_and_not_the_heads(model):
    g1, g2 = model.generator_1, model.generator_2
    assert g1.trunk is g2.trunk
    assert g1.head is not g2.head
    shared = ids(g1.trainable_variables) & ids(g2.trainable_variables)
    assert shared == ids(g1.trunk.trainable_variables)
    assert len(shared) == 2  # one kernel, one bias: a single set of weights
    assert not ids(g1.head.trainable_variables) & ids(g2.head.trainable_variables)
    assert [v.path for v in networks.shared_variables(g1, g2)] == [
        v.path for v in g1.trunk.trainable_variables]


def test_discriminators_share_the_last_layer_and_not_the_first(model):
    d1, d2 = model.discriminator_1, model.discriminator_2
    shared = ids(d1.trainable_variables) & ids(d2.trainable_variables)
    assert shared == ids(d1.last.trainable_variables) and len(shared) == 2
    assert not ids(d1.first.trainable_variables) & ids(d2.first.trainable_variables)


def test_phases_own_each_shared_variable_once(model):
    generator = model.phase("generator")
    assert len(generator.variables) == 6  # trunk, head 1, head 2: kernel and bias each
    assert ids(generator.variables) == (ids(model.generator_1.trainable_variables)
                                        | ids(model.generator_2.trainable_variables))
    assert len(model.phase("discriminator").variables) == 6


def test_each_generator_uses_its_own_head(model):
    z = model.draw_noise(5, seed=7)
    hidden = model.generator_1.trunk(z)
    for generator, head in ((model.generator_1, model.generator_1.head),
                            (model.generator_2, model.generator_2.head)):
        expected = tf.sigmoid(tf.matmul(hidden, head.kernel) + head.bias)
        np.testing.assert_allclose(generator(z).numpy().reshape(5, -1), expected.numpy(),
                                   rtol=1e-5, atol=1e-6)
    assert not np.allclose(model.generator_1(z).numpy(), model.generator_2(z).numpy())


@pytest.mark.parametrize("phase_name", ["discriminator", "generator"])
def test_shared_gradients_are_halved_and_private_ones_kept(model, phase_name):
    images, labels = fixture_batch(model, count=16)
    phase = model.phase(phase_name)
    state = model.noise_seed.state.value.numpy()
    applied, _ = model.phase_gradients(phase, images, labels)
    model.noise_seed.state.assign(state)  # the same z again
    with tf.GradientTape() as tape:
        terms, _ = phase.loss(images, labels)
        loss = gan.total_loss(terms)
    raw = tape.gradient(loss, phase.variables)
    shared = ids(networks.shared_variables(*phase.networks))
    assert len(shared) == 2
    for variable, applied_gradient, raw_gradient in zip(phase.variables, applied, raw):
        factor = 0.5 if id(variable) in shared else 1.0
        np.testing.assert_allclose(applied_gradient.numpy(), factor * raw_gradient.numpy(),
                                   rtol=1e-6, err_msg=variable.path)
        assert np.any(raw_gradient.numpy() != 0), variable.path


def test_shared_trunk_gradient_is_the_sum_of_both_domains(model):
    images, labels = fixture_batch(model, count=16)
    z = model.draw_noise(8, seed=3)
    from tfgan_mnist import losses
    trunk = model.generator_1.trunk.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        g1 = losses.modified_generator_loss(model.discriminator_1(model.generator_1(z)))
        g2 = losses.modified_generator_loss(model.discriminator_2(model.generator_2(z)))
        total = g1 + g2
    for part_1, part_2, both in zip(tape.gradient(g1, trunk), tape.gradient(g2, trunk),
                                    tape.gradient(total, trunk)):
        np.testing.assert_allclose(both.numpy(), part_1.numpy() + part_2.numpy(), rtol=1e-5,
                                   atol=1e-7)
        assert np.any(part_1.numpy() != 0) and np.any(part_2.numpy() != 0)
    # head 1 gets nothing from domain 2's loss
    assert tape.gradient(g2, model.generator_1.head.kernel) is None


def codes_of_one_step(model):
    """The z that D's phase and G's phase of one eager `train_step` generated from."""
    seen = []
    original = model.generate_pair

    def spy(z, training=False):
        seen.append(np.asarray(z))
        return original(z, training=training)

    model.generate_pair = spy
    model.train_step(fixture_batch(model, count=16))
    del model.generate_pair
    return seen


def test_one_z_feeds_both_updates_of_an_iteration_as_in_the_tutorial(model):
    first, second = codes_of_one_step(model)  # both tutorial files: G's update reuses z_mb
    assert first.shape == (8, model.latent_dim)
    np.testing.assert_array_equal(first, second)
    third, _ = codes_of_one_step(model)  # the next iteration draws anew
    assert not np.array_equal(first, third)
    assert model.iteration_noise(8).shape == (8, model.latent_dim)  # outside a step: fresh
    assert not np.array_equal(model.iteration_noise(8), model.iteration_noise(8))


def changed_by_phase(model, phase_name):
    """Paths of the model's variables (RNG state aside) that one run of the phase changed."""
    images, labels = fixture_batch(model, count=16)
    before = {v.path: v.numpy().copy() for v in model.variables if "seed" not in v.path}
    model.run_phase(phase_name, images, labels)
    return {v.path for v in model.variables
            if v.path in before and not np.array_equal(before[v.path], v.numpy())}


def test_generator_phase_changes_shared_trunk_and_both_heads_only(model):
    changed = changed_by_phase(model, "generator")
    assert changed == {v.path for v in model.phase("generator").variables}
    assert any("shared_trunk" in path for path in changed)
    assert not any("discriminator" in path for path in changed)


def test_second_domains_are_the_stated_transforms():
    images = np.random.default_rng(0).uniform(size=(3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_array_equal(cogan.second_domain_images(images, "rotate").numpy(),
                                  np.rot90(images, k=1, axes=(1, 2)))
    np.testing.assert_allclose(cogan.second_domain_images(images, "negative").numpy(),
                               1.0 - images, atol=1e-7)
    bar = np.zeros((1, 28, 28, 1), np.float32)
    bar[0, 10:13, 5:20, 0] = 1.0  # a 3-pixel-thick horizontal bar
    edges = cogan.second_domain_images(bar, "edges").numpy()[0, ..., 0]
    expected = np.zeros((28, 28), np.float32)
    expected[9:14, 4:21] = 1.0  # the bar dilated by one pixel ...
    expected[10:13, 5:20] = 0.0  # ... minus the bar: a one-pixel outline
    np.testing.assert_array_equal(edges, expected)
    with pytest.raises(ValueError, match="valid: rotate, negative, edges"):
        cogan.second_domain_images(images, "mirror")


@pytest.mark.parametrize("which", ["model", "conv_model"])
def test_a_batch_alternates_the_domains(which, request):
    """The halves sampler interleaves domain 1 and domain 2: both CoGANs split so."""
    model = request.getfixturevalue(which)
    assert model.domain_halves
    images, _ = fixture_batch(model, count=16)
    domain_1, domain_2 = model.split_domains(images)
    assert domain_1.shape == domain_2.shape == (8, 28, 28, 1)
    np.testing.assert_array_equal(domain_1.numpy(), images[0::2].numpy())
    want = (np.rot90(images[1::2].numpy(), axes=(1, 2)) if model.second_domain == "rotate"
            else 1.0 - images[1::2].numpy())
    np.testing.assert_allclose(domain_2.numpy(), want, atol=1e-7)


@pytest.mark.parametrize("kind", ["rotate", "negative", "edges"])
def test_every_second_domain_trains(kind):
    model = variants.build(tiny_config("cogan", second_domain=kind))
    images, labels = fixture_batch(model, count=16)
    logs = model.train_step((images, labels))
    assert all(np.isfinite(float(v)) for v in logs.values())


def test_pairs_figure_puts_both_domains_of_one_z_side_by_side(model):
    figure = model.figures(4)["pairs"]
    assert (figure.rows, figure.cols) == (4, 4)
    assert figure.col_labels == ["domain 1", "domain 2"] * 2
    z = model.grid_latent(4, 2)
    first, second = model.generate_pair(z)
    np.testing.assert_array_equal(figure.images[0::2], model.to_uint8(first).numpy())
    np.testing.assert_array_equal(figure.images[1::2], model.to_uint8(second).numpy())


# ----- cogan_conv: the paper's conv pair ---------------------------------------

@pytest.fixture(scope="module")
def conv_model():
    return variants.build(tiny_config("cogan_conv", width=0.05, second_domain="negative"))


def test_conv_pair_shares_all_but_the_last_generator_layer_and_the_first_d_layer(conv_model):
    g1, g2 = conv_model.generator_1, conv_model.generator_2
    assert g1.trunk is g2.trunk and len(g1.trunk.layers) == 16  # 4 x (deconv, crop, BN, PReLU)
    assert g1.head is not g2.head
    shared = ids(g1.trainable_variables) & ids(g2.trainable_variables)
    # four transposed convs (kernel, bias) and four PReLU slopes; batch norm has no scale
    assert len(shared) == 12 and len(g1.trainable_variables) == 14
    d1, d2 = conv_model.discriminator_1, conv_model.discriminator_2
    shared = ids(d1.trainable_variables) & ids(d2.trainable_variables)
    assert len(shared) == 7 and len(d1.trainable_variables) == 9  # conv1, conv2, PReLU, logit
    z = conv_model.draw_noise(3, seed=1)
    both = conv_model.generators(z)
    for generator, images in zip((g1, g2), both):  # the trunk once for both = each alone
        assert images.shape == (3, 28, 28, 1)
        np.testing.assert_allclose(generator(z).numpy(), images.numpy(), rtol=1e-5, atol=1e-6)


def test_conv_losses_average_the_domains_and_add_pytorch_weight_decay(conv_model):
    images, labels = fixture_batch(conv_model, count=16)
    terms, _ = conv_model.discriminator_loss(images, labels)
    assert {name: weight for name, (weight, _) in terms.items()} == {
        "d1_loss": 0.5, "d2_loss": 0.5, "d_weight_decay": 1.0}
    variables = conv_model.phase("discriminator").variables
    squares = sum(float(np.sum(np.square(v.numpy()))) for v in variables)
    np.testing.assert_allclose(float(terms["d_weight_decay"][1]), 0.5 * 5e-4 * squares,
                               rtol=1e-5)
    # its gradient is 5e-4 * w, which torch.optim.Adam(weight_decay=5e-4) adds
    kernel = conv_model.discriminator_1.first.layers[0].kernel
    with tf.GradientTape() as tape:
        penalty = cogan_conv.l2_penalty((conv_model.discriminator_1,), 5e-4)
    np.testing.assert_allclose(tape.gradient(penalty, kernel).numpy(), 5e-4 * kernel.numpy(),
                               rtol=1e-5)


def test_conv_discriminator_phase_keeps_the_generators_statistics(conv_model):
    changed = changed_by_phase(conv_model, "discriminator")
    assert changed == {v.path for v in conv_model.phase("discriminator").variables}


def test_domain_halves_sampler_never_puts_an_image_in_both_domains():
    from tfgan_mnist import pipeline

    count = 40
    images = np.zeros((count, 28, 28), np.uint8)
    sampler = pipeline.DomainHalvesSampler(images, np.arange(count), 8, (0.0, 1.0), seed=2)
    first, second = set(), set()
    for _ in range(12):  # several epochs of each half
        _, labels = sampler.next_batch()
        first.update(labels.numpy()[0::2].tolist())
        second.update(labels.numpy()[1::2].tolist())
    assert len(first) == len(second) == count // 2 and not first & second
    with pytest.raises(ValueError, match="needs an even size; got 7"):
        pipeline.DomainHalvesSampler(images, np.arange(count), 7, (0.0, 1.0))


def test_pixel_agreement_and_inverse_transforms():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(4, 28, 28, 1)).astype(np.float32)
    for kind in ("rotate", "negative"):
        second = cogan.second_domain_images(images, kind)
        np.testing.assert_allclose(cogan.inverse_second_domain(second, kind).numpy(), images,
                                   atol=1e-7)
        assert cogan.pixel_agreement(images, second, kind) == 1.0
    assert cogan.inverse_second_domain(images, "edges") is None
    # negatives: thresholded 1 - G1 against G2; a quarter of the pixels flipped
    second = (1.0 - images).copy()
    second.reshape(-1)[::4] = np.where(second.reshape(-1)[::4] > 0.5, 0.0, 1.0)
    assert cogan.pixel_agreement(images, second, "negative") == pytest.approx(0.75)


def test_the_conv_pair_draws_fresh_noise_for_g_as_the_official_trainer(conv_model):
    first, second = codes_of_one_step(conv_model)
    assert first.shape == second.shape and not np.array_equal(first, second)
