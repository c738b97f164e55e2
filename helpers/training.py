"""Training many networks: the vectorized trainer, the Keras one-by-one reference, and fitting from raw features.

Two trainers give the same networks:

* ``train_sequential`` fits one Keras model after another (the plain way, several seconds a run here);
* ``train_vectorized`` trains every run at once, in batched TensorFlow computations. Each run keeps its own
  weights (stacked along a leading run axis), its own Glorot initialization, dropout masks, shuffling, validation
  carve, Adam state and early-stopping point.

Why Adam is written out: the runs must step and stop independently. A shared Keras optimizer updates every
variable it holds on every step and keeps one step counter, so it cannot freeze one run at its early-stopping
point while the others go on, nor skip the empty last batch of a run with fewer rows. Here each group of runs
(the runs an epoch takes the same number of steps) has its own weights, moments and step count, finished runs
leave their group, and ``adam_step`` applies Keras' update rule (same constants) with TensorFlow's fused Adam
kernel; ``tests/test_training.py::test_without_dropout_and_with_full_batches_it_reproduces_keras_exactly``
proves the two trainers give the same weights to 1e-4.

Run r's randomness depends only on (base seed, r), never on which other runs share the computation, so a resumed
training reproduces the runs an uninterrupted one would have made.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.network import (
    Scaler,
    TrainConfig,
    activation,
    forward,
    glorot_init,
    keras_module,
    keras_network,
    tensorflow,
)
from helpers.split import validation_carve

ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # Keras' defaults


@dataclass
class RunResult:
    """One trained network: its best weights (restored at the best validation epoch) and how it got there."""

    run: int
    seed: int
    weights: list[np.ndarray]
    epochs_trained: int
    best_epoch: int
    best_val_loss: float


def run_seed(base_seed: int, run: int) -> int:
    """The seed of run ``run``."""
    return int(base_seed) + int(run)


def validation_carves(groups: np.ndarray, fraction: float, seeds: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit, validation) positions of each run within the training rows: the one carve recipe of every training."""
    return [validation_carve(groups, fraction, seed) for seed in seeds]


def train_sequential(
    X: np.ndarray,
    y: np.ndarray,
    carves: list[tuple[np.ndarray, np.ndarray]],
    runs: list[int],
    base_seed: int,
    config: TrainConfig,
) -> list[RunResult]:
    """Train the runs one Keras ``model.fit`` after another (the reference the vectorized trainer is checked by)."""
    keras = keras_module()

    results = []
    for run, (fit, val) in zip(runs, carves, strict=True):
        seed = run_seed(base_seed, run)
        keras.utils.set_random_seed(seed)
        net = keras_network(X.shape[1], config)
        net.set_weights(glorot_init(X.shape[1], config.hidden, seed))
        net.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=ADAM_EPSILON), loss="mse")
        stop = keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True)
        history = net.fit(
            X[fit],
            y[fit],
            validation_data=(X[val], y[val]),
            epochs=config.epochs,
            batch_size=config.batch_size,
            shuffle=True,
            callbacks=[stop],
            verbose=0,
        )
        val_loss = history.history["val_loss"]
        best = int(np.argmin(val_loss))
        results.append(
            RunResult(
                run,
                seed,
                [w.astype(np.float32) for w in net.get_weights()],
                len(val_loss),
                best + 1,
                float(val_loss[best]),
            )
        )
    return results


# --------------------------------------------------------------------------- the fast way: all runs at once
#
# Runs are trained in groups: the runs an epoch takes the same number of steps (ceil(fitting rows / batch)),
# one run per "slot" of stacked tensors (leading axis = slots). Weights and Adam moments are TensorFlow variables
# updated in place for the whole training (nothing goes back to NumPy until a run finishes). One epoch of a group
# is one call of a graph function (``_epoch_function``) built from these named steps:
#
#   batches         each run's shuffled fitting rows for the epoch (NumPy, the run's own generator)
#   dropout_masks   each run's masks, a counter-based hash of (run seed, epoch, step, layer): nothing is drawn
#                   for runs that do not train, and a run's masks do not depend on the runs beside it
#   adam_step       one Adam update of every slot of the group (Keras' rule, TensorFlow's fused kernel)
#   early_stopping  per slot: best validation loss, its epoch and weights, the patience counter
#
# When runs stop, their results are handed to ``on_finish`` and their slots dropped (``_Group.keep``): shapes
# change, but the graph function does not retrace. Measured and left out: XLA (its CPU batched matrix product is
# several times slower than TensorFlow's here, and every slot count compiles anew, about a second each), cutting
# the slots into chunks that fit the cache (no faster), unrolling the step loop (no faster). What limits the speed
# (100 runs of the default network, quiet machine, about 19 s): epochs with more than 64 runs alive do about 0.2 of a
# large sgemm's rate (the batched 32-row products themselves reach about 0.6; the backward products, Adam's
# memory-bound pass over every weight and both moments, and the masks take the rest), and about 40% of the time
# goes to the long tail of epochs with 16 or fewer runs alive (runs stop between about 60 and 350 epochs), where
# a group's epoch costs about 9 ms of fixed per-operation overhead whatever its size.

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
    masks = []
    for layer, width in enumerate(widths):
        c = _mix(c0 + tf.constant(layer, u32))
        pos = tf.reshape(tf.cast(tf.range(batch * width), u32), [batch, width])
        bits = _mix(tf.bitwise.bitwise_xor(c[..., None, None] + pos, key))
        u = tf.cast(tf.bitwise.right_shift(bits, tf.constant(8, u32)), tf.float32) * (1.0 / 2**24)
        masks.append(tf.cast(u >= rate, tf.float32) * (1.0 / (1.0 - rate)))
    return masks


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


def early_stopping(val_loss, params, best, best_loss, best_epoch, wait, epoch, patience: int):
    """Keras' EarlyStopping (val_loss, min_delta 0, restore_best_weights) for every slot.

    Returns the new (best weights, best loss, best epoch, wait) and which slots stop after this epoch.
    """
    tf = tensorflow()

    improved = val_loss < best_loss
    best = [
        tf.where(tf.reshape(improved, [-1] + [1] * (b.shape.rank - 1)), p, b) for p, b in zip(params, best, strict=True)
    ]
    best_loss = tf.where(improved, val_loss, best_loss)
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


@functools.lru_cache(maxsize=16)
def _epoch_function(batch: int, widths: tuple[int, ...], activation_name: str, rate: float, patience: int):
    """One epoch of a group of slots (its steps, the validation pass, early stopping) as a TensorFlow function.

    Cached, so a second training of the same network does not trace it again; slots, rows and steps may vary
    without retracing (``reduce_retracing``).
    """
    tf = tensorflow()

    act = activation(activation_name)

    @tf.function(reduce_retracing=True)
    def epoch_fn(
        X, y, params, m, v, t0, best, best_loss, best_epoch, wait, keys, idx, wts, vidx, vw, epoch, learning_rate
    ):
        n_steps = tf.shape(idx)[1]
        if rate > 0:  # the epoch's masks at once: fewer, larger operations
            epoch_masks = dropout_masks(keys, epoch, tf.range(n_steps), batch, widths, rate)
        for s in tf.range(n_steps):
            xb = tf.gather(X, idx[:, s])
            yb = tf.gather(y, idx[:, s])
            wb = wts[:, s]
            masks = [mk[:, s] for mk in epoch_masks] if rate > 0 else None
            with tf.GradientTape() as tape:
                err = tf.square(forward(params, xb, act, masks) - yb) * wb
                loss = tf.reduce_sum(tf.reduce_sum(err, axis=1) / tf.reduce_sum(wb, axis=1))
            adam_step(params, m, v, tape.gradient(loss, params), t0 + s + 1, learning_rate)
        pred = forward(params, tf.gather(X, vidx), act)
        val_loss = tf.reduce_sum(vw * tf.square(pred - tf.gather(y, vidx)), axis=1) / tf.maximum(
            tf.reduce_sum(vw, axis=1), 1.0
        )
        return early_stopping(
            val_loss, [tf.identity(p) for p in params], best, best_loss, best_epoch, wait, epoch, patience
        )

    return epoch_fn


class _Group:
    """The runs that take the same number of steps per epoch, one per slot of stacked tensors.

    Weights and Adam moments are TensorFlow variables updated in place; the early-stopping state, dropout keys and
    validation rows are tensors. ``keep`` drops the slots of finished runs (compacts the group).
    """

    def __init__(
        self,
        positions: np.ndarray,
        steps: int,
        init: list[np.ndarray],
        keys: np.ndarray,
        val_idx: np.ndarray,
        val_w: np.ndarray,
    ):
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
        self.keys, self.val_idx, self.val_w = tf.constant(keys), tf.constant(val_idx), tf.constant(val_w)

    def keep(self, alive: np.ndarray) -> None:
        tf = tensorflow()

        take = tf.constant(np.flatnonzero(alive), tf.int32)
        for var in self.params + self.m + self.v:
            var.assign(tf.gather(var, take))
        self.best = [tf.gather(b, take) for b in self.best]
        for name in ("best_loss", "best_epoch", "wait", "keys", "val_idx", "val_w"):
            setattr(self, name, tf.gather(getattr(self, name), take))
        self.runs = self.runs[alive]


def train_vectorized(
    X: np.ndarray,
    y: np.ndarray,
    carves: list[tuple[np.ndarray, np.ndarray]],
    runs: list[int],
    base_seed: int,
    config: TrainConfig,
    n_total_runs: int | None = None,
    on_finish: Callable[[RunResult], None] | None = None,
    progress: bool = False,
) -> list[RunResult]:
    """Train every run in one batched TensorFlow computation; call ``on_finish`` as each run stops.

    ``n_total_runs`` is accepted for callers that train a subset of a larger set of runs; a run's result depends
    only on (base_seed, run) in any case.
    """
    tf = tensorflow()

    del n_total_runs  # each run's randomness is keyed by its own seed
    n_in = X.shape[1]
    batch = int(config.batch_size)
    epoch_fn = _epoch_function(
        batch, tuple(config.hidden), config.activation, float(config.dropout), int(config.patience)
    )
    lr = tf.constant(float(config.learning_rate), tf.float32)
    X_tf, y_tf = tf.constant(X, tf.float32), tf.constant(y, tf.float32)

    seeds = [run_seed(base_seed, r) for r in runs]
    shufflers = [np.random.default_rng([s, 1]) for s in seeds]
    fit_sets = [np.asarray(c[0]) for c in carves]
    n_val = max(1, max(len(c[1]) for c in carves))
    val_idx = np.zeros((len(runs), n_val), np.int32)
    val_w = np.zeros((len(runs), n_val), np.float32)
    for i, (_, val) in enumerate(carves):
        val_idx[i, : len(val)] = val
        val_w[i, : len(val)] = 1.0
    keys = np.array([run_key(s) for s in seeds], np.uint32)
    init = [glorot_init(n_in, config.hidden, s) for s in seeds]
    steps = np.array([math.ceil(len(f) / batch) for f in fit_sets])
    groups = []
    for n_steps in sorted(set(steps)):
        pos = np.flatnonzero(steps == n_steps)
        groups.append(
            _Group(
                pos,
                int(n_steps),
                [np.stack([init[p][k] for p in pos]) for k in range(len(init[0]))],
                keys[pos],
                val_idx[pos],
                val_w[pos],
            )
        )
    results: dict[int, RunResult] = {}

    def finish(group: _Group, slot: int, epochs_trained: int, best_loss: np.ndarray, best_epoch: np.ndarray):
        pos = int(group.runs[slot])
        res = RunResult(
            runs[pos],
            seeds[pos],
            [b[slot].numpy() for b in group.best],
            epochs_trained,
            int(best_epoch[slot]) + 1,
            float(best_loss[slot]),
        )
        results[runs[pos]] = res
        if on_finish is not None:
            on_finish(res)
        if bar is not None:
            bar.update(1)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(runs), desc="runs finished", unit="run", mininterval=2.0)
    for ep in range(config.epochs):
        for group in groups:
            idx, wts = batches(shufflers, fit_sets, group.runs, group.steps, batch)
            group.best, group.best_loss, group.best_epoch, group.wait, stopped = epoch_fn(
                X_tf,
                y_tf,
                group.params,
                group.m,
                group.v,
                tf.constant(ep * group.steps, tf.int32),
                group.best,
                group.best_loss,
                group.best_epoch,
                group.wait,
                group.keys,
                idx,
                wts,
                group.val_idx,
                group.val_w,
                tf.constant(ep, tf.int32),
                lr,
            )
            stopped = stopped.numpy()
            last = ep + 1 == config.epochs
            if stopped.any() or last:
                best_loss, best_epoch = group.best_loss.numpy(), group.best_epoch.numpy()
                for slot in np.flatnonzero(stopped | last):
                    finish(group, slot, ep + 1, best_loss, best_epoch)
                if not last:
                    group.keep(~stopped)
        groups = [g for g in groups if len(g.runs) and ep + 1 < config.epochs]
        if not groups:
            break
    for group in groups:  # only without any epoch to train
        for slot in range(len(group.runs)):
            finish(group, slot, config.epochs, group.best_loss.numpy(), group.best_epoch.numpy())
    if bar is not None:
        bar.close()
    return [results[r] for r in runs]


def fit_networks(
    X: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    config: TrainConfig,
    runs: list[int],
    base_seed: int,
    n_total_runs: int | None = None,
    on_finish: Callable[[RunResult], None] | None = None,
    progress: bool = False,
    scaler: Scaler | None = None,
) -> tuple[Scaler, list[RunResult]]:
    """Scale the fitting rows, carve each run's validation alloys, train every run; return the scaler and the runs.

    The scaler is fitted on X and y unless one (fitted on the same rows) is given.
    """
    scaler = scaler or Scaler.fit(X, np.asarray(y))
    carves = validation_carves(groups, config.val_fraction, [run_seed(base_seed, r) for r in runs])
    results = train_vectorized(
        scaler.x(X),
        scaler.y(np.asarray(y)),
        carves,
        runs,
        base_seed,
        config,
        n_total_runs=n_total_runs,
        on_finish=on_finish,
        progress=progress,
    )
    return scaler, results
