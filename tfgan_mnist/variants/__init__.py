"""Every model: one module per model, each registering itself; here they are listed and built.

`names()`, `describe(name)` and `build(config)` are the catalog every program
and the library API use. Importing this package imports every module in it.
"""

import importlib
import pkgutil

from tfgan_mnist import datasets, registry
from tfgan_mnist.config import ConfigError

# Every module of this package: a model module registers its model when
# imported, so a new model is one new file here and nothing else to edit.
# (collection, autoencoding and common are shared bases; they register none.)
for _module in sorted(info.name for info in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")


def names():
    """Sorted names of the registered models."""
    return registry.registered_names()


def describe(name):
    """One line about a registered model."""
    return registry.description(name)


def build(config):
    """The compiled, built training model that `config.model` names.

    With `config.ema_decay` the model keeps averaged generator weights
    (`GenerativeModel.enable_average`); `config.noise` replaces the model's own kind of
    noise. An unknown name is a
    `config.ConfigError` listing the valid ones; so is a conditional model on stacks
    (stacked_mnist), where its label would pick the mode the measure counts.
    """
    model = registry.build_registered(config)
    spec = datasets.get(config.dataset)
    if spec.stacks_of and model.conditional:
        raise ConfigError("model", config.model,
                          f"{config.dataset} measures how many of its {spec.num_classes} modes "
                          "a generator finds unaided, and a conditional model is handed the "
                          "mode with its label; train an unconditional model on it, or "
                          f"{config.model} on {spec.stacks_of}")
    if model.conditional and not spec.num_classes:
        raise ConfigError("model", config.model,
                          f"a conditional model needs labelled images, and {spec.about} has "
                          "no labels; put each image in a subfolder named by its class, or "
                          "train an unconditional model")
    if config.noise:  # else the model's own kind (its class's `noise`)
        model.noise = config.noise
    model.enable_average(config.ema_decay, config.ema_warmup)
    return model
