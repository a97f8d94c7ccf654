"""BEGAN as the TwistedW/tensorflow-GANs collection trains it on MNIST, with k clipped.

Source: TwistedW/tensorflow-GANs BEGAN.py (forked from
hwalsuklee/tensorflow-generative-model-collections); method of Berthelot,
Schumm and Metz, "BEGAN: Boundary Equilibrium Generative Adversarial
Networks" (2017).
D is an autoencoder, "(64)4c2s-FC32_BR-FC64*14*14_BR-(1)4dc2s_S" (batch norm
and ReLU on the 32-unit code, unlike EBGAN's), and L(.) is its reconstruction
error (`losses.reconstruction_energy`, the collection's batch L2 norm / batch
size; the paper uses a pixel-wise L1 loss). With the control variable k:
    L_D = L(x) - k * L(G(z)),    L_G = L(G(z)),
    k <- clip(k + lambda_k * (gamma * L(x) - L(G(z))), 0, 1),
gamma = 0.75, lambda_k = 0.001, k starting at 0. k steers the game towards
E[L(G(z))] = gamma * E[L(x)]; M = L(x) + |gamma * L(x) - L(G(z))| measures
convergence (it falls as training goes well). Both are logged.
G is the collection's generator (FC 1024 - FC 7x7x128 - deconv 64 - deconv 1,
sigmoid). Adam with beta1 0.5, D 2e-4, G 1e-3; batch 64; noise U[-1, 1] with
62 dimensions; images in [0, 1]; 25 epochs on MNIST, 40 on Fashion-MNIST.

k belongs to the step, not to a phase: neither the D nor the G update moves
it; `after_generator_update` does, once per step, from the step's L(x) (D's
phase) and L(G(z)) (G's phase, the paper's L(G(z_G))). It is a non-trainable
variable of the model, so checkpoints hold it.

Differences from the source: k is clipped to [0, 1] as the paper says (the
collection forgot; fixed upstream in hwalsuklee PR #16); k is updated from
the losses the step already computed, where the collection ran a third
forward pass that also moved D's and G's batch-norm statistics; each phase
draws its own noise.
"""

import keras
import tensorflow as tf

from tfgan_mnist import gan, losses, networks, registry
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)


class BEGAN(gan.GAN):
    """The shared GAN step with an autoencoder D and BEGAN's equilibrium control k."""

    packing_refusal = "its discriminator is an autoencoder that reconstructs each image"

    score_names = ("energy_real", "energy_fake")  # D's outputs are its energies
    step_log_names = ("k", "convergence")
    generator_loss = staticmethod(losses.energy_generator_loss)

    def __init__(self, generator, discriminator, *, gamma, k_learning_rate, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.gamma = float(gamma)
        self.k_learning_rate = float(k_learning_rate)
        self.k = keras.Variable(0.0, dtype="float32", trainable=False, name="k")

    def energy(self, images, training=False):
        """L(images): the autoencoder's reconstruction error on the batch."""
        reconstructions, _ = self.discriminate(self.discriminator, images, training)
        return losses.reconstruction_energy(images, reconstructions)

    def discriminator_outputs(self, images, labels, training=False):
        """The energy L of the batch: what BEGAN's losses read of its discriminator."""
        return self.energy(images, training=training)

    discriminator_score = staticmethod(gan.raw_score)

    def discriminator_loss(self, real_energy, fake_energy):
        """L(x) - k * L(G(z)) with the current k."""
        return losses.boundary_equilibrium_discriminator_loss(real_energy, fake_energy, self.k)

    def after_generator_update(self, logs):
        """Move k towards equilibrium from this step's L(x) and L(G(z)); log k and M."""
        real_energy, fake_energy = logs["energy_real"], logs["g_loss"]
        self.k.assign(losses.boundary_equilibrium_k_update(
            self.k, real_energy, fake_energy, self.gamma, self.k_learning_rate))
        convergence = losses.boundary_equilibrium_convergence(real_energy, fake_energy,
                                                              self.gamma)
        return {**logs, "k": tf.identity(self.k.value), "convergence": convergence}


@registry.register("began", "Boundary-equilibrium GAN of the TwistedW collection, k clipped")
def build(config):
    """The collection's BEGAN, compiled with two Adam optimizers."""
    model = BEGAN(
        networks.CollectionGenerator(config.width, seed=config.seed,
                                     image_shape=image_shape(config)),
        networks.AutoencoderDiscriminator(discriminator_width(config), code_norm_relu=True,
                                          seed=config.seed + 10, image_shape=image_shape(config)),
        gamma=config.diversity_ratio, k_learning_rate=config.k_learning_rate,
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed,
        **model_arguments(config))
    model.compile(adam_pair(config))
    return model
