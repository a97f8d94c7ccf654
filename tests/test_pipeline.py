"""pipeline.py: the in-memory, in-graph batch sampler."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_mnist import pipeline


def test_sampler_draws_each_image_once_per_epoch_and_scales_it():
    images = np.arange(10, dtype=np.uint8).repeat(784).reshape(10, 28, 28)
    sampler = pipeline.InMemorySampler(images, np.arange(10), 3, (-1.0, 1.0), seed=5)
    epoch = [sampler.next_batch() for _ in range(3)]
    labels = np.concatenate([b[1].numpy() for b in epoch])
    assert len(set(labels)) == 9  # 3 full batches; the 10th image waits for the next epoch
    first_images, first_labels = epoch[0]
    assert first_images.shape == (3, 28, 28, 1)
    expected = first_labels.numpy().astype(np.float32) / 127.5 - 1.0
    assert np.allclose(first_images.numpy()[:, 0, 0, 0], expected)
    sampler.next_batch()
    assert int(sampler.epoch.numpy()) == 1


def test_sampler_state_restores_from_a_checkpoint(tmp_path):
    images = np.zeros((10, 28, 28), np.uint8)
    sampler = pipeline.InMemorySampler(images, np.arange(10), 4, (0.0, 1.0), seed=1)
    sampler.next_batch()
    path = tf.train.Checkpoint(sampler=sampler).save(str(tmp_path / "ckpt"))
    expected = [sampler.next_batch()[1].numpy() for _ in range(4)]
    fresh = pipeline.InMemorySampler(images, np.arange(10), 4, (0.0, 1.0), seed=99)
    tf.train.Checkpoint(sampler=fresh).restore(path).assert_consumed()
    assert [fresh.next_batch()[1].numpy().tolist() for _ in range(4)] == [
        e.tolist() for e in expected]


def test_sampler_refuses_a_batch_larger_than_the_dataset():
    with pytest.raises(ValueError, match="batch of 20 needs at least that many images"):
        pipeline.InMemorySampler(np.zeros((10, 28, 28), np.uint8), np.zeros(10), 20, (0, 1))
