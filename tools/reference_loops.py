"""The reference training loops of issue targets, timed on this machine (used by benchmark.py).

Speed targets are ratios to the code this package reimplements, so both are
timed in one run on the same machine. Each function trains the reference's
algorithm, written the way its source writes it, on the dataset in memory,
and returns the median steps/s over `repeats` timed stretches.

- `tf1_vanilla_gan`: the TF1 vanilla-GAN tutorial (wiseodd/generative-models,
  GAN/vanilla_gan/gan_tensorflow.py): a tf.compat.v1 graph, 784-128-1 and
  100-128-784 matmuls, sigmoid cross-entropy, `AdamOptimizer().minimize` with
  `var_list`, and per iteration two `sess.run` calls (D, then G) fed with a
  NumPy batch of 128 images and U[-1, 1] noise.
- `tutorial_dcgan`: the TensorFlow DCGAN tutorial (tensorflow/docs,
  tutorials/generative/dcgan.ipynb): its Keras Sequential models, a
  `tf.function` `train_step` with two tapes over a shuffled, batched
  `tf.data` pipeline of 256 images, Adam(1e-4) for both.
"""

import statistics
import time

import numpy as np
import tensorflow as tf


def _median_rate(step, steps, repeats):
    step(3)  # warm up (graph building, tracing)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        step(steps)
        rates.append(steps / (time.perf_counter() - start))
    return statistics.median(rates)


def tf1_vanilla_gan(train_images, steps=500, repeats=5, batch_size=128, seed=0):
    """Steps/s of the TF1 tutorial's graph-mode vanilla GAN (one D and one G update a step)."""
    images = train_images.reshape(-1, 784).astype(np.float32) / 255.0
    rng = np.random.default_rng(seed)
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)

        def xavier(shape):  # the tutorial's xavier_init
            return v1.random_normal(shape, stddev=1.0 / np.sqrt(shape[0] / 2.0))

        x = v1.placeholder(tf.float32, [None, 784])
        z = v1.placeholder(tf.float32, [None, 100])
        d_w1, d_b1 = tf.Variable(xavier([784, 128])), tf.Variable(tf.zeros([128]))
        d_w2, d_b2 = tf.Variable(xavier([128, 1])), tf.Variable(tf.zeros([1]))
        g_w1, g_b1 = tf.Variable(xavier([100, 128])), tf.Variable(tf.zeros([128]))
        g_w2, g_b2 = tf.Variable(xavier([128, 784])), tf.Variable(tf.zeros([784]))

        def discriminator(inputs):
            return tf.matmul(tf.nn.relu(tf.matmul(inputs, d_w1) + d_b1), d_w2) + d_b2

        fake = tf.nn.sigmoid(tf.matmul(tf.nn.relu(tf.matmul(z, g_w1) + g_b1), g_w2) + g_b2)
        real_logit, fake_logit = discriminator(x), discriminator(fake)
        xent = tf.nn.sigmoid_cross_entropy_with_logits
        d_loss = (tf.reduce_mean(xent(logits=real_logit, labels=tf.ones_like(real_logit)))
                  + tf.reduce_mean(xent(logits=fake_logit, labels=tf.zeros_like(fake_logit))))
        g_loss = tf.reduce_mean(xent(logits=fake_logit, labels=tf.ones_like(fake_logit)))
        d_solver = v1.train.AdamOptimizer().minimize(d_loss, var_list=[d_w1, d_w2, d_b1, d_b2])
        g_solver = v1.train.AdamOptimizer().minimize(g_loss, var_list=[g_w1, g_w2, g_b1, g_b2])
        session = v1.Session(graph=graph)
        session.run(v1.global_variables_initializer())

    def step(count):
        for _ in range(count):
            batch = images[rng.integers(0, len(images), batch_size)]
            session.run([d_solver, d_loss], {x: batch, z: rng.uniform(-1, 1, (batch_size, 100))})
            session.run([g_solver, g_loss], {z: rng.uniform(-1, 1, (batch_size, 100))})

    try:
        return _median_rate(step, steps, repeats)
    finally:
        session.close()


def tutorial_dcgan(train_images, steps=10, repeats=3, batch_size=256, seed=0):
    """Steps/s of the TensorFlow tutorial's DCGAN loop (tf.function step, tf.data input)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([
        keras.Input((100,)),
        layers.Dense(7 * 7 * 256, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Reshape((7, 7, 256)),
        layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False,
                               activation="tanh")])
    discriminator = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, 5, strides=2, padding="same"), layers.LeakyReLU(), layers.Dropout(0.3),
        layers.Conv2D(128, 5, strides=2, padding="same"), layers.LeakyReLU(),
        layers.Dropout(0.3), layers.Flatten(), layers.Dense(1)])
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_optimizer, d_optimizer = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, 100])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = (cross_entropy(tf.ones_like(real_output), real_output)
                         + cross_entropy(tf.zeros_like(fake_output), fake_output))
        g_optimizer.apply_gradients(zip(gen_tape.gradient(gen_loss, generator.trainable_variables),
                                        generator.trainable_variables))
        d_optimizer.apply_gradients(zip(
            disc_tape.gradient(disc_loss, discriminator.trainable_variables),
            discriminator.trainable_variables))

    images = (train_images.reshape(-1, 28, 28, 1).astype(np.float32) - 127.5) / 127.5
    dataset = (tf.data.Dataset.from_tensor_slices(images).shuffle(60000)
               .batch(batch_size, drop_remainder=True).repeat())
    batches = iter(dataset)

    def step(count):
        for _ in range(count):
            train_step(next(batches))

    return _median_rate(step, steps, repeats)


REFERENCES = {
    # model: (function, what it is, the steps/s the issue quotes for it)
    "vanilla_gan": (tf1_vanilla_gan, "TF1 graph code of the tutorial", 275.0),
    "dcgan": (tutorial_dcgan, "the TF tutorial's tf.function loop", 2.3),
}
