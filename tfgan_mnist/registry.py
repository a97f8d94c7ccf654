"""The table of models by name. Each model module registers a builder: `Config -> model`.

This module imports nothing of the package but `config`: the model modules
import it to register themselves, and `tfgan_mnist.variants` (which imports
every model module) is where models are listed and built. The builder
returns a compiled, built model: networks, optimizers and every variable
exist before the first traced step.
"""

import contextlib

from tfgan_mnist.config import ConfigError

_BUILDERS = {}
_DESCRIPTIONS = {}


def register(name, description=""):
    """Decorator: register `builder(config)` under `name`; a name is taken once."""

    def decorate(builder):
        if name in _BUILDERS:
            raise ValueError(f"model {name!r} is already registered by "
                             f"{_BUILDERS[name].__module__}")
        _BUILDERS[name] = builder
        _DESCRIPTIONS[name] = description or (builder.__doc__ or "").strip().split("\n")[0]
        return builder

    return decorate


@contextlib.contextmanager
def registered(name, builder, description=""):
    """Register `builder` under `name` for the duration of a `with` block (tests, experiments)."""
    register(name, description)(builder)
    try:
        yield builder
    finally:
        _BUILDERS.pop(name, None)
        _DESCRIPTIONS.pop(name, None)


def registered_names():
    """Sorted names registered so far (`tfgan_mnist.variants.names()` lists every model)."""
    return sorted(_BUILDERS)


def description(name):
    """The one line registered with `name`."""
    return _DESCRIPTIONS[name]


def build_registered(config):
    """The compiled model `config.model` names, among those registered so far."""
    if config.model not in _BUILDERS:
        raise ConfigError("model", config.model,
                          f"valid models: {', '.join(registered_names())}")
    return _BUILDERS[config.model](config)
