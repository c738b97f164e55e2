"""The steps a campaign injects: fitting an ensemble per row mask, and calibrating its intervals.

``FitPredict``: ``fit_predict(X, y, train_masks, seeds) -> predictions``. ``X`` is (rows x features) for every row
of the pool, ``y`` (rows) holds the measured Bs and is NaN on every row that no mask allows; ``train_masks`` is
(models x rows) bool, ``seeds`` (models) ints. Model ``i`` may fit, scale, select features and stop early using only
the rows where ``train_masks[i]`` is True, and predicts every row: the result is (models x rows). One call trains
every model of a round (all rules, campaigns and members), so a vectorized trainer can do it in one computation.

``Intervals``: ``intervals(predictions, y, held_out, X, level) -> (lower, upper)`` for one ensemble: its members'
predictions (members x rows), ``y`` (NaN where not measured), ``held_out`` (members x rows: measured rows a member
did not fit, its out-of-bag rows), features, and the level; returns per-row bounds (T).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from crepes import ConformalRegressor
from sklearn.tree import ExtraTreeRegressor

from helpers.intervals import Calibration, out_of_bag
from helpers.scoring import ensemble_interval

FitPredict = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Intervals = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float], tuple[np.ndarray, np.ndarray]]
SPREAD_FLOOR_T = 0.01  # added to every spread, so that a row the members agree on still gets a nonzero interval


def tree_fit_predict(X: np.ndarray, y: np.ndarray, train_masks: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The cheap default FitPredict: one scikit-learn extremely randomized tree per mask (a bagged forest overall)."""
    X = np.asarray(X, np.float32)
    out = np.empty((len(train_masks), len(X)))
    for i, (mask, seed) in enumerate(zip(train_masks, seeds, strict=True)):
        tree = ExtraTreeRegressor(min_samples_leaf=2, max_features=0.5, random_state=int(seed))
        out[i] = tree.fit(X[mask], y[mask]).predict(X)
    return out


def spread_intervals(
    predictions: np.ndarray, y: np.ndarray, held_out: np.ndarray, X: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """The cheap default Intervals: crepes' conformal regressor normalized by the members' spread (+ a floor).

    Calibrated on the out-of-bag residuals of the measured rows only (each row predicted by the members that left
    it out); the difficulty is the spread of all members plus SPREAD_FLOOR_T. X is not used. Bounds are infinite when
    too few rows were held out for the level (crepes' rule).
    """
    measured = ~np.isnan(y)
    mean, spread, count = out_of_bag(predictions[:, measured], held_out[:, measured])
    keep = count > 0
    if keep.sum() < 3:
        infinite = np.full(predictions.shape[1], np.inf)
        return -infinite, infinite
    regressor = ConformalRegressor().fit(y[measured][keep] - mean[keep], sigmas=spread[keep] + SPREAD_FLOOR_T)
    with warnings.catch_warnings():  # crepes warns when the level needs more calibration rows; it then gives inf
        warnings.simplefilter("ignore")
        bounds = regressor.predict_int(
            predictions.mean(axis=0), sigmas=predictions.std(axis=0) + SPREAD_FLOOR_T, confidence=level
        )
    return bounds[:, 0], bounds[:, 1]


def conformal_intervals(
    predictions: np.ndarray, y: np.ndarray, held_out: np.ndarray, X: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """The project's Intervals: its normalized conformal calibration (helpers.intervals, crepes, kNN difficulty).

    Calibrated on the out-of-bag residuals of the measured rows only; the features are standardized with the
    measured rows' mean and spread for the nearest-neighbour difficulty. Bounds are infinite when too few rows
    were held out for the level (crepes' rule), and such rows score NaN in the rules that read the interval.
    """
    measured = ~np.isnan(y)
    scaled = _standardized(np.asarray(X, float), measured)
    calibration = Calibration.from_runs(predictions[:, measured], held_out[:, measured], y[measured], scaled[measured])
    if len(calibration.residuals) < 3:
        infinite = np.full(predictions.shape[1], np.inf)
        return -infinite, infinite
    numbers = ensemble_interval(predictions, scaled, calibration, level)  # the one scoring path's interval
    return numbers["bs_lower"], numbers["bs_upper"]


def _standardized(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """X centred and scaled by the mean and standard deviation of the given rows (constant columns left at 0)."""
    centre, scale = X[rows].mean(axis=0), X[rows].std(axis=0)
    return (X - centre) / np.where(scale > 0, scale, 1.0)
