"""Prediction intervals with a guaranteed coverage: normalized conformal regression (crepes) on out-of-bag residuals.

Calibration never uses a test row. Every training run holds out its own early-stopping alloys, so every training row is
predicted by the runs that did not fit it (about a fifth of them): its *out-of-bag* prediction. The residuals of
those predictions calibrate a conformal regressor (crepes' ``ConformalRegressor``). The interval is normalized by a
difficulty estimate, so that hard alloys get wider intervals:

    difficulty = mean |out-of-bag residual| of the k nearest calibration alloys (crepes' ``DifficultyEstimator``)
                 + the spread (standard deviation) of the ensemble's predictions.

Neither part alone works well here: a few Fe-Zr-B rows have a tiny ensemble spread and a large error, which inflates
a spread-only quantile; the nearest-neighbour residuals see those rows. Out-of-bag predictions come from runs that
stopped early on those same rows, so they are slightly optimistic; notebook 06 measures the coverage this gives on
outer test alloys that nothing was fitted, stopped or calibrated on.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from crepes import ConformalRegressor
from crepes.extras import DifficultyEstimator

from helpers.modeling.trainer import early_stopping_carves
from helpers.outputs import write_atomic
from helpers.validation import BS_MAX_TESLA

if TYPE_CHECKING:
    from helpers.modeling.ensemble import Ensemble

LEVELS = (0.8, 0.9, 0.95)
DEFAULT_LEVEL = 0.9
NEIGHBOURS = 25
UNCALIBRATED_WIDENING = 2.0  # a state too rare to calibrate: the all-rows interval's half-width times this (stated,
# not calibrated: as-quenched and annealed Bs of one alloy can differ by several tenths of a tesla, more than the
# annealed errors that calibrate the all-rows interval; see DOMAIN_NOTES of the Curie temperature of Fe-Zr-B glasses)


def held_out_masks(
    groups: np.ndarray, fraction: float, seeds: list[int], row_mask: np.ndarray | None = None
) -> np.ndarray:
    """(runs x rows) True where a run did not fit the row: its early-stopping carve (the recipe of fit_networks) and,
    with a ``row_mask`` (runs x rows) of training rows, every row outside its mask."""
    masks = np.ones((len(seeds), len(groups)), bool)
    for i, (fitted, _) in enumerate(early_stopping_carves(groups, fraction, seeds, row_mask)):
        masks[i, fitted] = False
    return masks


def out_of_bag(per_run: np.ndarray, held_out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: mean and standard deviation of the predictions of the runs that held it out, and their number."""
    count = held_out.sum(axis=0)
    mean = np.where(held_out, per_run, 0.0).sum(axis=0) / np.maximum(count, 1)
    var = np.where(held_out, (per_run - mean) ** 2, 0.0).sum(axis=0) / np.maximum(count, 1)
    return np.where(count > 0, mean, np.nan), np.sqrt(var), count


def calibrate(
    per_run: np.ndarray,
    groups: np.ndarray,
    fraction: float,
    seeds: list[int],
    measured: np.ndarray,
    X_scaled: np.ndarray,
) -> Calibration:
    """Calibration of an ensemble from its runs' predictions on the training rows (runs x rows) and their carves."""
    return Calibration.from_runs(per_run, held_out_masks(groups, fraction, seeds), measured, X_scaled)


def calibrate_ensemble(
    ensemble: Ensemble, table: pd.DataFrame, X: pd.DataFrame, seeds: list[int], by_state: bool = False
) -> Calibration:
    """Fit the intervals of an ensemble on its training rows (tidy table and their features), out of bag.

    ``seeds`` are the runs' seeds, from which their early-stopping carves are drawn again (``fit_networks``' recipe);
    ``by_state`` calibrates annealed and as-quenched rows apart (Mondrian, see the module's docstring).
    """
    held_out = held_out_masks(table["composition"].to_numpy(), ensemble.config.stopping_fraction, seeds)
    states = table["annealed"].to_numpy(bool) if by_state else None
    per_run, measured = ensemble.per_network(X), table["bs_tesla"].to_numpy()
    return Calibration.from_runs(per_run, held_out, measured, ensemble.scaler.x(X), states)


@dataclass
class Calibration:
    """Out-of-bag residuals of the training rows, their scaled features and ensemble spread; gives intervals."""

    X: np.ndarray  # scaled features of the calibration rows
    residuals: np.ndarray  # measured - out-of-bag ensemble mean (T)
    spread: np.ndarray  # out-of-bag ensemble standard deviation (T)
    k: int = NEIGHBOURS
    states: np.ndarray | None = None  # annealed (True) or as-quenched per calibration row: Mondrian by state; or None
    _estimator: DifficultyEstimator | None = field(default=None, repr=False, compare=False)
    _regressor: ConformalRegressor | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_runs(
        cls,
        per_run: np.ndarray,
        held_out: np.ndarray,
        measured: np.ndarray,
        X_scaled: np.ndarray,
        states: np.ndarray | None = None,
    ) -> Calibration:
        """Calibrate on training rows from every run's predictions (runs x rows) and which runs held each row out;
        with ``states`` (annealed per row), by annealing state."""
        mean, spread, count = out_of_bag(per_run, held_out)
        keep = count > 0
        kept_states = None if states is None else np.asarray(states, bool)[keep]
        residuals = (np.asarray(measured) - mean)[keep]
        return cls(np.asarray(X_scaled, np.float32)[keep], residuals, spread[keep], states=kept_states)

    def _difficulty_estimator(self) -> DifficultyEstimator:
        if self._estimator is None:
            k = min(self.k, len(self.residuals) - 1)
            self._estimator = DifficultyEstimator().fit(X=self.X, residuals=self.residuals, k=k, scaler=False, oob=True)
        return self._estimator

    def calibration_difficulty(self) -> np.ndarray:
        """Difficulty of every calibration row (its neighbours exclude itself)."""
        return self._difficulty_estimator().apply() + self.spread

    def difficulty(self, X_scaled: np.ndarray, spread: np.ndarray) -> np.ndarray:
        """Difficulty of new rows: neighbours' mean |residual| plus the ensemble spread (T); crepes' neighbour search,
        then the mean |residual| of each row's neighbours as one gather (its ``apply`` loops over rows in Python)."""
        estimator = self._difficulty_estimator()
        neighbours = estimator.nn.kneighbors(
            estimator.nn_scaler.transform(np.asarray(X_scaled, np.float32)), return_distance=False
        )
        return np.abs(estimator.residuals)[neighbours].mean(axis=1) + estimator.beta + np.asarray(spread)

    def _conformal(self) -> ConformalRegressor:
        if self._regressor is None:
            self._regressor = ConformalRegressor().fit(self.residuals, sigmas=self.calibration_difficulty())
        return self._regressor

    def interval(
        self,
        predicted: np.ndarray,
        difficulty: np.ndarray,
        level: float = DEFAULT_LEVEL,
        annealed: np.ndarray | None = None,
    ) -> np.ndarray:
        """(rows x 2) lower and upper bound at the given level (e.g. 0.9), for predictions and their difficulty;
        a calibration by annealing state needs ``annealed`` (per row) and calibrates each state on its own rows."""
        check_level(level)
        predicted, difficulty = np.asarray(predicted, float), np.asarray(difficulty, float)
        bounds = _bounds(self._conformal(), predicted, difficulty, level)
        if self.states is not None:
            if annealed is None or len(annealed) != len(predicted):
                raise ValueError("this calibration is by annealing state: give the annealed flag of every row")
            bounds = self._by_state(bounds, predicted, difficulty, level, np.asarray(annealed, bool))
        return np.clip(bounds, 0.0, BS_MAX_TESLA)

    def _by_state(self, pooled, predicted, difficulty, level, annealed) -> np.ndarray:
        """Mondrian bounds for rows of a state with enough calibration rows; the widened pooled ones for the rest."""
        bounds = predicted[:, None] + UNCALIBRATED_WIDENING * (pooled - predicted[:, None])
        enough = self.calibrated_states(level)
        rows = np.flatnonzero([enough[bool(a)] for a in annealed])
        if len(rows):
            mondrian = ConformalRegressor().fit(
                self.residuals, sigmas=self.calibration_difficulty(), bins=self.states.astype(int)
            )
            bounds[rows] = _bounds(mondrian, predicted[rows], difficulty[rows], level, annealed[rows].astype(int))
        return bounds

    def calibrated_states(self, level: float) -> dict[bool, bool]:
        """Per annealing state (True: annealed), whether it has the calibration rows a level needs (all rows count
        for both states in a calibration that is not by state)."""
        need = min_calibration_rows(level)
        if self.states is None:
            return dict.fromkeys((True, False), len(self.residuals) >= need)
        return {state: int((self.states == state).sum()) >= need for state in (True, False)}

    def plain_interval(self, predicted: np.ndarray, level: float = DEFAULT_LEVEL) -> np.ndarray:
        """The plain split-conformal interval (one absolute quantile of the residuals), for comparison."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return (
                ConformalRegressor()
                .fit(self.residuals)
                .predict_int(np.asarray(predicted, float), confidence=level, y_min=0.0, y_max=BS_MAX_TESLA)
            )

    def save(self, path: Path) -> None:
        """Write the calibration rows to an .npz file (atomically)."""
        arrays = {"X": self.X, "residuals": self.residuals, "spread": self.spread, "k": self.k}
        if self.states is not None:
            arrays["states"] = self.states
        write_atomic(Path(path), lambda part: np.savez(part, **arrays))

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read what save wrote."""
        with np.load(Path(path)) as npz:
            states = npz["states"].astype(bool) if "states" in npz.files else None
            return cls(npz["X"], npz["residuals"], npz["spread"], int(npz["k"]), states)


def _bounds(
    regressor: ConformalRegressor, predicted: np.ndarray, difficulty: np.ndarray, level: float, bins=None
) -> np.ndarray:
    """crepes' normalized interval, unclipped (a level that needs more calibration rows gives infinite bounds)."""
    with warnings.catch_warnings():  # crepes warns when a level needs more calibration rows; it then gives inf
        warnings.simplefilter("ignore")
        return regressor.predict_int(predicted, sigmas=difficulty, bins=bins, confidence=level)


def min_calibration_rows(level: float) -> int:
    """The fewest calibration rows that give a finite split-conformal interval at a level: ceil((n + 1) level) <= n,
    that is n >= level / (1 - level) (9 at 90 %, 19 at 95 %)."""
    return math.ceil(level / (1 - level) - 1e-9)


def interval_calibrated(calibration: Calibration, scaler, X: pd.DataFrame, level: float) -> np.ndarray:
    """Per row: whether its annealing state (annealed or as-quenched) has at least min_calibration_rows(level)
    calibration rows, i.e. whether a calibration on that state's rows alone could give its interval at that level.

    A calibration by state (``Calibration.states``) then calibrates it so, and widens the others' intervals. One that
    is not calibrates all states together; where a state has fewer rows, its rows' intervals rest on the errors of
    the other state and promise more than their calibration supports (notebook 06 reports the coverage per state).
    Without an annealing feature every row counts as one state.
    """
    need = min_calibration_rows(level)
    if "annealed" not in scaler.columns or "annealed" not in X:
        return np.full(len(X), len(calibration.residuals) >= need)
    if calibration.states is not None:
        enough = calibration.calibrated_states(level)
    else:
        j = scaler.columns.index("annealed")
        calibration_annealed = calibration.X[:, j] * scaler.x_scale[j] + scaler.x_mean[j] > 0.5
        enough = {True: calibration_annealed.sum() >= need, False: (~calibration_annealed).sum() >= need}
    return np.where(X["annealed"].to_numpy(float) > 0.5, enough[True], enough[False])


def check_level(level: float) -> None:
    """A level must lie strictly between 0 and 1 (e.g. 0.9 for 90 %)."""
    if not 0 < float(level) < 1:
        raise ValueError(f"interval level must lie between 0 and 1 (e.g. 0.9 for 90 %), not {level}")


def coverage(measured: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict[str, float]:
    """Share of measured values inside their intervals (a missing bound counts as outside), and the mean width (T)
    of the intervals that exist."""
    measured = np.asarray(measured, float)
    return {
        "coverage": float(np.mean((measured >= lower) & (measured <= upper))),
        "mean_width_T": float(np.nanmean(np.asarray(upper, float) - np.asarray(lower, float))),
    }


def coverage_table(rows: pd.DataFrame, levels: tuple[float, ...] = LEVELS, by: str | None = None) -> pd.DataFrame:
    """Observed coverage and mean width per level and method (normalized, plain, ±k std), optionally per category.

    ``rows`` has measured, and for each level L: bs_lower_L, bs_upper_L (normalized), plain_lower_L, plain_upper_L,
    and bs_ensemble, ensemble_std, from which the ±k std interval with the Gaussian k of that level is formed.
    """
    from scipy.stats import norm

    groups = rows.groupby(by) if by else [("all", rows)]
    out = []
    for name, part in groups:
        for level in levels:
            k = norm.ppf(0.5 + level / 2)
            for method, lo, hi in (
                ("conformal, normalized", part[f"bs_lower_{level}"], part[f"bs_upper_{level}"]),
                ("conformal, plain", part[f"plain_lower_{level}"], part[f"plain_upper_{level}"]),
                (
                    "ensemble mean ± k std (Gaussian k)",
                    part["bs_ensemble"] - k * part["ensemble_std"],
                    part["bs_ensemble"] + k * part["ensemble_std"],
                ),
            ):
                out.append(
                    {
                        "category": name,
                        "level": level,
                        "method": method,
                        "rows": len(part),
                        **coverage(part["measured"], lo, hi),
                    }
                )
    return pd.DataFrame(out)
