"""Each run's mini-batches of one epoch: its own fitting rows in its own new order."""

from __future__ import annotations

import numpy as np


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
