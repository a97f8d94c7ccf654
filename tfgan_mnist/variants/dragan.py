"""DRAGAN: the GAN losses with a gradient penalty around the real data.

Source: TwistedW/tensorflow-GANs DRAGAN.py; Kodali et al. 2017. Each real
batch x is perturbed to x_p = x + 0.5 std(x) u, u ~ U[0, 1) per pixel and
std(x) the batch's scalar standard deviation (the collection's
get_perturbed_batch); the penalty lambda E[(|grad D(x_hat)| - 1)^2], lambda
0.25, is taken at x_hat = x + t (x_p - x) with one t ~ U[0, 1] per example
(the collection: one per pixel), on D's raw output (the collection
differentiated its sigmoid). The collection trained D at 1e-3 like G.
"""

import keras
import tensorflow as tf

from tfgan_mnist import losses, registry
from tfgan_mnist.gan import LossTerm
from tfgan_mnist.variants.collection import CollectionGAN, build_collection


def perturb(images, seed=None):
    """x + 0.5 * std(x) * U[0, 1): DRAGAN's one-sided perturbation of a batch."""
    noise = keras.random.uniform(tf.shape(images), 0.0, 1.0, seed=seed)
    return images + 0.5 * tf.math.reduce_std(images) * noise


class DRAGAN(CollectionGAN):
    """Sigmoid cross-entropy GAN losses plus the DRAGAN penalty in D's phase."""

    def __init__(self, *args, gp_weight=0.25, **kwargs):
        super().__init__(*args, **kwargs)
        self.gp_weight = gp_weight

    def gradient_penalty(self, context):
        """The gradient penalty around the perturbed real batch (the samples are unused)."""
        real_images = context.real_images
        weights = keras.random.uniform(tf.shape(real_images)[:1], seed=self.noise_seed)
        return losses.dragan_gradient_penalty(
            real_images, perturb(real_images, self.noise_seed),
            lambda images: self.call_discriminator(images, context.labels, training=True),
            weights, group=self.pack)

    discriminator_terms = (LossTerm("gradient_penalty", gradient_penalty, weight="gp_weight"),)


@registry.register("dragan", "DRAGAN: GAN with a gradient penalty around perturbed data")
def build(config):
    """The collection's DRAGAN, compiled with Adam for D and G."""
    return build_collection(DRAGAN, config, gp_weight=config.gp_weight)
