"""The fast trainer: every run at once, in batched TensorFlow computations, each run still its own network.

Each run keeps its own weights (stacked along a leading slot axis), Glorot initialization, dropout masks,
shuffling, early-stopping carve, Adam state and early-stopping point. Runs are trained in groups (``group.py``): the
runs an epoch takes the same number of steps (ceil(fitting rows / batch)). One epoch of a group is one call of a
graph function (``epoch.py``) built from these named steps, one module each:

  batches         each run's shuffled fitting rows for the epoch (``batching.py``, NumPy, the run's own generator)
  dropout_masks   each run's masks, a counter-based hash of (run seed, epoch, step, layer) (``random_streams.py``)
  adam_step       one Adam update of every slot of the group (``adam.py``: Keras' rule, TensorFlow's fused kernel)
  early_stopping  per slot: best validation loss, its epoch and weights, the patience counter (``early_stopping.py``)

When runs stop, their results are handed to ``on_finish`` and their slots dropped (``RunGroup.keep``).
``tests/test_training.py::test_without_dropout_and_with_full_batches_it_reproduces_keras_exactly`` proves this
trainer and the Keras one (``keras_reference.py``) give the same weights to 1e-4. Run r's randomness depends only on
its seed, never on which other runs share the computation, so a resumed training reproduces the runs an
uninterrupted one would have made.

Measured and left out: XLA (its CPU batched matrix product is several times slower than TensorFlow's here, and
every slot count compiles anew, about a second each), cutting the slots into chunks that fit the cache (no faster),
unrolling the step loop (no faster). What limits the speed (100 runs of the default network, quiet machine, about
19 s): epochs with more than 64 runs alive do about 0.2 of a large sgemm's rate (the batched 32-row products
themselves reach about 0.6; the backward products, Adam's memory-bound pass over every weight and both moments, and
the masks take the rest), and about 40% of the time goes to the long tail of epochs with 16 or fewer runs alive
(runs stop between about 60 and 350 epochs), where a group's epoch costs about 9 ms of fixed per-operation overhead
whatever its size. Notebook 06 trains its 5 folds x 100 runs in one call (row masks): the tail is then shared by all
folds, and the bulk (about 80% of the CPU time, 2026-11-28, loaded machine) runs at about 0.2 of sgemm per CPU
second; groups of 32 or more runs draw their dropout masks step by step (the epoch's masks at once would not stay in
the cache: about 20% of a large group's time).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.modeling.backend import tensorflow
from helpers.modeling.batching import batches
from helpers.modeling.epoch import epoch_function
from helpers.modeling.group import RunGroup, build_groups
from helpers.modeling.network import TrainConfig
from helpers.modeling.runs import RunResult, run_seed

MASKS_PER_STEP_FROM = 32  # slots from which a group draws its dropout masks step by step (see epoch_function)


def train_vectorized(
    X: np.ndarray,
    y: np.ndarray,
    carves: list[tuple[np.ndarray, np.ndarray]],
    runs: list[int],
    base_seed: int,
    config: TrainConfig,
    on_finish: Callable[[RunResult], None] | None = None,
    progress: bool = False,
) -> list[RunResult]:
    """Train every run in one batched TensorFlow computation; call ``on_finish`` as each run stops.

    ``carves[i]`` gives run i's (fit, validation) rows of X and y: a run sees no other row. Run numbers may repeat
    (the same seed on different rows); results come back in the order of ``runs``.
    """
    seeds = [run_seed(base_seed, r) for r in runs]
    groups = build_groups(carves, seeds, X.shape[1], config)
    step = _EpochStep(X, y, carves, seeds, config)
    results: list[RunResult | None] = [None] * len(runs)
    bar = _progress_bar(len(runs)) if progress else None

    def finish(done: list[RunResult]) -> None:
        for res in done:
            results[res.position] = res
            if on_finish is not None:
                on_finish(res)
        if bar is not None:
            bar.update(len(done))

    for epoch in range(config.epochs):
        last = epoch + 1 == config.epochs
        for group in groups:
            stopped = step(group, epoch) | last
            if stopped.any():
                finish(group.results(np.flatnonzero(stopped), epoch + 1, runs, seeds))
                group.keep(~stopped)
        groups = [g for g in groups if len(g.runs)]
        if not groups:
            break
    for group in groups:  # only without any epoch to train
        finish(group.results(np.arange(len(group.runs)), config.epochs, runs, seeds))
    if bar is not None:
        bar.close()
    return results


class _EpochStep:
    """One epoch of one group: its batches (NumPy), then the cached graph function; returns which slots stop."""

    def __init__(self, X, y, carves, seeds: list[int], config: TrainConfig) -> None:
        tf = tensorflow()
        self.batch = int(config.batch_size)
        network = (self.batch, tuple(config.hidden), config.activation, float(config.dropout), int(config.patience))
        self.fns = (epoch_function(*network), epoch_function(*network, masks_per_step=True))
        self.X, self.y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
        self.lr = tf.constant(float(config.learning_rate), tf.float32)
        self.shufflers = [np.random.default_rng([s, 1]) for s in seeds]
        self.fit_sets = [np.asarray(fit) for fit, _ in carves]

    def __call__(self, group: RunGroup, epoch: int) -> np.ndarray:
        tf = tensorflow()
        idx, wts = batches(self.shufflers, self.fit_sets, group.runs, group.steps, self.batch)
        fn = self.fns[len(group.runs) >= MASKS_PER_STEP_FROM]
        group.best, group.best_loss, group.best_epoch, group.wait, stopped = fn(
            self.X,
            self.y,
            group.params,
            group.m,
            group.v,
            tf.constant(epoch * group.steps, tf.int32),
            group.best,
            group.best_loss,
            group.best_epoch,
            group.wait,
            group.keys,
            idx,
            wts,
            group.val_idx,
            group.val_w,
            tf.constant(epoch, tf.int32),
            self.lr,
        )
        return stopped.numpy()


def _progress_bar(total: int):
    """A bar of finished runs (tqdm; TQDM_DISABLE=1 turns it off, as the pipeline does)."""
    from tqdm import tqdm

    return tqdm(total=total, desc="runs finished", unit="run", mininterval=2.0)
