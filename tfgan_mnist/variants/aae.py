"""The adversarial autoencoder of PyTorch-GAN, on 28x28 images.

Source: eriklindernoren/PyTorch-GAN implementations/aae/aae.py (@c5d6be1).

- Encoder 784-512-512(BN)-(mu, logvar), LeakyReLU 0.2, z = mu + exp(logvar/2) eps
  (a stochastic Gaussian encoder without a KL term: the prior is imposed by D).
- Decoder latent-512-512(BN)-784, tanh: images in [-1, 1].
- Discriminator on codes: latent-512-256-1, LeakyReLU 0.2.
- Autoencoder ("generator") loss = 0.001 * BCE(D(z_encoded), real) + 0.999 * L1(x', x),
  over encoder and decoder; D loss = 0.5 * (BCE(D(z_prior), real) + BCE(D(z_encoded), fake)).
- Prior N(0, I), latent 10, Adam 2e-4 (0.5, 0.999) for both, batch 64; the
  autoencoder updates first, then D.

Differences from aae.py, on purpose:
- aae.py resizes MNIST to 32x32 (1024 inputs and outputs); we keep 28x28 (784).
- aae.py's D phase reuses the codes that the autoencoder phase computed before
  its update; here the D phase encodes the batch again (after the
  autoencoder's update, with a fresh eps, batch statistics as in training but
  the encoder's moving averages left alone), so each phase stands alone.
- aae.py's D ends in a sigmoid with BCELoss; ours outputs a logit and the
  loss applies the sigmoid (same function, numerically stable).
"""

import keras
import tensorflow as tf

from tfgan_mnist import losses, multiphase, registry
from tfgan_mnist.networks import LatentDiscriminator, MLPDecoder, MLPGaussianEncoder
from tfgan_mnist.gan import statistics_frozen
from tfgan_mnist.variants.autoencoding import AutoencodingModel
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)


class AAE(AutoencodingModel):
    """Encoder + decoder trained to reconstruct and to fool a discriminator on codes."""

    packing_refusal = "its discriminator judges codes, not images"

    image_range = (-1.0, 1.0)
    def __init__(self, encoder, decoder, discriminator, *, latent_dim, adversarial_weight=0.001,
                 seed=None, name=None, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, name=name, **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.discriminator = discriminator
        self.adversarial_weight = adversarial_weight

    def build_networks(self):
        self.encoder(tf.zeros((1, *self.image_shape)), training=False)
        self.decoder(tf.zeros((1, self.latent_dim)), training=False)
        self.discriminator(tf.zeros((1, self.latent_dim)), training=False)

    def define_phases(self, optimizers):
        return [
            multiphase.Phase("autoencoder", self.autoencoder_loss, "g_optimizer",
                             optimizers["g_optimizer"], (self.encoder, self.decoder),
                             logs=("adversarial_loss", "reconstruction_loss"), total="g_loss"),
            multiphase.Phase("discriminator", self.discriminator_loss, "d_optimizer",
                             optimizers["d_optimizer"], (self.discriminator,),
                             logs=("d_loss", "d_real", "d_fake")),
        ]

    def encode(self, images, labels=None):
        mu, _ = self.encoder(images, training=False)
        return mu

    def sample_codes(self, images, training):
        """z = mu + exp(logvar / 2) * eps: aae.py's `reparameterization`."""
        mu, logvar = self.encoder(images, training=training)
        eps = keras.random.normal(tf.shape(mu), seed=self.noise_seed, dtype=mu.dtype)
        return mu + tf.exp(logvar / 2.0) * eps

    def autoencoder_loss(self, images, labels):
        """The encoder+decoder update's terms: the weighted adversarial and L1 losses."""
        codes = self.sample_codes(images, training=True)
        reconstructions = self.decoder(codes, training=True)
        with statistics_frozen(self.discriminator):
            code_logits = self.discriminator(codes, training=True)
        adversarial = losses.modified_generator_loss(code_logits)
        reconstruction = losses.l1_reconstruction_loss(images, reconstructions)
        return {"adversarial_loss": (self.adversarial_weight, adversarial),
                "reconstruction_loss": (1.0 - self.adversarial_weight, reconstruction)}, {}

    def discriminator_loss(self, images, labels):
        """(loss, logs) of the D update: prior draws are real, encoded codes fake."""
        with statistics_frozen(self.encoder):
            fake_codes = tf.stop_gradient(self.sample_codes(images, training=True))
        prior_codes = self.draw_noise(tf.shape(images)[0])
        real_logits = self.discriminator(prior_codes, training=True)
        fake_logits = self.discriminator(fake_codes, training=True)
        loss = 0.5 * losses.minimax_discriminator_loss(real_logits, fake_logits)
        return {"d_loss": (1.0, loss)}, {"d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                                         "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}


@registry.register("aae", "Adversarial autoencoder of PyTorch-GAN (MLP, N(0, I) prior on z)")
def build(config):
    """AAE: Adam(--g_learning_rate) on encoder+decoder, Adam(--d_learning_rate) on D."""
    model = AAE(
        MLPGaussianEncoder(config.z_dim, config.width, seed=config.seed,
                           image_shape=image_shape(config)),
        MLPDecoder(config.z_dim, config.width, seed=config.seed + 10,
                   image_shape=image_shape(config)),
        LatentDiscriminator(config.z_dim, discriminator_width(config), seed=config.seed + 20),
        latent_dim=config.z_dim, adversarial_weight=config.adversarial_weight, seed=config.seed,
        **model_arguments(config))
    model.compile(adam_pair(config))
    return model
