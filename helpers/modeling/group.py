"""The state of a group of runs trained together: the runs an epoch takes the same number of steps.

One run per "slot" of stacked tensors (leading axis = slots). Weights and Adam moments are TensorFlow variables
updated in place for the whole training; the early-stopping state, dropout keys and validation rows are tensors.
``keep`` drops the slots of finished runs: shapes change, but the epoch's graph function does not retrace.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.modeling.backend import tensorflow
from helpers.modeling.network import TrainConfig, glorot_init
from helpers.modeling.random_streams import run_key
from helpers.modeling.runs import RunResult


class RunGroup:
    """The runs (positions in the training call) that take ``steps`` steps per epoch, one per slot."""

    def __init__(
        self, positions: np.ndarray, steps: int, init: list[np.ndarray], keys: np.ndarray, val_idx, val_w
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
        self.keys, self.val_idx, self.val_w = tf.constant(keys), tf.constant(val_idx), tf.constant(val_w)

    def keep(self, alive: np.ndarray) -> None:
        """Drop the slots that are not alive (finished runs)."""
        tf = tensorflow()

        take = tf.constant(np.flatnonzero(alive), tf.int32)
        for var in self.params + self.m + self.v:
            var.assign(tf.gather(var, take))
        self.best = [tf.gather(b, take) for b in self.best]
        for name in ("best_loss", "best_epoch", "wait", "keys", "val_idx", "val_w"):
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
    """Every run in the group of its steps per epoch, with its Glorot start, dropout key and validation rows."""
    batch = int(config.batch_size)
    n_val = max(1, max(len(val) for _, val in carves))
    val_idx = np.zeros((len(carves), n_val), np.int32)
    val_w = np.zeros((len(carves), n_val), np.float32)
    for i, (_, val) in enumerate(carves):
        val_idx[i, : len(val)] = val
        val_w[i, : len(val)] = 1.0
    keys = np.array([run_key(s) for s in seeds], np.uint32)
    init = [glorot_init(n_in, config.hidden, s) for s in seeds]
    steps = np.array([math.ceil(len(fit) / batch) for fit, _ in carves])
    groups = []
    for n_steps in sorted(set(steps)):
        pos = np.flatnonzero(steps == n_steps)
        stacked = [np.stack([init[p][k] for p in pos]) for k in range(len(init[0]))]
        groups.append(RunGroup(pos, int(n_steps), stacked, keys[pos], val_idx[pos], val_w[pos]))
    return groups
