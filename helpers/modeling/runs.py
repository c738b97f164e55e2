"""A training run: its seed, its rows (early-stopping carve within its row mask) and what it produced."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.modeling.scaler import Scaler
from helpers.split import early_stopping_carve


@dataclass
class RunResult:
    """One trained network: its best weights (restored at the best validation epoch) and how it got there.

    ``position`` is the run's place in the list of runs of its training call (run numbers may repeat there, e.g.
    run r of every fold); ``scaler`` is the scaler its rows were standardized with (set by ``fit_networks``).
    """

    run: int
    seed: int
    weights: list[np.ndarray]
    epochs_trained: int
    best_epoch: int
    best_val_loss: float
    position: int = -1
    scaler: Scaler | None = None


def run_seed(base_seed: int, run: int) -> int:
    """The seed of run ``run``."""
    return int(base_seed) + int(run)


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
    """(fit, validation) positions of each run among the rows: the one carve recipe of every training.

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
        fit, val = early_stopping_carve(groups[rows], fraction, seed)
        carves.append((rows[fit], rows[val]))
    return carves
