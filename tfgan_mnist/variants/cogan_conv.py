"""The coupled GAN as Liu and Tuzel built it for MNIST: convolutional, two tasks.

Sources: Liu and Tuzel, "Coupled Generative Adversarial Networks" (NIPS 2016),
and its official code, mingyuliutw/CoGAN: cogan_pytorch/src/
net_cogan_mnistedge.py (networks), trainer_cogan_mnistedge.py (losses and
optimizers), dataset_mnistedge.py (data), exps/mnistedge_cogan.yaml (batch,
iterations); the Caffe solver (cogan/models/mnist.edge.cogan/) has the same
Adam settings and weight decay.

- G (`networks.ConvCoupledGenerators`): z (100, N(0, 1)) -> 1024 x 4 x 4 ->
  512 x 7 x 7 -> 256 x 13 x 13 -> 128 x 25 x 25 (transposed convs, batch norm
  without scale or offset, PReLU), all shared; one transposed conv 6x6 and a
  sigmoid per domain gives 28 x 28. The trunk runs once for both domains.
- D (`networks.conv_coupled_discriminators`): conv 20 5x5 + max-pool per
  domain; shared conv 50 5x5 + max-pool, conv 500 4x4 (dense) + PReLU, one
  logit. No batch norm.
- Losses: sigmoid cross-entropy on the logit; each domain's loss gets weight
  1/2 (the official code takes one mean over both domains' batches);
  non-saturating G loss (its G is trained to make D say "true"). Shared
  layers get the sum of both domains' gradients as the official code's one
  network does (no halving, unlike the tutorial's `cogan`).
- Adam 2e-4 (0.5, 0.999) for both networks, and PyTorch's `weight_decay`
  5e-4: an L2 term 5e-4/2 * sum(w^2) over every trainable variable of the
  phase's networks, so 5e-4 * w joins each gradient before Adam (as
  torch.optim.Adam's coupled weight decay does; Keras' `weight_decay` is the
  decoupled AdamW kind). Logged as d_weight_decay and g_weight_decay.
- Data: the training set is split once into two fixed halves (a seeded
  permutation); domain 1 is drawn from the first, domain 2 from the second
  after the task's transform, so no image is ever in both domains
  (`pipeline.DomainHalvesSampler`). The official code prepares the halves
  the same way. --second_domain picks the task: edges (the paper's and the
  official code's), negative (the paper's other digit task) or rotate.

The paper's widths (--width=1) cost 180 GFLOP a step of 64 + 64 images,
a second or two a step on a 2-core CPU. The config trains at --width=0.25
(11 GFLOP a step); see configs/cogan_conv.flags.
"""

import tensorflow as tf

from tfgan_mnist import multiphase, registry
from tfgan_mnist.networks import ConvCoupledGenerators, conv_coupled_discriminators
from tfgan_mnist.variants import cogan
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)

WEIGHT_DECAY = 5e-4  # the official PyTorch trainer's and Caffe solver's


def l2_penalty(networks, decay):
    """decay / 2 * the sum of squares of the networks' trainable variables (each once)."""
    variables = multiphase.unique_variables(v for n in networks for v in n.trainable_variables)
    return 0.5 * decay * tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, tf.float32)))
                                   for v in variables])


class ConvCoGAN(cogan.CoGAN):
    """The paper's CoGAN: conv networks, disjoint halves of the data, weight decay."""

    noise = "normal"
    one_noise_per_iteration = False  # the official trainer draws G's noise anew
    shared_gradient_scale = 1.0  # one network in the official code: the domains' sum
    domain_weight = 0.5  # the official code's one mean over both domains' batches

    def __init__(self, generators, discriminators, *, weight_decay=WEIGHT_DECAY, **kwargs):
        super().__init__(generators, discriminators, **kwargs)
        self.weight_decay = weight_decay

    def define_phases(self, optimizers):
        discriminator, generator = super().define_phases(optimizers)
        discriminator.logs = (*discriminator.logs, "d_weight_decay")
        generator.logs = (*generator.logs, "g_weight_decay")
        return [discriminator, generator]

    def pair_in_training(self, z, training=True):
        """(G1(z), G2(z)) from one pass of the shared trunk."""
        return self.generators(z, training=training)

    def extra_terms(self, networks, prefix):
        """The L2 weight decay of the phase's networks, logged as d_ or g_weight_decay."""
        return {f"{prefix}_weight_decay": (1.0, l2_penalty(networks, self.weight_decay))}


@registry.register("cogan_conv", "Coupled GAN of the CoGAN paper (conv nets, disjoint halves, "
                                 "edges/negative tasks)")
def build(config):
    """The paper's CoGAN; --batch_size counts both domains (half each), --width scales it."""
    cogan.check_second_domain(config)
    model = ConvCoGAN(ConvCoupledGenerators(config.width, seed=config.seed,
                                            image_shape=image_shape(config)),
                      conv_coupled_discriminators(discriminator_width(config), seed=config.seed + 10),
                      latent_dim=config.z_dim, second_domain=config.second_domain,
                      weight_decay=config.weight_decay, seed=config.seed,
                      **model_arguments(config))
    model.compile(adam_pair(config))
    return model
