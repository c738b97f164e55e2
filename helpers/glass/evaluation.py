"""Judging glass-formation classifiers: folds grouped by chemical system, honest calibrated out-of-fold
probabilities, and the scores (AUC, Brier score, log loss, expected calibration error), all from scikit-learn.

``grouped_folds``: every composition of one chemical system (its sorted element set) lies in one fold, so a score
says how a classifier does on a system it has never seen. The calibration is judged nested (``nested_splits``): fold
k's out-of-fold scores are calibrated by a calibrator (isotonic regression, or Platt's sigmoid) fitted on the inner
out-of-fold scores of fold k's training rows (grouped inner folds), exactly as the final model's calibrator is fitted on
the outer out-of-fold scores of every row; no label of fold k shapes its own probabilities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import GroupKFold

from helpers.glass.data import FE_BASED

N_BINS = 10  # equal-width probability bins of the reliability diagram and the calibration error
FE_RICH_AT_PCT = 80.0  # the Fe-rich subset reported apart
UNCALIBRATED = "uncalibrated"  # the calibration that leaves a classifier's own probability as it is
PROBABILITY_FLOOR = 1e-3  # log loss of a calibrated 0 or 1: clipped here, as a stated probability never is 0 or 1


def grouped_folds(groups: pd.Series, n_folds: int, seed: int | None = None) -> np.ndarray:
    """The fold (0 .. n_folds-1) of every row, all rows of one group (chemical system) in one fold: scikit-learn's
    GroupKFold, which balances the folds' sizes, or with a seed its shuffled cut (another cut of the same groups)."""
    folds = np.full(len(groups), -1)
    splitter = GroupKFold(n_splits=n_folds) if seed is None else GroupKFold(n_folds, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(groups)), groups=np.asarray(groups))):
        folds[test] = k
    return folds


def family_folds(groups: pd.Series, judged: np.ndarray, n_folds: int, seed: int | None = None) -> np.ndarray:
    """The fold of every labelled composition: the judged ones' ``grouped_folds``, and each other one (another alloy
    family, learnt from but never scored) the fold of its chemical system, or -1 (never held out) when no judged
    composition shares that system."""
    groups, judged = np.asarray(groups), np.asarray(judged, bool)
    fold_of = dict(zip(groups[judged], grouped_folds(groups[judged], n_folds, seed), strict=True))
    return np.array([fold_of.get(g, -1) for g in groups], dtype=int)


def judged_rows(table: pd.DataFrame) -> np.ndarray:
    """Which labelled compositions a classifier is scored on: the Fe-based ones (every row of a table without the
    column that says so)."""
    if FE_BASED in table.columns:
        return table[FE_BASED].to_numpy(bool)
    return np.ones(len(table), bool)


def held_out_folds(folds: np.ndarray) -> np.ndarray:
    """The folds that are held out in turn (-1, the rows of systems no judged composition shares, never is)."""
    return np.unique(folds[folds >= 0])


def isotonic() -> IsotonicRegression:
    """The calibrator: scikit-learn's isotonic regression, clipped to [0, 1] outside the scores it saw."""
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")


class Sigmoid:
    """Platt scaling: scikit-learn's logistic regression of the label on the logit of the score."""

    def __init__(self) -> None:
        self.regression = LogisticRegression(C=1e6)

    @staticmethod
    def _logit(score: np.ndarray) -> np.ndarray:
        return logit(np.clip(np.asarray(score, float), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR))[:, None]

    def fit(self, score: np.ndarray, y: np.ndarray) -> Sigmoid:
        """Fit on raw scores and 0/1 labels."""
        self.regression.fit(self._logit(score), np.asarray(y, int))
        return self

    def predict(self, score: np.ndarray) -> np.ndarray:
        """Calibrated probability of glass."""
        return self.regression.predict_proba(self._logit(score))[:, 1]


class Uncalibrated:
    """The classifier's own probability, as a calibrator that changes nothing (the baseline of the calibrators)."""

    def fit(self, score: np.ndarray, y: np.ndarray) -> Uncalibrated:
        """Nothing to fit."""
        return self

    def predict(self, score: np.ndarray) -> np.ndarray:
        """The score itself."""
        return np.asarray(score, float)


CALIBRATORS: dict[str, Callable[[], object]] = {UNCALIBRATED: Uncalibrated, "isotonic": isotonic, "sigmoid": Sigmoid}


@dataclass(frozen=True)
class Split:
    """One fit of a nested cross-validation: an outer split (fold k held out) or an inner split of fold k's training
    rows (one of their grouped inner folds held out); rows as boolean masks over every labelled composition."""

    kind: str  # "outer" or "inner"
    fold: int  # the outer fold
    train: np.ndarray
    test: np.ndarray


def nested_splits(groups: pd.Series | np.ndarray, folds: np.ndarray) -> list[Split]:
    """Every outer split, and for each the grouped inner splits of its training rows (one fewer fold than outside);
    rows of fold -1 are learnt from in every split and held out in none."""
    groups, splits = np.asarray(groups), []
    outer = held_out_folds(folds)
    for k in outer:
        splits.append(Split("outer", int(k), folds != k, folds == k))
        rows = np.flatnonzero((folds != k) & (folds >= 0))
        for _, held in GroupKFold(n_splits=len(outer) - 1).split(rows, groups=groups[rows]):
            test = np.zeros(len(folds), bool)
            test[rows[held]] = True
            splits.append(Split("inner", int(k), (folds != k) & ~test, test))
    return splits


def nested_scores(splits: list[Split], predictions: list[np.ndarray], n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The outer out-of-fold scores (rows), and the inner ones (rows x outer folds; NaN in a row's own outer fold)."""
    outer = np.full(n_rows, np.nan)
    inner = np.full((n_rows, max(s.fold for s in splits) + 1), np.nan)
    for split, predicted in zip(splits, predictions, strict=True):
        if split.kind == "outer":
            outer[split.test] = predicted
        else:
            inner[split.test, split.fold] = predicted
    return outer, inner


def fitted_scores(fit_score: Callable, X: pd.DataFrame, y: np.ndarray, splits: list[Split]) -> list[np.ndarray]:
    """Every split's test scores by a classifier fitted on its training rows: ``fit_score(X_fit, y_fit, X_test)``."""
    return [fit_score(X[s.train], y[s.train], X[s.test]) for s in splits]


def out_of_fold_scores(fit_score: Callable, X: pd.DataFrame, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Raw scores of every row by a classifier fitted without its fold: ``fit_score(X_fit, y_fit, X_test)`` (NaN for
    rows of fold -1, never held out)."""
    scores = np.full(len(y), np.nan)
    for k in held_out_folds(folds):
        test = folds == k
        scores[test] = fit_score(X[~test], y[~test], X[test])
    return scores


def nested_calibrated(
    outer: np.ndarray, inner: np.ndarray, y: np.ndarray, folds: np.ndarray, calibrator: str = "isotonic"
) -> np.ndarray:
    """Calibrated out-of-fold probabilities: fold k's scores mapped by a calibrator fitted on the inner out-of-fold
    scores of fold k's training rows, as the final model's calibrator is fitted on the outer ones."""
    calibrated = np.full(len(y), np.nan)
    for k in np.unique(folds):
        train = folds != k
        fitted = CALIBRATORS[calibrator]().fit(inner[train, k], y[train])
        calibrated[folds == k] = fitted.predict(outer[folds == k])
    return calibrated


def bin_counts(probability: np.ndarray, n_bins: int = N_BINS) -> np.ndarray:
    """Rows per non-empty bin, binned exactly as sklearn.calibration.calibration_curve (uniform) bins them."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], probability), minlength=n_bins)
    return counts[counts > 0]


def expected_calibration_error(y: np.ndarray, probability: np.ndarray, n_bins: int = N_BINS) -> float:
    """Sum over bins of (share of rows) x |observed share of glasses - mean stated probability|."""
    observed, stated = calibration_curve(y, probability, n_bins=n_bins, strategy="uniform")
    counts = bin_counts(probability, n_bins)
    return float(np.sum(counts / counts.sum() * np.abs(observed - stated)))


def reliability(y: np.ndarray, probability: np.ndarray, n_bins: int = N_BINS) -> pd.DataFrame:
    """The reliability diagram's points: mean stated probability, observed share of glasses, rows per bin."""
    observed, stated = calibration_curve(y, probability, n_bins=n_bins, strategy="uniform")
    return pd.DataFrame({"stated": stated, "observed": observed, "rows": bin_counts(probability, n_bins)})


def scores(y: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """AUC, Brier score, log loss and expected calibration error of probabilities of glass."""
    y = np.asarray(y, int)
    p = np.asarray(probability, float)
    both = len(np.unique(y)) == 2
    return {
        "rows": len(y),
        "glass share": float(y.mean()) if len(y) else np.nan,
        "AUC": float(roc_auc_score(y, p)) if both else np.nan,
        "Brier": float(brier_score_loss(y, p, labels=[0, 1])),
        "log loss": float(log_loss(y, np.clip(p, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR), labels=[0, 1])),
        "ECE": expected_calibration_error(y, p),
    }


def score_table(oof: pd.DataFrame, probability_columns: dict[str, str]) -> pd.DataFrame:
    """Scores per model (rows) overall and for the Fe-rich subset: ``oof`` holds label, fe_at_pct and the columns."""
    rows = []
    for model, column in probability_columns.items():
        for subset, keep in (
            ("all", oof["fe_at_pct"] >= 0),
            (f"Fe >= {FE_RICH_AT_PCT:g}", oof["fe_at_pct"] >= FE_RICH_AT_PCT),
        ):
            part = oof[keep]
            rows.append({"model": model, "subset": subset, **scores(part["label"].to_numpy(), part[column].to_numpy())})
    return pd.DataFrame(rows)
