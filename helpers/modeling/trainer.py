"""The trainer: every run at once, in batched TensorFlow computations, each run still its own network.

Each run keeps its own weights (stacked along a leading slot axis), Glorot initialization, dropout masks,
shuffling, early-stopping carve, Adam state and early-stopping point. Runs are trained in groups: the runs an epoch
takes the same number of steps (ceil(fitting rows / batch)). Up to ``EPOCHS_PER_CALL`` epochs of a group are one
call of a graph function built from named steps (``epoch.py``: batches, dropout masks, Adam, early stopping): the
runs that stop leave the computation inside the graph after their epoch, so each epoch computes on exactly the runs
still training, and Python is visited once per call, not once per epoch. Each graph function is traced once per
process, before its first call, for tensors of any size (``traced_for_every_shape``). Between calls the results
of the runs that stopped are handed to ``on_finish``.
``tests/test_training.py::test_without_dropout_and_with_full_batches_it_reproduces_keras_exactly`` proves this
trainer and the Keras one (``train_sequential``, one ``model.fit`` after another) give the same weights to 1e-4.
Run r's randomness depends only on its seed, never on which other runs share the computation, so a resumed training
reproduces the runs an uninterrupted one would have made.

Row masks. ``fit_networks``' ``row_mask`` (runs x rows, boolean) gives each run its own training rows; a run never
sees a row outside its mask: not in fitting, not in its early-stopping carve (drawn from its rows only, by the same
recipe as a training on those rows alone), and not in its scaler. What is shared between runs:

* without ``scaler``: one scaler per distinct mask, fitted on exactly that mask's rows (all runs of one fold share
  theirs); the rows of each distinct mask are scaled once and stacked, one block per mask holding only its rows
  (half the memory in a campaign's round, where a mask holds about half the pool), and each run indexes its block.
  A masked run is then the same network as that run trained on its rows alone (``tests/test_training.py``).
* with ``scaler``: that scaler, as given, for every run: its statistics are the caller's choice (fit it on rows
  every run may see, or accept that runs share feature statistics).

Nothing else is shared: initial weights, dropout, shuffling and the carve depend on the run's seed and rows only.

Tried and left out: XLA (its CPU batched matrix product was slower than TensorFlow's, and every slot count compiles
anew), cutting the slots into chunks that fit the cache and unrolling the step loop (neither was faster). What limits
the speed (``benchmarks/bench_training.py`` measures it): while many runs are alive, the batched 32-row products are
efficient but the backward products, Adam's memory-bound pass over every weight and both moments, and the masks are
not; and in the long tail of epochs with few runs alive, a group's epoch pays a fixed per-operation overhead whatever
its size (the graph executor's, per epoch; Python's is paid once per call). Notebook 06 trains all its folds' runs
in one call (row masks), so that tail is paid once for all folds. A run's last float32 bits may depend on the shapes
TensorFlow traced its graph with (so on the runs beside it): runs agree to rounding, not bit for bit, across groupings.
Groups of 32 or more runs draw their dropout masks step by step (the epoch's masks at once would not stay in the
cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.modeling.epoch import ADAM_EPSILON, RunGroup, batches, build_groups, collect, epoch_function
from helpers.modeling.network import (
    RunResult,
    Scaler,
    TrainConfig,
    glorot_init,
    keras_module,
    keras_network,
    run_seed,
    tensorflow,
)
from helpers.split import early_stopping_carve

EPOCHS_PER_CALL = 50  # epochs of a group per graph call (finished runs leave between calls)
MASKS_PER_STEP_FROM = 32  # slots from which a group draws its dropout masks step by step (see epoch_function)


def check_row_mask(row_mask: np.ndarray | None, n_runs: int, n_rows: int) -> np.ndarray:
    """The runs x rows boolean mask of training rows (all True when None); refuses a wrong shape or an empty run."""
    if row_mask is None:
        return np.ones((n_runs, n_rows), bool)
    mask = np.asarray(row_mask)
    if mask.dtype != bool or mask.shape != (n_runs, n_rows):
        raise ValueError(
            f"row_mask must be a boolean array of {n_runs} runs x {n_rows} rows, not {mask.dtype} of shape "
            f"{mask.shape}; build it with one row per run, True where the run may train on that row"
        )
    counts = mask.sum(axis=1)
    if (counts < 2).any():
        position = int(np.flatnonzero(counts < 2)[0])
        raise ValueError(
            f"row_mask: run at position {position} has {int(counts[position])} training rows; give every run at "
            "least 2 (one to fit, one to stop early on)"
        )
    return mask


def early_stopping_carves(
    groups: np.ndarray, fraction: float, seeds: list[int], row_mask: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit, early-stopping) positions of each run among the rows: the one carve recipe of every training.

    With ``row_mask`` (runs x rows), run i's carve is drawn from its own rows only, exactly as if it were trained
    on those rows alone (``split.early_stopping_carve`` on their groups, with its seed), and given as positions among
    all rows; rows outside its mask are in neither part.
    """
    groups = np.asarray(groups)
    if row_mask is None:
        return [early_stopping_carve(groups, fraction, seed) for seed in seeds]
    carves = []
    for seed, mask in zip(seeds, np.asarray(row_mask, bool), strict=True):
        rows = np.flatnonzero(mask)
        fit, stopping = early_stopping_carve(groups[rows], fraction, seed)
        carves.append((rows[fit], rows[stopping]))
    return carves


def fit_networks(
    X: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    config: TrainConfig,
    runs: list[int],
    base_seed: int,
    on_finish: Callable[[RunResult], None] | None = None,
    progress: bool = False,
    scaler: Scaler | None = None,
    row_mask: np.ndarray | None = None,
    output: str = "linear",
) -> list[RunResult]:
    """Train every run on its rows of X, y (all rows, or its row of ``row_mask``); each result carries its scaler.

    ``groups`` (one per row, e.g. the composition) keep an alloy's rows on one side of each early-stopping carve.
    ``output="logistic"``: y holds 0/1 labels, left unscaled, and the loss is the binary cross-entropy of the output
    read as a logit (a classifier); the default is the regression network (squared error of the scaled target).
    """
    y = np.asarray(y, float)
    mask = check_row_mask(row_mask, len(runs), len(X))
    carves = early_stopping_carves(groups, config.stopping_fraction, [run_seed(base_seed, r) for r in runs], mask)
    patterns, block = (mask[:1], np.zeros(len(runs), int)) if scaler else _distinct(mask)
    values, columns = X.to_numpy(float), list(X.columns)
    scale_y = output == "linear"
    scalers = [scaler or Scaler.fit_values(values[p], y[p], columns, scale_y) for p in patterns]
    if scaler is not None:
        values, patterns = X[scaler.columns].to_numpy(float), np.ones((1, len(X)), bool)  # one block of every row
    X_blocks = np.concatenate([s.x_values(values[rows]) for s, rows in zip(scalers, patterns, strict=True)])
    y_blocks = np.concatenate([s.y(y[rows]) for s, rows in zip(scalers, patterns, strict=True)])
    carves = _within_blocks(carves, patterns, block)

    def with_scaler(res: RunResult) -> RunResult:
        return replace(res, scaler=scalers[block[res.position]])

    def finished(res: RunResult) -> None:
        if on_finish is not None:
            on_finish(with_scaler(res))

    results = train_vectorized(X_blocks, y_blocks, carves, runs, base_seed, config, finished, progress, output)
    return [with_scaler(res) for res in results]


def _within_blocks(carves: list, patterns: np.ndarray, block: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each run's (fit, early-stopping) positions among all rows as positions in the stacked blocks: block b holds
    the rows of ``patterns[b]`` only, in order (rows no run of the block may see are not scaled or stored)."""
    starts = np.concatenate([[0], np.cumsum(patterns.sum(axis=1))[:-1]])
    within = np.cumsum(patterns, axis=1) - 1  # a row's position inside each block
    return [
        (starts[b] + within[b][fit], starts[b] + within[b][stop]) for (fit, stop), b in zip(carves, block, strict=True)
    ]


def _distinct(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a runs x rows mask (in order of first appearance) and each run's index among them."""
    _, first, inverse = np.unique(mask, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return mask[first[order]], rank[np.ravel(inverse)]


def train_vectorized(
    X: np.ndarray,
    y: np.ndarray,
    carves: list[tuple[np.ndarray, np.ndarray]],
    runs: list[int],
    base_seed: int,
    config: TrainConfig,
    on_finish: Callable[[RunResult], None] | None = None,
    progress: bool = False,
    output: str = "linear",
) -> list[RunResult]:
    """Train every run in one batched TensorFlow computation; call ``on_finish`` as each run stops.

    ``carves[i]`` gives run i's (fit, early-stopping) rows of X and y: a run sees no other row. Run numbers may repeat
    (the same seed on different rows); results come back in the order of ``runs``.
    """
    seeds = [run_seed(base_seed, r) for r in runs]
    groups = build_groups(carves, seeds, X.shape[1], config)
    step = _EpochStep(X, y, carves, seeds, config, output)
    results: list[RunResult | None] = [None] * len(runs)
    bar = _progress_bar(len(runs)) if progress else None

    def finish(done: list[RunResult]) -> None:
        for res in done:
            results[res.position] = res
            if on_finish is not None:
                on_finish(res)
        if bar is not None:
            bar.update(len(done))

    epoch = 0
    while groups and epoch < config.epochs:
        n_epochs = min(EPOCHS_PER_CALL, config.epochs - epoch)
        for group in groups:
            finish(step(group, epoch, n_epochs, runs, seeds))
        epoch += n_epochs
        if epoch == config.epochs:  # the last epoch stops every run still training
            for group in groups:
                finish(group.results(config.epochs, runs, seeds))
            groups = []
        groups = [g for g in groups if len(g.runs)]
    for group in groups:  # only without any epoch to train
        finish(group.results(config.epochs, runs, seeds))
    if bar is not None:
        bar.close()
    return results


class _EpochStep:
    """One epoch of one group: its batches (NumPy), then the cached graph function; returns which slots stop."""

    def __init__(self, X, y, carves, seeds: list[int], config: TrainConfig, output: str = "linear") -> None:
        tf = tensorflow()
        self.batch = int(config.batch_size)
        network = (self.batch, tuple(config.hidden), config.activation, float(config.dropout), int(config.patience))
        network += (output,)
        self.fns = (epoch_function(*network), epoch_function(*network, masks_per_step=True))
        self.X, self.y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
        self.lr = tf.constant(float(config.learning_rate), tf.float32)
        self.shufflers = [np.random.default_rng([s, 1]) for s in seeds]
        self.fit_sets = [np.asarray(fit) for fit, _ in carves]

    def __call__(self, group: RunGroup, epoch: int, n_epochs: int, runs: list[int], seeds: list[int]) -> list:
        """Train the group's slots for up to n_epochs from epoch; the results of the runs that stopped."""
        tf = tensorflow()
        idx, wts = batches(self.shufflers, self.fit_sets, group.runs, group.steps, self.batch, n_epochs)
        fn = self.fns[len(group.runs) >= MASKS_PER_STEP_FROM]
        first = tf.constant(epoch, tf.int32)
        args = (self.X, self.y, group.params, group.m, group.v, first, group.state, idx, wts, self.lr)
        traced_for_every_shape(fn, args)
        live, state, done = fn(*args)
        out_best, out_loss, out_epoch, out_stop = done
        stop = out_stop.numpy()
        slots = np.flatnonzero(stop >= 0)
        best = [b.numpy()[slots] for b in out_best]
        stopped = collect(
            group.runs[slots], best, stop[slots] + 1, out_epoch.numpy()[slots], out_loss.numpy()[slots], runs, seeds
        )
        group.advance(live.numpy(), state)
        return stopped


def traced_for_every_shape(fn, args: tuple) -> None:
    """Trace an epoch function once, before its first call, for arguments of any slots, rows, epochs and steps.

    ``reduce_retracing`` would trace it again each time another dimension first changes (two or three traces of a few
    tenths of a second in every process that trains); one trace with every tensor's dimensions unknown serves them all.
    The variables (weights, Adam's moments) are passed as they are: they already have an unknown slot dimension.
    """
    if fn.experimental_get_tracing_count():  # traced already: once serves every shape
        return
    tf = tensorflow()

    def relaxed(value):
        if isinstance(value, tf.Variable):
            return value
        return tf.TensorSpec([None] * len(value.shape), tf.as_dtype(value.dtype))  # a tensor or a NumPy array

    fn.get_concrete_function(*tf.nest.map_structure(relaxed, args))


def _progress_bar(total: int):
    """A bar of finished runs (tqdm; TQDM_DISABLE=1 turns it off, as the pipeline does)."""
    from tqdm import tqdm

    return tqdm(total=total, desc="runs finished", unit="run", mininterval=2.0)


def train_sequential(
    X: np.ndarray,
    y: np.ndarray,
    carves: list[tuple[np.ndarray, np.ndarray]],
    runs: list[int],
    base_seed: int,
    config: TrainConfig,
) -> list[RunResult]:
    """Train the runs one Keras ``model.fit`` after another (same initialization, carves and early stopping)."""
    keras = keras_module()

    results = []
    for position, (run, (fit, stopping)) in enumerate(zip(runs, carves, strict=True)):
        seed = run_seed(base_seed, run)
        keras.utils.set_random_seed(seed)
        net = keras_network(X.shape[1], config)
        net.set_weights(glorot_init(X.shape[1], config.hidden, seed))
        net.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=ADAM_EPSILON), loss="mse")
        stop = keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True)
        history = net.fit(
            X[fit],
            y[fit],
            validation_data=(X[stopping], y[stopping]),  # Keras' name for the early-stopping rows
            epochs=config.epochs,
            batch_size=config.batch_size,
            shuffle=True,
            callbacks=[stop],
            verbose=0,
        )
        stopping_loss = history.history["val_loss"]  # Keras' name for the loss on the early-stopping rows
        best = int(np.argmin(stopping_loss))
        weights = [w.astype(np.float32) for w in net.get_weights()]
        results.append(
            RunResult(run, seed, weights, len(stopping_loss), best + 1, float(stopping_loss[best]), position)
        )
    return results
