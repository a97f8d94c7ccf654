"""Images from any trained model: `Generator` and `load_generator`.

`Generator` turns any trained model into uint8 images, whatever its kind
(GAN, VAE, ...) and wherever it came from: a model in memory, a workdir
(`checkpoints.restore`), an exported SavedModel or an exported `.keras` file
(`ExportedGenerator`). It relies only on the `GenerativeModel` interface that
every model implements (`gan.py`): `sample_latent`, `latent_from_noise`,
`generate`, `sampling_network`, `to_uint8`, `figures` and `pictures`.
`use_weights` chooses the weights a restored model samples with.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_mnist import datasets
from tfgan_mnist import gan as gan_lib
from tfgan_mnist import sampling_weights
from tfgan_mnist.checkpoints import LoadError, config_as_dict, config_from_dict, restore

METADATA_FILE = "metadata.json"  # in a SavedModel's assets/


# ----- generating images, for any model -------------------------------------


def output_list(images):
    """A model's output as a list of image batches (CoGAN-like models give one per domain)."""
    return list(images) if isinstance(images, (list, tuple)) else [images]


def draw_noise(kind, batch_size, latent_dim, seed):
    """The noise `GenerativeModel.draw_noise(batch_size, seed)` draws, without a model."""
    shape = (batch_size, latent_dim)
    if kind == "normal":
        return keras.random.normal(shape, seed=seed)
    return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)


def check_labels(labels, count, conditional, num_classes, model_name, flag="labels"):
    """int32 labels for `count` conditional samples, or None; errors name `flag`.

    None gives 0, 1, ..., num_classes - 1, 0, 1, ... (every class equally often);
    one int gives that class for all; a sequence must have `count` entries.
    """
    if not conditional:
        if labels is not None:
            raise ValueError(f"--{flag}: model {model_name} is unconditional and takes no "
                             "labels; drop the option")
        return None
    if labels is None:
        return np.arange(count, dtype=np.int32) % num_classes
    labels = np.asarray(labels)
    if labels.ndim == 0:
        labels = np.full((count,), labels)
    if labels.shape != (count,):
        raise ValueError(f"--{flag}: {labels.size} labels for {count} samples")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 \
            or labels.max() >= num_classes:
        raise ValueError(f"--{flag}: labels are integers 0..{num_classes - 1}, got "
                         f"{sorted(set(labels.tolist()))}")
    return labels.astype(np.int32)


def class_names(dataset, num_classes):
    """Printable class names: the dataset spec's (digits for MNIST, garments for
    Fashion-MNIST), or the class numbers where the spec has none for this many classes
    (a dataset no longer registered, an infoGAN's codes)."""
    names = datasets.get(dataset).class_names if dataset in datasets.names() else ()
    if len(names) == num_classes:
        return list(names)
    return [str(i) for i in range(num_classes)]


def fresh_seed():
    """A random seed to draw with and report, so any drawing can be reproduced."""
    return int(np.random.default_rng().integers(0, 2**31 - 1))


class Generator:
    """uint8 images from a trained model: `sample(n, labels=None, seed=None)`; (n, H, W)
    for one channel, (n, H, W, C) for several (`datasets.stored_form`).

    Attributes: `model_name`, `dataset`, `step`, `conditional`, `num_classes`,
    `latent_dim`, `config` (a Config), `metadata` (a JSON-ready dict), and
    `model` (the GenerativeModel; untrained for exported sources, where it only
    builds generator inputs).
    """

    def __init__(self, model, config, step, source, images_fn=None, noise_fn=None,
                 exported=None):
        self.model = model
        self.exported = exported  # an exported file's metadata; None for a checkpoint
        self.config = config
        self.step = int(step)
        self.source = source
        self._images_fn = images_fn  # (noise, labels, seed) -> output; None: the model
        self._noise_fn = noise_fn  # exported sources: (noise, labels) -> output
        self.model_name = config.model
        self.dataset = config.dataset
        self.conditional = bool(model.conditional)
        self.num_classes = int(model.num_classes)
        self.latent_dim = int(model.latent_dim)

    @property
    def metadata(self):
        """What an export records: model, dataset, step, config and the sampling interface."""
        return {
            "format": "tfgan_mnist generator",
            "model": self.model_name,
            "dataset": self.dataset,
            "step": self.step,
            "config": config_as_dict(self.config),
            "latent_dim": self.latent_dim,
            "noise": self.model.noise,
            "image_range": [float(v) for v in self.model.image_range],
            "conditional": self.conditional,
            "num_classes": self.num_classes,
            # the spec, so that an export of a run on its own images loads without them
            "dataset_spec": _spec_record(self.dataset),
            **self._weights_in_use(),
        }

    def _weights_in_use(self):
        """{"weights": averaged or trained, "bn_statistics": standing, moving or none}."""
        if self.exported is not None:  # what the file was exported with
            return {"weights": self.exported.get("weights", "trained"),
                    "bn_statistics": self.exported.get("bn_statistics", "moving")}
        weights = ("averaged" if getattr(self.model, "averaged", None) is not None
                   and self.model.use_average else "trained")
        if getattr(self.model, "standing", None) is not None:
            return {"weights": weights, "bn_statistics": "standing"}
        try:
            network = self.model.sampling_network()
        except ValueError:  # no single generator network
            return {"weights": weights, "bn_statistics": "none"}
        return {"weights": weights,
                "bn_statistics": "moving" if sampling_weights.batch_norm_layers(network) else "none"}

    def labels_for(self, count, labels=None):
        """The int32 labels `sample` uses (None for unconditional models)."""
        return check_labels(labels, count, self.conditional, self.num_classes, self.model_name)

    def noise(self, count, seed):
        """The noise `sample(count, seed=seed)` starts from: float32 (count, latent_dim)."""
        return draw_noise(self.model.noise, count, self.latent_dim, seed)

    def sample_outputs(self, count, labels=None, seed=None):
        """uint8 images of every output, [(count, H, W[, C]), ...], and the labels used."""
        if count < 1:
            raise ValueError(f"--num={count}: must be positive")
        labels = self.labels_for(count, labels)
        seed = fresh_seed() if seed is None else int(seed)
        label_tensor = None if labels is None else tf.constant(labels, tf.int32)
        if self._images_fn is None:
            output = self.model.generate(self.model.sample_latent(count, label_tensor,
                                                                   seed=seed))
        else:
            output = self._images_fn(self.noise(count, seed), label_tensor, seed)
        images = [np.asarray(self._to_uint8(batch)) for batch in output_list(output)]
        return images, labels

    def images_from_noise(self, noise, labels=None):
        """uint8 images of every output for given noise (and labels), [(n, H, W[, C]), ...].

        Uses the model's `latent_from_noise`, for every source: a workdir, a
        model in memory, an exported SavedModel or `.keras` file.
        """
        noise = tf.constant(np.asarray(noise, np.float32))
        count = int(noise.shape[0])
        labels = self.labels_for(count, labels)
        label_tensor = None if labels is None else tf.constant(labels, tf.int32)
        if self._noise_fn is not None:
            output = self._noise_fn(noise, label_tensor)
        elif self._images_fn is not None:
            raise ValueError(f"{self.source}: this source cannot draw from given noise")
        else:
            output = self.model.generate(self.model.latent_from_noise(noise, label_tensor))
        return [np.asarray(self._to_uint8(batch)) for batch in output_list(output)]

    def _to_uint8(self, batch):
        if batch.dtype == "uint8":
            return datasets.stored_form(batch)
        return datasets.stored_form(self.model.to_uint8(batch))

    def sample(self, count, labels=None, seed=None):
        """`count` uint8 images (count, H, W), or (count, H, W, C) for several channels;
        `seed` makes them reproducible.

        Conditional models take `labels` (an int or `count` ints; default the
        classes in turn); models with several outputs give their first.
        """
        return self.sample_outputs(count, labels, seed)[0][0]


# ----- the exported .keras network -----------------------------------------

def _latent_spec(latent):
    """The shapes (without batch) and dtypes of generator inputs, JSON-ready."""
    return tf.nest.map_structure(
        lambda t: {"shape": [int(d) for d in t.shape[1:]], "dtype": t.dtype.name}, latent)


def _zeros_like_spec(spec):
    if isinstance(spec, dict) and set(spec) == {"shape", "dtype"}:
        return tf.zeros([1] + spec["shape"], spec["dtype"])
    if isinstance(spec, list):
        return [_zeros_like_spec(item) for item in spec]
    return {key: _zeros_like_spec(value) for key, value in spec.items()}


@keras.saving.register_keras_serializable(package="tfgan_mnist")
class ExportedGenerator(keras.Model):
    """A generator network with the record of where it came from (`metadata`).

    `exported(latent)` is the network's images for generator inputs `latent`.
    The wrapper builds itself on load from the recorded input structure, so
    generators with structured inputs (noise and labels) load their weights too.
    """

    def __init__(self, network, metadata_json="{}", latent_spec_json="null", **kwargs):
        super().__init__(**kwargs)
        if isinstance(network, dict):
            network = keras.saving.deserialize_keras_object(network)
        self.network = network
        self.metadata_json = metadata_json
        self.latent_spec_json = latent_spec_json

    @property
    def metadata(self):
        """Model, dataset, step, config and sampling interface, as a dict."""
        return json.loads(self.metadata_json)

    def serve(self, noise, labels=None):
        """{"images": uint8 (n, H, W[, C]), ...} for `noise` (n, latent_dim) and int `labels` (n,).

        The SavedModel's `serving_default` signature, in Python: the noise is
        what `metadata["noise"]` says (uniform on [-1, 1] or standard normal),
        labels only for conditional models; models with two outputs (CoGAN)
        also give "images_1". `exported(latent)` instead takes the generator
        inputs the model builds from noise and labels and returns images in
        the model's float range.
        """
        model = self._sampling_model()
        noise = tf.convert_to_tensor(noise, tf.float32)
        if model.conditional != (labels is not None):
            raise ValueError(f"{self.metadata['model']} is "
                             + ("conditional: give labels" if model.conditional else
                                "unconditional: give no labels"))
        labels = None if labels is None else tf.convert_to_tensor(labels, tf.int32)
        latent = model.latent_from_noise(noise, labels)
        batches = output_list(self(latent))
        return {("images" if index == 0 else f"images_{index}"):
                datasets.stored_form(model.to_uint8(batch)) for index, batch in enumerate(batches)}

    def _sampling_model(self):
        """An untrained model of the recorded config: it builds generator inputs from noise."""
        if getattr(self, "_model", None) is None:
            config = _exported_config(self.metadata, "metadata")
            object.__setattr__(self, "_model", sampling_interface(config))  # not tracked
        return self._model

    def call(self, latent, training=False):
        if self.latent_spec_json == "null":
            self.latent_spec_json = json.dumps(_latent_spec(latent))
        return self.network(latent, training=training)

    def get_config(self):
        network = keras.saving.serialize_keras_object(self.network)
        network.pop("build_config", None)  # the wrapper builds the network (structured inputs)
        return {**super().get_config(), "network": network, "metadata_json": self.metadata_json,
                "latent_spec_json": self.latent_spec_json}

    def get_build_config(self):
        return {"latent_spec": json.loads(self.latent_spec_json)}

    def build_from_config(self, config):
        self(_zeros_like_spec(config["latent_spec"]))


def sampling_interface(config):
    """An untrained model of `config` for an exported file: it builds generator inputs only.

    Built without the averaged copy (the exported file holds the weights).
    """
    from tfgan_mnist import variants

    return variants.build(config.replace(ema_decay=0.0))


def _spec_record(dataset):
    """{"image_shape", "class_names", "about"} of a registered dataset (None if unknown)."""
    if dataset not in datasets.names():
        return None
    spec = datasets.get(dataset)
    return {"image_shape": list(spec.image_shape), "class_names": list(spec.class_names),
            "about": spec.about}


def _exported_config(metadata, where):
    """The Config an export recorded; a dataset made at run time (a run's own images) is
    registered again from the export's record of its spec."""
    from tfgan_mnist import own_images

    dataset = metadata["config"].get("dataset")
    record = metadata.get("dataset_spec")
    if dataset == own_images.NAME and record:
        own_images.register(record["image_shape"], record["class_names"], record["about"],
                            None)
    return config_from_dict(metadata["config"], where)


def _from_savedmodel(path):
    meta_path = os.path.join(path, "assets", METADATA_FILE)
    if not os.path.exists(meta_path):
        raise LoadError(f"{path}: a SavedModel without assets/{METADATA_FILE}; export it "
                        "with python -m tfgan_mnist.export")
    metadata = json.load(open(meta_path))
    config = _exported_config(metadata, meta_path)
    model = sampling_interface(config)
    serve = tf.saved_model.load(path).signatures["serving_default"]

    def images(noise, labels, seed):
        inputs = {"noise": noise}
        if labels is not None:
            inputs["labels"] = labels
        outputs = serve(**inputs)
        return [outputs[key] for key in sorted(outputs)]  # images, images_1, ...

    return Generator(model, config, metadata["step"], path, images,
                     lambda noise, labels: images(noise, labels, None), metadata)


def _from_keras_file(path):
    from tfgan_mnist import variants  # noqa: F401 (registers the network classes the file names)

    try:
        network = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a bad file
        raise LoadError(f"{path}: cannot load this .keras file "
                        f"({str(error).splitlines()[0][:200]})") from None
    if not isinstance(network, ExportedGenerator):
        raise LoadError(f"{path}: a .keras file that tfgan_mnist.export did not write")
    metadata = network.metadata
    config = _exported_config(metadata, path)
    model = sampling_interface(config)

    def images(noise, labels, seed):
        return network(model.sample_latent(noise.shape[0], labels, seed=seed))

    def from_noise(noise, labels):
        served = network.serve(noise, labels)
        return [served[key] for key in sorted(served)]  # images, images_1, ...

    object.__setattr__(network, "_model", model)  # serve() builds its inputs with it
    return Generator(model, config, metadata["step"], path, images, from_noise, metadata)


# --bn_statistics of sample, pictures, export and evaluate.
BN_STATISTICS = ("standing", "moving")
BN_STATISTICS_DEFAULT = gan_lib.BN_STATISTICS_DEFAULT
BN_STATISTICS_HELP = (
    "Batch-norm statistics of the generator sampled: standing (recomputed over 16 batches "
    "of 256 fresh noise inputs with the weights in use, so they fit them) or moving (the "
    "moving averages Keras kept during training, which trail the weights and were never "
    "the averaged weights' own). Generators without batch norm are the same either way.")


def use_weights(model, raw_weights=False, bn_statistics=BN_STATISTICS_DEFAULT):
    """Set which weights a restored model samples with: its averaged copy (or the trained
    network with `raw_weights`), and standing or moving batch-norm statistics."""
    if bn_statistics not in BN_STATISTICS:
        raise ValueError(f"--bn_statistics={bn_statistics}: valid: {', '.join(BN_STATISTICS)}")
    model.use_average = not raw_weights
    model.drop_standing_statistics()
    if bn_statistics == "standing":
        model.use_standing_statistics()


def load_generator(source, checkpoint="latest", config=None, raw_weights=False,
                   bn_statistics=BN_STATISTICS_DEFAULT):
    """A `Generator` from a trained model, a workdir, an exported SavedModel or a .keras file.

    For a model in memory, `config` is the Config that built it (models from
    `tfgan_mnist.build` carry theirs as `run_config`); it samples as it is. A
    workdir's generator samples with its averaged weights (--ema_decay) unless
    `raw_weights`, and with standing batch-norm statistics unless
    `bn_statistics="moving"` (see `use_weights`). An export keeps what it was
    exported with.
    """
    if not isinstance(source, (str, os.PathLike)):
        model = source
        if not hasattr(model, "sample_latent"):
            raise TypeError(f"load_generator takes a path or a tfgan_mnist model, not "
                            f"{type(model).__name__}")
        config = config or getattr(model, "run_config", None)
        if config is None:
            raise TypeError("load_generator(model) needs the model's Config: pass config=, "
                            "or build the model with tfgan_mnist.build")
        return Generator(model, config, int(model.step.numpy()), "memory")
    source = os.fspath(source)
    if source.endswith(".keras"):
        if not os.path.isfile(source):
            raise LoadError(f"{source}: no such file")
        return _from_keras_file(source)
    if os.path.exists(os.path.join(source, "saved_model.pb")):
        return _from_savedmodel(source)
    restored = restore(source, checkpoint)
    use_weights(restored.model, raw_weights, bn_statistics)
    return Generator(restored.model, restored.config, restored.step, restored.checkpoint_path)
