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
from tfgan_mnist.gan import LossTerm
from tfgan_mnist.variants.collection import (ConditionalCollectionGAN, build_collection,
                                             class_accuracy)
from tfgan_mnist.variants.common import num_classes

CLASSIFIER_UNITS = 128  # ACGAN.py: linear(x, 128, scope='c_fc1')


class ACGAN(ConditionalCollectionGAN):
    """GAN losses plus the auxiliary classifier's cross-entropy in both phases."""

    adversarial_output = staticmethod(lambda outputs: outputs[0])  # D: (logit, class logits)

    def discriminator_class_loss(self, context):
        """Cross-entropy of the class logits of the real and the generated images."""
        real_classes, fake_classes = context.real_outputs[1], context.fake_outputs[1]
        loss = losses.acgan_discriminator_loss(real_classes, fake_classes,
                                               tf.one_hot(context.labels, self.num_classes))
        return loss, {"real_class_accuracy": class_accuracy(real_classes, context.labels)}

    def generator_class_loss(self, context):
        """Cross-entropy of the generated images' class logits against their labels."""
        fake_classes = context.fake_outputs[1]
        loss = losses.acgan_generator_loss(fake_classes,
                                           tf.one_hot(context.labels, self.num_classes))
        return loss, {"fake_class_accuracy": class_accuracy(fake_classes, context.labels)}

    discriminator_terms = (LossTerm("d_class_loss", discriminator_class_loss,
                                    logs=("real_class_accuracy",)),)
    generator_terms = (LossTerm("g_class_loss", generator_class_loss,
                                logs=("fake_class_accuracy",)),)


@registry.register("acgan", "Auxiliary-classifier GAN (class head on D's features)")
def build(config):
    """The collection's ACGAN, compiled with Adam for D (with its classifier) and G."""
    head = networks.ClassifierHead(networks.scaled_units(CLASSIFIER_UNITS, config.width),
                                   num_classes(config), seed=config.seed + 20,
                                   name="classifier")
    return build_collection(ACGAN, config, head=head)
