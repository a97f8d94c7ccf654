"""One module per model; importing this package registers them all."""

from tfgan_mnist.variants import vanilla_gan  # noqa: F401

# --- dcgan, gan_mlp, began, sagan
from tfgan_mnist.variants import began, dcgan, gan_mlp, sagan  # noqa: F401, E402
