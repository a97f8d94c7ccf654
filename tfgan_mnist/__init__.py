"""The classic GAN family on MNIST and Fashion-MNIST, in TensorFlow 2 / Keras 3.

The library API:

- `model_names()`: the registered models.
- `build(name, **overrides)`: an untrained, compiled model to `fit()` on your data.
- `prepare_images(images, model)`: uint8 images -> the model's float input range.
- `load_generator(source)`: uint8 samples from a trained model, a training
  workdir, an exported SavedModel or an exported `.keras` file.
"""

__version__ = "0.1.0"


def model_names():
    """Names of the registered models."""
    from tfgan_mnist import variants

    return variants.names()


def build(name, **overrides):
    """The untrained, compiled training model `name`, for `fit()` on your own data.

    `overrides` are `Config` fields (z_dim, batch_size, learning rates, width, ...).
    The model's `run_config` is the Config it was built from.
    """
    from tfgan_mnist import config, variants

    run_config = config.Config(model=name, **overrides)
    model = variants.build(run_config)
    model.run_config = run_config
    return model


def prepare_images(images, model):
    """uint8 images of the model's dataset, (n, H, W, C) or (n, H, W) for one channel ->
    float32 (n, H, W, C) in `model.image_range`, for fit()."""
    import numpy as np

    from tfgan_mnist import idx, pipeline

    images = np.asarray(images)
    if images.dtype != np.uint8 or images.shape[1:] not in idx.expected_image_shapes(
            model.image_shape):
        raise ValueError("prepare_images takes uint8 images shaped "
                         f"{idx.shapes_phrase(model.image_shape, 'n')}, got {images.dtype} "
                         f"{images.shape}")
    return pipeline.scale_images(images, model.image_range).numpy()


def load_generator(source, checkpoint="latest"):
    """A generator with `.sample(n, labels=None, seed=None)` -> uint8 (n, H, W), or
    (n, H, W, C) for images of several channels.

    `source` is a model from `build` (trained with fit), a training workdir
    (restored from `checkpoint`: "latest", "best" or a step), a SavedModel
    folder or a `.keras` file that `python -m tfgan_mnist.export` wrote.
    """
    from tfgan_mnist import generators

    return generators.load_generator(source, checkpoint)
