"""From raw features to trained runs: scale, carve each run's validation alloys, train every run at once.

Row masks. ``row_mask`` (runs x rows, boolean) gives each run its own training rows; a run never sees a row outside
its mask: not in fitting, not in its early-stopping carve (drawn from its rows only, by the same recipe as a
training on those rows alone), and not in its scaler. What is shared between runs:

* without ``scaler``: one scaler per distinct mask, fitted on exactly that mask's rows (all runs of one fold share
  theirs); the features of each distinct mask are scaled once and stacked, and each run indexes its own block.
  A masked run is then the same network as that run trained on its rows alone (``tests/test_training.py``).
* with ``scaler``: that scaler, as given, for every run: its statistics are the caller's choice (fit it on rows
  every run may see, or accept that runs share feature statistics).

Nothing else is shared: initial weights, dropout, shuffling and the carve depend on the run's seed and rows only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.modeling.network import TrainConfig
from helpers.modeling.runs import RunResult, check_row_mask, early_stopping_carves, run_seed
from helpers.modeling.scaler import Scaler
from helpers.modeling.vectorized import train_vectorized


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
) -> list[RunResult]:
    """Train every run on its rows of X, y (all rows, or its row of ``row_mask``); each result carries its scaler.

    ``groups`` (one per row, e.g. the composition) keep an alloy's rows on one side of each early-stopping carve.
    """
    y = np.asarray(y, float)
    mask = check_row_mask(row_mask, len(runs), len(X))
    carves = early_stopping_carves(groups, config.val_fraction, [run_seed(base_seed, r) for r in runs], mask)
    patterns, block = (mask[:1], np.zeros(len(runs), int)) if scaler else _distinct(mask)
    scalers = [scaler or Scaler.fit(X.iloc[np.flatnonzero(p)], y[p]) for p in patterns]
    X_blocks = np.concatenate([s.x(X) for s in scalers])
    y_blocks = np.concatenate([s.y(y) for s in scalers])
    offsets = block * len(X)
    carves = [(fit + off, val + off) for (fit, val), off in zip(carves, offsets, strict=True)]

    def with_scaler(res: RunResult) -> RunResult:
        return replace(res, scaler=scalers[block[res.position]])

    def finished(res: RunResult) -> None:
        if on_finish is not None:
            on_finish(with_scaler(res))

    results = train_vectorized(X_blocks, y_blocks, carves, runs, base_seed, config, finished, progress)
    return [with_scaler(res) for res in results]


def _distinct(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a runs x rows mask (in order of first appearance) and each run's index among them."""
    _, first, inverse = np.unique(mask, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return mask[first[order]], rank[np.ravel(inverse)]
