"""ACGAN: a GAN whose discriminator also classifies, real and generated images alike.

Source: TwistedW/tensorflow-GANs ACGAN.py. G reads [z, one_hot(y)]; D is
the GAN's, with a classifier FC128_BL-FC10 on its 1024-d features. The class
loss is softmax cross-entropy on the classifier's LOGITS, on real images with
their labels and on generated images with the labels they were made from.

Which variables the class loss updates: the collection ran a third Adam
(lr 1e-3) on it over D, the classifier and G. Here D's phase minimizes
GAN loss + class loss (real + generated) over D and the classifier, and G's
phase GAN loss + class loss (generated) over G: the same variables, each
with its own phase's optimizer (so D and the classifier learn at 2e-4).
"""

import tensorflow as tf

from tfgan_mnist import losses, networks, registry
from tfgan_mnist.gan import statistics_frozen
from tfgan_mnist.variants.collection import (NUM_CLASSES, ConditionalCollectionGAN,
                                             build_collection, class_accuracy)

CLASSIFIER_UNITS = 128  # ACGAN.py: linear(x, 128, scope='c_fc1')


class ACGAN(ConditionalCollectionGAN):
    """GAN losses plus the auxiliary classifier's cross-entropy in both phases."""

    metric_names = ConditionalCollectionGAN.metric_names + (
        "d_class_loss", "g_class_loss", "real_class_accuracy", "fake_class_accuracy")

    def call_discriminator(self, images, labels, training=False):
        return self.discriminator(images, training=training)[0]

    def discriminator_phase(self, real_images, real_labels):
        """GAN loss + classifier cross-entropy on real and generated logits."""
        fake_images = self.fake_for_discriminator(tf.shape(real_images)[0], real_labels)
        real_outputs, real_classes = self.discriminator(real_images, training=True)
        fake_outputs, fake_classes = self.discriminator(fake_images, training=True)
        one_hot = tf.one_hot(real_labels, NUM_CLASSES)
        gan_loss = self.discriminator_loss(real_outputs, fake_outputs)
        class_loss = losses.acgan_discriminator_loss(real_classes, fake_classes, one_hot)
        return gan_loss + class_loss, {
            "d_loss": gan_loss,
            "d_class_loss": class_loss,
            "d_real": tf.reduce_mean(self.discriminator_score(real_outputs)),
            "d_fake": tf.reduce_mean(self.discriminator_score(fake_outputs)),
            "real_class_accuracy": class_accuracy(real_classes, real_labels),
        }

    def generator_phase(self, real_images, real_labels):
        """Non-saturating GAN loss + cross-entropy of the generated images' class logits."""
        batch_size = tf.shape(real_images)[0]
        fake_images = self.generator(self.sample_latent(batch_size, real_labels), training=True)
        with statistics_frozen(self.discriminator):
            fake_outputs, fake_classes = self.discriminator(fake_images, training=True)
        gan_loss = self.generator_loss(fake_outputs)
        class_loss = losses.acgan_generator_loss(fake_classes,
                                                 tf.one_hot(real_labels, NUM_CLASSES))
        return gan_loss + class_loss, {
            "g_loss": gan_loss,
            "g_class_loss": class_loss,
            "fake_class_accuracy": class_accuracy(fake_classes, real_labels),
        }


@registry.register("acgan", "Auxiliary-classifier GAN (class head on D's features)")
def build(config):
    """The collection's ACGAN, compiled with Adam for D (with its classifier) and G."""
    head = networks.ClassifierHead(networks.scaled_units(CLASSIFIER_UNITS, config.width),
                                   NUM_CLASSES, seed=config.seed + 20, name="classifier")
    return build_collection(ACGAN, config, head=head)
