"""What the autoencoding models (vae, cvae, aae, vae_gan) share: latent inputs and figures.

Each has an `encoder` (images -> code distribution) and a `decoder` (the
generator: latent input -> images). A conditional model's latent input is
[z, one-hot label], as the TwistedW CVAE feeds its decoder.
"""

import keras
import numpy as np
import tensorflow as tf

from tfgan_mnist import multiphase, summaries
from tfgan_mnist.networks import one_hot


class AutoencodingModel(multiphase.MultiPhaseModel):
    """A multi-phase model with an encoder and a decoder; figures for both.

    Figures: "samples" (decoded prior draws; one row per class for
    conditional models), "reconstructions" (rows of real test images, each
    followed by its reconstruction from the code's mean; needs
    `set_reference_images`) and, for an unconditional 2-d latent space,
    "manifold" (the decoder over a grid of Gaussian quantiles).
    """

    def encode(self, images, labels=None):
        """Deterministic codes (the encoder's mean) of images in `image_range`."""
        raise NotImplementedError

    def latent_input(self, z, labels=None):
        """The decoder's input for codes `z` (with one-hot labels if conditional)."""
        if not self.conditional:
            return z
        return tf.concat([z, one_hot(labels, self.num_classes, z.dtype)], axis=1)

    def sample_latent(self, batch_size, labels=None, seed=None):
        """Decoder inputs: prior draws, with the given (or uniformly random) labels if conditional."""
        z = self.draw_noise(batch_size, seed)
        if not self.conditional:
            return z
        if labels is None:
            labels = keras.random.randint((batch_size,), 0, self.num_classes,
                                          seed=self.noise_seed if seed is None else seed + 1)
        return self.latent_input(z, labels)

    def trained_network(self):
        return self.decoder

    def pictures(self):
        if self.conditional:
            return {}
        return {"manifold": summaries.Picture(
            self.manifold_picture, ("size",),
            "the decoder over a grid of 2-d codes (models trained with --z_dim=2)")}

    def manifold_picture(self, size=20):
        """The manifold figure; a one-line error for a latent space that is not 2-d."""
        if self.latent_dim != 2:
            raise ValueError(f"manifold: this model has a {self.latent_dim}-d latent space; the "
                             "manifold picture needs a 2-d one (train with --z_dim=2)")
        return self.manifold_figure(size)

    def reconstruct(self, images, labels=None):
        """Decoded codes of `images` (inference mode)."""
        return self(self.latent_input(self.encode(images, labels), labels))

    def figures(self, grid_size):
        """Samples, reconstructions (if reference images are set) and the 2-d manifold."""
        figures = {}
        if self.conditional:
            rows = self.num_classes
            z = tf.tile(self.draw_noise(grid_size, seed=1234), [rows, 1])  # one style per column
            labels = np.repeat(np.arange(rows), grid_size)
            images = self(self.latent_input(z, labels))
            figures["samples"] = summaries.Figure(self.to_uint8(images).numpy(), rows, grid_size,
                                                  row_labels=list(range(rows)))
        else:
            images = self(self.grid_latent(grid_size, grid_size))
            figures["samples"] = summaries.Figure(self.to_uint8(images).numpy(), grid_size,
                                                  grid_size)
        if self.reference_images is not None:
            figures["reconstructions"] = self.reconstruction_figure(grid_size)
        if self.latent_dim == 2 and not self.conditional:
            figures["manifold"] = self.manifold_figure(2 * grid_size)
        return figures

    def reconstruction_figure(self, grid_size):
        """Rows of real images, each row followed by the row of their reconstructions."""
        images, labels = self.reference_images
        pairs = max(1, grid_size // 2)
        count = min(pairs * grid_size, len(images))
        pairs, count = count // grid_size, (count // grid_size) * grid_size
        if pairs == 0:
            raise ValueError(f"reconstructions need at least {grid_size} reference images")
        originals = self.to_uint8(images[:count]).numpy()
        rebuilt = self.to_uint8(self.reconstruct(images[:count], labels[:count])).numpy()
        rows = []
        for row in range(pairs):
            rows.append(originals[row * grid_size:(row + 1) * grid_size])
            rows.append(rebuilt[row * grid_size:(row + 1) * grid_size])
        return summaries.Figure(np.concatenate(rows), 2 * pairs, grid_size,
                                row_labels=["real", "rec."] * pairs)

    def manifold_figure(self, size):
        """Decoded 2-d codes at Gaussian quantiles 0.05..0.95 (Kingma and Welling's figure)."""
        quantiles = tf.math.ndtri(tf.linspace(0.05, 0.95, size))
        # Row 0 at the top holds the largest z_2, as on a plot's y axis.
        z2, z1 = tf.meshgrid(quantiles[::-1], quantiles, indexing="ij")
        z = tf.stack([tf.reshape(z1, [-1]), tf.reshape(z2, [-1])], axis=1)
        images = self(self.latent_input(z))
        values = quantiles.numpy()
        return summaries.Figure(self.to_uint8(images).numpy(), size, size,
                                row_labels=[f"{v:.2f}" for v in values[::-1]],
                                col_labels=[f"{v:.2f}" for v in values],
                                row_title="z_2", col_title="z_1 (Gaussian quantiles 0.05 to 0.95)")
