"""Training many networks: the vectorized trainer, the Keras one-by-one reference, and fitting from raw features.

Two trainers give the same networks:

* ``train_sequential`` fits one Keras model after another (the plain way, several seconds a run here);
* ``train_vectorized`` trains every run in one TensorFlow computation. Each run keeps its own weights (stacked
  along a leading run axis), its own Glorot initialization, dropout masks, shuffling, validation carve, Adam state
  and early-stopping point.

Why Adam is written out: the runs must step and stop independently. A shared Keras optimizer updates every
variable it holds on every step and keeps one step counter, so it cannot freeze one run at its early-stopping
point while the others go on, nor skip the empty last batch of a run with fewer rows. The written-out Adam is
Keras' update rule (same constants); ``tests/test_training.py::test_without_dropout_and_with_full_batches_it_reproduces_keras_exactly``
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

from helpers.network import Scaler, TrainConfig, activation, forward, glorot_init, keras_network
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


def train_sequential(X: np.ndarray, y: np.ndarray, carves: list[tuple[np.ndarray, np.ndarray]], runs: list[int],
                     base_seed: int, config: TrainConfig) -> list[RunResult]:
    """Train the runs one Keras ``model.fit`` after another (the reference the vectorized trainer is checked against)."""
    import keras

    results = []
    for run, (fit, val) in zip(runs, carves):
        seed = run_seed(base_seed, run)
        keras.utils.set_random_seed(seed)
        net = keras_network(X.shape[1], config)
        net.set_weights(glorot_init(X.shape[1], config.hidden, seed))
        net.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=ADAM_EPSILON), loss="mse")
        stop = keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True)
        history = net.fit(X[fit], y[fit], validation_data=(X[val], y[val]), epochs=config.epochs,
                          batch_size=config.batch_size, shuffle=True, callbacks=[stop], verbose=0)
        val_loss = history.history["val_loss"]
        best = int(np.argmin(val_loss))
        results.append(RunResult(run, seed, [w.astype(np.float32) for w in net.get_weights()], len(val_loss),
                                 best + 1, float(val_loss[best])))
    return results


# --------------------------------------------------------------------------- the fast way: all runs at once
#
# Every run lives in a "slot" of stacked tensors (leading axis = slots) that stay in TensorFlow for the whole
# training. One epoch is one call of a graph function built from these named steps:
#
#   batches         each run's shuffled fitting rows for the epoch (NumPy, the run's own generator)
#   dropout_masks   each run's masks, a counter-based hash of (run seed, epoch, step, layer): nothing is drawn
#                   for runs that do not train, and a run's masks do not depend on the runs beside it
#   adam_step       one Adam update of every slot that takes a step (Keras' rule, written out: see above)
#   early_stopping  per slot: best validation loss, its epoch and weights, the patience counter
#
# A finished run's slot stops stepping (it is masked); slots are compacted (the alive runs gathered) only when
# the alive count falls to a smaller bucket size, so shapes, and the XLA compilations of the element-wise parts
# (masks, Adam), change rarely. The matrix products stay out of XLA: its CPU batched product is several times
# slower than TensorFlow's here.

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
    import tensorflow as tf

    def shift(a, n):
        return tf.bitwise.right_shift(a, tf.constant(n, tf.uint32))

    x = tf.bitwise.bitwise_xor(x, shift(x, 16)) * tf.constant(_MIX_1, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, shift(x, 15)) * tf.constant(_MIX_2, tf.uint32)
    return tf.bitwise.bitwise_xor(x, shift(x, 16))


def dropout_masks(keys, epoch, step, batch: int, widths: tuple[int, ...], rate: float):
    """Dropout masks (slots x batch x width per hidden layer, scaled by 1 / keep probability).

    Element (row, unit) of run k's mask at (epoch, step, layer) is ``mix(mix(position + c) ^ key_k) >= rate``
    with c a hash of (epoch, step, layer): a counter-based stream that depends only on the run's seed.
    """
    import tensorflow as tf

    u32 = tf.uint32
    c0 = _mix(_mix(tf.cast(epoch, u32) + tf.constant(_GOLDEN, u32)) + tf.cast(step, u32))
    masks = []
    for layer, width in enumerate(widths):
        c = _mix(c0 + tf.constant(layer, u32))
        pos = tf.reshape(tf.cast(tf.range(batch * width), u32), [1, batch, width])
        bits = _mix(tf.bitwise.bitwise_xor(_mix(pos + c), keys[:, None, None]))
        u = tf.cast(tf.bitwise.right_shift(bits, tf.constant(8, u32)), tf.float32) * (1.0 / 2**24)
        masks.append(tf.cast(u >= rate, tf.float32) * (1.0 / (1.0 - rate)))
    return masks


def adam_step(params, grads, m, v, t, stepping, learning_rate):
    """One Adam update (Keras' rule and constants) of the slots with ``stepping`` 1; the others keep their state."""
    import tensorflow as tf

    t = t + stepping
    tt = tf.maximum(t, 1.0)
    alpha = learning_rate * tf.sqrt(1.0 - ADAM_BETA_2 ** tt) / (1.0 - ADAM_BETA_1 ** tt)
    c1, c2, step = stepping * (1.0 - ADAM_BETA_1), stepping * (1.0 - ADAM_BETA_2), stepping * alpha
    new_p, new_m, new_v = [], [], []
    for p, g, mi, vi in zip(params, grads, m, v):
        shape = [-1] + [1] * (p.shape.rank - 1)
        mi = mi + tf.reshape(c1, shape) * (g - mi)
        vi = vi + tf.reshape(c2, shape) * (tf.square(g) - vi)
        new_p.append(p - tf.reshape(step, shape) * mi / (tf.sqrt(vi) + ADAM_EPSILON))
        new_m.append(mi)
        new_v.append(vi)
    return new_p, new_m, new_v, t


def early_stopping(val_loss, params, best, best_loss, best_epoch, wait, active, epoch, patience: int):
    """Keras' EarlyStopping (val_loss, min_delta 0, restore_best_weights) for every active slot.

    Returns the new (best weights, best loss, best epoch, wait) and which slots stop after this epoch.
    """
    import tensorflow as tf

    on = active > 0
    improved = tf.logical_and(on, val_loss < best_loss)
    best = [tf.where(tf.reshape(improved, [-1] + [1] * (p.shape.rank - 1)), p, b) for p, b in zip(params, best)]
    best_loss = tf.where(improved, val_loss, best_loss)
    best_epoch = tf.where(improved, epoch, best_epoch)
    wait = tf.where(improved, 0, tf.where(on, wait + 1, wait))
    return best, best_loss, best_epoch, wait, tf.logical_and(on, wait >= patience)


def batches(shufflers, fit_sets, slot_runs, alive, steps: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices and weights (slots x steps x batch) of one epoch: each alive run's rows in its own new order.

    A run with fewer rows has weight 0 on its padding (an empty last batch takes no step); dead slots get none.
    """
    idx = np.zeros((len(slot_runs), steps * batch), np.int32)
    wts = np.zeros((len(slot_runs), steps * batch), np.float32)
    for i, pos in enumerate(slot_runs):
        if alive[i]:
            order = shufflers[pos].permutation(fit_sets[pos])
            idx[i, :len(order)] = order
            wts[i, :len(order)] = 1.0
    return idx.reshape(-1, steps, batch), wts.reshape(-1, steps, batch)


def _bucket(n: int) -> int:
    """The smallest slot count of the form 2^k or 3 * 2^k at least n (so few distinct shapes occur)."""
    power = 1 << max(0, (n - 1).bit_length())  # smallest power of two at least n
    return 3 * power // 4 if power >= 4 and 3 * power // 4 >= n else power


XLA_ELEMENTWISE = False
"""Compile the element-wise steps (masks, Adam) with XLA. It fuses them (a third less time per epoch with 100
runs), but every slot count compiles anew (about a second each here), which costs more than it saves over the
slot counts of a training; off, slots are compacted to exactly the alive runs whenever some stop."""


@functools.lru_cache(maxsize=16)
def _epoch_function(n_in: int, batch: int, widths: tuple[int, ...], activation_name: str, rate: float,
                    patience: int, xla: bool):
    """One epoch of every slot (all steps, the validation pass, early stopping) as a TensorFlow graph function.

    Cached, so a second training with the same network does not trace it again; slots, rows and steps may vary
    without retracing.
    """
    import tensorflow as tf

    act = activation(activation_name)
    shapes = [w.shape for w in glorot_init(n_in, widths, 0)]

    def masks_fn(keys, epoch, step):
        return dropout_masks(keys, epoch, step, batch, widths, rate)

    adam_fn = adam_step
    if xla:
        masks_fn, adam_fn = tf.function(masks_fn, jit_compile=True), tf.function(adam_step, jit_compile=True)
    params_spec = [tf.TensorSpec([None, *s], tf.float32) for s in shapes]
    vec, ivec = tf.TensorSpec([None], tf.float32), tf.TensorSpec([None], tf.int32)
    rows = tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.float32)
    steps = tf.TensorSpec([None, None, batch], tf.int32), tf.TensorSpec([None, None, batch], tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, n_in], tf.float32), tf.TensorSpec([None], tf.float32),
                                  params_spec, params_spec, params_spec, vec, params_spec, vec, ivec, ivec, vec,
                                  tf.TensorSpec([None], tf.uint32), *steps, *rows, tf.TensorSpec([], tf.int32),
                                  tf.TensorSpec([], tf.float32)])
    def epoch_fn(X, y, params, m, v, t, best, best_loss, best_epoch, wait, active, keys, idx, wts, vidx, vw, epoch,
                 learning_rate):
        for s in tf.range(tf.shape(idx)[1]):
            xb = tf.gather(X, idx[:, s])
            yb = tf.gather(y, idx[:, s])
            wb = wts[:, s]
            masks = masks_fn(keys, epoch, s) if rate > 0 else None
            count = tf.reduce_sum(wb, axis=1)
            with tf.GradientTape() as tape:
                tape.watch(params)
                err = tf.square(forward(params, xb, act, masks) - yb) * wb
                loss = tf.reduce_sum(tf.reduce_sum(err, axis=1) / tf.maximum(count, 1.0))
            grads = tape.gradient(loss, params)
            stepping = active * tf.cast(count > 0, tf.float32)
            params, m, v, t = adam_fn(params, grads, m, v, t, stepping, learning_rate)
        pred = forward(params, tf.gather(X, vidx), act)
        val_loss = tf.reduce_sum(vw * tf.square(pred - tf.gather(y, vidx)), axis=1) / tf.maximum(
            tf.reduce_sum(vw, axis=1), 1.0)
        best, best_loss, best_epoch, wait, stopped = early_stopping(val_loss, params, best, best_loss, best_epoch,
                                                                    wait, active, epoch, patience)
        return params, m, v, t, best, best_loss, best_epoch, wait, stopped

    return epoch_fn


def train_vectorized(X: np.ndarray, y: np.ndarray, carves: list[tuple[np.ndarray, np.ndarray]], runs: list[int],
                     base_seed: int, config: TrainConfig, n_total_runs: int | None = None,
                     on_finish: Callable[[RunResult], None] | None = None, progress: bool = False
                     ) -> list[RunResult]:
    """Train every run in one batched TensorFlow computation; call ``on_finish`` as each run stops.

    ``n_total_runs`` is accepted for callers that train a subset of a larger set of runs; a run's result depends
    only on (base_seed, run) in any case.
    """
    import tensorflow as tf

    del n_total_runs  # each run's randomness is keyed by its own seed
    n_rows, n_in = X.shape
    batch = int(config.batch_size)
    widths = tuple(config.hidden)
    rate = float(config.dropout)
    lr = tf.constant(float(config.learning_rate), tf.float32)
    patience = int(config.patience)

    X_tf = tf.constant(X, tf.float32)
    y_tf = tf.constant(y, tf.float32)
    seeds = [run_seed(base_seed, r) for r in runs]
    shufflers = [np.random.default_rng([s, 1]) for s in seeds]
    fit_sets = [np.asarray(c[0]) for c in carves]
    n_val = max(1, max(len(c[1]) for c in carves))
    val_idx = np.zeros((len(runs), n_val), np.int32)
    val_w = np.zeros((len(runs), n_val), np.float32)
    for i, (_, val) in enumerate(carves):
        val_idx[i, :len(val)] = val
        val_w[i, :len(val)] = 1.0

    xla = bool(XLA_ELEMENTWISE)
    epoch_fn = _epoch_function(n_in, batch, widths, config.activation, rate, patience, xla)
    bucket = _bucket if xla else (lambda n: n)
    shapes = [w.shape for w in glorot_init(n_in, config.hidden, 0)]

    init = [glorot_init(n_in, config.hidden, s) for s in seeds]
    params = [tf.constant(np.stack([w[k] for w in init])) for k in range(len(shapes))]
    state = {
        "params": params,
        "m": [tf.zeros_like(p) for p in params],
        "v": [tf.zeros_like(p) for p in params],
        "t": tf.zeros([len(runs)], tf.float32),
        "best": list(params),
        "best_loss": tf.fill([len(runs)], np.float32(np.inf)),
        "best_epoch": tf.zeros([len(runs)], tf.int32),
        "wait": tf.zeros([len(runs)], tf.int32),
        "keys": tf.constant(np.array([run_key(s) for s in seeds], np.uint32)),
        "vidx": tf.constant(val_idx),
        "vw": tf.constant(val_w),
    }
    slot_runs = np.arange(len(runs))            # position (into runs) of the run in each slot
    alive = np.ones(len(runs), bool)            # per slot: still training
    results: dict[int, RunResult] = {}

    def finish(slot: int, epochs_trained: int, best_loss: np.ndarray, best_epoch: np.ndarray) -> None:
        pos = int(slot_runs[slot])
        res = RunResult(runs[pos], seeds[pos], [b[slot].numpy() for b in state["best"]], epochs_trained,
                        int(best_epoch[slot]) + 1, float(best_loss[slot]))
        results[runs[pos]] = res
        if on_finish is not None:
            on_finish(res)

    def compact(keep: np.ndarray) -> None:
        take = tf.constant(keep, tf.int32)
        for name, value in state.items():
            state[name] = [tf.gather(x, take) for x in value] if isinstance(value, list) else tf.gather(value, take)

    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(runs), desc="runs finished", unit="run", mininterval=2.0)
    for ep in range(config.epochs):
        steps = max(math.ceil(len(fit_sets[pos]) / batch) for pos in slot_runs[alive])
        idx, wts = batches(shufflers, fit_sets, slot_runs, alive, steps, batch)
        out = epoch_fn(X_tf, y_tf, state["params"], state["m"], state["v"], state["t"], state["best"], state["best_loss"],
                       state["best_epoch"], state["wait"], tf.constant(alive.astype(np.float32)), state["keys"],
                       idx, wts, state["vidx"], state["vw"], tf.constant(ep, tf.int32), lr)
        for name, value in zip(("params", "m", "v", "t", "best", "best_loss", "best_epoch", "wait"), out):
            state[name] = value
        stopped = out[-1].numpy()
        if stopped.any():
            best_loss, best_epoch = state["best_loss"].numpy(), state["best_epoch"].numpy()
            for slot in np.flatnonzero(stopped):
                finish(slot, ep + 1, best_loss, best_epoch)
            alive &= ~stopped
            if bar is not None:
                bar.update(int(stopped.sum()))
        n_alive = int(alive.sum())
        if n_alive == 0:
            break
        if bucket(n_alive) < len(slot_runs):   # compact: gather the alive runs (padded with dead slots)
            live = np.flatnonzero(alive)
            keep = np.concatenate([live, np.full(bucket(n_alive) - n_alive, live[0])])
            compact(keep)
            slot_runs = slot_runs[keep]
            alive = np.arange(len(keep)) < n_alive
    if alive.any():
        best_loss, best_epoch = state["best_loss"].numpy(), state["best_epoch"].numpy()
        for slot in np.flatnonzero(alive):
            finish(slot, config.epochs, best_loss, best_epoch)
        if bar is not None:
            bar.update(int(alive.sum()))
    if bar is not None:
        bar.close()
    return [results[r] for r in runs]


def fit_networks(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray, config: TrainConfig, runs: list[int],
                 base_seed: int, n_total_runs: int | None = None,
                 on_finish: Callable[[RunResult], None] | None = None, progress: bool = False,
                 scaler: Scaler | None = None) -> tuple[Scaler, list[RunResult]]:
    """Scale the fitting rows, carve each run's validation alloys, train every run; return the scaler and the runs.

    The scaler is fitted on X and y unless one (fitted on the same rows) is given.
    """
    scaler = scaler or Scaler.fit(X, np.asarray(y))
    carves = [validation_carve(groups, config.val_fraction, run_seed(base_seed, r)) for r in runs]
    results = train_vectorized(scaler.x(X), scaler.y(np.asarray(y)), carves, runs, base_seed, config,
                               n_total_runs=n_total_runs, on_finish=on_finish, progress=progress)
    return scaler, results
