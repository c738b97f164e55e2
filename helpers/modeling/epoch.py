"""Several epochs of a group of runs as one TensorFlow graph call, and the named steps it is built from.

The runs trained together form a ``RunGroup``: the runs an epoch takes the same number of steps. One run per
"slot" of stacked tensors (leading axis = slots); weights and Adam moments are TensorFlow variables updated in place
for the whole training; the early-stopping state, dropout keys and early-stopping rows are tensors. An epoch of a
group (``epoch_function``) is:

  batches         each run's shuffled fitting rows for the epoch (NumPy, the run's own generator)
  dropout_masks   each run's masks, a counter-based hash of (run seed, epoch, step, layer): from its seed alone
  adam_step       one Adam update of every slot of the group (Keras' rule, TensorFlow's fused kernel)
  early_stopping  per slot: best early-stopping loss, its epoch and weights, the patience counter

Why Adam is written out: the runs step and stop independently; a shared Keras optimizer updates every variable it
holds on every step with one step counter. A run's masks do not depend on the runs beside it, so a resumed training
reproduces the runs an uninterrupted one would have made.
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


def batches(shufflers, fit_sets, slot_runs, steps: int, batch: int, epochs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Row indices and weights (slots x epochs x steps x batch) of the next epochs: each run's fitting rows in its own
    new order every epoch.

    Each run's generator is ``np.random.default_rng([seed, 1])``, one permutation per epoch (``permuted`` over the
    epochs draws the same orders as one ``permutation`` after another); a run's last batch may be short (weight 0
    on its padding), never empty: the runs of a group take the same number of steps.
    """
    idx = np.zeros((len(slot_runs), epochs, steps * batch), np.int32)
    wts = np.zeros((len(slot_runs), epochs, steps * batch), np.float32)
    for i, pos in enumerate(slot_runs):
        fit = fit_sets[pos]
        idx[i, :, : len(fit)] = shufflers[pos].permuted(np.broadcast_to(fit, (epochs, len(fit))), axis=1)
        wts[i, :, : len(fit)] = 1.0
    return idx.reshape(-1, epochs, steps, batch), wts.reshape(-1, epochs, steps, batch)


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

    @property
    def state(self) -> tuple:
        """What the graph function carries from epoch to epoch besides the variables (slots along the first axis)."""
        return (self.best, self.best_loss, self.best_epoch, self.wait, self.keys, self.stop_idx, self.stop_w)

    def advance(self, live: np.ndarray, state: tuple) -> None:
        """After a call: the slots still training (positions among the slots before it) and their new state."""
        self.best, self.best_loss, self.best_epoch, self.wait, self.keys, self.stop_idx, self.stop_w = state
        self.runs = self.runs[live]

    def results(self, epochs_trained: int, runs: list[int], seeds: list[int]) -> list[RunResult]:
        """The results of every slot still training, stopped now after epochs_trained epochs."""
        trained = np.full(len(self.runs), epochs_trained)
        best = [b.numpy() for b in self.best]
        return collect(self.runs, best, trained, self.best_epoch.numpy(), self.best_loss.numpy(), runs, seeds)


def collect(positions, best, trained, best_epoch, best_loss, runs: list[int], seeds: list[int]) -> list[RunResult]:
    """RunResults of the runs at these positions from stacked arrays (slots first): best weights, epochs trained,
    best epoch (0-based) and loss."""
    return [
        RunResult(runs[p], seeds[p], [b[k].copy() for b in best], int(n), int(best_epoch[k]) + 1, float(loss), p)
        for k, (p, n, loss) in enumerate(zip(np.asarray(positions, int), trained, best_loss, strict=True))
    ]


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
    """Several epochs of a group of slots (steps, early-stopping pass, early stopping) as one TensorFlow function.

    It trains the epochs of ``idx`` (slots x epochs x steps x batch) from ``first_epoch`` on, until every slot has
    stopped. After each epoch the slots that stop leave the computation inside the graph, so every epoch computes on
    exactly the runs still training. Returns the live slots (positions among those given), their state, and per
    given slot the best weights, loss and epoch and the epoch it stopped at (-1: still training). Cached, and slots,
    rows, steps and epochs may vary without retracing (``reduce_retracing``). The dropout masks are the same either
    way: drawn for the whole epoch at once (best for a few slots), or step by step (``masks_per_step``: smaller
    tensors that stay in the cache: best for many slots).
    """
    tf = tensorflow()

    one_epoch = _epoch_steps(batch, widths, activation(activation_name), rate, masks_per_step, _loss(output))

    @tf.function(reduce_retracing=True)
    def epochs_fn(X, y, params, m, v, first_epoch, state, idx, wts, learning_rate):
        n_epochs, n_steps = tf.shape(idx)[1], tf.shape(idx)[2]

        def training(e, live, state, done):
            return tf.logical_and(e < n_epochs, tf.size(live) > 0)

        def train_epoch(e, live, state, done):
            best, best_loss, best_epoch, wait, keys, stop_idx, stop_w, rows, weights = state
            epoch, batch_rows = first_epoch + e, (rows[:, e], weights[:, e])
            t0 = epoch * n_steps
            stopping_loss = one_epoch(X, y, params, m, v, t0, keys, *batch_rows, stop_idx, stop_w, epoch, learning_rate)
            *kept, stop = early_stopping(
                stopping_loss, [tf.identity(p) for p in params], best, best_loss, best_epoch, wait, epoch, patience
            )
            state = (*kept, keys, stop_idx, stop_w, rows, weights)

            def stopped():  # only in an epoch where some slot stops: the outputs and the variables are copied
                return (*_drop_stopped(live, stop, state, params, m, v), _record_stopped(done, live, stop, kept, epoch))

            live, state, done = tf.cond(tf.reduce_any(stop), stopped, lambda: (live, state, done))
            return e + 1, live, state, done

        loop = (tf.constant(0), tf.range(tf.shape(state[1])[0]), (*state, idx, wts), _no_stops(state[0]))
        shapes = tf.nest.map_structure(lambda t: tf.TensorShape([None, *t.shape[1:]]), loop[1:])  # slots: run time
        _, live, state, done = tf.while_loop(
            training, train_epoch, loop, shape_invariants=(tf.TensorShape([]), *shapes)
        )
        return live, state[:-2], done

    return epochs_fn


def _no_stops(best):
    """The per-slot outputs before any slot stopped: weights, loss, best epoch and the stop epoch (-1)."""
    tf = tensorflow()
    n = tf.shape(best[0])[0]
    return [tf.zeros_like(b) for b in best], tf.fill([n], np.float32(np.inf)), tf.zeros([n], tf.int32), tf.fill([n], -1)


def _record_stopped(done, live, stop, kept, epoch):
    """The per-slot outputs with the slots that stop now written in: best weights, loss, epoch and the stop epoch."""
    tf = tensorflow()

    where = tf.boolean_mask(live, stop)[:, None]
    out_best, out_loss, out_epoch, out_stop = done
    best, best_loss, best_epoch, _ = kept
    out_best = [
        tf.tensor_scatter_nd_update(o, where, tf.boolean_mask(b, stop)) for o, b in zip(out_best, best, strict=True)
    ]
    out_loss = tf.tensor_scatter_nd_update(out_loss, where, tf.boolean_mask(best_loss, stop))
    out_epoch = tf.tensor_scatter_nd_update(out_epoch, where, tf.boolean_mask(best_epoch, stop))
    out_stop = tf.tensor_scatter_nd_update(out_stop, where, tf.fill(tf.shape(where)[:1], epoch))
    return out_best, out_loss, out_epoch, out_stop


def _drop_stopped(live, stop, state, params, m, v):
    """The slots that did not stop, gathered out of the variables (in place) and the state, order kept."""
    tf = tensorflow()

    take = tf.where(tf.logical_not(stop))[:, 0]
    for var in [*params, *m, *v]:
        var.assign(tf.gather(var, take))
    return tf.gather(live, take), tf.nest.map_structure(lambda t: tf.gather(t, take), state)


def _epoch_steps(batch: int, widths: tuple[int, ...], act, rate: float, masks_per_step: bool, loss_of):
    """One epoch's steps (traced in ``epoch_function``): Adam on every batch, then each slot's early-stopping loss."""
    tf = tensorflow()

    def one_epoch(X, y, params, m, v, t0, keys, idx, wts, vidx, vw, epoch, learning_rate):
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
        return tf.reduce_sum(vw * loss_of(pred, tf.gather(y, vidx)), axis=1) / tf.maximum(
            tf.reduce_sum(vw, axis=1), 1.0
        )

    return one_epoch
