"""Stacked MNIST and PacGAN's packing: the stacks, their measure, the packed discriminator.

Training on stacks, and packing in every model that packs, run in the model
contract (`test_model_contract`) and in the 3-channel run of every model
(`test_every_model_outputs`); here: what those do not see.
"""

import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURE_DIR
from test_evaluate import run_evaluate
from tfgan_mnist import data, datasets, evaluate, gan, losses, metrics, pipeline, train, workdir
from tfgan_mnist import config as config_lib


def labelled_by_brightness(count=60):
    """One-channel images whose pixels all equal 20 * label + 5: a stack's channels then
    say which image each holds."""
    labels = np.arange(count) % 10
    images = np.broadcast_to((20 * labels + 5).astype(np.uint8)[:, None, None],
                             (count, 28, 28)).copy()
    return images, labels.astype(np.int64)


def digits_of(images):
    """The label each channel's brightness says: (batch, channels)."""
    return np.round((images[:, 0, 0, :] * 255 - 5) / 20).astype(int)


def test_stacks_are_labelled_by_their_channels_drawn_independently_and_resume_exactly(
        tmp_path):
    images, labels = labelled_by_brightness()
    sampler = pipeline.StackedSampler(images, labels, batch_size=8, image_range=(0.0, 1.0),
                                      seed=3)
    checkpoint = tf.train.Checkpoint(sampler=sampler)
    path = checkpoint.write(str(tmp_path / "ckpt"))
    batches = [sampler.next_batch() for _ in range(20)]  # 160 stacks: over two epochs
    for stack, label in batches:
        assert stack.shape == (8, 28, 28, 3) and stack.dtype == tf.float32
        digits = digits_of(stack.numpy())
        np.testing.assert_array_equal(label.numpy(), digits @ [100, 10, 1])
    stacked = np.concatenate([digits_of(s.numpy()) for s, _ in batches])
    # every channel has its own order: channels agree no more often than chance
    assert np.mean(stacked[:, 0] == stacked[:, 1]) < 0.3
    assert np.mean(stacked[:, 1] == stacked[:, 2]) < 0.3
    # the pairing of channels is new each epoch: the first stacks of epoch 2 are not epoch 1's
    first, second = stacked[:48], stacked[60:108]
    assert not np.array_equal(first, second)
    checkpoint.read(path).assert_consumed()
    again = [sampler.next_batch() for _ in range(20)]
    for (a, label_a), (b, label_b) in zip(batches, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(label_a.numpy(), label_b.numpy())


def test_the_two_domains_of_a_cogan_draw_new_stacks_each_from_its_own_half(tmp_path):
    count = 40
    index = np.arange(count)
    images = np.broadcast_to((5 + 5 * index).astype(np.uint8)[:, None, None],
                             (count, 28, 28)).copy()  # a pixel says which image it is
    labels = index % 10
    sampler = pipeline.DomainHalvesSampler(images, labels, 8, (0.0, 1.0), seed=1,
                                           half_sampler=pipeline.StackedSampler)
    drawn = {0: set(), 1: set()}
    stacks = []
    for _ in range(15):  # several epochs of each half's channels
        batch, label = sampler.next_batch()
        which = np.round((batch.numpy()[:, 0, 0, :] * 255 - 5) / 5).astype(int)
        np.testing.assert_array_equal(label.numpy(), (which % 10) @ [100, 10, 1])
        for domain in (0, 1):
            drawn[domain].update(which[domain::2].ravel().tolist())
        stacks += [tuple(row) for row in which]
    assert len(drawn[0]) == len(drawn[1]) == count // 2 and not drawn[0] & drawn[1]
    assert len(set(stacks)) > 0.9 * len(stacks)  # new combinations, not a fixed set
    # training wires it so: a CoGAN on stacks gets stacked halves of the base digits
    config = config_lib.Config(model="cogan", dataset="stacked_mnist", width=0.05, z_dim=2,
                               batch_size=8, workdir=str(tmp_path / "run"),
                               data_dir=str(FIXTURE_DIR))
    run = train.prepare(config)
    assert [type(half).__name__ for half in run.sampler.halves] == ["StackedSampler"] * 2


def test_fixed_stacks_of_a_split_agree_with_their_labels():
    spec = datasets.get("stacked_mnist")
    images, labels = labelled_by_brightness()
    base = data.Arrays(images, labels, images[:20], labels[:20], source="made up")
    arrays = data.stacked_arrays(base, spec)
    assert arrays.base is base and arrays.train_images.shape == (60, 28, 28, 3)
    assert arrays.test_images.shape == (20, 28, 28, 3)
    digits = digits_of(arrays.train_images.astype(np.float32) / 255)
    np.testing.assert_array_equal(arrays.train_labels, digits @ [100, 10, 1])
    assert spec.num_classes == 1000 and spec.class_names[472] == "472"
    assert spec.scored_as == "mnist"
    again = data.stacked_arrays(base, spec)  # fixed: the same stacks every time
    np.testing.assert_array_equal(again.train_images, arrays.train_images)


def test_mode_count_and_kl_match_a_hand_computed_histogram():
    # 4 modes of 8 occur, with counts 4, 2, 1, 1 of 8 samples:
    # KL = sum p log(p / (1/8)) = .5 log 4 + .25 log 2 + 2 * .125 log 1 = 1.25 log 2
    labels = np.array([0, 0, 0, 0, 5, 5, 2, 7])
    modes, kl = metrics.mode_coverage(labels, 8)
    assert modes == 4
    assert kl == pytest.approx(1.25 * np.log(2), rel=1e-12)
    modes, kl = metrics.mode_coverage(np.arange(1000), 1000)  # every mode once: uniform
    assert (modes, kl) == (1000, pytest.approx(0.0, abs=1e-12))


class DigitsByBrightness:
    """A stand-in one-channel classifier: the logits of the digit (brightness - 5) / 20,
    features the brightness."""

    image_shape = (28, 28, 1)
    num_classes = 10

    def features_and_logits(self, images):
        brightness = np.asarray(images, np.float64).reshape(len(images), -1)[:, 0]
        digit = np.clip(np.round((brightness - 5) / 20), 0, 9).astype(int)
        features = np.stack([brightness, brightness ** 0.5], axis=1) / 255
        return features, np.eye(10)[digit] * 10.0


def test_stacks_are_scored_a_channel_at_a_time():
    images, labels = labelled_by_brightness(100)
    base = data.Arrays(images, labels, images, labels, source="made up")
    rng = np.random.default_rng(0)
    # 300 stacks: red always 1, green 0-9 at random, blue 3 or 4
    picks = [np.full(300, 1), rng.integers(0, 10, 300), rng.choice([3, 4], 300)]
    stacks = np.stack([images[pick] for pick in picks], axis=-1)
    classifier = DigitsByBrightness()
    test = {"features": classifier.features_and_logits(base.test_images)[0],
            "label_histogram": np.full(10, 0.1)}
    wanted = picks[0] * 100 + picks[1] * 10 + picks[2]
    scores = evaluate.score(stacks, classifier, test, requested_labels=wanted)
    histogram = np.bincount(wanted, minlength=1000) / 300
    assert scores["modes"] == len(set(wanted)) <= 20
    assert scores["mode_kl"] == pytest.approx(metrics.histogram_kl(histogram, np.ones(1000)))
    assert scores["num_modes"] == 1000 and scores["conditional_accuracy"] == 1.0
    distances = scores["channel_frechet_distances"]
    assert len(distances) == 3 and distances[0] > distances[1]  # one digit is far from ten
    assert scores["frechet_distance"] == pytest.approx(np.mean(distances))
    # one channel's class KL is that of a single digit against a uniform test set: log 10
    assert scores["class_kl"] == pytest.approx(
        (np.log(10) + metrics.histogram_kl(np.bincount(picks[1], minlength=10) / 300,
                                           np.full(10, 0.1))
         + metrics.histogram_kl(np.bincount(picks[2], minlength=10) / 300,
                                np.full(10, 0.1))) / 3)


def test_evaluate_scores_stacks_from_a_file(tmp_path, capsys):
    arrays = data.load_arrays("stacked_mnist", str(FIXTURE_DIR))
    np.savez(tmp_path / "stacks.npz", images=arrays.train_images[:300])
    np.save(tmp_path / "grey.npy", arrays.base.train_images[:300])

    def run(*args):
        return run_evaluate(capsys, *args)

    code, out, err = run(f"--samples={tmp_path}/stacks.npz", "--dataset=stacked_mnist",
                         f"--data_dir={FIXTURE_DIR}")
    assert code == 0, err
    modes_line = next(line for line in out.splitlines() if line.strip().startswith("modes"))
    # real stacks scored against themselves: the model and real-data columns agree
    assert modes_line.split()[-3] == modes_line.split()[-2]
    assert int(modes_line.split()[-3]) > 200  # 300 real stacks cover most of what they hold
    assert "(stacks: 1000 modes;" in out and "real data: 300 training stacks, scored" in out
    code, _, err = run(f"--samples={tmp_path}/grey.npy", "--dataset=stacked_mnist")
    assert code == 2 and err.startswith(f"error: --samples={tmp_path}/grey.npy: images of "
                                        "shape (300, 28, 28); expected (n, 28, 28, 3)"), err


def test_packing_puts_m_images_side_by_side_along_channels():
    images = tf.reshape(tf.range(6 * 2 * 2 * 3, dtype=tf.float32), (6, 2, 2, 3))
    packed = gan.Pack(2)(images)
    assert packed.shape == (3, 2, 2, 6)
    np.testing.assert_array_equal(packed[1, ..., :3], images[2])
    np.testing.assert_array_equal(packed[1, ..., 3:], images[3])
    with pytest.raises(ValueError, match=r"--pack=4: a discriminator batch of 6 images does "
                                         "not split into packs"):
        gan.Pack(4)(images)


def test_a_gradient_penalty_takes_its_norm_over_a_packed_input():
    # critic(packed) = sum of 2 * pixels: every pixel's gradient is 2. Four images of 4
    # pixels: a norm of 2 * sqrt(4) = 4 per image, 2 * sqrt(8) per pair of images.
    images = tf.zeros((4, 2, 2, 1))

    def critic(x):
        return tf.reduce_sum(2.0 * gan.Pack(2)(x), axis=[1, 2, 3])

    single = losses.gradient_penalty(lambda x: tf.reduce_sum(2.0 * x, axis=[1, 2, 3]), images,
                                     epsilon=0.0)
    packed = losses.gradient_penalty(critic, images, epsilon=0.0, group=2)
    assert float(single) == pytest.approx((4.0 - 1.0) ** 2)
    assert float(packed) == pytest.approx((2 * np.sqrt(8) - 1.0) ** 2, rel=1e-6)


def test_conditional_models_refuse_stacks_and_packing_is_checked(tmp_path):
    config = config_lib.Config(model="cgan", dataset="stacked_mnist", width=0.05, z_dim=2,
                               batch_size=8, workdir=str(tmp_path / "run"),
                               data_dir=str(FIXTURE_DIR))
    with pytest.raises(config_lib.ConfigError, match=(
            r"^--model=cgan: stacked_mnist measures how many of its 1000 modes a generator "
            r"finds unaided, .* or cgan on mnist$")):
        train.train(config)
    assert not (tmp_path / "run").exists()  # refused before anything was written
    with pytest.raises(config_lib.ConfigError, match=r"^--pack=3: must divide "
                                                     r"--batch_size=8 \(a discriminator"):
        config_lib.Config(model="gan", batch_size=8, pack=3)
    # a two-domain model's discriminators get half a batch each
    halves = config.replace(model="cogan_conv", dataset="mnist", batch_size=12, pack=4)
    with pytest.raises(config_lib.ConfigError, match=(
            r"^--pack=4: must divide the 6 images each discriminator call gets "
            r"\(--batch_size=12 over 1 replica\(s\), half a batch a domain\)$")):
        train.train(halves)
    assert not (tmp_path / "run").exists()


def test_a_run_resumes_only_with_the_packing_it_was_started_with(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    # a run.flags of a run from before --pack existed: it did not pack
    (run_dir / workdir.FLAGFILE).write_text("--model=gan\n--dataset=mnist\n--batch_size=8\n")
    workdir.check_matches(config_lib.Config(model="gan", workdir=str(run_dir), batch_size=8))
    with pytest.raises(workdir.WorkdirError, match=(
            r"holds a gan run on mnist with --pack=1; --pack=2 cannot resume it")):
        workdir.check_matches(config_lib.Config(model="gan", workdir=str(run_dir),
                                                batch_size=8, pack=2))


def test_d_width_narrows_the_discriminator_alone():
    from tfgan_mnist import variants

    def kernels(model):
        return ([tuple(v.shape) for v in model.discriminator.weights if "kernel" in v.path],
                [tuple(v.shape) for v in model.generator.weights if "kernel" in v.path])

    d_full, g_full = kernels(variants.build(config_lib.Config(model="hinge_gan", width=0.25)))
    d_half, g_half = kernels(variants.build(config_lib.Config(model="hinge_gan", width=0.25,
                                                              d_width=0.5)))
    assert g_half == g_full
    assert d_full[0] == (4, 4, 1, 16) and d_half[0] == (4, 4, 1, 8)  # 64 filters at width 1
    assert len(d_half) == len(d_full) and d_half != d_full
