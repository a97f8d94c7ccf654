"""Models whose training step is a fixed sequence of updates: VAE, AAE, VAE-GAN, CoGAN.

A `Phase` is one update (`gan.GenerativeModel.update_gradients`, the update
every model's step is made of): a loss function of the real batch, returning
a loss or named weighted terms and logs, the optimizer that applies its
gradients, and the networks it owns. The phase's variables
are the trainable variables of those networks (each variable once, even
when two networks share a layer, as CoGAN's generators do). A phase may run
other networks in training mode, but only inside `gan.statistics_frozen`, so
that after the phase only its own networks' variables (batch-norm moving
statistics included) have changed. The tests check exactly that, phase by
phase.

`MultiPhaseModel.train_step` runs the phases in order on the same batch,
increments the step counter and updates the trackers: the same interface the
trainer uses for `gan.GAN`.
"""

import dataclasses

import keras
import numpy as np


from tfgan_mnist import gan, pipeline


def unique_variables(variables):
    """`variables` without repeats (by identity), in first-seen order."""
    seen, unique = set(), []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            unique.append(variable)
    return unique


def _is_rng_state(variable):
    return variable.path.endswith("seed_generator_state")


@dataclasses.dataclass(eq=False)
class Phase:
    """One update of a training step.

    `loss(images, labels) -> (terms, logs)` ({name: (weight, value)}, the
    vocabulary of `gan.GAN`'s phases) is differentiated with respect to the
    trainable variables of `networks`; `optimizer_name` is the optimizer's
    name in checkpoints and summaries. `logs` names everything the phase
    logs (the model's metric names follow from its phases), `total` the
    weighted sum of the terms where it has a name of its own.
    """

    name: str
    loss: object
    optimizer_name: str
    optimizer: keras.optimizers.Optimizer
    networks: tuple
    logs: tuple = ()  # what `loss` logs: its terms' names, then its other logs
    total: str = None  # a name to log the weighted sum of the terms under

    @property
    def variables(self):
        """The trainable variables this phase updates."""
        return unique_variables(v for net in self.networks for v in net.trainable_variables)

    @property
    def state_variables(self):
        """Every variable this phase may change: its trainable ones and its networks' statistics."""
        return unique_variables(v for net in self.networks for v in net.variables
                                if not _is_rng_state(v))


class MultiPhaseModel(gan.GenerativeModel):
    """A generative model trained by `phases`, run in order each step.

    Subclasses create their networks in `__init__`, implement
    `build_networks` (call each network once so every variable exists) and
    `define_phases`, each phase naming what it logs.

    The trainer may give the model some real test images once, through
    `set_reference_images(images_uint8, labels)`: models use them for their
    reconstruction figure and for latent-space plots.
    """

    noise = "normal"  # the Gaussian prior of VAEs and AAEs
    reference_count = 64

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reference = None  # (images in image_range, labels): plain arrays, not checkpointed

    @property
    def metric_names(self):
        """Every name the phases log, in phase order (none before `compile` defines them)."""
        names = []
        for phase in getattr(self, "phases", ()):
            for name in ((phase.total,) if phase.total else ()) + phase.logs:
                if name not in names:
                    names.append(name)
        return tuple(names)

    def compile(self, optimizers, **kwargs):
        """Attach the optimizers (a name -> optimizer dict) and create every variable now."""
        super().compile(**{"auto_scale_loss": False, **kwargs})  # as gan.GenerativeModel
        self.build_networks()
        self.built = True
        self.phases = self.define_phases(dict(optimizers))
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        names = [phase.optimizer_name for phase in self.phases]
        if sorted(names) != sorted(optimizers) or len(set(names)) != len(names):
            raise ValueError(f"{type(self).__name__}: each optimizer drives one phase; "
                             f"got optimizers {sorted(optimizers)} for phases' {names}")
        for phase in self.phases:
            # Built here, not lazily inside a traced step (see gan.GAN.compile).
            phase.optimizer.build(phase.variables)

    def build_networks(self):
        """Create every network's variables."""
        raise NotImplementedError

    def define_phases(self, optimizers):
        """The ordered list of `Phase`s of one training step."""
        raise NotImplementedError

    def named_optimizers(self):
        return {phase.optimizer_name: phase.optimizer for phase in self.phases}

    def update_phases(self):
        return [(phase.name, lambda images, labels, phase=phase:
                 self.run_phase(phase, images, labels), phase.state_variables)
                for phase in self.phases]

    def phase(self, name):
        """The phase called `name`."""
        for phase in self.phases:
            if phase.name == name:
                return phase
        raise KeyError(f"{type(self).__name__} has no phase {name!r}; "
                       f"phases: {[p.name for p in self.phases]}")

    # ----- the step -------------------------------------------------------

    def phase_gradients(self, phase, images, labels):
        """(gradients to apply, logs) of `phase` on a batch; subclasses may rescale them."""
        return self.update_gradients(phase.loss, phase.variables, images, labels, phase.total,
                                     optimizer=phase.optimizer)

    def run_phase(self, phase, images, labels):
        """One update: differentiate the phase's loss and apply it to its variables."""
        if isinstance(phase, str):
            phase = self.phase(phase)
        gradients, logs = self.phase_gradients(phase, images, labels)
        phase.optimizer.apply(gradients, phase.variables)
        return logs

    def train_step(self, data):
        images, labels = self.unpack_batch(data)
        logs = {}
        for phase in self.phases:
            logs.update(self.run_phase(phase, images, labels))
        return self.finish_step(logs)

    # ----- reference images ----------------------------------------------

    def set_reference_images(self, images_uint8, labels=None):
        """Keep some real images (uint8, (n, H, W[, C])) for figures; the trainer calls it once.

        The first `reference_count` go into the reconstruction figure; tools
        that plot the latent space pass their own images to `encode`.
        """
        images_uint8 = np.asarray(images_uint8)[:self.reference_count]
        if labels is None:
            labels = np.zeros(len(images_uint8), np.int32)
        labels = np.asarray(labels)[:len(images_uint8)].astype(np.int32)
        images = pipeline.scale_images(images_uint8, self.image_range).numpy()
        self._reference = (images, labels)

    @property
    def reference_images(self):
        """(images in image_range, labels) set by `set_reference_images`, or None."""
        return self._reference
