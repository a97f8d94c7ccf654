"""Models by name. Each model module registers a builder: `Config -> GAN`.

The builder returns a compiled, built model: networks, optimizers and every
variable exist before the first traced step.
"""

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


def _load_models():
    # Importing the package runs every model module's @register.
    import tfgan_mnist.variants  # noqa: F401


def names():
    """Sorted names of the registered models."""
    _load_models()
    return sorted(_BUILDERS)


def describe(name):
    """One line about a registered model."""
    _load_models()
    return _DESCRIPTIONS[name]


def build(config):
    """The compiled training model that `config.model` names."""
    _load_models()
    if config.model not in _BUILDERS:
        raise KeyError(f"unknown model {config.model!r}; valid models: {', '.join(names())}")
    return _BUILDERS[config.model](config)
