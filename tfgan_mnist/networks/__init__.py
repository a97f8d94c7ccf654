"""One library of networks, a module per architecture family, all Keras subclassed models.

Every generator returns images shaped (batch, height, width, channels) in its
model's image range, the shape it is given (`image_shape`, the dataset spec's;
MNIST's by default); every discriminator takes that shape. Networks hold no
loss code.

- `common`: image shapes, width and seeding rules, batch norm, Keras registration
- `tf1_tutorial`: the TF1 vanilla-GAN tutorial's MLPs
- `tf_dcgan_tutorial`: the TensorFlow DCGAN tutorial's conv nets
- `pytorch_gan`: PyTorch-GAN's MLPs (gan.py, aae.py)
- `collection`: the TwistedW collection's infoGAN-paper conv nets, SAGAN attention,
  BEGAN's autoencoder discriminator
- `autoencoders`: the collection's conv encoder and decoder, VAE-GAN's discriminator
- `coupled`: the TF1 CoGAN tutorial's coupled MLPs, the CoGAN paper's coupled conv nets

Everything public is also importable from `tfgan_mnist.networks` itself.
"""

from tfgan_mnist.networks.common import (  # noqa: F401
    DEFAULT_IMAGE_SHAPE, image_shape_of, pixels, reduced_size, BATCH_NORM, batch_norm, lrelu,
    scaled_units, offset_seed, Seeds, xavier_normal, serializable,
)
from tfgan_mnist.networks.tf1_tutorial import (  # noqa: F401
    MLPGenerator, MLPDiscriminator,
)
from tfgan_mnist.networks.tf_dcgan_tutorial import (  # noqa: F401
    DCGAN_LEAKY_SLOPE, DCGAN_DROPOUT, DCGANGenerator, DCGANDiscriminator,
)
from tfgan_mnist.networks.pytorch_gan import (  # noqa: F401
    torch_linear_initializers, BatchNormMLPGenerator, LeakyMLPDiscriminator, torch_dense,
    MLPGaussianEncoder, MLPDecoder, LatentDiscriminator,
)
from tfgan_mnist.networks.collection import (  # noqa: F401
    SelfAttention, AutoencoderDiscriminator, ClassifierHead, CollectionDiscriminator,
    CollectionGenerator,
)
from tfgan_mnist.networks.autoencoders import (  # noqa: F401
    twistedw_conv, twistedw_deconv, twistedw_linear, one_hot, ConvEncoder, ConvDecoder,
    MinibatchDiscrimination, MinibatchDiscriminator,
)
from tfgan_mnist.networks.coupled import (  # noqa: F401
    DomainGenerator, DomainDiscriminator, coupled_generators, CoupledGenerators,
    coupled_discriminators, shared_variables, ConvCoupledGenerators, ConvDomainGenerator,
    ConvDomainDiscriminator, conv_coupled_discriminators,
)
