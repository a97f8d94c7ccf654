"""WGAN-GP: the Wasserstein losses with a gradient penalty instead of clipping.

Source: TwistedW/tensorflow-GANs WGAN_GP.py; Gulrajani et al. 2017. The
penalty lambda E[(|grad D(x_hat)| - 1)^2] is taken at x_hat = x + t (G(z) - x)
with ONE t ~ U[0, 1] per example, the norm over all pixels with an epsilon under
the root (the collection drew t per pixel and summed over one axis:
hwalsuklee issue #33 and PR #22). The critic keeps the collection's batch
norm (the paper advises against it) and runs on x_hat in training mode, as in
the collection. Defaults are the collection's: lambda 0.25, one critic
update per generator update; the paper's lambda 10 with 5 critic updates is
`--gp_weight=10 --d_steps=5`.
"""

import keras
import tensorflow as tf

from tfgan_mnist import gan, losses, registry
from tfgan_mnist.gan import LossTerm
from tfgan_mnist.variants.collection import CollectionGAN, build_collection


class WGANGP(CollectionGAN):
    """Wasserstein losses on raw critic outputs plus a per-example gradient penalty."""

    discriminator_loss = staticmethod(losses.wasserstein_discriminator_loss)
    generator_loss = staticmethod(losses.wasserstein_generator_loss)

    def __init__(self, *args, gp_weight=0.25, **kwargs):
        super().__init__(*args, **kwargs)
        self.gp_weight = gp_weight

    discriminator_score = staticmethod(gan.raw_score)

    def gradient_penalty(self, context):
        """The gradient penalty between this real batch and these samples."""
        weights = keras.random.uniform(tf.shape(context.real_images)[:1], seed=self.noise_seed)
        return losses.wasserstein_gradient_penalty(
            context.real_images, context.fake_images,
            lambda images: self.call_discriminator(images, context.labels, training=True),
            weights, group=self.pack)

    discriminator_terms = (LossTerm("gradient_penalty", gradient_penalty, weight="gp_weight"),)


@registry.register("wgan_gp", "Wasserstein GAN with a per-example gradient penalty")
def build(config):
    """The collection's WGAN-GP, compiled with Adam for critic and G."""
    return build_collection(WGANGP, config, gp_weight=config.gp_weight)
