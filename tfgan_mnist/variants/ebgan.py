"""EBGAN: an autoencoder discriminator whose reconstruction error is an energy.

Method: Zhao, Mathieu and LeCun, "Energy-based Generative Adversarial
Network" (2016). D is an autoencoder and its energy D(x) the reconstruction
error; with a margin m and the pull-away term PT of D's codes of a generated
batch (`losses.pull_away_term`, the mean squared cosine similarity of pairs):
    L_D = D(x) + max(0, m - D(G(z))),    L_G = D(G(z)) + w_PT * PT(codes of G(z)).
The margin is a number of the energy's units.

Networks: the TwistedW/tensorflow-GANs collection's (forked from
hwalsuklee/tensorflow-generative-model-collections): G is its generator
(FC 1024 - FC 7x7x128 - deconv 64 - deconv 1, sigmoid), D the autoencoder
"(64)4c2s-FC32-FC64*14*14_BR-(1)4dc2s_S" with a linear 32-unit code
(`networks.AutoencoderDiscriminator`). Noise U[-1, 1], 62 dimensions, images
in [0, 1], Adam beta1 0.5, batch 64.

Two energies (`--ebgan_energy`):
- `mse` (the default): each image's mean squared pixel error, the margin
  applied per image, as the paper writes the loss (PyTorch-GAN's ebgan.py
  uses the same per-pixel MSE, averaged over the batch before the margin).
- `collection`: the collection's EBGAN.py, ||D(x) - x||_2 of the whole batch
  divided by the batch size (`losses.reconstruction_energy`), the margin on
  that batch value; with its recipe (margin max(1, batch / 64), unsquared
  pull-away term, G at 5x D's learning rate) the generator collapses to one
  image within about a hundred steps (tools/ebgan_reference.py shows the same
  in a TF1 re-creation).
configs/ebgan.flags trains: per-image MSE, margin 1, squared PT 0.1, both
networks at 2e-4, and no batch norm in D's decoder (`--noebgan_batch_norm`):
with it, each generated batch is normalized by its own statistics, and a
batch of identical images (zero variance) is reconstructed as one fixed image
whatever it shows, which G finds; every recipe with it collapsed here. The
config lists the recipes tried and their outcomes.

Logged: the energies of real and generated images, the fraction of generated
images (batches, for the collection's energy) inside the margin, where D's
hinge still pushes, and the pull-away term.
"""

import tensorflow as tf

from tfgan_mnist import gan, losses, networks, registry
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)

ENERGIES = ("mse", "collection")


def image_energies(images, reconstructions):
    """Each image's mean squared reconstruction error: (batch,) float32."""
    errors = tf.cast(reconstructions, tf.float32) - tf.cast(images, tf.float32)
    return tf.reduce_mean(tf.reshape(tf.square(errors), (tf.shape(errors)[0], -1)), axis=1)


def _pull_away(model, context):
    _, code = context.fake_outputs
    return losses.pull_away_term(code) if model.pt_squared else _unsquared_pull_away(code)


def _unsquared_pull_away(code):
    """The collection's `pullaway_loss`: the mean cosine similarity of pairs, not squared."""
    code = tf.cast(code, tf.float32)
    count = tf.cast(tf.shape(code)[0], tf.float32)
    normalized = tf.math.l2_normalize(code, axis=1)
    similarity = tf.matmul(normalized, normalized, transpose_b=True)
    return (tf.reduce_sum(similarity) - count) / (count * (count - 1.0))


def _margin_active(model, context):
    """The fraction of generated energies inside the margin (where D's hinge pushes)."""
    energies, _ = context.fake_outputs
    return tf.reduce_mean(tf.cast(energies < model.margin, tf.float32))


class EBGAN(gan.GAN):
    """The shared GAN step with an autoencoder D, an energy margin and the pull-away term."""

    packing_refusal = "its discriminator is an autoencoder that reconstructs each image"

    score_names = ("energy_real", "energy_fake")
    discriminator_score = staticmethod(gan.raw_score)
    # Weight 0: logged, not minimized (it has no gradient).
    discriminator_terms = (gan.LossTerm("margin_active", _margin_active, weight=0.0),)
    generator_terms = (gan.LossTerm("pull_away", _pull_away, weight="pt_weight"),)

    def __init__(self, generator, discriminator, *, margin, pt_weight, pt_squared=True,
                 energy="mse", joint_batch=False, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        if energy not in ENERGIES:
            raise ValueError(f"--ebgan_energy={energy}: valid: {', '.join(ENERGIES)}")
        self.margin = float(margin)
        self.pt_weight = float(pt_weight)
        self.pt_squared = bool(pt_squared)
        self.energy = energy
        self.joint_batch = bool(joint_batch)

    def energies(self, images, reconstructions):
        """Per image (mse), or one value for the batch (collection): shape (n,) or (1,)."""
        if self.energy == "collection":
            return tf.reshape(losses.reconstruction_energy(images, reconstructions), (1,))
        return image_energies(images, reconstructions)

    def discriminator_outputs(self, images, labels, training=False):
        """(energies, codes) of a batch."""
        reconstructions, code = self.discriminate(self.discriminator, images, training)
        return self.energies(images, reconstructions), code

    def discriminator_outputs_both(self, real_images, fake_images, labels):
        """With `joint_batch`, real and generated images go through D as one batch, so its
        batch norm normalizes them together: a collapsed generated batch then cannot hide
        behind statistics of its own (every image alike: zero variance, one reconstruction)."""
        if not self.joint_batch:
            return super().discriminator_outputs_both(real_images, fake_images, labels)
        count = tf.shape(real_images)[0]
        images = tf.concat([real_images, tf.cast(fake_images, real_images.dtype)], axis=0)
        reconstructions, code = self.discriminate(self.discriminator, images, training=True)
        return ((self.energies(real_images, reconstructions[:count]), code[:count]),
                (self.energies(fake_images, reconstructions[count:]), code[count:]))

    @staticmethod
    def adversarial_output(outputs):
        return outputs[0]

    def discriminator_loss(self, real_energies, fake_energies):
        """mean D(x) + mean max(0, m - D(G(z)))."""
        return losses.energy_discriminator_loss(real_energies, fake_energies, self.margin)

    generator_loss = staticmethod(losses.energy_generator_loss)


@registry.register("ebgan", "Energy-based GAN: autoencoder D, margin, pull-away term")
def build(config):
    """EBGAN on the collection's networks, compiled with two Adam optimizers."""
    model = EBGAN(
        networks.CollectionGenerator(config.width, seed=config.seed,
                                     image_shape=image_shape(config)),
        networks.AutoencoderDiscriminator(discriminator_width(config), code_norm_relu=False,
                                          decoder_norm=config.ebgan_batch_norm,
                                          seed=config.seed + 10, image_shape=image_shape(config)),
        margin=config.energy_margin, pt_weight=config.pt_weight,
        pt_squared=config.pt_squared, energy=config.ebgan_energy,
        joint_batch=config.ebgan_joint_batch,
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed,
        **model_arguments(config))
    model.compile(adam_pair(config))
    return model
