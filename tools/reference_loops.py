"""The reference training loops of issue targets, timed on this machine (used by benchmark.py).

Speed targets are ratios to the code this package reimplements, so both are
timed in one run on the same machine. Each function trains the reference's
algorithm, written the way its source writes it, on the dataset in memory,
and returns its `step(count)`, which runs `count` training steps; benchmark.py
times them.

- `tf1_vanilla_gan`: the TF1 vanilla-GAN tutorial (wiseodd/generative-models,
  GAN/vanilla_gan/gan_tensorflow.py): a tf.compat.v1 graph, 784-128-1 and
  100-128-784 matmuls, sigmoid cross-entropy, `AdamOptimizer().minimize` with
  `var_list`, and per iteration two `sess.run` calls (D, then G) fed with a
  NumPy batch of 128 images and U[-1, 1] noise.
- `tutorial_dcgan`: the TensorFlow DCGAN tutorial (tensorflow/docs,
  tutorials/generative/dcgan.ipynb): its Keras Sequential models, a
  `tf.function` `train_step` with two tapes over a shuffled, batched
  `tf.data` pipeline of 256 images, Adam(1e-4) for both.
- `torch_gan_mlp`: PyTorch-GAN's `gan.py` (eriklindernoren/PyTorch-GAN,
  implementations/gan/gan.py): its modules, BCELoss on sigmoid outputs, G's
  step then D's step on the detached images, Adam(2e-4, (0.5, 0.999)), batch
  64, N(0, 1) noise drawn with NumPy as the source does. Batches are indexed
  from a tensor in memory: the source's DataLoader runs torchvision's
  transforms on every image, which would only slow the reference down.
- `torch_aae_with_sampler`: PyTorch-GAN's `aae.py` (implementations/aae/aae.py)
  at 28x28, and `torch_cogan_with_sampler`: wiseodd's `cogan_pytorch.py`
  (GAN/coupled_gan); tools/fidelity.py trains and scores them and the
  `_with_sampler` loops above against the package's models.
- `torch_dcgan`: the TF tutorial's DCGAN written in PyTorch (same layers,
  5x5 kernels, batch norm where the tutorial has it, dropout 0.3, LeakyReLU
  0.3, BCE on logits, Adam(1e-4), batch 256, one forward pass and two
  gradients per step as the tutorial's `train_step`).

- `plain_collection_gan`: the collection's `gan` as a plain TF2 script would
  write it: the same Keras networks (`networks.CollectionGenerator` and
  `CollectionDiscriminator`), one `tf.function` step with a tape per network
  (D on real and generated images, then G), sigmoid cross-entropy, Adam
  2e-4 (0.5) for D and 1e-3 (0.5) for G, U(-1, 1) noise, batches of 64
  gathered at random from the images in memory; no multi-step loop, no
  averaged weights, no frozen statistics, no trackers. The step our
  trainer compiles, minus everything the package adds.

The PyTorch loops run only where `torch` is installed (`pip install torch`;
not a dependency of the package); `benchmark.py` says so otherwise.
"""

import os

import numpy as np
import tensorflow as tf


def tf1_vanilla_gan(train_images, batch_size=128, seed=0):
    """The step of the TF1 tutorial's graph-mode vanilla GAN (one D and one G update a step)."""
    return tf1_vanilla_gan_with_sampler(train_images, batch_size, seed)[0]


def tf1_vanilla_gan_with_sampler(train_images, batch_size=128, seed=0):
    """(step, sample) of the TF1 tutorial's vanilla GAN; `sample(count, seed)` gives uint8
    (count, 28, 28) images from U[-1, 1] noise, as the tutorial draws them
    (tools/fidelity.py scores them)."""
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

    def sample(count, seed):
        noise = np.random.default_rng(seed).uniform(-1, 1, (count, 100))
        pixels = session.run(fake, {z: noise}).reshape(-1, 28, 28)
        return np.clip(np.round(pixels * 255.0), 0, 255).astype(np.uint8)

    return step, sample  # the session lives as long as the process


def tutorial_dcgan(train_images, batch_size=256, seed=0):
    """The step of the TensorFlow tutorial's DCGAN loop (tf.function step, tf.data input)."""
    return tutorial_dcgan_with_generator(train_images, batch_size, seed)[0]


def tutorial_dcgan_networks(dropout=0.3):
    """(generator, discriminator): the tutorial's `make_generator_model` and
    `make_discriminator_model` (tests set `dropout` to 0 to compare steps)."""
    import keras
    from keras import layers

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
        layers.Conv2D(64, 5, strides=2, padding="same"), layers.LeakyReLU(),
        layers.Dropout(dropout),
        layers.Conv2D(128, 5, strides=2, padding="same"), layers.LeakyReLU(),
        layers.Dropout(dropout), layers.Flatten(), layers.Dense(1)])
    return generator, discriminator


def tutorial_dcgan_train_step(generator, discriminator):
    """The tutorial's `train_step(images)` for these networks, with its two Adam(1e-4).

    Noise is drawn inside, N(0, 1) with 100 dimensions, unless given (tests do).
    Returns (gen_loss, disc_loss).
    """
    import keras

    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_optimizer, d_optimizer = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images, noise=None):
        if noise is None:
            noise = tf.random.normal([tf.shape(images)[0], 100])
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
        return gen_loss, disc_loss

    return train_step


def tutorial_dcgan_with_sampler(train_images, batch_size=256, seed=0):
    """(step, sample) of the tutorial's DCGAN loop; `sample(count, seed)` gives uint8
    (count, 28, 28) images from N(0, 1) noise, G in inference mode as the tutorial draws."""
    step, generator = tutorial_dcgan_with_generator(train_images, batch_size, seed)

    def sample(count, seed):
        noise = tf.random.stateless_normal([count, 100], seed=[seed, 1234])
        outputs = [generator(noise[start:start + 500], training=False)[..., 0]
                   for start in range(0, count, 500)]
        pixels = np.concatenate([np.asarray(tf.cast(o, tf.float32)) for o in outputs])
        return np.clip(np.round((pixels + 1.0) * 127.5), 0, 255).astype(np.uint8)

    return step, sample


def tutorial_dcgan_with_generator(train_images, batch_size=256, seed=0):
    """(step, generator) of the tutorial's DCGAN loop; tools/dcgan_reference.py draws with G."""
    import keras

    keras.utils.set_random_seed(seed)
    generator, discriminator = tutorial_dcgan_networks()
    train_step = tutorial_dcgan_train_step(generator, discriminator)

    images = (train_images.reshape(-1, 28, 28, 1).astype(np.float32) - 127.5) / 127.5
    dataset = (tf.data.Dataset.from_tensor_slices(images).shuffle(60000)
               .batch(batch_size, drop_remainder=True).repeat())
    batches = iter(dataset)

    def step(count):
        for _ in range(count):
            train_step(next(batches))

    return step, generator


def _torch(seed, train_images):
    """(torch, the images as an N x 1 x 28 x 28 tensor in [-1, 1]) seeded; None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(len(os.sched_getaffinity(0)))  # the cores this process may use
    torch.manual_seed(seed)
    images = (train_images.astype(np.float32) - 127.5) / 127.5
    return torch, torch.from_numpy(images).reshape(-1, 1, 28, 28)


def _uint8(pixels, low):
    """uint8 (n, 28, 28) images from float pixels in [low, 1] (low: 0 or -1)."""
    pixels = np.asarray(pixels, np.float32).reshape(-1, 28, 28)
    return np.clip(np.round((pixels - low) * 255.0 / (1.0 - low)), 0, 255).astype(np.uint8)


def _normal_noise_sampler(torch, generator, latent_dim, batch_size):
    """`sample(count, seed)`: uint8 images of a tanh `generator` from N(0, 1) noise, in
    training mode over batches of `batch_size` (batch norm on each batch's statistics)."""

    def sample(count, seed):
        noise = np.random.default_rng(seed).normal(0, 1, (count, latent_dim)).astype(np.float32)
        with torch.no_grad():
            pixels = np.concatenate([
                generator(torch.from_numpy(noise[start:start + batch_size])).numpy()
                for start in range(0, count, batch_size)])
        return _uint8(pixels, -1.0)

    return sample


def torch_gan_mlp(train_images, batch_size=64, seed=0):
    """The step of PyTorch-GAN's gan.py loop (None without torch)."""
    made = torch_gan_mlp_with_sampler(train_images, batch_size, seed)
    return made and made[0]


def torch_gan_mlp_with_sampler(train_images, batch_size=64, seed=0):
    """(step, sample) of PyTorch-GAN's gan.py loop (None without torch); `sample(count,
    seed)` gives uint8 (count, 28, 28) images from N(0, 1) noise, G in training mode
    over batches of `batch_size`, as gan.py's saved grids are (batch norm on the batch's
    own statistics)."""
    loaded = _torch(seed, train_images)
    if loaded is None:
        return None
    torch, images = loaded
    from torch import nn

    rng = np.random.default_rng(seed)
    latent_dim, img_shape = 100, (1, 28, 28)

    def block(in_feat, out_feat, normalize=True):
        layers = [nn.Linear(in_feat, out_feat)]
        if normalize:
            layers.append(nn.BatchNorm1d(out_feat, 0.8))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
        return layers

    generator = nn.Sequential(
        *block(latent_dim, 128, normalize=False), *block(128, 256), *block(256, 512),
        *block(512, 1024), nn.Linear(1024, 784), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Linear(784, 512), nn.LeakyReLU(0.2, inplace=True), nn.Linear(512, 256),
        nn.LeakyReLU(0.2, inplace=True), nn.Linear(256, 1), nn.Sigmoid())
    adversarial_loss = nn.BCELoss()
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step(count):
        for _ in range(count):
            imgs = images[torch.from_numpy(rng.integers(0, len(images), batch_size))]
            valid = torch.ones(batch_size, 1)
            fake = torch.zeros(batch_size, 1)
            optimizer_g.zero_grad()
            z = torch.from_numpy(rng.normal(0, 1, (batch_size, latent_dim)).astype(np.float32))
            gen_imgs = generator(z).view(batch_size, *img_shape)
            g_loss = adversarial_loss(discriminator(gen_imgs.view(batch_size, -1)), valid)
            g_loss.backward()
            optimizer_g.step()
            optimizer_d.zero_grad()
            real_loss = adversarial_loss(discriminator(imgs.view(batch_size, -1)), valid)
            fake_loss = adversarial_loss(discriminator(gen_imgs.detach().view(batch_size, -1)),
                                         fake)
            d_loss = (real_loss + fake_loss) / 2
            d_loss.backward()
            optimizer_d.step()

    return step, _normal_noise_sampler(torch, generator, latent_dim, batch_size)


def torch_aae_with_sampler(train_images, batch_size=64, seed=0, latent_dim=10):
    """(step, sample) of PyTorch-GAN's aae.py loop on 28x28 images (None without torch).

    As aae.py: encoder 784-512-512(BN)-(mu, logvar) with z = mu + exp(logvar / 2) eps
    (eps drawn with NumPy), decoder latent-512-512(BN)-784 tanh, D on codes
    latent-512-256-1 sigmoid, LeakyReLU 0.2, BCELoss and L1Loss, the autoencoder
    (encoder and decoder, one Adam) on 0.001 adversarial + 0.999 L1 first, then D on
    N(0, 1) codes against the autoencoder phase's detached codes, Adam 2e-4 (0.5, 0.999),
    batches of 64 from a reshuffled pass over the images (its DataLoader's shuffle, the
    last batch of a pass the remainder). One change: aae.py resizes MNIST to 32x32; here
    28x28, as the package's aae (both sides of the fidelity pair see the same images).
    `sample(count, seed)` decodes N(0, 1) codes in training mode over batches of 100, as
    aae.py's sample_image does.
    """
    loaded = _torch(seed, train_images)
    if loaded is None:
        return None
    torch, images = loaded
    from torch import nn

    rng = np.random.default_rng(seed)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2, inplace=True),
                                       nn.Linear(512, 512), nn.BatchNorm1d(512),
                                       nn.LeakyReLU(0.2, inplace=True))
            self.mu, self.logvar = nn.Linear(512, latent_dim), nn.Linear(512, latent_dim)

        def forward(self, img):
            x = self.model(img.view(img.shape[0], -1))
            mu, logvar = self.mu(x), self.logvar(x)
            eps = torch.from_numpy(rng.normal(0, 1, (mu.size(0), latent_dim)).astype(np.float32))
            return eps * torch.exp(logvar / 2) + mu

    encoder = Encoder()
    decoder = nn.Sequential(
        nn.Linear(latent_dim, 512), nn.LeakyReLU(0.2, inplace=True), nn.Linear(512, 512),
        nn.BatchNorm1d(512), nn.LeakyReLU(0.2, inplace=True), nn.Linear(512, 784), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Linear(latent_dim, 512), nn.LeakyReLU(0.2, inplace=True), nn.Linear(512, 256),
        nn.LeakyReLU(0.2, inplace=True), nn.Linear(256, 1), nn.Sigmoid())
    adversarial_loss, pixelwise_loss = nn.BCELoss(), nn.L1Loss()
    optimizer_g = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()),
                                   lr=2e-4, betas=(0.5, 0.999))
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    batches = []

    def next_batch():
        if not batches:
            order = torch.from_numpy(rng.permutation(len(images)))
            batches.extend(reversed(order.split(batch_size)))
        return images[batches.pop()]

    def step(count):
        for _ in range(count):
            real_imgs = next_batch().view(-1, 784)
            valid, fake = torch.ones(len(real_imgs), 1), torch.zeros(len(real_imgs), 1)
            optimizer_g.zero_grad()
            encoded_imgs = encoder(real_imgs)
            decoded_imgs = decoder(encoded_imgs)
            g_loss = (0.001 * adversarial_loss(discriminator(encoded_imgs), valid)
                      + 0.999 * pixelwise_loss(decoded_imgs, real_imgs))
            g_loss.backward()
            optimizer_g.step()
            optimizer_d.zero_grad()
            z = torch.from_numpy(rng.normal(0, 1, (len(real_imgs), latent_dim))
                                 .astype(np.float32))
            d_loss = 0.5 * (adversarial_loss(discriminator(z), valid)
                            + adversarial_loss(discriminator(encoded_imgs.detach()), fake))
            d_loss.backward()
            optimizer_d.step()

    return step, _normal_noise_sampler(torch, decoder, latent_dim, 100)


def torch_cogan_with_sampler(train_images, batch_size=32, seed=0, z_dim=100):
    """(step, sample, sample_pair) of wiseodd's cogan_pytorch.py loop (None without torch).

    As the file: G_shared z-128 ReLU, private heads 128-784 sigmoid; D private 784-128
    ReLU, D_shared 128-1 sigmoid; D loss mean(-log(D1(x1) + 1e-8) - log(1 - D1(G1(z))
    + 1e-8)) + the same for domain 2, G loss mean(-log(D(G(z)) + 1e-8)) summed over the
    domains, one z ~ N(0, 1) per iteration for both updates, the shared layers'
    gradients halved, Adam 1e-3 (PyTorch's default betas), 32 images a domain, each a
    contiguous slice at a random start (its sample_x). Domain 1 is the first half of
    the training images in [0, 1], domain 2 the second half rotated 90 degrees
    counter-clockwise (np.rot90, which is what its scipy rotate(90, axes=(1, 2))
    gives); the file reads TensorFlow's 55,000-image split, here all 60,000.
    `sample(count, seed)`: uint8 (count, 28, 28) domain-1 images; `sample_pair(count,
    seed)`: both domains' float images in [0, 1], shaped (count, 28, 28, 1), from the
    same z.
    """
    loaded = _torch(seed, train_images)
    if loaded is None:
        return None
    torch, _ = loaded
    from torch import nn

    rng = np.random.default_rng(seed)
    pixels = train_images.reshape(-1, 28, 28).astype(np.float32) / 255.0
    half = len(pixels) // 2
    domain1 = pixels[:half].reshape(-1, 784)
    domain2 = np.ascontiguousarray(np.rot90(pixels[half:], 1, axes=(1, 2))).reshape(-1, 784)
    g_shared = nn.Sequential(nn.Linear(z_dim, 128), nn.ReLU())
    g1_, g2_ = (nn.Sequential(nn.Linear(128, 784), nn.Sigmoid()) for _ in range(2))
    d_shared = nn.Sequential(nn.Linear(128, 1), nn.Sigmoid())
    d1_, d2_ = (nn.Sequential(nn.Linear(784, 128), nn.ReLU()) for _ in range(2))
    g_params = [*g1_.parameters(), *g2_.parameters(), *g_shared.parameters()]
    d_params = [*d1_.parameters(), *d2_.parameters(), *d_shared.parameters()]
    g_solver = torch.optim.Adam(g_params, lr=1e-3)
    d_solver = torch.optim.Adam(d_params, lr=1e-3)
    nets = (g_shared, g1_, g2_, d_shared, d1_, d2_)

    def generate(z):
        shared = g_shared(z)
        return g1_(shared), g2_(shared)

    def discriminate(x1, x2):
        return d_shared(d1_(x1)), d_shared(d2_(x2))

    def sample_x(x):
        start = rng.integers(0, x.shape[0] - batch_size)
        return torch.from_numpy(x[start:start + batch_size])

    def reset_grad():
        for net in nets:
            net.zero_grad()

    def step(count):
        for _ in range(count):
            x1, x2 = sample_x(domain1), sample_x(domain2)
            z = torch.randn(batch_size, z_dim)
            fake1, fake2 = generate(z)
            real1, real2 = discriminate(x1, x2)
            fake_score1, fake_score2 = discriminate(fake1, fake2)
            d_loss = (torch.mean(-torch.log(real1 + 1e-8) - torch.log(1.0 - fake_score1 + 1e-8))
                      + torch.mean(-torch.log(real2 + 1e-8)
                                   - torch.log(1.0 - fake_score2 + 1e-8)))
            d_loss.backward()
            for param in d_shared.parameters():
                param.grad.data = 0.5 * param.grad.data
            d_solver.step()
            reset_grad()
            fake_score1, fake_score2 = discriminate(*generate(z))
            g_loss = (torch.mean(-torch.log(fake_score1 + 1e-8))
                      + torch.mean(-torch.log(fake_score2 + 1e-8)))
            g_loss.backward()
            for param in g_shared.parameters():
                param.grad.data = 0.5 * param.grad.data
            g_solver.step()
            reset_grad()

    def sample_pair(count, seed):
        noise = np.random.default_rng(seed).normal(0, 1, (count, z_dim)).astype(np.float32)
        with torch.no_grad():
            first, second = generate(torch.from_numpy(noise))
        return (first.numpy().reshape(-1, 28, 28, 1), second.numpy().reshape(-1, 28, 28, 1))

    def sample(count, seed):
        return _uint8(sample_pair(count, seed)[0], 0.0)

    return step, sample, sample_pair


def torch_dcgan(train_images, batch_size=256, seed=0):
    """The step of the TF tutorial's DCGAN written in PyTorch (None without torch)."""
    loaded = _torch(seed, train_images)
    if loaded is None:
        return None
    torch, images = loaded
    from torch import nn

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Sequential(nn.Linear(100, 7 * 7 * 256, bias=False),
                                       nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(0.3))
            self.convs = nn.Sequential(
                nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128),
                nn.LeakyReLU(0.3),
                nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False),
                nn.BatchNorm2d(64), nn.LeakyReLU(0.3),
                nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())

        def forward(self, z):
            return self.convs(self.dense(z).view(-1, 256, 7, 7))

    generator = Generator()
    discriminator = nn.Sequential(
        nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
    cross_entropy = nn.BCEWithLogitsLoss()
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=1e-4)
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=1e-4)
    g_params, d_params = list(generator.parameters()), list(discriminator.parameters())

    def step(count):
        for _ in range(count):
            real = images[torch.randint(0, len(images), (batch_size,))]
            generated = generator(torch.randn(batch_size, 100))
            real_output, fake_output = discriminator(real), discriminator(generated)
            gen_loss = cross_entropy(fake_output, torch.ones_like(fake_output))
            disc_loss = (cross_entropy(real_output, torch.ones_like(real_output))
                         + cross_entropy(fake_output, torch.zeros_like(fake_output)))
            g_grads = torch.autograd.grad(gen_loss, g_params, retain_graph=True)
            d_grads = torch.autograd.grad(disc_loss, d_params)
            for params, grads, optimizer in ((g_params, g_grads, optimizer_g),
                                             (d_params, d_grads, optimizer_d)):
                for param, grad in zip(params, grads):
                    param.grad = grad
                optimizer.step()

    return step


def plain_collection_gan(train_images, batch_size=64, seed=0):
    """The step of a plain TF2 script of the collection GAN (see the module docstring)."""
    import keras

    from tfgan_mnist import networks

    images = tf.constant(train_images[..., None], tf.uint8)
    generator = networks.CollectionGenerator(1.0, seed=seed)
    discriminator = networks.CollectionDiscriminator(1.0, seed=seed + 10)
    generator(tf.zeros((1, 62)))
    discriminator(tf.zeros((1, 28, 28, 1)))
    d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5)
    generator_rng = tf.random.Generator.from_seed(seed)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def train_step():
        index = generator_rng.uniform([batch_size], 0, images.shape[0], dtype=tf.int32)
        real = tf.cast(tf.gather(images, index), tf.float32) / 255.0
        z = generator_rng.uniform([batch_size, 62], -1.0, 1.0)
        with tf.GradientTape() as tape:
            fake = generator(z, training=True)
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(fake, training=True)
            d_loss = (cross_entropy(tf.ones_like(real_logits), real_logits)
                      + cross_entropy(tf.zeros_like(fake_logits), fake_logits))
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_variables),
                                        discriminator.trainable_variables))
        z = generator_rng.uniform([batch_size, 62], -1.0, 1.0)
        with tf.GradientTape() as tape:
            fake_logits = discriminator(generator(z, training=True), training=True)
            g_loss = cross_entropy(tf.ones_like(fake_logits), fake_logits)
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables),
                                        generator.trainable_variables))
        return d_loss, g_loss

    def step(count):
        for _ in range(count):
            train_step()
        return count

    return step


REFERENCES = {
    # model: [(function, what it is, the steps/s the issue quotes for it)]
    "vanilla_gan": [(tf1_vanilla_gan, "TF1 graph code of the tutorial", 275.0)],
    "dcgan": [(tutorial_dcgan, "the TF tutorial's tf.function loop", 2.3),
              (torch_dcgan, "the tutorial's DCGAN in PyTorch 2.13", 1.65)],
    "gan_mlp": [(torch_gan_mlp, "PyTorch-GAN's gan.py, PyTorch 2.13", 59.0)],
    "gan": [(plain_collection_gan, "a plain TF2 script of the same networks", 2.6)],
}
