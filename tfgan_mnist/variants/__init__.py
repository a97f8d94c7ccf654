"""One module per model; importing this package registers them all."""

from tfgan_mnist.variants import vanilla_gan  # noqa: F401
from tfgan_mnist.variants import vae  # noqa: F401
from tfgan_mnist.variants import aae  # noqa: F401
from tfgan_mnist.variants import cogan  # noqa: F401
from tfgan_mnist.variants import vae_gan  # noqa: F401
