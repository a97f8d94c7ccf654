"""The collection's EBGAN recipe, re-created as TF1 graph code, to show whether it trains here.

    python tools/ebgan_reference.py [--steps=400] [--no_batch_norm]

`ebgan` is not registered: with the TwistedW/tensorflow-GANs EBGAN.py recipe
our Keras version's generator collapses to one image within ~100 steps. This
script re-creates that recipe in the source's own style (tf.compat.v1 graph,
its ops.py initialisers and batch norm in training mode, the batch-norm'd
FC 64x14x14 of D's decoder, margin max(1, batch/64), unsquared pull-away term
0.1, Adam 2e-4 / 1e-3 with beta1 0.5, one batch_z for both updates) on MNIST
in [0, 1], and prints every 50 steps the energies, the pull-away term and
`fake_std`, the generated batch's per-pixel standard deviation across images
(0 = every sample identical). A pull-away term of 1.000 with `fake_std`
near 0.003 is the collapse. `--no_batch_norm` drops D's batch norm (the
issue's D description has none); it collapses as well.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tfgan_mnist.cli import quiet_tensorflow_import  # noqa: E402

quiet_tensorflow_import()

import tensorflow as tf  # noqa: E402

from tfgan_mnist import data  # noqa: E402

v1 = tf.compat.v1

Z_DIM = 62


def linear(x, units, scope):
    """ops.py `linear`: N(0, 0.02) weights, zero bias."""
    with v1.variable_scope(scope):
        w = v1.get_variable("Matrix", [x.shape[-1], units],
                            initializer=v1.random_normal_initializer(stddev=0.02))
        b = v1.get_variable("bias", [units], initializer=v1.zeros_initializer())
        return tf.matmul(x, w) + b


def conv2d(x, channels, scope):
    """ops.py `conv2d`, 4x4 stride 2: truncated N(0, 0.02) kernel."""
    with v1.variable_scope(scope):
        w = v1.get_variable("w", [4, 4, x.shape[-1], channels],
                            initializer=v1.truncated_normal_initializer(stddev=0.02))
        b = v1.get_variable("biases", [channels], initializer=v1.zeros_initializer())
        return tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME") + b


def deconv2d(x, shape, scope):
    """ops.py `deconv2d`, 4x4 stride 2: N(0, 0.02) kernel."""
    with v1.variable_scope(scope):
        w = v1.get_variable("w", [4, 4, shape[-1], x.shape[-1]],
                            initializer=v1.random_normal_initializer(stddev=0.02))
        b = v1.get_variable("biases", [shape[-1]], initializer=v1.zeros_initializer())
        return tf.nn.conv2d_transpose(x, w, shape, [1, 2, 2, 1]) + b


def batch_norm(x, scope):
    """ops.py `bn` in training mode: the batch's own statistics, epsilon 1e-5."""
    with v1.variable_scope(scope):
        gamma = v1.get_variable("gamma", [x.shape[-1]], initializer=v1.ones_initializer())
        beta = v1.get_variable("beta", [x.shape[-1]], initializer=v1.zeros_initializer())
        mean, variance = tf.nn.moments(x, list(range(len(x.shape) - 1)))
        return tf.nn.batch_normalization(x, mean, variance, beta, gamma, 1e-5)


def discriminator(x, reuse, use_batch_norm):
    """(64)4c2s-FC32-FC64*14*14_BR-(1)4dc2s_S: (reconstruction error, code)."""
    batch = x.shape[0]
    with v1.variable_scope("discriminator", reuse=reuse):
        net = tf.reshape(tf.nn.relu(conv2d(x, 64, "d_conv1")), [batch, -1])
        code = linear(net, 32, "d_fc6")
        net = linear(code, 64 * 14 * 14, "d_fc3")
        net = tf.nn.relu(batch_norm(net, "d_bn3") if use_batch_norm else net)
        out = tf.nn.sigmoid(deconv2d(tf.reshape(net, [batch, 14, 14, 64]),
                                     [batch, 28, 28, 1], "d_dc5"))
        return tf.sqrt(2 * tf.nn.l2_loss(out - x)) / batch, code


def generator(z):
    """FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S."""
    batch = z.shape[0]
    with v1.variable_scope("generator"):
        net = tf.nn.relu(batch_norm(linear(z, 1024, "g_fc1"), "g_bn1"))
        net = tf.nn.relu(batch_norm(linear(net, 128 * 7 * 7, "g_fc2"), "g_bn2"))
        net = tf.reshape(net, [batch, 7, 7, 128])
        net = tf.nn.relu(batch_norm(deconv2d(net, [batch, 14, 14, 64], "g_dc3"), "g_bn3"))
        return tf.nn.sigmoid(deconv2d(net, [batch, 28, 28, 1], "g_dc4"))


def pullaway(codes):
    """EBGAN.py `pullaway_loss`: the mean cosine similarity over pairs, unsquared."""
    normalized = codes / tf.sqrt(tf.reduce_sum(tf.square(codes), 1, keepdims=True))
    similarity = tf.matmul(normalized, normalized, transpose_b=True)
    count = tf.cast(tf.shape(codes)[0], tf.float32)
    return (tf.reduce_sum(similarity) - count) / (count * (count - 1))


def collection_ebgan(train_images, batch_size=64, seed=0, use_batch_norm=True):
    """(step, sample) of the recipe's graph on uint8 (n, 28, 28) `train_images`.

    `step(count)` trains `count` iterations (D, then G on the same batch_z, batches
    in the order of one fixed permutation, as the source's batch index walks its
    data) and returns the last one's (real energy, fake energy, pull-away term,
    fake_std). `sample(count, seed)` gives uint8 (count, 28, 28) images from U(-1, 1)
    noise, G's batch norm in training mode over batches of `batch_size`, as the
    source's visualisations draw them (tools/fidelity.py scores them).
    """
    images = train_images.reshape(-1, 28, 28, 1) / np.float32(255)
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        x = v1.placeholder(tf.float32, [batch_size, 28, 28, 1])
        z = v1.placeholder(tf.float32, [batch_size, Z_DIM])
        real_energy, _ = discriminator(x, False, use_batch_norm)
        fake = generator(z)
        fake_energy, fake_code = discriminator(fake, True, use_batch_norm)
        margin = max(1.0, batch_size / 64)
        d_loss = real_energy + tf.maximum(margin - fake_energy, 0)
        pull = pullaway(fake_code)
        g_loss = fake_energy + 0.1 * pull
        variables = v1.trainable_variables()
        d_optim = v1.train.AdamOptimizer(2e-4, beta1=0.5).minimize(
            d_loss, var_list=[v for v in variables if "d_" in v.name])
        g_optim = v1.train.AdamOptimizer(1e-3, beta1=0.5).minimize(
            g_loss, var_list=[v for v in variables if "g_" in v.name])
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    done = [0]

    def step(count):
        for _ in range(count):
            start = (done[0] * batch_size) % (len(images) - batch_size)
            batch = images[order[start:start + batch_size]]
            batch_z = rng.uniform(-1, 1, (batch_size, Z_DIM)).astype(np.float32)
            _, real, fakes = session.run([d_optim, real_energy, fake_energy],
                                         {x: batch, z: batch_z})
            _, pt, generated = session.run([g_optim, pull, fake], {z: batch_z})
            done[0] += 1
        return real, fakes, pt, generated.std(axis=0).mean()

    def sample(count, seed):
        noise = np.random.default_rng(seed).uniform(-1, 1, (count + batch_size, Z_DIM))
        pixels = np.concatenate([session.run(fake, {z: noise[start:start + batch_size]})
                                 for start in range(0, count, batch_size)])[:count]
        return np.clip(np.round(pixels[..., 0] * 255.0), 0, 255).astype(np.uint8)

    return step, sample  # the session lives as long as the process


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--no_batch_norm", action="store_true")
    args = parser.parse_args()
    step, _ = collection_ebgan(data.load_arrays("mnist").train_images,
                               use_batch_norm=not args.no_batch_norm)
    for index in range(args.steps):
        real, fakes, pt, fake_std = step(1)
        if index % 50 == 0 or index == args.steps - 1:
            print(f"step {index}: energy real {real:.3f} fake {fakes:.3f}  pull-away {pt:.3f}  "
                  f"fake_std {fake_std:.4f}", flush=True)


if __name__ == "__main__":
    main()
