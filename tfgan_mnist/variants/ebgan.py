"""EBGAN as the TwistedW/tensorflow-GANs collection trains it on MNIST.

NOT REGISTERED (not imported by variants/__init__.py): with the collection's
hyperparameters it does not train yet. On MNIST the generator collapses to
one uniform grey image within ~100 steps (pull-away term 1.0: every code
aligned) and stays there to step 1200 while D pushes the fake energy to the
margin (runs under /tmp/runs/ebgan-mnist). Import this module to try it.

Source: TwistedW/tensorflow-GANs EBGAN.py (forked from
hwalsuklee/tensorflow-generative-model-collections); method of Zhao, Mathieu
and LeCun, "Energy-based Generative Adversarial Network" (2016).
D is an autoencoder, "(64)4c2s-FC32-FC64*14*14_BR-(1)4dc2s_S", and an image's
energy is its reconstruction error (`losses.reconstruction_energy`, the
collection's batch L2 norm / batch size). D lowers the energy of real images
and raises that of generated ones up to a margin m:
    L_D = D(x) + max(0, m - D(G(z))),    m = max(1, batch / 64);
G lowers the energy of its images, plus 0.1 times the pull-away term on D's
32-unit codes of them, which keeps the codes of a batch apart:
    L_G = D(G(z)) + 0.1 * PT(codes).
G is the collection's generator (FC 1024 - FC 7x7x128 - deconv 64 - deconv 1,
sigmoid). Adam with beta1 0.5, D 2e-4, G 1e-3 (the collection's 5x); batch
64; noise U[-1, 1] with 62 dimensions; images in [0, 1]; 25 epochs on MNIST,
40 on Fashion-MNIST (the collection's README).

Differences: the pull-away term squares the cosine similarities, as the
paper defines it (the collection sums them unsquared); each phase draws its
own noise (the collection reuses one batch_z for D and G); a phase changes
only its own network's batch-norm statistics.
"""

import tensorflow as tf

from tfgan_mnist import gan, losses, networks, registry
from tfgan_mnist.variants.common import adam_pair


class EBGAN(gan.GAN):
    """The shared GAN step with an autoencoder D whose reconstruction error is the energy."""

    metric_names = ("d_loss", "g_loss", "energy_real", "energy_fake", "pullaway")

    def __init__(self, generator, discriminator, *, margin, pullaway_weight, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.margin = float(margin)
        self.pullaway_weight = float(pullaway_weight)

    def energy(self, images, training=False):
        """(the batch's energy, D's codes of the images)."""
        reconstructions, codes = self.discriminator(images, training=training)
        return losses.reconstruction_energy(images, reconstructions), codes

    def discriminator_phase(self, real_images, real_labels):
        """D(x) + max(0, m - D(G(z))): reconstruct real images, fail on fakes."""
        batch_size = tf.shape(real_images)[0]
        with gan.statistics_frozen(self.generator):
            fake_images = self.generator(self.sample_latent(batch_size), training=True)
        fake_images = tf.stop_gradient(fake_images)
        real_energy, _ = self.energy(real_images, training=True)
        fake_energy, _ = self.energy(fake_images, training=True)
        loss = losses.energy_discriminator_loss(real_energy, fake_energy, self.margin)
        return loss, {"d_loss": loss, "energy_real": real_energy, "energy_fake": fake_energy}

    def generator_phase(self, real_images, real_labels):
        """D(G(z)) + w * PT(codes): low energy, and codes that point apart."""
        batch_size = tf.shape(real_images)[0]
        fake_images = self.generator(self.sample_latent(batch_size), training=True)
        with gan.statistics_frozen(self.discriminator):
            fake_energy, codes = self.energy(fake_images, training=True)
        pullaway = losses.pull_away_term(codes)
        loss = losses.energy_generator_loss(fake_energy) + self.pullaway_weight * pullaway
        return loss, {"g_loss": loss, "pullaway": pullaway}


def margin_for(config):
    """The configured margin, or the collection's max(1, batch_size / 64)."""
    return config.margin or max(1.0, config.batch_size / 64.0)


@registry.register("ebgan", "Energy-based GAN of the TwistedW collection (autoencoder D)")
def build(config):
    """The collection's EBGAN, compiled with two Adam optimizers."""
    model = EBGAN(
        networks.CollectionGenerator(config.width, seed=config.seed),
        networks.AutoencoderDiscriminator(config.width, code_norm_relu=False,
                                          seed=config.seed + 10),
        margin=margin_for(config), pullaway_weight=config.pullaway_weight,
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed)
    model.compile(*adam_pair(config))
    return model
