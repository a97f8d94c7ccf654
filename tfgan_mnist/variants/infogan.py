"""infoGAN: a GAN whose generator's codes must be readable from its images.

Source: TwistedW/tensorflow-GANs infoGAN.py; Chen et al. 2016 (arXiv
1606.03657) for the unsupervised setting. G reads [z, c] with a 10-way
categorical code and 2 continuous codes U[-1, 1] (74 dims); a Q head
FC64_BL-FC12 on D's 1024-d features predicts them from generated images:
softmax cross-entropy on the first 10 logits, squared error on the last 2
RAW outputs (the collection read them from a softmax over all 12 logits,
which cannot reach [-1, 1]: hwalsuklee issue #21). Weights 1 and 1, as flags.

Supervised (`--info_supervised`, the collection's default): the categorical
code is the real batch's label. Unsupervised (the paper): it is drawn
uniformly. Either way Q reads only generated images and D never sees a
label (as in the collection), so "supervised" only gives the code the
labels' frequencies: which code value becomes which digit is discovered, not
taught. A 450-step MNIST run mapped the 10 codes to 10 distinct digits in a
permuted order, and one continuous code to width and slant.

Which variables the information loss updates: the collection minimized it
with a third Adam (lr 1e-3) over D, Q and G. Here it is added to both
phases: D's phase minimizes GAN loss + info loss over D and Q (lr 2e-4), G's
phase minimizes GAN loss + info loss over G (lr 1e-3). Same variables, and
each phase still changes only its own network.
"""

import keras
import numpy as np
import tensorflow as tf

from tfgan_mnist import losses, networks, registry, summaries
from tfgan_mnist.gan import LossTerm
from tfgan_mnist.variants.collection import (ConditionalCollectionGAN, _other_seed,
                                             build_collection, class_accuracy)
from tfgan_mnist.variants.common import num_classes

NUM_CONTINUOUS = 2
Q_UNITS = 64  # infoGAN.py: linear(x, 64, scope='c_fc1'), "reduced by half"
SWEEP_STEPS = 10  # columns of a continuous-code sweep, from -1 to 1


class InfoGAN(ConditionalCollectionGAN):
    """GAN losses plus the mutual-information penalty of the codes, in both phases."""

    def __init__(self, *args, supervised=True, categorical_weight=1.0,
                 continuous_weight=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.supervised = supervised
        self.categorical_weight = categorical_weight
        self.continuous_weight = continuous_weight

    # ----- codes ----------------------------------------------------------

    def generator_inputs(self, noise, labels, continuous=None):
        """[noise, one_hot(categorical code), continuous codes (zeros when None)]."""
        if continuous is None:
            continuous = tf.zeros((tf.shape(noise)[0], NUM_CONTINUOUS), noise.dtype)
        return tf.concat([super().generator_inputs(noise, labels), continuous], axis=1)

    def sample_latent(self, batch_size, labels=None, seed=None):
        """Noise, the categorical code (`labels`, or uniform when None) and U[-1, 1] codes."""
        noise = self.draw_noise(batch_size, seed)
        if labels is None:
            labels = self.random_labels(batch_size, _other_seed(seed))
        seed = self.noise_seed if seed is None else _other_seed(seed, 2)
        continuous = keras.random.uniform((batch_size, NUM_CONTINUOUS), -1.0, 1.0, seed=seed)
        return self.generator_inputs(noise, labels, continuous)

    def split_codes(self, generator_inputs):
        """(one-hot categorical code, continuous codes) of generator inputs."""
        codes = generator_inputs[:, self.latent_dim:]
        return codes[:, :self.num_classes], codes[:, self.num_classes:]

    def information_losses(self, generator_inputs, q_outputs):
        """(weighted info loss, categorical part, continuous part, categorical accuracy)."""
        one_hot, continuous = self.split_codes(generator_inputs)
        categorical_logits = q_outputs[:, :self.num_classes]
        continuous_predictions = q_outputs[:, self.num_classes:]  # raw: the codes are in [-1, 1]
        categorical = losses.categorical_mutual_information_penalty(one_hot, categorical_logits)
        continuous_loss = losses.continuous_mutual_information_penalty(
            continuous, continuous_predictions)
        total = (self.categorical_weight * categorical
                 + self.continuous_weight * continuous_loss)
        accuracy = class_accuracy(categorical_logits, tf.argmax(one_hot, axis=-1))
        return total, categorical, continuous_loss, accuracy

    def code_labels(self, labels):
        """Supervised: the real batch's labels are the categorical code; else drawn uniformly."""
        return labels if self.supervised else None

    # ----- phases: the GAN's, with Q's information loss in both ---------------

    adversarial_output = staticmethod(lambda outputs: outputs[0])  # D: (logit, Q outputs)

    def real_discriminator_outputs(self, images, labels, training=False):
        """D's logit alone: Q reads only generated images, as in infoGAN.py."""
        return (self.discriminate(self.discriminator.score, images, training),)

    def discriminator_information(self, context):
        """The weighted information loss of Q on the generated images, and its parts."""
        info, categorical, continuous, accuracy = self.information_losses(
            context.latent, context.fake_outputs[1])
        return info, {"q_categorical_loss": categorical, "q_continuous_loss": continuous,
                      "q_accuracy": accuracy}

    def generator_information(self, context):
        """The same information loss, through D and Q with frozen statistics."""
        return self.information_losses(context.latent, context.fake_outputs[1])[0]

    discriminator_terms = (LossTerm("d_info_loss", discriminator_information, logs=(
        "q_categorical_loss", "q_continuous_loss", "q_accuracy")),)
    generator_terms = (LossTerm("g_info_loss", generator_information),)

    # ----- figures ------------------------------------------------------------

    def continuous_sweep_latent(self, code, seed=2468, steps=SWEEP_STEPS):
        """Rows: each categorical code; columns: continuous code `code` from -1 to 1.

        One fixed noise vector throughout, the other continuous code at 0.
        """
        noise = tf.repeat(self.draw_noise(1, seed), self.num_classes * steps, axis=0)
        labels = tf.repeat(tf.range(self.num_classes), steps)
        values = tf.tile(tf.linspace(-1.0, 1.0, steps), [self.num_classes])
        continuous = tf.one_hot(code, NUM_CONTINUOUS) * values[:, None]
        return self.generator_inputs(noise, labels, continuous)

    def code_sweeps(self, steps=SWEEP_STEPS, seed=2468):
        """{"continuous_code_<i>": Figure}: code i over `steps` columns, a row per class code."""
        values = np.linspace(-1.0, 1.0, steps)
        sweeps = {}
        for code in range(NUM_CONTINUOUS):
            images = self.to_uint8(self(self.continuous_sweep_latent(code, seed, steps)))
            other = ", ".join(f"code {c}" for c in range(NUM_CONTINUOUS) if c != code)
            sweeps[f"continuous_code_{code}"] = summaries.Figure(
                images.numpy(), self.num_classes, steps,
                row_labels=list(range(self.num_classes)),
                col_labels=[f"{v:.1f}" for v in values], row_title="categorical code",
                col_title=f"continuous code {code} from -1 to 1 ({other} at 0)")
        return sweeps

    def pictures(self):
        return {"code_sweeps": summaries.Picture(
            self.code_sweeps, ("steps", "seed"),
            "each continuous code swept from -1 to 1, a row per categorical code")}

    def figures(self, grid_size):
        """Default grid, class-by-style grid (codes at 0) and one sweep per continuous code."""
        return {**super().figures(grid_size), **self.code_sweeps()}


@registry.register("infogan", "infoGAN: a categorical code (one value per class) and 2 "
                              "continuous codes read back by a Q head")
def build(config):
    """The collection's infoGAN, compiled with Adam for D (with Q) and G."""
    head = networks.ClassifierHead(networks.scaled_units(Q_UNITS, config.width),
                                   num_classes(config) + NUM_CONTINUOUS,
                                   seed=config.seed + 20,
                                   name="q_head")
    return build_collection(InfoGAN, config, head=head, supervised=config.info_supervised,
                            categorical_weight=config.info_categorical_weight,
                            continuous_weight=config.info_continuous_weight)
