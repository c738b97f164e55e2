"""One epoch of a group of runs as one TensorFlow graph call, and the named steps it is built from.

The runs trained together form a ``RunGroup``: the runs an epoch takes the same number of steps. One run per
"slot" of stacked tensors (leading axis = slots); weights and Adam moments are TensorFlow variables updated in place
for the whole training; the early-stopping state, dropout keys and early-stopping rows are tensors. An epoch of a
group (``epoch_function``) is:

  batches         each run's shuffled fitting rows for the epoch (NumPy, the run's own generator)
  dropout_masks   each run's masks, a counter-based hash of (run seed, epoch, step, layer): from its seed alone
  adam_step       one Adam update of every slot of the group (Keras' rule, TensorFlow's fused kernel)
  early_stopping  per slot: best early-stopping loss, its epoch and weights, the patience counter

Why Adam is written out: the runs must step and stop independently. A shared Keras optimizer updates every
variable it holds on every step and keeps one step counter, so it cannot freeze one run at its early-stopping
point while the others go on, nor skip the empty last batch of a run with fewer rows. Nothing is drawn for runs
that do not train, and a run's masks do not depend on the runs beside it, so a resumed training reproduces the
runs an uninterrupted one would have made.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from helpers.modeling.network import RunResult, TrainConfig, activation, forward, glorot_init, tensorflow

ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # Keras' defaults
_U32 = 0xFFFFFFFF
_GOLDEN = 0x9E3779B9
_MIX_1, _MIX_2 = 0x7FEB352D, 0x846CA68B  # lowbias32 (Chris Wellons' integer hash)


def _mix_int(x: int) -> int:
    """lowbias32 of a Python int (the same hash as ``_mix`` on tensors)."""
    x &= _U32
    x ^= x >> 16
    x = (x * _MIX_1) & _U32
    x ^= x >> 15
    x = (x * _MIX_2) & _U32
    return x ^ (x >> 16)


def run_key(seed: int) -> int:
    """The 32-bit key of a run's dropout stream, from its seed."""
    return _mix_int(_mix_int(seed) + _GOLDEN * (((seed >> 32) & _U32) + 1))


def _mix(x):
    """lowbias32 of a uint32 tensor."""
    tf = tensorflow()

    def shift(a, n):
        return tf.bitwise.right_shift(a, tf.constant(n, tf.uint32))

    x = tf.bitwise.bitwise_xor(x, shift(x, 16)) * tf.constant(_MIX_1, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, shift(x, 15)) * tf.constant(_MIX_2, tf.uint32)
    return tf.bitwise.bitwise_xor(x, shift(x, 16))


def dropout_masks(keys, epoch, steps, batch: int, widths: tuple[int, ...], rate: float):
    """Dropout masks (slots x steps x batch x width per hidden layer, scaled by 1 / keep probability).

    Element (row, unit) of run k's mask at (epoch, step, layer) is ``mix((position + c) ^ key_k) >= rate``
    with c a hash of (epoch, step, layer): a counter-based stream that depends only on the run's seed. ``steps``
    (a vector of step numbers in the epoch) gives the masks of several steps at once; a scalar gives one step's.
    """
    tf = tensorflow()

    u32 = tf.uint32
    c0 = _mix(_mix(tf.cast(epoch, u32) + tf.constant(_GOLDEN, u32)) + tf.cast(steps, u32))
    key_shape = tf.concat([[-1], tf.ones([tf.rank(c0) + 2], tf.int32)], 0)
    key = tf.reshape(keys, key_shape)
    threshold = _keep_threshold(rate)  # one integer comparison instead of shift, float conversion and comparison
    scale, zero = tf.constant(1.0 / (1.0 - rate), tf.float32), tf.constant(0.0, tf.float32)
    masks = []
    for layer, width in enumerate(widths):
        c = _mix(c0 + tf.constant(layer, u32))
        pos = tf.reshape(tf.cast(tf.range(batch * width), u32), [batch, width])
        bits = _mix(tf.bitwise.bitwise_xor(c[..., None, None] + pos, key))
        kept = bits >= tf.constant(threshold, u32) if threshold <= _U32 else tf.zeros_like(bits, tf.bool)
        masks.append(tf.where(kept, scale, zero))
    return masks


def _keep_threshold(rate: float) -> int:
    """The smallest 32-bit hash kept: ``(bits >> 8) * 2**-24 >= float32(rate)`` is ``bits >= this``, exactly."""
    return int(math.ceil(float(np.float32(rate)) * 2**24)) << 8


def adam_step(params, m, v, grads, t, learning_rate) -> None:
    """One Adam update, in place, of every slot: Keras' rule and constants, step ``t`` (1 for the first step).

    TensorFlow's fused ApplyAdam kernel: one pass over each weight tensor and its moments. Its scalar step count
    is shared by the slots of a group, which is why runs are grouped by how many steps an epoch takes them.
    """
    tf = tensorflow()

    t = tf.cast(t, tf.float32)
    beta_1_power, beta_2_power = ADAM_BETA_1**t, ADAM_BETA_2**t
    for p, g, mi, vi in zip(params, grads, m, v, strict=True):
        tf.raw_ops.ResourceApplyAdam(
            var=p.handle,
            m=mi.handle,
            v=vi.handle,
            beta1_power=beta_1_power,
            beta2_power=beta_2_power,
            lr=learning_rate,
            beta1=ADAM_BETA_1,
            beta2=ADAM_BETA_2,
            epsilon=ADAM_EPSILON,
            grad=g,
        )


def early_stopping(stopping_loss, params, best, best_loss, best_epoch, wait, epoch, patience: int):
    """Per slot: keep the weights of the best early-stopping loss so far, count epochs without improvement.

    Returns the new (best weights, best loss, best epoch, wait) and which slots stop after this epoch.
    """
    tf = tensorflow()

    improved = stopping_loss < best_loss
    best = [
        tf.where(tf.reshape(improved, [-1] + [1] * (b.shape.rank - 1)), p, b) for p, b in zip(params, best, strict=True)
    ]
    best_loss = tf.where(improved, stopping_loss, best_loss)
    best_epoch = tf.where(improved, epoch, best_epoch)
    wait = tf.where(improved, 0, wait + 1)
    return best, best_loss, best_epoch, wait, wait >= patience


def batches(shufflers, fit_sets, slot_runs, steps: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices and weights (slots x steps x batch) of one epoch: each run's fitting rows in its own new order.

    Each run's generator is ``np.random.default_rng([seed, 1])``; a run's last batch may be short (weight 0 on
    its padding), never empty: the runs of a group take the same number of steps.
    """
    idx = np.zeros((len(slot_runs), steps * batch), np.int32)
    wts = np.zeros((len(slot_runs), steps * batch), np.float32)
    for i, pos in enumerate(slot_runs):
        order = shufflers[pos].permutation(fit_sets[pos])
        idx[i, : len(order)] = order
        wts[i, : len(order)] = 1.0
    return idx.reshape(-1, steps, batch), wts.reshape(-1, steps, batch)


class RunGroup:
    """The runs (positions in the training call) that take ``steps`` steps per epoch, one per slot."""

    def __init__(
        self, positions: np.ndarray, steps: int, init: list[np.ndarray], keys: np.ndarray, stop_idx, stop_w
    ) -> None:
        tf = tensorflow()

        def variable(value):
            return tf.Variable(value, shape=tf.TensorShape([None, *value.shape[1:]]), trainable=True)

        self.runs, self.steps = positions, steps
        self.params = [variable(tf.constant(w)) for w in init]
        self.m = [variable(tf.zeros_like(w)) for w in init]
        self.v = [variable(tf.zeros_like(w)) for w in init]
        self.best = [tf.constant(w) for w in init]
        self.best_loss = tf.fill([len(positions)], np.float32(np.inf))
        self.best_epoch = tf.zeros([len(positions)], tf.int32)
        self.wait = tf.zeros([len(positions)], tf.int32)
        self.keys, self.stop_idx, self.stop_w = tf.constant(keys), tf.constant(stop_idx), tf.constant(stop_w)

    def keep(self, alive: np.ndarray) -> None:
        """Drop the slots that are not alive (finished runs)."""
        tf = tensorflow()

        take = tf.constant(np.flatnonzero(alive), tf.int32)
        for var in self.params + self.m + self.v:
            var.assign(tf.gather(var, take))
        self.best = [tf.gather(b, take) for b in self.best]
        for name in ("best_loss", "best_epoch", "wait", "keys", "stop_idx", "stop_w"):
            setattr(self, name, tf.gather(getattr(self, name), take))
        self.runs = self.runs[alive]

    def results(self, slots: np.ndarray, epochs_trained: int, runs: list[int], seeds: list[int]) -> list[RunResult]:
        """The results of the runs in these slots: best weights, epochs trained, best epoch and loss."""
        best_loss, best_epoch = self.best_loss.numpy(), self.best_epoch.numpy()
        out = []
        for slot in slots:
            pos = int(self.runs[slot])
            weights = [b[slot].numpy() for b in self.best]
            best = int(best_epoch[slot]) + 1
            out.append(RunResult(runs[pos], seeds[pos], weights, epochs_trained, best, float(best_loss[slot]), pos))
        return out


def build_groups(
    carves: list[tuple[np.ndarray, np.ndarray]], seeds: list[int], n_in: int, config: TrainConfig
) -> list[RunGroup]:
    """Every run in the group of its steps per epoch, with its Glorot start, dropout key and early-stopping rows."""
    batch = int(config.batch_size)
    n_stop = max(1, max(len(stopping) for _, stopping in carves))
    stop_idx = np.zeros((len(carves), n_stop), np.int32)
    stop_w = np.zeros((len(carves), n_stop), np.float32)
    for i, (_, stopping) in enumerate(carves):
        stop_idx[i, : len(stopping)] = stopping
        stop_w[i, : len(stopping)] = 1.0
    keys = np.array([run_key(s) for s in seeds], np.uint32)
    init = [glorot_init(n_in, config.hidden, s) for s in seeds]
    steps = np.array([math.ceil(len(fit) / batch) for fit, _ in carves])
    groups = []
    for n_steps in sorted(set(steps)):
        pos = np.flatnonzero(steps == n_steps)
        stacked = [np.stack([init[p][k] for p in pos]) for k in range(len(init[0]))]
        groups.append(RunGroup(pos, int(n_steps), stacked, keys[pos], stop_idx[pos], stop_w[pos]))
    return groups


def _loss(output: str):
    """The loss per row of a network's output: squared error (``linear``, regression) or the binary cross-entropy
    of the output read as a logit (``logistic``, a classifier of 0/1 labels; TensorFlow's stable form)."""
    tf = tensorflow()
    if output == "linear":
        return lambda out, y: tf.square(out - y)
    if output == "logistic":
        return lambda out, y: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=out)
    raise ValueError(f"output must be 'linear' or 'logistic', not {output!r}")


@functools.lru_cache(maxsize=16)
def epoch_function(
    batch: int,
    widths: tuple[int, ...],
    activation_name: str,
    rate: float,
    patience: int,
    output: str = "linear",
    masks_per_step: bool = False,
):
    """One epoch of a group of slots (its steps, the early-stopping pass, early stopping) as a TensorFlow function.

    Cached, so a second training of the same network does not trace it again; slots, rows and steps may vary
    without retracing (``reduce_retracing``). The dropout masks are the same either way: drawn for the whole epoch
    at once (fewer operations: best for a few slots), or step by step (``masks_per_step``: smaller tensors that stay
    in the cache: best for many slots).
    """
    tf = tensorflow()

    act = activation(activation_name)
    loss_of = _loss(output)

    @tf.function(reduce_retracing=True)
    def epoch_fn(
        X, y, params, m, v, t0, best, best_loss, best_epoch, wait, keys, idx, wts, vidx, vw, epoch, learning_rate
    ):
        n_steps = tf.shape(idx)[1]
        if rate > 0 and not masks_per_step:
            epoch_masks = dropout_masks(keys, epoch, tf.range(n_steps), batch, widths, rate)
        for s in tf.range(n_steps):
            xb = tf.gather(X, idx[:, s])
            yb = tf.gather(y, idx[:, s])
            wb = wts[:, s]
            masks = None
            if rate > 0:
                masks = (
                    dropout_masks(keys, epoch, s, batch, widths, rate)
                    if masks_per_step
                    else [mk[:, s] for mk in epoch_masks]
                )
            with tf.GradientTape() as tape:
                err = loss_of(forward(params, xb, act, masks), yb) * wb
                loss = tf.reduce_sum(tf.reduce_sum(err, axis=1) / tf.reduce_sum(wb, axis=1))
            adam_step(params, m, v, tape.gradient(loss, params), t0 + s + 1, learning_rate)
        pred = forward(params, tf.gather(X, vidx), act)
        stopping_loss = tf.reduce_sum(vw * loss_of(pred, tf.gather(y, vidx)), axis=1) / tf.maximum(
            tf.reduce_sum(vw, axis=1), 1.0
        )
        return early_stopping(
            stopping_loss, [tf.identity(p) for p in params], best, best_loss, best_epoch, wait, epoch, patience
        )

    return epoch_fn
