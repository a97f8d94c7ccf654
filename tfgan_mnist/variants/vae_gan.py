"""VAE-GAN as the TwistedW collection codes it (after Larsen et al., 2016, with its own weights).

Source: TwistedW/tensorflow-GANs VAE_GAN.py (@3b8e4f2; the same at @f8c3438).

Networks: the VAE's conv encoder and decoder (networks/autoencoders.py), and a
discriminator that is the collection's GAN discriminator with a minibatch-
discrimination layer (ops.py `MinibatchLayer(32, 32)`) after its conv
features. D also returns those 7x7x128 conv features, in which the encoder's
"reconstruction" is measured (Larsen et al.'s learned similarity).

Losses, as coded (all batch means; SCE = sigmoid cross-entropy):
- D: SCE(D(x), 1) + SCE(D(x~), 0) + SCE(D(x_p), 0), where x~ = Dec(Enc(x))
  and x_p = Dec(z), z ~ N(0, I).
- Decoder: SCE(D(x~), 1) + SCE(D(x_p), 1) + 1e-8 * NLL_feat, where NLL_feat
  is -log N(D_l(x); D_l(x~), 1) summed over the conv features. With that
  1e-8 the decoder is trained by the GAN terms alone: this is where the code
  departs from Larsen et al., whose decoder also minimises gamma * NLL_feat.
- Encoder: NLL_feat / (4 * 4 * 256) + KL / (z_dim * batch_size). The
  4 * 4 * 256 = 4096 is the code's constant (its feature map is 7 * 7 * 128);
  kept, like the KL scaling, as written.
- Adam with beta1 0.5: D lr 1e-3, decoder 2e-4, encoder 1e-3; one update of
  each per step, D first, then decoder, then encoder; z_dim 62, batch 64.

The Bernoulli reconstruction loss of x~ is logged ("reconstruction_loss")
but, as in the code, optimised by nobody. Each phase draws its own prior z
and encoder noise (the code reuses one z for D and the decoder).
The minibatch layer keeps the code's "o -= 1" (its comment: to discount
each example's zero distance to itself; with a mean over the batch that
term is 1/batch, so the shift is a constant, harmless before the next
layer's bias and batch norm).
"""

import keras
import tensorflow as tf

from tfgan_mnist import losses, multiphase, registry
from tfgan_mnist.gan import BUILD_BATCH, statistics_frozen
from tfgan_mnist.networks import ConvDecoder, ConvEncoder, MinibatchDiscriminator
from tfgan_mnist.variants.autoencoding import AutoencodingModel
from tfgan_mnist.variants.common import adam, discriminator_width, image_shape, model_arguments

FEATURE_NLL_DECODER_WEIGHT = 1e-8  # VAE_GAN.py: dec_loss = dec_loss_d - 1e-8 * LL_loss
FEATURE_NLL_ENCODER_DIVISOR = 4 * 4 * 256  # VAE_GAN.py: enc_loss = -LL_loss / (4 * 4 * 256) ...


def _fake_loss(logits):
    """Mean sigmoid cross-entropy against the label 0 ("fake")."""
    logits = tf.cast(logits, tf.float32)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.zeros_like(logits), logits=logits))


class VAEGAN(AutoencodingModel):
    """Encoder, decoder and discriminator, each with its own loss and optimizer."""

    packing_refusal = ("its discriminator's features of each image are also the "
                       "reconstruction loss of that image")

    def __init__(self, encoder, decoder, discriminator, *, latent_dim, seed=None, name=None,
                 **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, name=name, **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.discriminator = discriminator

    def build_networks(self):
        self.encoder(tf.zeros((1, *self.image_shape)), training=False)
        self.decoder(tf.zeros((1, self.latent_dim)), training=False)
        self.discriminate(self.discriminator, tf.zeros((BUILD_BATCH, *self.image_shape)))

    def define_phases(self, optimizers):
        return [
            multiphase.Phase("discriminator", self.discriminator_loss, "d_optimizer",
                             optimizers["d_optimizer"], (self.discriminator,),
                             logs=("d_loss", "d_real", "d_reconstructed", "d_prior")),
            multiphase.Phase("decoder", self.decoder_loss, "g_optimizer",
                             optimizers["g_optimizer"], (self.decoder,), logs=("dec_loss",)),
            multiphase.Phase("encoder", self.encoder_loss, "e_optimizer",
                             optimizers["e_optimizer"], (self.encoder,),
                             logs=("enc_loss", "kl_divergence", "feature_nll",
                                   "reconstruction_loss")),
        ]

    def encode(self, images, labels=None):
        mean, _ = self.encoder(images, training=False)
        return mean

    def _posterior_sample(self, images):
        mean, stddev = self.encoder(images, training=True)
        eps = keras.random.normal(tf.shape(mean), seed=self.noise_seed, dtype=mean.dtype)
        z = mean + stddev * eps
        return z, mean, stddev

    def discriminator_loss(self, images, labels):
        """(loss, logs) of D: real images against reconstructions and prior samples."""
        with statistics_frozen(self.encoder), statistics_frozen(self.decoder):
            z, _, _ = self._posterior_sample(images)
            reconstructed = tf.stop_gradient(self.decoder(z, training=True))
            prior = tf.stop_gradient(
                self.decoder(self.draw_noise(tf.shape(images)[0]), training=True))
        real_logits, _ = self.discriminate(self.discriminator, images, training=True)
        reconstructed_logits, _ = self.discriminate(self.discriminator, reconstructed,
                                                    training=True)
        prior_logits, _ = self.discriminate(self.discriminator, prior, training=True)
        # SCE(real, 1) + SCE(reconstructed, 0), then + SCE(prior, 0)
        loss = (losses.minimax_discriminator_loss(real_logits, reconstructed_logits)
                + _fake_loss(prior_logits))
        return {"d_loss": (1.0, loss)}, {
                      "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                      "d_reconstructed": tf.reduce_mean(tf.sigmoid(reconstructed_logits)),
                      "d_prior": tf.reduce_mean(tf.sigmoid(prior_logits))}

    def decoder_loss(self, images, labels):
        """(loss, logs) of the decoder: make reconstructions and prior samples look real."""
        with statistics_frozen(self.encoder):
            z, _, _ = self._posterior_sample(images)
        z = tf.stop_gradient(z)
        reconstructed = self.decoder(z, training=True)
        prior = self.decoder(self.draw_noise(tf.shape(images)[0]), training=True)
        with statistics_frozen(self.discriminator):
            _, real_features = self.discriminate(self.discriminator, images, training=True)
            reconstructed_logits, reconstructed_features = self.discriminate(
                self.discriminator, reconstructed, training=True)
            prior_logits, _ = self.discriminate(self.discriminator, prior, training=True)
        feature_nll = losses.unit_gaussian_negative_log_likelihood(
            reconstructed_features, tf.stop_gradient(real_features))
        loss = (losses.modified_generator_loss(reconstructed_logits)
                + losses.modified_generator_loss(prior_logits)
                + FEATURE_NLL_DECODER_WEIGHT * feature_nll)
        return {"dec_loss": (1.0, loss)}, {}

    def encoder_loss(self, images, labels):
        """(loss, logs) of the encoder: feature-space reconstruction plus a scaled KL."""
        z, mean, stddev = self._posterior_sample(images)
        with statistics_frozen(self.decoder), statistics_frozen(self.discriminator):
            reconstructed_logits = self.decoder(z, training=True, return_logits=True)
            _, real_features = self.discriminate(self.discriminator, images, training=True)
            _, reconstructed_features = self.discriminate(self.discriminator,
                                                          tf.sigmoid(reconstructed_logits),
                                                          training=True)
        feature_nll = losses.unit_gaussian_negative_log_likelihood(
            reconstructed_features, tf.stop_gradient(real_features))
        kl = losses.gaussian_kl_divergence(mean, stddev)
        batch_size = tf.cast(tf.shape(images)[0], tf.float32)
        loss = (feature_nll / FEATURE_NLL_ENCODER_DIVISOR
                + kl / (self.latent_dim * batch_size))
        reconstruction = losses.bernoulli_reconstruction_loss(
            images, tf.stop_gradient(reconstructed_logits))
        return {"enc_loss": (1.0, loss)}, {"kl_divergence": kl, "feature_nll": feature_nll,
                                           "reconstruction_loss": reconstruction}


@registry.register("vae_gan", "VAE-GAN of the TwistedW collection (feature-space recon, MBD)")
def build(config):
    """VAE-GAN: Adam --d_learning_rate (D), --g_learning_rate (decoder), --e_learning_rate."""
    model = VAEGAN(
        ConvEncoder(config.z_dim, config.width, seed=config.seed),
        ConvDecoder(config.width, seed=config.seed + 10, image_shape=image_shape(config)),
        MinibatchDiscriminator(discriminator_width(config), seed=config.seed + 20),
        latent_dim=config.z_dim, seed=config.seed, **model_arguments(config))
    model.compile({"d_optimizer": adam(config, config.d_learning_rate),
                   "g_optimizer": adam(config, config.g_learning_rate),
                   "e_optimizer": adam(config, config.e_learning_rate)})
    return model
