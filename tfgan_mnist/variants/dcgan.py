"""DCGAN as the TensorFlow tutorial trains it on MNIST.

Source: tensorflow/docs, site/en/tutorials/generative/dcgan.ipynb.
G: Dense 7*7*256 (no bias), BN, LeakyReLU; ConvT 128 5x5 stride 1; ConvT 64
5x5 stride 2; ConvT 1 5x5 stride 2 with tanh; batch norm and LeakyReLU
between, no biases. D: Conv 64 5x5 stride 2, LeakyReLU, Dropout 0.3; Conv 128
5x5 stride 2, LeakyReLU, Dropout 0.3; Dense 1 (a logit). Keras defaults
elsewhere (glorot-uniform kernels, BN momentum 0.99 and epsilon 1e-3,
LeakyReLU slope 0.3). Losses: sigmoid cross-entropy summed over the real and
fake terms for D, the non-saturating loss for G. Adam(1e-4) for both with
Keras' default betas, batch 256, noise N(0, 1) with 100 dimensions, images in
[-1, 1], 50 epochs.

The step is the tutorial's `train_step` (`GAN.simultaneous_step`): one
forward pass (G on fresh noise, D on the real and the generated batch) under
two tapes, then each optimizer applies its network's gradients, so G is
updated against D as it was before D's update. With --d_steps above 1 the
model falls back to the alternating step: D updates, each on its own slice of
the batch, then one G update.
"""

from tfgan_mnist import gan, networks, registry
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)


class DCGAN(gan.GAN):
    """The tutorial's losses (the GAN defaults) on [-1, 1] images, with its simultaneous step."""

    image_range = (-1.0, 1.0)
    noise = "normal"  # tf.random.normal([BATCH_SIZE, noise_dim])

    simultaneous = True  # the tutorial's train_step: see GAN.simultaneous_step


@registry.register("dcgan", "DCGAN of the TensorFlow tutorial (Dense-ConvT x3 / Conv x2-Dense)")
def build(config):
    """The tutorial's DCGAN, compiled with two Adam optimizers."""
    model = DCGAN(
        networks.DCGANGenerator(config.width, seed=config.seed, image_shape=image_shape(config)),
        networks.DCGANDiscriminator(discriminator_width(config), seed=config.seed + 10),
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed,
        **model_arguments(config))
    model.compile(adam_pair(config))
    return model
