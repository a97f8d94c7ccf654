"""The variational autoencoder and its conditional version, as in the TwistedW collection.

Sources: TwistedW/tensorflow-GANs VAE.py (@0d9265b) and CVAE.py (@2b6a791),
forks of hwalsuklee/tensorflow-generative-model-collections.

- Encoder "(64)4c2s-(128)4c2s_BL-FC1024_BL-FC2z": mean and a softplus
  standard deviation (1e-6 + softplus), z = mean + stddev * eps.
- Decoder: the collection's GAN generator, sigmoid output, images in [0, 1].
- Loss = -ELBO = Bernoulli negative log-likelihood (summed over pixels) +
  KL(q(z|x) || N(0, I)), both averaged over the batch; logged separately.
- One Adam optimizer over all variables: lr 1e-3 (the collection's
  `learning_rate * 5`), beta1 0.5; batch 64, z_dim 62, prior N(0, I).
- CVAE: the one-hot label is appended to the encoder's input as 10 constant
  channels and to the decoder's input z.
"""

import keras
import tensorflow as tf

from tfgan_mnist import losses, multiphase, registry
from tfgan_mnist.networks import ConvDecoder, ConvEncoder
from tfgan_mnist.variants.autoencoding import AutoencodingModel
from tfgan_mnist.variants.common import adam, image_shape, model_arguments, num_classes


class VAE(AutoencodingModel):
    """Encoder and decoder trained together on -ELBO by one optimizer."""

    def __init__(self, encoder, decoder, *, latent_dim, seed=None, name=None, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, name=name, **kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def build_networks(self):
        labels = self.example_labels(1)
        self.encoder(tf.zeros((1, *self.image_shape)), labels=labels, training=False)
        self.decoder(self.sample_latent(1, labels), training=False)

    def define_phases(self, optimizers):
        return [multiphase.Phase("vae", self.vae_loss, "optimizer", optimizers["optimizer"],
                                 (self.encoder, self.decoder),
                                 logs=("reconstruction_loss", "kl_divergence"), total="neg_elbo")]

    def encode(self, images, labels=None):
        mean, _ = self.encoder(images, labels=labels, training=False)
        return mean

    def vae_loss(self, images, labels):
        """-ELBO as its two terms: reparameterised sample, Bernoulli likelihood, KL."""
        mean, stddev = self.encoder(images, labels=labels, training=True)
        eps = keras.random.normal(tf.shape(mean), seed=self.noise_seed, dtype=mean.dtype)
        z = mean + stddev * eps
        logits = self.decoder(self.latent_input(z, labels), training=True, return_logits=True)
        reconstruction = losses.bernoulli_reconstruction_loss(images, logits)
        kl = losses.gaussian_kl_divergence(mean, stddev)
        return {"reconstruction_loss": (1.0, reconstruction), "kl_divergence": (1.0, kl)}, {}


class CVAE(VAE):
    """The VAE with the label as an input of both encoder and decoder."""

    conditional = True


def _build(model_class, config):
    model = model_class(
        ConvEncoder(config.z_dim, config.width, conditional=model_class.conditional,
                    seed=config.seed, num_classes=num_classes(config)),
        ConvDecoder(config.width, seed=config.seed + 10, image_shape=image_shape(config)),
        latent_dim=config.z_dim, seed=config.seed, **model_arguments(config))
    model.compile({"optimizer": adam(config, config.g_learning_rate)})
    return model


@registry.register("vae", "Conv VAE of the TwistedW/hwalsuklee collection (Bernoulli, N(0, I))")
def build_vae(config):
    """VAE; its one Adam optimizer uses --g_learning_rate, --beta1, --beta2."""
    return _build(VAE, config)


@registry.register("cvae", "Conditional conv VAE of the TwistedW/hwalsuklee collection")
def build_cvae(config):
    """CVAE; its one Adam optimizer uses --g_learning_rate, --beta1, --beta2."""
    return _build(CVAE, config)
