"""The vanilla GAN of the TF1 tutorials, unchanged in substance.

Source: wiseodd/generative-models, GAN/vanilla_gan/gan_tensorflow.py.
D 784-128-1 and G 100-128-784 MLPs with ReLU hidden layers, Xavier-style
normal initialisation, noise U[-1, 1], sigmoid cross-entropy with the
non-saturating generator loss, Adam at its defaults, batch 128, images in
[0, 1]. The tutorial runs 1,000,000 iterations; our config runs 10,000,
enough for recognizable digits.

Against the tutorial's own graph (`tools/fidelity.py`, docs/fidelity.md: 20,000 steps,
3 seeds, 10,000 samples each) ours scores FD 23.9 ± 0.17 and the tutorial 28.5 ± 1.9.
The difference that is kept is the averaged generator (--ema_decay 0.999), which every
score of the package samples from and the tutorial does not have: with the trained
weights (`python -m tfgan_mnist.evaluate --raw_weights`) ours scores 26.3 ± 0.34, which
the tutorial's seeds do not tell apart from its 28.5 (Welch's t = 1.9, about 2 degrees of
freedom).
"""

from tfgan_mnist import gan, networks, registry
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)


class VanillaGAN(gan.GAN):
    """The shared GAN step with the tutorial's losses (the GAN defaults)."""


@registry.register("vanilla_gan", "MLP GAN of the TF1 tutorials (784-128-1 / 100-128-784)")
def build(config):
    """Vanilla MLP GAN, compiled with two Adam optimizers."""
    hidden_units = max(1, round(128 * config.width))
    model = VanillaGAN(
        networks.MLPGenerator(hidden_units, seed=config.seed, image_shape=image_shape(config)),
        networks.MLPDiscriminator(max(1, round(128 * discriminator_width(config))),
                                  seed=config.seed + 10),
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed,
        **model_arguments(config))
    model.compile(adam_pair(config))
    return model
