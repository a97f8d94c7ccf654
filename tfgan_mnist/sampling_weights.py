"""Which weights sampling uses: the trained generator, its moving average, standing statistics.

`SamplingWeights` is the part of every model (`gan.GenerativeModel`) that
keeps and chooses the network that sampling, figures, evaluation and exports
read (`sampling_network()`): an exponential moving average of the trained
generator's weights (Yazici et al. 2019, "The Unusual Effectiveness of
Averaging in GAN Training"), and a copy with standing batch-norm statistics
(BigGAN's "standing stats", Brock et al. 2019). Training never reads either.
"""

import contextlib

import keras
import tensorflow as tf

# Standing batch-norm statistics: batches of fresh generator inputs they average over.
STANDING_BATCHES = 16
STANDING_BATCH = 256


def batch_norm_layers(network):
    """The BatchNormalization layers inside a Keras network, in a fixed order."""
    return [layer for layer in network._flatten_layers(include_self=False)
            if isinstance(layer, keras.layers.BatchNormalization)]


class SamplingWeights:
    """The averaged and standing-statistics copies of a model's generator network.

    A mixin of `gan.GenerativeModel`: it reads the model's `trained_network()`,
    `sample_latent`, `example_labels`, `step`, `conditional` and `num_classes`.
    """

    def sampling_network(self):
        """The network sampling uses and an export saves: the copy with standing batch-norm
        statistics once `use_standing_statistics` made one, else the averaged copy where it
        is kept and `use_average` is on (the default), else the trained network."""
        if self.standing is not None:
            return self.standing
        if self.averaged is not None and self.use_average:
            return self.averaged
        return self.trained_network()

    # ----- standing batch-norm statistics (BigGAN's "standing stats") -----------

    standing = None  # a copy of the sampling network with recomputed batch-norm statistics

    def use_standing_statistics(self, batches=None, batch_size=None, seed=0):
        """Sample from a copy of `sampling_network()` whose batch-norm statistics are the
        means of the batch statistics of `batches` batches of fresh generator inputs
        (defaults: STANDING_BATCHES of STANDING_BATCH).

        The moving statistics Keras keeps during training start at mean 0 and
        variance 1 and trail the weights (the averaged weights never had
        statistics of their own: theirs are the trained network's). The copy's
        statistics are those of the weights being sampled, as at training time.
        The trained network and the averaged copy do not change. Conditional
        models draw every class in turn. Returns the number of batch-norm layers
        (0: there are none, nothing changes).
        """
        batches = STANDING_BATCHES if batches is None else batches
        batch_size = STANDING_BATCH if batch_size is None else batch_size
        object.__setattr__(self, "standing", None)
        try:
            source = self.sampling_network()
        except ValueError:  # no single generator network (CoGAN from two generators)
            return 0
        if not batch_norm_layers(source):
            return 0
        config = {**source.get_config(), "name": f"standing_{source.name}"}
        copy = type(source).from_config(config)
        copy(self.sample_latent(1, self.example_labels(1), seed=0), training=False)
        for target, value in zip(copy.variables, source.variables):
            target.assign(value)
        layers = batch_norm_layers(copy)
        for index in range(batches):
            # momentum k / (k + 1) after k batches: the moving statistic is the running
            # mean of the batches' statistics, the first batch replacing the start value.
            for layer in layers:
                layer.momentum = index / (index + 1)
            labels = (tf.range(batch_size) % self.num_classes if self.conditional else None)
            copy(self.sample_latent(batch_size, labels, seed=seed + index),
                 training=True)
        for layer, original in zip(layers, batch_norm_layers(source)):
            layer.momentum = original.momentum
        object.__setattr__(self, "standing", copy)
        return len(layers)

    def drop_standing_statistics(self):
        """Sample from the averaged or trained network again (their moving statistics)."""
        object.__setattr__(self, "standing", None)

    _standing_made_for = None  # (key, copy) of the last copy made under a key

    @contextlib.contextmanager
    def standing_statistics(self, enabled=True, key=None):
        """Within the block, sampling uses standing statistics of the current weights (the
        trainer draws its figures and evaluations so); after it, the networks' own again.

        With a `key` (the trainer passes the step: weights do not change within one),
        the copy made last under the same key is used again, so the figures and the
        evaluation of one step recompute the statistics once."""
        if enabled:
            made = self._standing_made_for
            if key is not None and made is not None and made[0] == key:
                object.__setattr__(self, "standing", made[1])
            else:
                self.use_standing_statistics()
                object.__setattr__(self, "_standing_made_for",
                                   None if key is None else (key, self.standing))
        try:
            yield self
        finally:
            if enabled:
                self.drop_standing_statistics()

    # ----- averaged generator weights (Yazici et al. 2019) ----------------------

    averaged = None  # the averaged copy of trained_network(), once enable_average made it
    use_average = True  # sampling, figures, export and evaluation use it; False: raw weights
    ema_decay = 0.0
    ema_warmup = 10.0

    def enable_average(self, decay, warmup=10.0):
        """Keep an exponential moving average of the trained network's weights (decay in (0, 1),
        warm-up constant `warmup` >= 1: `update_average`).

        The copy is another instance of the network's class (from its config),
        named averaged_<name>, starting from the current weights; checkpoints
        hold it (`extra_state`). Training never reads it.
        """
        if not decay:
            return
        network = self.trained_network()
        config = {**network.get_config(), "name": f"averaged_{network.name}"}
        copy = type(network).from_config(config)
        copy(self.sample_latent(1, self.example_labels(1), seed=0), training=False)
        self.ema_decay, self.ema_warmup = float(decay), float(warmup)
        # Not tracked by the model: checkpoints hold them as extras (workdir.RunCheckpoint),
        # so checkpoints written before the average existed still fit the model.
        object.__setattr__(self, "averaged", copy)
        object.__setattr__(self, "average_updates", keras.Variable(
            0, dtype="int64", trainable=False, name="average_updates"))
        self.copy_to_average()

    def extra_state(self):
        """{name: trackable} a checkpoint holds beside the model: the average, where kept."""
        if self.averaged is None:
            return {}
        return {"averaged": self.averaged, "average_updates": self.average_updates}

    def copy_to_average(self):
        """Set the averaged weights to the trained ones (at the start, or for an older run)."""
        for average, variable in zip(self.averaged.variables, self.trained_network().variables):
            average.assign(variable)

    def update_average(self):
        """One step of the average: a <- d a + (1 - d) w, d = min(decay, (1 + t) / (c + t)).

        t is the step count, c the warm-up constant (`ema_warmup`, 10 by default: until
        the decay binds the average spans about the last (c + t) / (c - 1) steps); the warm-up keeps
        early averages from being mostly the initial weights. Batch-norm statistics (and
        other non-trainable state) are copied as they are.
        """
        if self.averaged is None:
            return
        step = tf.cast(self.step, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (self.ema_warmup + step))
        for average, variable in zip(self.averaged.variables, self.trained_network().variables):
            if variable.trainable:
                average.assign(decay * average + (1.0 - decay) * tf.cast(variable, average.dtype))
            else:
                average.assign(variable)
        self.average_updates.assign_add(1)

    def after_restore(self):
        """A run restored from a checkpoint without averaged weights starts them from its own."""
        if self.averaged is not None and int(self.average_updates.numpy()) == 0:
            self.copy_to_average()
