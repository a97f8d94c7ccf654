"""The MLP GAN of PyTorch-GAN, in Keras.

Source: eriklindernoren/PyTorch-GAN, implementations/gan/gan.py.
G: 100 -> 128 -> 256 -> 512 -> 1024 -> 784, LeakyReLU(0.2) after each hidden
Linear and BatchNorm1d on all but the first, tanh output. The source writes
`nn.BatchNorm1d(out_feat, 0.8)`: that sets eps = 0.8 (momentum stays 0.1, i.e.
Keras momentum 0.9; PyTorch-GAN issue #116); we keep the code's behaviour.
D: 784 -> 512 -> 256 -> 1 with LeakyReLU(0.2) and a sigmoid, here folded into
the cross-entropy on logits. Weights drawn as PyTorch's nn.Linear draws them
(U(+-1/sqrt(fan_in)) for kernels and biases). Binary cross-entropy with the
non-saturating generator loss; D's loss is the MEAN of its real and fake
terms, as in the source. Adam(2e-4, betas (0.5, 0.999)) for both, batch 64,
noise N(0, 1) with 100 dimensions, images in [-1, 1], 200 epochs.

The step is the source's: it generates one batch, updates G against D, then
updates D on the same (detached) images. D is unchanged by G's update, so
that is `GAN.simultaneous_step` (one forward pass, two tapes), which computes
the same two updates without running D on the fakes twice. With --d_steps
above 1 the model uses the alternating step. Difference: PyTorch's batch norm
tracks the unbiased batch variance, Keras the biased one (a factor 64/63 in
the moving variance).
"""

from tfgan_mnist import gan, losses, networks, registry
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)


class MLPGAN(gan.GAN):
    """The shared GAN step with PyTorch-GAN's halved D loss, on [-1, 1] images."""

    image_range = (-1.0, 1.0)
    noise = "normal"  # np.random.normal(0, 1, (batch, latent_dim))
    discriminator_loss = staticmethod(losses.averaged_minimax_discriminator_loss)
    simultaneous = True  # G's update, then D's on the same images: see the docstring


@registry.register("gan_mlp", "PyTorch-GAN's MLP GAN (BN generator 100-128-256-512-1024-784)")
def build(config):
    """PyTorch-GAN's gan.py, compiled with two Adam optimizers."""
    model = MLPGAN(
        networks.BatchNormMLPGenerator(config.z_dim, config.width, seed=config.seed,
                                       image_shape=image_shape(config)),
        networks.LeakyMLPDiscriminator(discriminator_width(config), seed=config.seed + 10,
                                       image_shape=image_shape(config)),
        latent_dim=config.z_dim, d_steps=config.d_steps, seed=config.seed,
        **model_arguments(config))
    model.compile(adam_pair(config))
    return model
