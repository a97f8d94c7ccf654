"""WGAN: a critic with clipped weights and the Wasserstein losses.

Source: TwistedW/tensorflow-GANs WGAN.py; Arjovsky et al. 2017. Losses on the
critic's RAW output (the collection's version used the sigmoid output).
After every critic update each of its weights, batch-norm scale and offset
included (as in both the collection and the paper's code), is clipped to
[-clip_value, clip_value], clip_value 0.01. `--d_steps` critic updates per
generator update, each on its own real batch: the collection used 1 with
Adam (D 2e-4, G 1e-3, beta1 0.5); the paper used 5 with RMSProp at 5e-5.
"""

import tensorflow as tf

from tfgan_mnist import gan, losses, registry
from tfgan_mnist.variants.collection import CollectionGAN, build_collection


class WGAN(CollectionGAN):
    """Wasserstein losses on raw critic outputs; weights clipped after each critic update."""

    discriminator_loss = staticmethod(losses.wasserstein_discriminator_loss)
    generator_loss = staticmethod(losses.wasserstein_generator_loss)

    def __init__(self, *args, clip_value=0.01, **kwargs):
        super().__init__(*args, **kwargs)
        self.clip_value = clip_value

    discriminator_score = staticmethod(gan.raw_score)

    def after_discriminator_update(self):
        """Clip every trainable critic variable to [-clip_value, clip_value]."""
        for variable in self.d_variables:
            variable.assign(tf.clip_by_value(variable, -self.clip_value, self.clip_value))


@registry.register("wgan", "Wasserstein GAN with weight clipping")
def build(config):
    """The collection's WGAN, compiled with Adam for critic and G."""
    return build_collection(WGAN, config, clip_value=config.clip_value)
