"""`python -m tfgan_mnist` is `python -m tfgan_mnist.main`."""

from tfgan_mnist.main import run

run()
