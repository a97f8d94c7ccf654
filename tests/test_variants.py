"""dcgan, gan_mlp, began and sagan: shapes, steps, configs (the contract: test_model_contract.py)."""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import config as config_lib
from tfgan_mnist import gan, losses, train, variants, workdir

MODELS = ["dcgan", "gan_mlp", "began", "sagan"]
CONFIGS = pathlib.Path(__file__).resolve().parent.parent / "configs"
BATCH = 4


def tiny(name, **overrides):
    """A tiny compiled model: width 0.05, z_dim 8."""
    keras.utils.set_random_seed(0)
    values = dict(model=name, width=0.05, z_dim=8, batch_size=BATCH)
    values.update(overrides)
    return variants.build(config_lib.Config(**values))


def batch_for(model, seed=0):
    """Random images in the model's range, and labels."""
    low, high = model.image_range
    images = tf.random.stateless_uniform((BATCH, 28, 28, 1), (seed, 1), low, high)
    return images, tf.zeros((BATCH,), tf.int32)


def state(network):
    """A network's variables that training may change: weights and batch-norm statistics.

    Dropout's seed-generator state advances whenever D runs in training mode,
    in either phase; it is random-number state, not learned state.
    """
    return [v for v in network.variables if not v.path.endswith("seed_generator_state")]


def snapshot(model):
    return {id(v): v.numpy().copy() for v in model.variables}


def changed(model, before):
    return {v.path for v in model.variables
            if not v.path.endswith("seed_generator_state")
            and not np.array_equal(before[id(v)], v.numpy())}


def paths(variables):
    return {v.path for v in variables}


EXPECTED_RANGE_AND_NOISE = {
    "dcgan": ((-1.0, 1.0), "normal"), "gan_mlp": ((-1.0, 1.0), "normal"),
    "began": ((0.0, 1.0), "uniform"),
    "sagan": ((0.0, 1.0), "uniform")}


@pytest.mark.parametrize("name", MODELS)
def test_image_range_and_noise_follow_the_source(name):
    model = tiny(name)
    assert (tuple(model.image_range), model.noise) == EXPECTED_RANGE_AND_NOISE[name]


def full_width(name, z_dim):
    keras.utils.set_random_seed(0)
    return variants.build(config_lib.Config(model=name, z_dim=z_dim))


def test_gan_mlp_has_the_reference_shapes():
    mlp = full_width("gan_mlp", 100)
    kernels = [tuple(v.shape) for v in mlp.generator.trainable_variables if v.ndim == 2]
    assert kernels == [(100, 128), (128, 256), (256, 512), (512, 1024), (1024, 784)]
    assert [bn.epsilon for bn in (b for _, b in mlp.generator.blocks) if bn] == [0.8] * 3
    kernels = [tuple(v.shape) for v in mlp.discriminator.trainable_variables if v.ndim == 2]
    assert kernels == [(784, 512), (512, 256), (256, 1)]


def test_torch_style_init_of_gan_mlp_is_uniform_in_one_over_sqrt_fan_in():
    keras.utils.set_random_seed(0)
    model = variants.build(config_lib.Config(model="gan_mlp", z_dim=100))
    dense = model.discriminator.hidden[0]  # fan_in 784
    bound = 1 / np.sqrt(784)
    for weights in (dense.kernel.numpy(), dense.bias.numpy()):
        assert np.abs(weights).max() <= bound
        assert np.abs(weights).max() > 0.95 * bound
        assert weights.std() == pytest.approx(bound / np.sqrt(3), rel=0.05)


def test_dcgan_has_the_reference_shapes():
    dcgan = full_width("dcgan", 100)
    assert [tuple(v.shape) for v in dcgan.generator.trainable_variables] == [
        (100, 12544), (5, 5, 128, 256), (5, 5, 64, 128), (5, 5, 1, 64),
        (12544,), (12544,), (128,), (128,), (64,), (64,)]
    assert [tuple(v.shape) for v in dcgan.discriminator.trainable_variables] == [
        (5, 5, 1, 64), (64,), (5, 5, 64, 128), (128,), (6272, 1), (1,)]


@pytest.mark.parametrize("d_steps", [1, 2])
@pytest.mark.parametrize("name", ["dcgan", "gan_mlp"])
def test_simultaneous_step_updates_each_network_against_the_other_before_its_update(
        name, d_steps):
    """The sources' step: G's update does not depend on D's learning rate, nor D's on G's.

    (The TF tutorial's one forward pass; PyTorch-GAN's G step then D step on
    the same detached images.) With --d_steps 2 the alternating step is used,
    where G's update depends on D's learning rate.
    """
    # One model and one trace: every run starts from the same state (weights,
    # optimizer slots, noise seeds), with other learning rates assigned.
    model = tiny(name, d_steps=d_steps, batch_size=BATCH // d_steps)
    step = tf.function(model.train_step)
    images, labels = batch_for(model, 0)
    step((images, labels))  # creates the optimizers' slots
    optimizers = {"d": model.d_optimizer, "g": model.g_optimizer}
    everything = list(model.variables) + [v for o in optimizers.values() for v in o.variables]
    start = [v.numpy() for v in everything]
    default = {key: float(o.learning_rate.numpy()) for key, o in optimizers.items()}

    def train(**learning_rates):
        for variable, value in zip(everything, start):
            variable.assign(value)
        for key, optimizer in optimizers.items():
            optimizer.learning_rate = learning_rates.get(f"{key}_learning_rate", default[key])
        d_before = snapshot(model)
        logs = step((images, labels))
        assert np.isfinite(float(logs["d_loss"])) and np.isfinite(float(logs["g_loss"]))
        assert paths(state(model.discriminator)) <= changed(model, d_before) | {
            v.path for v in model.discriminator.non_trainable_variables}
        return ([v.numpy() for v in model.generator.trainable_variables],
                [v.numpy() for v in model.discriminator.trainable_variables])

    def same(a, b):
        return all(np.array_equal(x, y) for x, y in zip(a, b))

    slow_d, fast_d = train(d_learning_rate=1e-4), train(d_learning_rate=1.0)
    assert same(slow_d[0], fast_d[0]) == (d_steps == 1)
    slow_g, fast_g = train(g_learning_rate=1e-4), train(g_learning_rate=1.0)
    assert same(slow_g[1], fast_g[1])  # D never sees G's update within a step


def reference_loops():
    """tools/reference_loops.py, where the tutorial's networks and step are written out."""
    spec = importlib.util.spec_from_file_location(
        "reference_loops", CONFIGS.parent / "tools" / "reference_loops.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dcgan_steps_compute_what_the_tutorial_train_step_computes():
    """Same weights, batches and noise: three of our steps and three of the tutorial's agree.

    Every weight and batch-norm statistic of both networks is compared, so
    the layers, the losses, the optimizers (Adam 1e-4, Keras' defaults), the
    simultaneous update and the batch-norm modes must all be the tutorial's.
    Dropout is set to 0 on both sides (its masks come from different seeds).
    """
    keras.utils.set_random_seed(0)
    ours = variants.build(config_lib.Config.from_strings(
        {**config_lib.read_flagfile(CONFIGS / "dcgan.flags"), "batch_size": "8"}))
    ours.discriminator.dropout1.rate = ours.discriminator.dropout2.rate = 0.0
    ours.build_networks()
    tutorial = reference_loops()
    generator, discriminator = tutorial.tutorial_dcgan_networks(dropout=0.0)
    pairs = [(ours.generator.dense, generator.layers[0]), (ours.generator.bn0, generator.layers[1]),
             (ours.generator.deconv1, generator.layers[4]),
             (ours.generator.bn1, generator.layers[5]),
             (ours.generator.deconv2, generator.layers[7]),
             (ours.generator.bn2, generator.layers[8]),
             (ours.generator.image, generator.layers[10]),
             (ours.discriminator.conv1, discriminator.layers[0]),
             (ours.discriminator.conv2, discriminator.layers[3]),
             (ours.discriminator.logit, discriminator.layers[7])]
    for mine, theirs in pairs:
        theirs.set_weights(mine.get_weights())

    tutorial_step = tutorial.tutorial_dcgan_train_step(generator, discriminator)

    noise = tf.Variable(tf.zeros((8, 100)))
    ours.sample_latent = lambda batch_size, labels=None, seed=None: noise.value()
    our_step = tf.function(ours.train_step)
    for index in range(3):
        images = tf.random.stateless_uniform((8, 28, 28, 1), (index, 1), -1.0, 1.0)
        noise.assign(tf.random.stateless_normal((8, 100), (index, 2)))
        logs = our_step((images, tf.zeros((8,), tf.int32)))
        gen_loss, disc_loss = tutorial_step(images, noise.value())
        # The trackers hold the means over the steps so far; compare the first.
        if index == 0:
            assert float(logs["g_loss"]) == pytest.approx(float(gen_loss), rel=1e-5)
            assert float(logs["d_loss"]) == pytest.approx(float(disc_loss), rel=1e-5)
    for mine, theirs in pairs:
        for a, b in zip(mine.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    # The weights did move: the comparison is not of untouched initial values.
    assert not np.allclose(generator.layers[0].get_weights()[0],
                           tutorial.tutorial_dcgan_networks()[0].layers[0].get_weights()[0])


def test_began_has_the_reference_shapes():
    began = full_width("began", 62)
    assert [tuple(v.shape) for v in began.discriminator.trainable_variables if v.ndim > 1] == [
        (4, 4, 1, 64), (12544, 32), (32, 12544), (4, 4, 1, 64)]
    assert began.discriminator.code_bn is not None
    assert [tuple(v.shape) for v in began.generator.trainable_variables if v.ndim > 1] == [
        (62, 1024), (1024, 6272), (4, 4, 64, 128), (4, 4, 1, 64)]


def test_began_moves_k_once_per_step_clipped_and_logs_m():
    model = tiny("began")
    model.k.assign(0.5)
    logs = model.after_generator_update({"energy_real": tf.constant(1.0),
                                         "g_loss": tf.constant(0.5)})
    # 0.5 + 0.001 * (0.75 * 1.0 - 0.5); M = 1.0 + |0.75 - 0.5|
    assert float(model.k.numpy()) == pytest.approx(0.50025, abs=1e-7)
    assert float(logs["k"]) == pytest.approx(0.50025, abs=1e-7)
    assert float(logs["convergence"]) == pytest.approx(1.25)
    model.k.assign(0.0)
    model.after_generator_update({"energy_real": tf.constant(0.2), "g_loss": tf.constant(1.0)})
    assert float(model.k.numpy()) == 0.0
    # A train step moves k by lambda_k * (gamma * L(x) - L(G(z))) from its own logs.
    model.k.assign(0.3)
    logs = model.train_step(batch_for(model))  # the trackers' means of one step: its values
    expected = 0.3 + 0.001 * (0.75 * float(logs["energy_real"]) - float(logs["g_loss"]))
    assert float(model.k.numpy()) == pytest.approx(expected, abs=1e-6)


def test_began_k_is_saved_and_restored_with_the_model(tmp_path):
    model = tiny("began")
    model.k.assign(0.625)
    path = workdir.make_checkpoint(model).save(str(tmp_path / "ckpt"))
    fresh = tiny("began")
    workdir.make_checkpoint(fresh).restore(path).assert_existing_objects_matched()
    assert float(fresh.k.numpy()) == 0.625
    assert not fresh.k.trainable and "k" in [v.name for v in fresh.non_trainable_variables]


def test_ebgan_losses_per_image_and_for_the_collections_batch_energy():
    from tfgan_mnist.variants import ebgan

    model = tiny("ebgan", energy_margin=0.5)
    images = tf.concat([tf.zeros((1, 28, 28, 1)), tf.ones((1, 28, 28, 1))], axis=0)
    reconstructions = tf.fill((2, 28, 28, 1), 0.25)
    # Per image: the mean squared pixel error, 0.0625 and 0.5625.
    np.testing.assert_allclose(ebgan.image_energies(images, reconstructions).numpy(),
                               [0.0625, 0.5625])
    # D: mean real energy + mean max(0, m - fake energy), the hinge per image:
    # 0.3 + (max(0, 0.5 - 0.2) + max(0, 0.5 - 0.9)) / 2 = 0.3 + 0.15
    loss = model.discriminator_loss(tf.constant([0.1, 0.5]), tf.constant([0.2, 0.9]))
    assert float(loss) == pytest.approx(0.45)
    context = gan.PhaseContext(None, None, None, None, None,
                               (tf.constant([0.2, 0.9, 0.4, 0.7]), None))
    assert float(ebgan._margin_active(model, context)) == 0.5  # 0.2 and 0.4 are inside
    # Pull-away: codes (1, 0), (0, 1), (-1, 0): cosines 0, -1, 0 over the 3 pairs.
    codes = tf.constant([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    assert float(ebgan._unsquared_pull_away(codes)) == pytest.approx(-1 / 3)  # opposites cancel
    assert float(losses.pull_away_term(codes)) == pytest.approx(1 / 3)  # the paper's squares
    # The collection's energy: one value for the batch, ||D(x) - x|| / B.
    collection = tiny("ebgan", ebgan_energy="collection")
    energies, code = collection.discriminator_outputs(batch_for(collection)[0], None)
    assert energies.shape == (1,) and code.shape[0] == batch_for(collection)[0].shape[0]
    logs = {k: float(v) for k, v in model.train_step(batch_for(model)).items()}
    assert set(logs) == {"d_loss", "g_loss", "energy_real", "energy_fake", "margin_active",
                         "pull_away"}
    assert 0.0 <= logs["margin_active"] <= 1.0 and 0.0 <= logs["pull_away"] <= 1.0


def test_sagan_has_attention_in_both_networks():
    sagan = full_width("sagan", 62)
    for network in (sagan.generator, sagan.discriminator):
        attention = network.attention
        assert [tuple(v.shape) for v in (attention.f.kernel, attention.g.kernel,
                                         attention.h.kernel, attention.gamma)] == [
            (4, 4, 128, 16), (4, 4, 128, 16), (4, 4, 128, 128), ()]
        assert float(attention.gamma.numpy()) == 0.0


def test_sagan_logs_its_attention_gammas_after_they_move():
    model = tiny("sagan")
    logs = model.train_step(batch_for(model))
    assert float(logs["g_attention_gamma"]) == pytest.approx(
        float(model.generator.attention.gamma.numpy()))
    assert float(logs["d_attention_gamma"]) != 0.0


def test_began_config_fields_are_checked():
    with pytest.raises(config_lib.ConfigError, match=r"--diversity_ratio=0.0: must be in \(0, 1\]"):
        config_lib.Config(diversity_ratio=0.0)


# ----- configs ----------------------------------------------------------------

OUR_CONFIGS = sorted(p.name for p in CONFIGS.glob("*.flags")
                     if p.name.split(".")[0].split("_fashion")[0] in MODELS)


def read_flagfile(path):
    """The Config that `--flagfile=path` gives, parsed by the command line's own flags."""
    from tfgan_mnist import main as main_lib

    main_lib.FLAGS.unparse_flags()
    try:
        main_lib.FLAGS(["tfgan_mnist", f"--flagfile={path}"])
        return main_lib.config_from_flags()
    finally:
        main_lib.FLAGS.unparse_flags()


def test_every_model_has_a_config():
    assert {name.split(".")[0] for name in OUR_CONFIGS} >= set(MODELS)


@pytest.mark.parametrize("filename", OUR_CONFIGS)
def test_config_parses_and_names_a_registered_model(filename):
    path = CONFIGS / filename
    text = path.read_text()
    config = read_flagfile(path)
    assert config.model in variants.names()
    assert filename.startswith(config.model)
    assert text.startswith("#") and f"--flagfile=configs/{filename}" in text
    assert ("_fashion" in filename) == (config.dataset == "fashion_mnist")


def test_the_noise_flag_replaces_a_models_own_kind_of_noise():
    from tfgan_mnist import config as config_lib

    tiny = dict(model="cogan", width=0.05, z_dim=4, batch_size=4)
    assert variants.build(config_lib.Config(**tiny)).noise == "uniform"  # the TF file's
    model = variants.build(config_lib.Config(**tiny, noise="normal"))  # the PyTorch file's
    assert model.noise == "normal"
    noise = model.draw_noise(4000, seed=1).numpy()
    assert noise.shape == (4000, 4)
    assert abs(noise).max() > 2.5 and abs(noise.std() - 1.0) < 0.05  # N(0, 1), not U(-1, 1)
    with pytest.raises(config_lib.ConfigError, match=r"^--noise=gaussian: valid values: '' \(the "
                                                     r"default\), uniform, normal$"):
        config_lib.Config(noise="gaussian")
