"""SAGAN as the TwistedW/tensorflow-GANs collection trains it on MNIST.

Source: TwistedW/tensorflow-GANs SAGAN.py; method of Zhang, Goodfellow,
Metaxas and Odena, "Self-Attention Generative Adversarial Networks" (2018).
The collection's GAN (infoGAN's networks, sigmoid cross-entropy, the
non-saturating G loss) with one self-attention block in each network: in D
after the second conv block (7x7x128), in G after the 7x7x128 reshape. The
block (`networks.SelfAttention`) computes f, g (C/8 channels) and h (C
channels) with 4x4 convolutions, batch norm and ReLU, attends with a
softmax over the 49 positions, and adds gamma * attention output to its
input, gamma a trainable scalar starting at 0. Adam with beta1 0.5, D 2e-4,
G 1e-3; batch 64; noise U[-1, 1] with 62 dimensions; images in [0, 1];
25 epochs on MNIST, 40 on Fashion-MNIST (the collection's README values for
all its models).

Differences from the SAGAN paper, kept because they are the collection's:
4x4 convolutions with batch norm and ReLU in the attention block (the paper:
plain 1x1 convolutions), no spectral normalization, no hinge loss, no
two-timescale learning rates beyond the collection's 5x for G. Differences
from the source: the attention block's batch norms follow training/inference
mode (the source kept them in training mode when sampling); each phase draws
its own noise; a phase changes only its own network's batch-norm statistics.
Both gammas are logged, to show how much each network uses attention.
"""

import tensorflow as tf

from tfgan_mnist import gan, networks, registry
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)


class SAGAN(gan.GAN):
    """The shared GAN step (the collection's losses) with attention in G and D."""

    step_log_names = ("g_attention_gamma", "d_attention_gamma")

    def after_generator_update(self, logs):
        """Add the two attention gammas to the step's logs."""
        return {**logs,
                "g_attention_gamma": tf.identity(self.generator.attention.gamma.value),
                "d_attention_gamma": tf.identity(self.discriminator.attention.gamma.value)}


@registry.register("sagan", "Self-attention GAN of the TwistedW collection")
def build(config):
    """The collection's SAGAN, compiled with two Adam optimizers."""
    model = SAGAN(
        networks.CollectionGenerator(config.width, attention=True, seed=config.seed,
                                     image_shape=image_shape(config)),
        networks.CollectionDiscriminator(discriminator_width(config), attention=True,
                                         seed=config.seed + 10),
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed,
        **model_arguments(config))
    model.compile(adam_pair(config))
    return model
