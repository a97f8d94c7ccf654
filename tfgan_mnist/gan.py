"""The shared adversarial training model and the update every model's step is made of.

An update (`GenerativeModel.apply_update`) differentiates a phase's loss
with a `tf.GradientTape` and applies the gradients to one variable list
with one optimizer (what the TF1 code passed as `var_list`), scaled for the
replicas of a distribution strategy. A phase's loss is a tensor or, the
shared vocabulary, named weighted terms {name: (weight, value)}: the loss
minimized is their weighted sum, and each term is logged under its name.

`GAN.train_step` is the step of every adversarial model: `d_steps`
discriminator updates, each on its own slice of the real batch, then one
generator update (`alternating_step`), or, for models that set
`simultaneous`, both updates from one forward pass (`simultaneous_step`), as
their sources do. Each phase's loss is the adversarial loss (`d_loss`,
`g_loss`) plus the `LossTerm`s the variant declares in `discriminator_terms`
and `generator_terms`: a gradient penalty, an auxiliary class loss, an
information loss. The logged names follow from those declarations. Other
hooks: the loss functions, `discriminator_outputs` / `adversarial_output`
(discriminators with more than one head), `after_discriminator_update`
(weight clipping) and `after_generator_update` (BEGAN's k).

Models whose update is of another shape (VAE, AAE, VAE-GAN, CoGAN) are
`multiphase.MultiPhaseModel`s built from the same update. Both implement
`GenerativeModel`, the interface the trainer and the programs rely on.
"""

import dataclasses

import keras
import tensorflow as tf

from tfgan_mnist import losses, summaries
from tfgan_mnist.config import ConfigError
from tfgan_mnist.sampling_weights import SamplingWeights
from tfgan_mnist.datasets import DIGITS
from tfgan_mnist.networks import DEFAULT_IMAGE_SHAPE, image_shape_of

# Whether sampling (figures, evaluation, sample, pictures, export) uses standing batch-norm
# statistics by default (`sampling_weights.SamplingWeights`).
BN_STATISTICS_DEFAULT = "standing"


# The batch networks are built on (zeros, inference mode): a multiple of 2, 3 and 4, so a
# `discriminator_input` that packs images into groups still gets whole groups.
BUILD_BATCH = 12


def replica_scaled(loss):
    """`loss` divided by the replicas in sync, for its gradient: a distribution strategy
    sums the replicas' gradients, which then are those of the global mean. Every update
    of every model scales its loss here and nowhere else."""
    return loss / tf.distribute.get_strategy().num_replicas_in_sync


def replica_share(draw, batch_size, event_shape):
    """This replica's `batch_size` rows of a draw made for the whole global batch.

    Under a distribution strategy every replica holds the same RNG state, so
    each draws the global batch's values and keeps its own slice: the
    replicas together use exactly the noise one device would, and a run gives
    the same updates on one device or several. Without a strategy this is
    just `draw((batch_size, *event_shape))`.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return draw((batch_size, *event_shape))
    values = draw((batch_size * replicas, *event_shape))
    start = context.replica_id_in_sync_group * batch_size
    return values[start:start + batch_size]


class Pack:
    """PacGAN's packing (Lin et al. 2018, "PacGAN: The power of two samples in generative
    adversarial networks"): the discriminator judges `size` images at once, concatenated
    along channels, all real or all fake.

    Consecutive images of a batch form a packed input, so a batch of n images becomes
    n / size inputs of size * channels channels (the first image's channels first). A
    `discriminator_input` (`GenerativeModel.discriminate`): the step is otherwise the
    same, and the discriminator's first layer is built for the packed channels.
    """

    def __init__(self, size):
        self.size = int(size)

    def __call__(self, images):
        height, width, channels = images.shape[1:]
        batch = images.shape[0]
        if batch is not None and batch % self.size:
            raise ValueError(f"--pack={self.size}: a discriminator batch of {batch} images "
                             "does not split into packs; give a --batch_size that it divides")
        groups = tf.reshape(images, (-1, self.size, height, width, channels))
        return tf.reshape(tf.transpose(groups, (0, 2, 3, 1, 4)),
                          (-1, height, width, self.size * channels))

    def __repr__(self):
        return f"Pack({self.size})"


class statistics_frozen:  # noqa: N801 (used like a function: `with statistics_frozen(d):`)
    """Run `network` in training mode without changing its non-trainable state.

    In the discriminator's phase the generator still runs in training mode
    (batch statistics, as the reference code does), and vice versa, but a
    phase must not move the *other* network's batch-norm moving averages.
    The TF1 code ran every UPDATE_OPS with either optimizer; this is the fix.
    Random-number state (dropout seeds) is left to advance as usual.
    """

    def __init__(self, network):
        self.frozen = [v for v in network.non_trainable_variables
                       if not v.path.endswith("seed_generator_state")]

    def __enter__(self):
        self.saved = [tf.identity(v.value) for v in self.frozen]

    def __exit__(self, *exc_info):
        for variable, value in zip(self.frozen, self.saved):
            variable.assign(value)


@dataclasses.dataclass(frozen=True)
class LossTerm:
    """A named, weighted term a variant adds to a GAN phase's loss (TF-GAN's gan_loss pattern).

    `compute(model, context)` returns the term's value, or (value, {name:
    extra log}) for the `logs` it names; `context` is the phase's
    `PhaseContext`. `weight` is a number or the name of the model attribute
    holding it (a config value such as `gp_weight`). The value is logged as
    `name`, and the phase minimizes its adversarial loss plus weight * value.
    """

    name: str
    compute: object
    weight: object = 1.0
    logs: tuple = ()


@dataclasses.dataclass
class PhaseContext:
    """What a GAN phase computed, for its loss terms: images, D's outputs, generator inputs."""

    real_images: object
    labels: object
    latent: object
    fake_images: object
    real_outputs: object  # D's full outputs (a tuple for discriminators with several heads)
    fake_outputs: object


def raw_score(outputs):
    """D's raw outputs as its score, for critics and losses on unbounded outputs."""
    return tf.cast(outputs, tf.float32)


def total_loss(terms):
    """The sum of weight * value over `terms` ({name: (weight, value)}), in their order.

    A weight of 1 adds the value itself, so a one-term loss is that term, bit for bit.
    """
    total = None
    for weight, value in terms.values():
        part = value if isinstance(weight, (int, float)) and weight == 1 else weight * value
        total = part if total is None else total + part
    return total


def learned_state(network):
    """A network's variables that training changes: weights and batch-norm statistics.

    Not the seed-generator state of dropout layers, which advances whenever the
    network runs in training mode, in any phase: random-number state.
    """
    return [v for v in network.variables if not v.path.endswith("seed_generator_state")]


class GenerativeModel(SamplingWeights, keras.Model):
    """What the trainer needs of any model: a step counter, trackers, sampling, figures.

    Subclasses create their networks, implement `sample_latent`,
    `named_optimizers`, `build_networks` and `train_step`, and list the names
    their `train_step` logs in `metric_names`.
    """

    image_range = (0.0, 1.0)
    conditional = False
    noise = "uniform"  # U[-1, 1]; "normal" is N(0, 1)
    # True: training batches interleave two fixed, disjoint halves of the training set
    # (pipeline.DomainHalvesSampler), for models of two domains (cogan_conv)
    domain_halves = False
    metric_names = ()
    # Why the model cannot pack its discriminator's inputs (`Pack`, --pack); None: it can.
    packing_refusal = "it has no discriminator of images"

    def __init__(self, *, latent_dim, seed=None, name=None, image_shape=DEFAULT_IMAGE_SHAPE,
                 num_classes=len(DIGITS), discriminator_input=None, **kwargs):
        super().__init__(name=name or type(self).__name__.lower(), **kwargs)
        # The dataset spec's (builders pass them): what the networks draw and read, and
        # how many classes the labels have.
        self.image_shape = image_shape_of(image_shape)
        self.num_classes = int(num_classes)
        # A function of D's input batch applied before every discriminator call on images
        # (`discriminate`): packing, augmentation. None: the batch as it is.
        self.discriminator_input = discriminator_input
        if self.pack > 1 and self.packing_refusal:
            raise ConfigError("pack", self.pack, f"{type(self).__name__} cannot pack its "
                              f"discriminator's inputs: {self.packing_refusal}; give --pack=1")
        self.latent_dim = latent_dim
        self.noise_seed = keras.random.SeedGenerator(seed)
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def named_optimizers(self):
        """The optimizers by the name they have in checkpoints."""
        raise NotImplementedError

    @staticmethod
    def unpack_batch(data):
        """(images, int32 labels) of a batch from the trainer or `fit()`.

        `fit(images)`, `fit(images, labels)` and `fit((images, labels))` all
        work; images without labels get label 0 (unconditional models ignore it).
        """
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if labels is None and isinstance(images, (tuple, list)) and len(images) == 2:
            images, labels = images  # fit((images, labels)): the pair came as x
        if labels is None:
            labels = tf.zeros(tf.shape(images)[:1], tf.int32)
        return images, tf.cast(labels, tf.int32)

    def rng_variables(self):
        """Random-number state to checkpoint (Keras seed generators are not tracked)."""
        return [v for v in self.variables if v.path.endswith("seed_generator_state")]

    def track(self, logs):
        """Add a step's logs to the running means; return the means (Keras convention)."""
        for name, value in logs.items():
            if name not in self.trackers:
                raise KeyError(f"{type(self).__name__} logs {name!r}, which is not in "
                               f"its metric_names {self.metric_names}")
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # ----- the update -----------------------------------------------------

    def update_gradients(self, loss_fn, variables, images, labels, total_name=None,
                         optimizer=None):
        """(gradients, logs) of `loss_fn(images, labels) -> (loss or terms, logs)`.

        The loss is scaled for the replicas (`replica_scaled`), and by the
        `optimizer`'s loss scale where it has one (float16: `precision`; its
        `apply` divides the gradients by it again). Terms are logged under their
        names, before the logs; `total_name` also logs their weighted sum (a
        VAE's neg_elbo).
        """
        with tf.GradientTape() as tape:
            loss, logs = loss_fn(images, labels)
            if isinstance(loss, dict):
                logs = {**{name: value for name, (_, value) in loss.items()}, **logs}
                loss = total_loss(loss)
            if total_name:
                logs = {total_name: loss, **logs}
            scaled = replica_scaled(loss)
            if optimizer is not None:
                scaled = optimizer.scale_loss(scaled)
        return tape.gradient(scaled, variables), logs

    def apply_update(self, loss_fn, optimizer, variables, images, labels):
        """One update: `optimizer` applies the gradients of the loss to `variables`; the logs."""
        gradients, logs = self.update_gradients(loss_fn, variables, images, labels,
                                                optimizer=optimizer)
        optimizer.apply(gradients, variables)
        return logs

    @property
    def pack(self):
        """Images per discriminator input: PacGAN's m (`Pack`), 1 without packing. Gradient
        penalties take their norm over a whole packed input."""
        return getattr(self.discriminator_input, "size", 1)

    def discriminate(self, network, inputs, training=False, **kwargs):
        """`network(inputs)` for a discriminator on images: the one path every model's
        discriminator calls take (its phases, its set-up), so that `discriminator_input`,
        given at construction, applies to all of them. `network` is a discriminator or one
        of its methods (infoGAN's `score`). Discriminators on codes (the AAE's) take their
        inputs directly."""
        if self.discriminator_input is not None:
            inputs = self.discriminator_input(inputs)
        return network(inputs, training=training, **kwargs)

    # ----- sampling -----------------------------------------------------

    def draw_noise(self, batch_size, seed=None):
        """Noise from the model's own (checkpointed) seed generator, or from `seed`."""
        seed = self.noise_seed if seed is None else seed

        def draw(shape):
            if self.noise == "normal":
                return keras.random.normal(shape, seed=seed)
            return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)

        return replica_share(draw, batch_size, (self.latent_dim,))

    def example_labels(self, batch_size):
        """Labels to build conditional networks with; None for unconditional ones."""
        return tf.zeros((batch_size,), tf.int32) if self.conditional else None

    def sample_latent(self, batch_size, labels=None, seed=None):
        """Generator inputs for `batch_size` images (conditional models use `labels`)."""
        return self.draw_noise(batch_size, seed)

    def grid_latent(self, rows, cols, seed=1234):
        """Fixed generator inputs for a rows x cols sample grid, the same every call."""
        return self.sample_latent(rows * cols, seed=seed)

    def to_uint8(self, images):
        """Images in `image_range` -> uint8 pixels."""
        low, high = self.image_range
        scaled = (tf.cast(images, tf.float32) - low) / (high - low) * 255.0
        return tf.cast(tf.clip_by_value(tf.round(scaled), 0.0, 255.0), tf.uint8)

    def latent_from_noise(self, noise, labels=None):
        """Generator inputs built from given `noise` (and labels), as `sample_latent` builds them.

        The default runs `sample_latent` with its `draw_noise` call answering
        `noise`: right for every model that draws its noise that way. A model
        that draws more than its noise (say, random codes) still draws that.
        """
        # Set on the instance, not tracked by Keras: sample_latent's draw_noise answers `noise`.
        object.__setattr__(self, "draw_noise", lambda batch_size, seed=None: noise)
        try:
            return self.sample_latent(tf.shape(noise)[0], labels)
        finally:
            object.__delattr__(self, "draw_noise")

    def generate(self, latent):
        """Images for generator inputs `latent` (inference mode), in `image_range`.

        One batch; a model with several outputs (CoGAN's two domains) returns
        a tuple of batches.
        """
        return self(latent, training=False)

    def call(self, inputs, training=False):
        """`model(generator_inputs)`: images from the trained network when training, else
        from `sampling_network()` (the averaged weights by default)."""
        if training:
            return self.trained_network()(inputs, training=True)
        return self.sampling_network()(inputs, training=False)

    def trained_network(self):
        """The trained Keras network from generator inputs to images (G, a decoder)."""
        raise ValueError(f"{type(self).__name__} has no single network from generator inputs "
                         "to images")

    def finish_step(self, logs):
        """The end of every train_step: count the step, move the average, track the logs.

        Under a distribution strategy the trainer moves the average after the
        replicas' step, in cross-replica context (`train.make_step_function`).
        """
        self.step.assign_add(1)
        if not tf.distribute.has_strategy():
            self.update_average()
        return self.track(logs)

    def update_phases(self):
        """[(name, update(images, labels) -> logs, variables it may change)], in step order.

        Each update applies one optimizer to its own variables; the third item
        lists every variable the update is allowed to change (its trainable
        variables and its networks' batch-norm statistics). The tests check
        each model against it.
        """
        raise NotImplementedError

    def pictures(self):
        """{kind: summaries.Picture} the `pictures` command can draw for this model, besides
        the kinds every model has (interpolate, figures, ...)."""
        return {}

    def set_reference_images(self, images_uint8, labels=None):
        """Real test images (uint8 (n, H, W[, C])) for figures; models that draw them keep some."""
        return None

    def figures(self, grid_size):
        """Named figures drawn during training; the default is a fixed-noise sample grid."""
        images = self.to_uint8(self(self.grid_latent(grid_size, grid_size)))
        return {"grid": summaries.Figure(images.numpy(), grid_size, grid_size)}


class GAN(GenerativeModel):
    """A generator and a discriminator trained in alternation.

    Subclasses set the class attributes and override hooks; see the module
    docstring. Inputs to `train_step` are `(images, labels)` with images
    shaped (d_steps * batch, *image_shape) in `image_range`.
    """

    # Loss terms each phase adds to its adversarial loss (see LossTerm).
    discriminator_terms = ()
    packing_refusal = None  # a discriminator of single images packs (`Pack`)
    generator_terms = ()
    # The logged means of D's scores of real and generated images.
    score_names = ("d_real", "d_fake")
    # Logs `after_generator_update` adds (BEGAN's k, SAGAN's gammas).
    step_log_names = ()

    def __init__(self, generator, discriminator, *, latent_dim, d_steps=1, seed=None,
                 name=None, **kwargs):
        super().__init__(latent_dim=latent_dim, seed=seed, name=name, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.d_steps = d_steps
        if self.simultaneous and (self.discriminator_terms or self.generator_terms):
            raise ValueError(f"{type(self).__name__}: a simultaneous step computes the "
                             "adversarial losses alone; it cannot add loss terms")

    @property
    def metric_names(self):
        """What the step logs, from the declarations: losses, scores, terms, step logs."""
        terms = [name for term in (*self.discriminator_terms, *self.generator_terms)
                 for name in (term.name, *term.logs)]
        return ("d_loss", "g_loss", *self.score_names, *terms, *self.step_log_names)

    # ----- set-up -------------------------------------------------------

    def compile(self, optimizers, g_optimizer=None, **kwargs):
        """Attach the optimizers and create every variable now.

        `optimizers` is {"d_optimizer": ..., "g_optimizer": ...}: every model's compile
        takes its optimizers by name (`multiphase.MultiPhaseModel.compile`), the names
        its checkpoints use. `compile(d_optimizer, g_optimizer)` is the same for a GAN.
        """
        if g_optimizer is not None:
            optimizers = {"d_optimizer": optimizers, "g_optimizer": g_optimizer}
        if not isinstance(optimizers, dict) or sorted(optimizers) != ["d_optimizer",
                                                                      "g_optimizer"]:
            raise ValueError(f"{type(self).__name__}.compile takes {{'d_optimizer': ..., "
                             f"'g_optimizer': ...}}; got {optimizers!r}")
        # Keras' own optimizer (unused: each update has its own) stays unwrapped in float16,
        # so that checkpoints of every precision have the same shape.
        super().compile(**{"auto_scale_loss": False, **kwargs})
        # Plain attributes, not tracked by the model: checkpoints hold the optimizers under
        # their names (`workdir.make_checkpoint`), which float16's LossScaleOptimizer wraps,
        # so a run resumes across precisions.
        object.__setattr__(self, "d_optimizer", optimizers["d_optimizer"])
        object.__setattr__(self, "g_optimizer", optimizers["g_optimizer"])
        self.build_networks()
        # Built here, not lazily inside a traced step: a variable created in
        # tf.function or under a distribution strategy's replica fails.
        self.d_optimizer.build(self.d_variables)
        self.g_optimizer.build(self.g_variables)

    def build_networks(self):
        """Create the networks' variables by calling them once on zeros."""
        self.generator(self.sample_latent(1, self.example_labels(1)), training=False)
        self.call_discriminator(tf.zeros((BUILD_BATCH, *self.image_shape)),
                                self.example_labels(BUILD_BATCH))
        self.built = True

    def named_optimizers(self):
        return {"d_optimizer": self.d_optimizer, "g_optimizer": self.g_optimizer}

    @property
    def d_variables(self):
        """What the discriminator phase updates."""
        return self.discriminator.trainable_variables

    @property
    def g_variables(self):
        """What the generator phase updates."""
        return self.generator.trainable_variables

    def discriminator_outputs(self, images, labels, training=False):
        """D's full outputs for `images` (conditional variants also pass `labels`)."""
        return self.discriminate(self.discriminator, images, training)

    def real_discriminator_outputs(self, images, labels, training=False):
        """D's outputs for the real batch; infoGAN reads its Q head only on fakes."""
        return self.discriminator_outputs(images, labels, training=training)

    def discriminator_outputs_both(self, real_images, fake_images, labels):
        """(D's outputs for the real batch, for the generated one) in D's phase (training
        mode): two calls, so batch norm normalizes each batch on its own, as the sources do."""
        return (self.real_discriminator_outputs(real_images, labels, training=True),
                self.discriminator_outputs(fake_images, labels, training=True))

    @staticmethod
    def adversarial_output(outputs):
        """The part of D's outputs the adversarial loss reads (D's first head, for ACGAN)."""
        return outputs

    def call_discriminator(self, images, labels, training=False):
        """D's adversarial outputs for `images`."""
        return self.adversarial_output(self.discriminator_outputs(images, labels, training))


    def trained_network(self):
        return self.generator

    def update_phases(self):
        def allowed(variables, network):
            return [*variables, *(v for v in learned_state(network) if not v.trainable)]

        return [("discriminator", self.discriminator_update,
                 allowed(self.d_variables, self.discriminator)),
                ("generator", self.generator_update, allowed(self.g_variables, self.generator))]

    # ----- hooks a variant overrides -----------------------------------

    discriminator_loss = staticmethod(losses.minimax_discriminator_loss)
    generator_loss = staticmethod(losses.modified_generator_loss)

    @staticmethod
    def discriminator_score(outputs):
        """What D(x) means for the logs: a probability for sigmoid-output models."""
        return tf.sigmoid(tf.cast(outputs, tf.float32))

    def code_labels(self, labels):
        """The labels a phase's generator inputs are drawn with (infoGAN: none, unsupervised)."""
        return labels

    def fake_for_discriminator(self, latent):
        """Generated images for a discriminator update: G in training mode, its
        batch-norm statistics untouched, no gradient into G."""
        with statistics_frozen(self.generator):
            fake_images = self.generator(latent, training=True)
        return tf.stop_gradient(fake_images)

    def _with_terms(self, terms, declared, context, logs):
        """Add each declared LossTerm's (weight, value) to `terms` and its extra logs to `logs`."""
        for term in declared:
            value = term.compute(self, context)
            if isinstance(value, tuple):
                value, extra = value
                logs.update(extra)
            weight = getattr(self, term.weight) if isinstance(term.weight, str) else term.weight
            terms[term.name] = (weight, value)
        return terms, logs

    def discriminator_phase(self, real_images, real_labels):
        """({name: (weight, value)}, logs) of one discriminator update: d_loss plus D's terms."""
        latent = self.sample_latent(tf.shape(real_images)[0], self.code_labels(real_labels))
        fake_images = self.fake_for_discriminator(latent)
        real_outputs, fake_outputs = self.discriminator_outputs_both(real_images, fake_images,
                                                                     real_labels)
        real_scores = self.adversarial_output(real_outputs)
        fake_scores = self.adversarial_output(fake_outputs)
        terms = {"d_loss": (1.0, self.discriminator_loss(real_scores, fake_scores))}
        real_name, fake_name = self.score_names
        logs = {real_name: tf.reduce_mean(self.discriminator_score(real_scores)),
                fake_name: tf.reduce_mean(self.discriminator_score(fake_scores))}
        context = PhaseContext(real_images, real_labels, latent, fake_images, real_outputs,
                               fake_outputs)
        return self._with_terms(terms, self.discriminator_terms, context, logs)

    def generator_phase(self, real_images, real_labels):
        """({name: (weight, value)}, logs) of one generator update: g_loss plus G's terms."""
        latent = self.sample_latent(tf.shape(real_images)[0], self.code_labels(real_labels))
        fake_images = self.generator(latent, training=True)
        with statistics_frozen(self.discriminator):
            fake_outputs = self.discriminator_outputs(fake_images, real_labels, training=True)
        terms = {"g_loss": (1.0, self.generator_loss(self.adversarial_output(fake_outputs)))}
        context = PhaseContext(real_images, real_labels, latent, fake_images, None, fake_outputs)
        return self._with_terms(terms, self.generator_terms, context, {})

    def after_discriminator_update(self):
        """Runs after each discriminator update (WGAN clips weights here)."""
        return None  # a body autograph can convert; a docstring alone trips it

    def after_generator_update(self, logs):
        """Runs after the generator update with the step's logs; may add to them."""
        return logs

    # ----- the step -------------------------------------------------------

    def discriminator_update(self, images, labels):
        """One discriminator update; changes only D's variables."""
        logs = self.apply_update(self.discriminator_phase, self.d_optimizer, self.d_variables,
                                 images, labels)
        self.after_discriminator_update()
        return logs

    def generator_update(self, images, labels):
        """One generator update; changes only G's variables."""
        return self.apply_update(self.generator_phase, self.g_optimizer, self.g_variables,
                                 images, labels)

    # True: with d_steps 1, D and G are updated together from one forward pass
    # (`simultaneous_step`), as the TensorFlow DCGAN tutorial and PyTorch-GAN do.
    simultaneous = False

    def simultaneous_step(self, images, labels):
        """D and G updated together from one forward pass; returns the step's logs.

        G runs once on fresh noise, D once on the real and once on the generated
        batch, under two tapes; each optimizer then applies its network's
        gradients. So G is updated against D as it was before D's update, and D
        learns from G's images before G's update: the TensorFlow DCGAN
        tutorial's `train_step`, and what PyTorch-GAN's loop computes (G's step,
        then D's on the same detached images, D unchanged in between). It is
        also cheaper than the alternating step, which runs G and D on generated
        images a second time. Only for models whose D has no batch norm: its
        one training-mode pass on fakes serves both losses.
        """
        batch_size = tf.shape(images)[0]
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake_images = self.generator(self.sample_latent(batch_size, labels), training=True)
            real_outputs = self.call_discriminator(images, labels, training=True)
            fake_outputs = self.call_discriminator(fake_images, labels, training=True)
            g_loss = self.generator_loss(fake_outputs)
            d_loss = self.discriminator_loss(real_outputs, fake_outputs)
            g_scaled = self.g_optimizer.scale_loss(replica_scaled(g_loss))
            d_scaled = self.d_optimizer.scale_loss(replica_scaled(d_loss))
        g_gradients = g_tape.gradient(g_scaled, self.g_variables)
        d_gradients = d_tape.gradient(d_scaled, self.d_variables)
        self.g_optimizer.apply(g_gradients, self.g_variables)
        self.d_optimizer.apply(d_gradients, self.d_variables)
        self.after_discriminator_update()
        real_name, fake_name = self.score_names
        return {"d_loss": d_loss, "g_loss": g_loss,
                real_name: tf.reduce_mean(self.discriminator_score(real_outputs)),
                fake_name: tf.reduce_mean(self.discriminator_score(fake_outputs))}

    def alternating_step(self, images, labels):
        """d_steps D updates, each on its own slice of the batch, then one G update; logs."""
        if self.d_steps > 1:
            images = tf.split(images, self.d_steps)
            labels = tf.split(labels, self.d_steps)
        else:
            images, labels = [images], [labels]
        logs = {}
        for i in range(self.d_steps):
            logs.update(self.discriminator_update(images[i], labels[i]))
        logs.update(self.generator_update(images[-1], labels[-1]))
        return logs

    def train_step(self, data):
        images, labels = self.unpack_batch(data)
        if self.simultaneous and self.d_steps == 1:
            logs = self.simultaneous_step(images, labels)
        else:
            logs = self.alternating_step(images, labels)
        logs = self.after_generator_update(logs)
        return self.finish_step(logs)
