"""The configuration of a training run: one frozen dataclass, checked on creation.

Library code takes a `Config`; only `main.py` knows about command-line flags.
Every field becomes a flag of the same name, and its `help` metadata is the
flag's help text, so the two cannot drift apart.
"""

import dataclasses
import os

from tfgan_mnist import datasets, precision
# How CoGAN's second domain is made from first-domain images (variants/cogan.py).
SECOND_DOMAINS = ("rotate", "negative", "edges")


class ConfigError(ValueError):
    """A field has a value that cannot work; the message names the field."""

    def __init__(self, field, value, expected):
        self.field = field
        super().__init__(f"--{field}={value}: {expected}")


def _field(default, help_text, **metadata):
    return dataclasses.field(default=default, metadata={"help": help_text, **metadata})


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything a training run needs to know. Defaults are the vanilla GAN's."""

    model: str = _field("vanilla_gan", "Registered model to train.", choices="models")
    dataset: str = _field("mnist", "Dataset to train on (a registered spec: datasets.py).",
                          choices="datasets")
    data_dir: str = _field(
        "",
        "Folder holding <dataset>/ with the four IDX files (gzipped or not) or "
        "<dataset>.npz; downloads are cached here too. Empty: "
        "$TFGAN_MNIST_DATA_DIR or ~/.cache/tfgan_mnist.",
    )
    images: str = _field(
        "", "Train on your own images instead of --dataset: a folder of PNG/JPEG/BMP/GIF "
        "files (searched recursively; subfolders name the classes when every image sits in "
        "one), an .npz/.npy of uint8 images, or tfds:NAME (a prepared TensorFlow Datasets "
        "copy). They are converted to 28x28 and kept in the workdir (dataset.npz); the run's "
        "dataset is then 'images'.")
    channels: int = _field(
        0, "With --images: 1 (grey) or 3 (colour); 0: colour when any image is, else grey.",
        choices=(0, 1, 3))
    holdout: float = _field(
        0.1, "With --images: the fraction held out (seeded by --seed) as the test split "
        "that evaluate scores against.", unit_interval=True)
    skip_bad: bool = _field(
        False, "With --images: leave out files that cannot be read (counted in a note) "
        "instead of stopping at the first one.")
    download: bool = _field(
        True, "Fetch the dataset when no prepared or local copy is found "
        "(--nodownload: fail instead).")
    workdir: str = _field(
        "", "Folder for checkpoints, TensorBoard events and sample grids. "
        "Empty: runs/<model>-<dataset>. A run in a folder with a checkpoint resumes.")
    train_steps: int = _field(10_000, "Generator updates to train for.", positive=True)
    batch_size: int = _field(128, "Images per discriminator update.", positive=True)
    z_dim: int = _field(100, "Dimensions of the generator's noise input.", positive=True)
    noise: str = _field(
        "", "The generator's noise: uniform (U(-1, 1)) or normal (N(0, 1)); empty: the "
        "model's own (its source's). Sampling, figures and exports draw the same kind.",
        choices=("", "uniform", "normal"))
    d_learning_rate: float = _field(1e-3, "Adam learning rate of the discriminator.", positive=True)
    g_learning_rate: float = _field(1e-3, "Adam learning rate of the generator.", positive=True)
    beta1: float = _field(0.9, "Adam beta_1 of both optimizers.", unit_interval=True)
    beta2: float = _field(0.999, "Adam beta_2 of both optimizers.", unit_interval=True)
    width: float = _field(
        1.0, "Multiplier on every hidden layer's width (small values make tiny test models).",
        positive=True)
    d_width: float = _field(
        1.0, "Multiplier on the discriminator's widths alone, on top of --width: 0.25 gives "
        "a discriminator of a quarter of the generator's width (Metz et al. 2016's harder "
        "Stacked MNIST setting).", positive=True)
    d_steps: int = _field(
        1, "Discriminator updates per generator update, each on a fresh real batch.",
        positive=True)
    pack: int = _field(
        1, "PacGAN's packing (Lin et al. 2018): the discriminator judges this many images "
        "at once, concatenated along channels, all real or all fake, so it sees "
        "batch_size / pack inputs (PacGAN's code keeps its batch in packed inputs: "
        "--batch_size=64*pack). 1: no packing. Adversarial models whose discriminator "
        "reads single images can pack; the others refuse.", positive=True)
    seed: int = _field(0, "Seed for weights, noise and data order.")
    log_every: int = _field(
        500, "Steps between scalar summaries and progress lines.", positive=True)
    summary_every: int = _field(
        1000, "Steps between histograms, image summaries and PNG sample grids.",
        positive=True)
    checkpoint_every: int = _field(1000, "Steps between checkpoints.", positive=True)
    keep_checkpoints: int = _field(3, "Checkpoints to keep.", positive=True)
    steps_per_call: int = _field(
        100, "Most training steps run inside one tf.function call (fewer Python round "
        "trips); calls are also kept to about a second so that a stop request is served "
        "promptly.", positive=True)
    mixed_precision: str = _field(
        "float32", "The precision layers compute in, variables and losses staying float32: "
        "bfloat16 (Keras 'mixed_bfloat16'; --mixed_precision alone), fast on CPUs with AMX "
        "or AVX512_BF16 and GPUs of compute capability 8.0 or newer; float16 ('mixed_float16' "
        "with dynamic loss scaling), for GPUs of compute capability 7.x such as a T4; "
        "float32 (--nomixed_precision).", precision=True)
    mixed_precision_where_fast: bool = _field(
        False, "As --mixed_precision where this machine computes bfloat16 natively (CPUs "
        "with AVX512_BF16 or AMX, GPUs of compute capability 8.0 or newer), float32 "
        "elsewhere, where bfloat16 is emulated and several times slower. The quick configs "
        "set it.")
    jit_compile: bool = _field(False, "Compile each training step with XLA (the loop and data sampling stay outside).")
    strategy: str = _field(
        "default", "tf.distribute strategy: default (one device), mirrored (every local "
        "GPU, or the CPU), multi_worker (several machines, from $TF_CONFIG). "
        "--batch_size is the global batch, split over the replicas.",
        choices=("default", "mirrored", "multi_worker"))
    deterministic: bool = _field(
        False, "Make runs repeatable bit for bit: seeded everything and TensorFlow's op "
        "determinism (a little slower).")
    on_nan: str = _field(
        "stop", "What a NaN or infinite loss does: stop (keep the last checkpoint) or "
        "rollback (restore the last checkpoint, halve the learning rates, go on; at most "
        "3 times).", choices=("stop", "rollback"))
    sample_grid: int = _field(8, "Rows and columns of the sample grid.", positive=True)
    eval_every: int = _field(
        0, "Steps between evaluations with the shipped classifier (0: none): Frechet "
        "distance, classifier score and class KL of --eval_samples images (a few seconds; "
        "python -m tfgan_mnist.evaluate adds KID, precision and recall). Writes eval/* "
        "scalars, a line of <workdir>/eval_history.jsonl, and keeps the checkpoint with "
        "the lowest Frechet distance in <workdir>/checkpoints_best.", non_negative=True)
    eval_samples: int = _field(2_000, "Generated images per evaluation during training (the "
                               "real-data reference scores as many).", positive=True)
    ema_decay: float = _field(
        0.999, "Decay of the exponential moving average of the generator's (decoder's) "
        "weights, kept beside the trained ones and used by sampling, figures, export and "
        "evaluation (their --raw_weights uses the trained ones); warm-up min(decay, "
        "(1 + step) / (ema_warmup + step)). Training does not read it. 0: no average.",
        unit_interval=True)
    ema_warmup: float = _field(
        10.0, "The average's warm-up c: its decay is min(--ema_decay, (1 + step) / (c + "
        "step)), so early averages are not mostly the initial weights. 10 (TensorFlow's "
        "ExponentialMovingAverage with num_updates) reaches a decay of 0.999 at step 8,990, "
        "averaging over about the last (c + step)/(c - 1) steps until then; 2 reaches it "
        "at step 998; 1: no warm-up. At least 1.")
    train_minutes: float = _field(
        0.0, "Stop cleanly after this many minutes of training, as at --train_steps "
        "(checkpoint, summaries and samples written); a resumed run continues toward the "
        "same budget, counted in the checkpoint. 0: no time limit.", non_negative=True)

    # --- BEGAN (TwistedW/tensorflow-GANs BEGAN.py); defaults are that source's values.
    diversity_ratio: float = _field(
        0.75, "BEGAN's gamma = E[L(G(z))] / E[L(x)] that k steers to; in (0, 1].",
        models=("began",))
    k_learning_rate: float = _field(
        0.001, "BEGAN's lambda_k: step size of the control variable k.", non_negative=True,
        models=("began",))

    # --- EBGAN (Zhao et al. 2016; the collection's EBGAN.py) ---
    ebgan_energy: str = _field(
        "mse", "EBGAN's energy: mse (each image's mean squared reconstruction error, the "
        "margin per image) or collection (the collection's ||D(x) - x|| of the batch / "
        "batch size).", choices=("mse", "collection"), models=("ebgan",))
    energy_margin: float = _field(
        1.0, "EBGAN's margin m in D's loss D(x) + max(0, m - D(G(z))), in the energy's "
        "units.", positive=True, models=("ebgan",))
    pt_weight: float = _field(
        0.1, "EBGAN: weight of the pull-away term in G's loss (0: none).", non_negative=True,
        models=("ebgan",))
    ebgan_batch_norm: bool = _field(
        True, "EBGAN: batch norm on the FC layer of D's decoder (the collection's).",
        models=("ebgan",))
    ebgan_joint_batch: bool = _field(
        False, "EBGAN: real and generated images through D as one batch (joint batch-norm "
        "statistics) in D's update; false: two calls, as the collection does.",
        models=("ebgan",))
    pt_squared: bool = _field(
        True, "EBGAN: square the cosine similarities of the pull-away term, as the paper "
        "does (false: the collection's unsquared mean).", models=("ebgan",))

    # ----- GAN collection (gan, cgan, acgan, infogan, lsgan, wgan, wgan_gp, dragan) -----
    clip_value: float = _field(
        0.01, "WGAN: clip every critic weight to [-clip_value, clip_value] after each "
        "critic update.", positive=True, models=("wgan",))
    gp_weight: float = _field(
        0.25, "WGAN-GP and DRAGAN: weight of the gradient penalty (the collection's 0.25; "
        "the WGAN-GP paper's is 10).", models=("wgan_gp", "dragan"))
    info_categorical_weight: float = _field(
        1.0, "infoGAN: weight of the categorical code's information loss.", models=("infogan",))
    info_continuous_weight: float = _field(
        1.0, "infoGAN: weight of the continuous codes' information loss.", models=("infogan",))
    info_supervised: bool = _field(
        True, "infoGAN: use the real batch's labels as the categorical code (the "
        "collection's default); false draws it uniformly, as in the paper.",
        models=("infogan",))

    # ----- autoencoders and two-domain models (vae, cvae, aae, vae_gan, cogan) -----
    e_learning_rate: float = _field(
        1e-3, "Adam learning rate of the encoder, where it has an optimizer of its own "
        "(vae_gan).", positive=True, models=("vae_gan",))
    adversarial_weight: float = _field(
        0.001, "aae: weight of the adversarial term of the autoencoder's loss; the L1 "
        "reconstruction term gets 1 minus it.", models=("aae",))
    second_domain: str = _field(
        "rotate", "cogan, cogan_conv: domain 2 as a transform of domain-1 images: rotate "
        "(90 degrees), negative (inverted pixels) or edges (3x3 dilation minus the image).",
        choices=SECOND_DOMAINS, models=("cogan", "cogan_conv"))
    weight_decay: float = _field(
        5e-4, "cogan_conv: L2 weight decay of both networks (PyTorch Adam's coupled kind: "
        "weight_decay * w added to each gradient); 0 turns it off.", models=("cogan_conv",))

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            meta = field.metadata
            if meta.get("precision"):  # older spellings (True, "false") to their names
                try:
                    value = precision.canonical(value)
                except ValueError as error:
                    raise ConfigError(field.name, value, str(error).split(": ", 1)[1]) from None
                object.__setattr__(self, field.name, value)
            if meta.get("positive") and not value > 0:
                raise ConfigError(field.name, value, "must be positive")
            if meta.get("unit_interval") and not 0.0 <= value < 1.0:
                raise ConfigError(field.name, value, "must be in [0, 1)")
            if meta.get("non_negative") and not value >= 0:
                raise ConfigError(field.name, value, "must be zero or positive")
            choices = meta.get("choices")
            if choices == "datasets":
                choices = datasets.names()
            if isinstance(choices, tuple) and value not in choices:
                raise ConfigError(field.name, value, "valid values: " + ", ".join(
                    str(choice) if choice != "" else "'' (the default)" for choice in choices))
        if self.ema_warmup < 1.0:
            raise ConfigError("ema_warmup", self.ema_warmup, "must be at least 1 (1: no "
                              "warm-up; 10: the default)")
        if not 0.0 < self.diversity_ratio <= 1.0:
            raise ConfigError("diversity_ratio", self.diversity_ratio, "must be in (0, 1]")
        if self.train_minutes and self.strategy == "multi_worker":
            raise ConfigError("train_minutes", self.train_minutes,
                              "not with --strategy=multi_worker (each worker's clock would "
                              "stop it at another step); give --train_steps")
        if self.eval_every and not datasets.get(self.dataset).classifier and not self.images:
            raise ConfigError("eval_every", self.eval_every,
                              f"dataset {self.dataset} has no shipped classifier to score "
                              "samples with; give --eval_every=0")
        if self.batch_size % self.pack:
            raise ConfigError("pack", self.pack, f"must divide --batch_size={self.batch_size} "
                              "(a discriminator batch is whole packs)")
        if not 0.0 <= self.adversarial_weight <= 1.0:
            raise ConfigError("adversarial_weight", self.adversarial_weight, "must be in [0, 1]")

    @property
    def run_dir(self):
        """The workdir, or its default when none was given."""
        return self.workdir or os.path.join("runs", f"{self.model}-{self.dataset}")

    def replace(self, **changes):
        """A copy with some fields changed, checked again."""
        return dataclasses.replace(self, **changes)

    def to_flags(self):
        """The config as flagfile lines that reproduce it.

        Options that only other models use are left out: they play no part in
        this run, and --flagfile of the result must be accepted for this model.
        """
        return "".join(f"--{f.name}={getattr(self, f.name)}\n" for f in dataclasses.fields(self)
                       if self.model in f.metadata.get("models", (self.model,)))

    @classmethod
    def from_strings(cls, values):
        """A Config from {field: text or value}, as a flagfile holds them."""
        fields = {field.name: field for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ConfigError(unknown[0], values[unknown[0]], "no such setting in this version")
        typed = {}
        for name, value in values.items():
            kind = fields[name].type
            kind = kind if isinstance(kind, str) else kind.__name__
            if not isinstance(value, str) or kind == "str":
                typed[name] = value
            elif kind == "bool":
                typed[name] = value.strip().lower() in ("true", "1", "yes")
            else:
                try:
                    typed[name] = int(value) if kind == "int" else float(value)
                except ValueError:
                    raise ConfigError(name, value, f"must be a number ({kind})") from None
        return cls(**typed)


def read_flagfile(path):
    """{flag: text} of the flag lines of a flagfile (comments and others skipped).

    `--name=value` gives its text; a bare boolean flag is read as absl reads
    it: `--name` is "true" and `--noname` is "false" for a boolean setting
    `name` (a configs/*.flags file writes `--jit_compile` that way), and for
    --mixed_precision, whose "true" is bfloat16. A
    `--flagfile=PATH` line is read in its place, as absl does: PATH relative
    to the working directory, or else to the folder above the including
    file's (configs/x.flags includes configs/base/...: the repository root).
    """
    booleans = {field.name for field in dataclasses.fields(Config)
                if field.type in (bool, "bool") or field.metadata.get("precision")}
    values = {}
    with open(path) as flagfile:
        for line in flagfile:
            line = line.strip()
            if not line.startswith("--"):
                continue
            if line.startswith("--flagfile="):
                included = line.split("=", 1)[1]
                if not os.path.isabs(included) and not os.path.exists(included):
                    included = os.path.join(os.path.dirname(os.path.dirname(
                        os.path.abspath(path))), included)
                values.update(read_flagfile(included))
                continue
            if "=" in line:
                name, value = line[2:].split("=", 1)
            elif line[2:] in booleans:
                name, value = line[2:], "true"
            elif line[2:].startswith("no") and line[4:] in booleans:
                name, value = line[4:], "false"
            else:
                continue
            values[name] = value
    return values
