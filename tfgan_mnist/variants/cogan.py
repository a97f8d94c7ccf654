"""The coupled GAN (Liu and Tuzel, 2016) as the TF1 tutorial builds it: two MLP GANs sharing weights.

Sources: wiseodd/generative-models GAN/coupled_gan/cogan_tensorflow.py (@84161a1) and
cogan_pytorch.py beside it, the same networks and step. They differ in the noise: the
TensorFlow file draws z ~ U(-1, 1) of 10 dimensions (this class's default noise), the
PyTorch file z ~ N(0, 1) of 100. `configs/cogan.flags` follows the PyTorch file
(`--z_dim=100 --noise=normal`), `configs/cogan_tf.flags` the TensorFlow one. With z of 10
the two domains stopped sharing their digit (pairs read as one digit about 7% of the time,
below chance, one run scored outside the package); with z of 100, at 20,000 steps over 3
seeds, 22% ± 3% for the PyTorch file and 18% ± 7% for ours (its trained weights; 15% with
the averaged ones), which the seeds do not tell apart (docs/fidelity.md).

- Generators: a shared first layer z -> 128 (ReLU), then a private output
  layer each, 128 -> 784 (sigmoid). G1 and G2 get the same z, so a pair
  G1(z), G2(z) shows one digit in both domains.
- Discriminators: a private first layer each, 784 -> 128 (ReLU), then a
  shared last layer 128 -> 1. Sharing the generators' first (high-level)
  layers and the discriminators' last ones is what couples the two GANs.
- Losses: the sum over domains of the usual sigmoid cross-entropy GAN losses
  (non-saturating G loss); the tutorial computes them from probabilities
  with an epsilon, we from logits.
- Shared layers: each shared variable receives the gradient of the *sum* of
  both domains' losses, and, as the tutorial does ("Average by halfing the
  shared gradients"), that gradient is multiplied by 1/2 before the update,
  so the shared layers get the average of the two domains' gradients. Both
  networks of a pair are updated by one optimizer in one step.
- z ~ U(-1, 1), z_dim 10 (TensorFlow file; PyTorch file: N(0, 1), 100), Adam 1e-3
  (0.9, 0.999), 32 images per domain, Xavier-normal weights, zero biases (the PyTorch
  file: PyTorch's default initialisation); D then G each iteration, both from one z:
  both files feed G's update the z_mb (z) that D's update used (`train_step` draws it
  once; `one_noise_per_iteration`).

Domains: both come from one dataset split once into two disjoint halves, as
the tutorial does (`X_train[:half]`, and `X_train[half:]` rotated): the
trainer's `pipeline.DomainHalvesSampler` draws domain 1 from one half and
domain 2 from the other, interleaved in each batch (1, 2, 1, 2, ...), so no
image is ever seen in both domains. `second_domain_images` turns the images
drawn for domain 2 into domain 2: by --second_domain,
the image rotated 90 degrees (the tutorial's choice), its negative 1 - x
(the paper's digit-negative task) or its edges (3x3 dilation minus the
image: mingyuliutw/CoGAN's MNIST-edge preparation).

The generator pair is two Keras models holding the *same* trunk layer
object, so the shared weights exist once; `tests/test_cogan.py` checks that
and that each generator uses its own head.
"""

import threading

import numpy as np
import tensorflow as tf

from tfgan_mnist import losses, multiphase, registry, summaries
from tfgan_mnist.gan import BUILD_BATCH, statistics_frozen
from tfgan_mnist.config import SECOND_DOMAINS, ConfigError
from tfgan_mnist.networks import (ConvCoupledGenerators, CoupledGenerators,
                                  coupled_discriminators, shared_variables)
from tfgan_mnist.variants.common import (adam_pair, discriminator_width,
                                         image_shape, model_arguments)


def inverse_second_domain(images, kind):
    """Domain-1 versions of domain-2 images where the transform has an inverse, else None.

    rotate: 90 degrees clockwise; negative: 1 - x; edges: none (an outline
    does not say how thick the stroke was).
    """
    images = tf.convert_to_tensor(images, tf.float32)
    if kind == "rotate":
        return tf.transpose(tf.reverse(images, axis=[1]), [0, 2, 1, 3])
    if kind == "negative":
        return 1.0 - images
    if kind == "edges":
        return None
    raise ValueError(f"unknown second domain {kind!r}; valid: {', '.join(SECOND_DOMAINS)}")


def pixel_agreement(first, second, kind, threshold=0.5):
    """The CoGAN paper's pair measure: the fraction of pixels where domain-1 images, carried
    into domain 2 by the task's transform, and domain-2 images agree after thresholding.

    `first` and `second` are (n, H, W, C) in [0, 1], pairs from the same codes.
    """
    expected = second_domain_images(first, kind)
    return float(tf.reduce_mean(tf.cast(
        (expected > threshold) == (tf.convert_to_tensor(second, tf.float32) > threshold),
        tf.float32)))


def second_domain_images(images, kind):
    """Domain-2 versions of domain-1 images in [0, 1], shaped (n, H, W, C).

    rotate: 90 degrees counter-clockwise (as np.rot90 and scipy's rotate(90));
    negative: 1 - x; edges: grey dilation with a 3x3 square minus the image,
    which is what cv2.dilate(img, ones((3, 3))) - img computes.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    if kind == "rotate":
        # np.rot90: transpose, then flip the rows (tf.image.rot90 adds shape asserts to the graph).
        return tf.reverse(tf.transpose(images, [0, 2, 1, 3]), axis=[1])
    if kind == "negative":
        return 1.0 - images
    if kind == "edges":
        dilated = tf.nn.max_pool2d(images, ksize=3, strides=1, padding="SAME")
        return dilated - images
    raise ValueError(f"unknown second domain {kind!r}; valid: {', '.join(SECOND_DOMAINS)}")


def check_second_domain(config):
    """A ConfigError where --second_domain cannot be made from the dataset's images."""
    height, width, _ = image_shape(config)
    if config.second_domain == "rotate" and height != width:
        raise ConfigError("second_domain", "rotate", f"a rotated image keeps its shape only "
                          f"if it is square; {config.dataset}'s are {height}x{width} (give "
                          "negative or edges)")


class CoGAN(multiphase.MultiPhaseModel):
    """Two GANs, one per domain, with tied generator trunks and discriminator tops."""

    packing_refusal = None  # each domain's discriminator packs that domain's images

    noise = "uniform"
    image_range = (0.0, 1.0)
    shared_gradient_scale = 0.5  # the tutorial's halving: shared layers see the domains' mean
    domain_halves = True  # the trainer draws domain 1 and domain 2 from disjoint halves
    one_noise_per_iteration = True  # G's update reuses the z of D's (both tutorial files)

    def __init__(self, generators, discriminators, *, latent_dim, second_domain="rotate",
                 seed=None, name=None, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, name=name, **kwargs)
        if isinstance(generators, (CoupledGenerators, ConvCoupledGenerators)):
            self.generators = generators  # one network for sampling and export
            generators = (generators.generator_1, generators.generator_2)
        self.generator_1, self.generator_2 = generators
        self.discriminator_1, self.discriminator_2 = discriminators
        if second_domain not in SECOND_DOMAINS:
            raise ValueError(f"unknown second domain {second_domain!r}")
        self.second_domain = second_domain
        # the z of the iteration being traced; per thread, as MirroredStrategy traces each
        # replica's step in its own thread (not a Keras attribute: nothing to track)
        object.__setattr__(self, "_iteration", threading.local())

    def build_networks(self):
        z = tf.zeros((1, self.latent_dim))
        self.generator_1(z)
        self.generator_2(z)
        images = tf.zeros((BUILD_BATCH, *self.image_shape))
        self.discriminate(self.discriminator_1, images)
        self.discriminate(self.discriminator_2, images)

    def define_phases(self, optimizers):
        return [
            multiphase.Phase("discriminator", self.discriminator_loss, "d_optimizer",
                             optimizers["d_optimizer"],
                             (self.discriminator_1, self.discriminator_2),
                             logs=("d1_loss", "d2_loss"), total="d_loss"),
            multiphase.Phase("generator", self.generator_loss, "g_optimizer",
                             optimizers["g_optimizer"], (self.generator_1, self.generator_2),
                             logs=("g1_loss", "g2_loss"), total="g_loss"),
        ]

    def train_step(self, data):
        """D's update, then G's: from one z where `one_noise_per_iteration`, else each its own."""
        images, _ = self.unpack_batch(data)
        self._iteration.z = (self.draw_noise(tf.shape(images)[0] // 2)
                             if self.one_noise_per_iteration else None)
        try:
            return super().train_step(data)
        finally:
            self._iteration.z = None

    def iteration_noise(self, count):
        """The iteration's z inside `train_step` (see there), else `count` fresh codes."""
        z = getattr(self._iteration, "z", None)
        return self.draw_noise(count) if z is None else z

    def phase_gradients(self, phase, images, labels):
        """The phase's gradients, with the shared variables' ones halved (see module docstring)."""
        gradients, logs = super().phase_gradients(phase, images, labels)
        shared = {id(v) for v in shared_variables(*phase.networks)}
        gradients = [self.shared_gradient_scale * g if id(v) in shared else g
                     for g, v in zip(gradients, phase.variables)]
        return gradients, logs

    # ----- data and sampling ---------------------------------------------------

    def split_domains(self, images):
        """(domain-1 batch, domain-2 batch): the sampler interleaves them, 1, 2, 1, 2, ..."""
        return images[0::2], second_domain_images(images[1::2], self.second_domain)

    def call(self, inputs, training=False):
        """`model(z)` is domain 1's images; `generate_pair(z)` gives both domains."""
        return self.generate_pair(inputs, training=training)[0]

    def trained_network(self):
        """The Keras network from z to both domains' images (a `.keras` export holds it)."""
        network = getattr(self, "generators", None)
        if network is None:
            raise ValueError("a CoGAN built from two separate generators has no single "
                             "network to export; build it from CoupledGenerators")
        return network

    def generate_pair(self, z, training=False):
        """(G1(z), G2(z)): the same code drawn in both domains.

        Outside training, from `sampling_network()` (standing statistics, else
        averaged weights, where the model has them).
        """
        if not training:
            try:
                return self.sampling_network()(z, training=False)
            except ValueError:  # two separate generators: no single network
                pass
        return self.pair_in_training(z, training)

    def pair_in_training(self, z, training=True):
        """(G1(z), G2(z)) from the trained generators."""
        return self.generator_1(z, training=training), self.generator_2(z, training=training)

    def generate(self, latent):
        """(domain-1 images, domain-2 images) for codes `latent`."""
        return self.generate_pair(latent)

    def pictures(self):
        return {"pairs": summaries.Picture(
            self.pairs_figure, ("rows", "seed"), "the two domains from the same noise")}

    def pairs_figure(self, rows=8, seed=0):
        """`rows` codes, each drawn in domain 1 (left) and domain 2 (right)."""
        first, second = self.generate_pair(self.draw_noise(rows, seed))
        images = tf.stack([self.to_uint8(first), self.to_uint8(second)], axis=1)
        return summaries.Figure(tf.reshape(images, [2 * rows, *self.image_shape]).numpy(), rows, 2,
                                col_labels=["domain 1", "domain 2"])

    # ----- losses ----------------------------------------------------------------

    domain_weight = 1.0  # each domain's loss's weight in a phase's total

    def extra_terms(self, networks, prefix):
        """Terms a phase adds for its `networks` ({name: (weight, value)}); none here."""
        return {}

    def discriminator_loss(self, images, labels):
        """Terms D1 loss and D2 loss: each D tells its real domain from its generator's images."""
        real_1, real_2 = self.split_domains(images)
        # G in training mode, its batch-norm statistics kept (the trunk is in both: harmless)
        with statistics_frozen(self.generator_1), statistics_frozen(self.generator_2):
            fake_1, fake_2 = self.generate_pair(self.iteration_noise(tf.shape(real_1)[0]),
                                                training=True)
        d1_loss = losses.minimax_discriminator_loss(
            self.discriminate(self.discriminator_1, real_1, training=True),
            self.discriminate(self.discriminator_1, tf.stop_gradient(fake_1), training=True))
        d2_loss = losses.minimax_discriminator_loss(
            self.discriminate(self.discriminator_2, real_2, training=True),
            self.discriminate(self.discriminator_2, tf.stop_gradient(fake_2), training=True))
        return {"d1_loss": (self.domain_weight, d1_loss), "d2_loss": (self.domain_weight, d2_loss),
                **self.extra_terms((self.discriminator_1, self.discriminator_2), "d")}, {}

    def generator_loss(self, images, labels):
        """Terms G1 loss and G2 loss: both generators from the same z."""
        fake_1, fake_2 = self.generate_pair(self.iteration_noise(tf.shape(images)[0] // 2),
                                            training=True)
        g1_loss = losses.modified_generator_loss(
            self.discriminate(self.discriminator_1, fake_1, training=True))
        g2_loss = losses.modified_generator_loss(
            self.discriminate(self.discriminator_2, fake_2, training=True))
        return {"g1_loss": (self.domain_weight, g1_loss), "g2_loss": (self.domain_weight, g2_loss),
                **self.extra_terms((self.generator_1, self.generator_2), "g")}, {}

    # ----- figures ---------------------------------------------------------------

    def figures(self, grid_size):
        """"pairs": G1(z) and G2(z) side by side for fixed z; "domains": real examples."""
        pairs_per_row = max(1, grid_size // 2)
        z = self.grid_latent(grid_size, pairs_per_row)
        images_1, images_2 = self.generate_pair(z)
        interleaved = tf.reshape(tf.stack([images_1, images_2], axis=1), [-1, *self.image_shape])
        figures = {"pairs": summaries.Figure(
            self.to_uint8(interleaved).numpy(), grid_size, 2 * pairs_per_row,
            col_labels=["domain 1", "domain 2"] * pairs_per_row)}
        if self.reference_images is not None:
            real, _ = self.reference_images
            real = real[:2 * pairs_per_row]
            both = np.concatenate([real, second_domain_images(real, self.second_domain).numpy()])
            figures["domains"] = summaries.Figure(
                self.to_uint8(both).numpy(), 2, len(real), row_labels=["domain 1", "domain 2"])
        return figures


@registry.register("cogan", "Coupled GAN of the TF1 tutorial (MLPs, shared G trunk and D top)")
def build(config):
    """CoGAN; --batch_size counts both domains (half each); --second_domain picks domain 2."""
    check_second_domain(config)
    hidden_units = max(1, round(128 * config.width))
    model = CoGAN(CoupledGenerators(hidden_units, seed=config.seed,
                                    image_shape=image_shape(config)),
                  coupled_discriminators(max(1, round(128 * discriminator_width(config))),
                                         seed=config.seed + 10),
                  latent_dim=config.z_dim, second_domain=config.second_domain, seed=config.seed,
                  **model_arguments(config))
    model.compile(adam_pair(config))
    return model
