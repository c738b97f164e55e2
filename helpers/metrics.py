"""Scores of a prediction, all from scikit-learn: R2, RMSE, MAE and F1, precision, recall at a Bs threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    precision_recall_fscore_support,
    precision_score,
    r2_score,
    recall_score,
    root_mean_squared_error,
)

METRIC_COLUMNS = ["r2", "rmse", "mae", "f1", "precision", "recall"]
# How a figure, a table or the report labels each metric: the one set of labels.
METRIC_LABELS = {
    "r2": "R²",
    "rmse": "RMSE (T)",
    "mae": "MAE (T)",
    "f1": "F1",
    "precision": "precision",
    "recall": "recall",
}


def scores(measured: np.ndarray, predicted: np.ndarray, threshold: float = 1.4) -> dict[str, float]:
    """R2, RMSE (T), MAE (T), and F1, precision, recall of the class Bs >= threshold (measured vs predicted)."""
    measured, predicted = np.asarray(measured, float), np.asarray(predicted, float)
    true_high, pred_high = measured >= threshold, predicted >= threshold
    result = {
        "r2": r2_score(measured, predicted),
        "rmse": root_mean_squared_error(measured, predicted),
        "mae": mean_absolute_error(measured, predicted),
        "f1": f1_score(true_high, pred_high, zero_division=0.0),
        "precision": precision_score(true_high, pred_high, zero_division=0.0),
        "recall": recall_score(true_high, pred_high, zero_division=0.0),
    }
    return {k: float(v) for k, v in result.items()}


def scores_per_run(measured: np.ndarray, per_run: np.ndarray, threshold: float = 1.4) -> pd.DataFrame:
    """``scores`` of every run at once (runs x rows of predictions; one row of METRIC_COLUMNS per run): scikit-learn's
    multioutput regression metrics and per-label F1, precision and recall, each run a column (an output, a label)."""
    measured, predicted = np.asarray(measured, float), np.asarray(per_run, float).T  # rows x runs
    if predicted.shape[1] == 1:  # one column is a binary target to scikit-learn, not one label
        return pd.DataFrame([scores(measured, predicted[:, 0], threshold)], columns=METRIC_COLUMNS)
    truth = np.repeat(measured[:, None], predicted.shape[1], axis=1)
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth >= threshold, predicted >= threshold, average=None, zero_division=0.0
    )
    table = {
        "r2": r2_score(truth, predicted, multioutput="raw_values"),
        "rmse": root_mean_squared_error(truth, predicted, multioutput="raw_values"),
        "mae": mean_absolute_error(truth, predicted, multioutput="raw_values"),
        "f1": f1,
        "precision": precision,
        "recall": recall,
    }
    return pd.DataFrame(table, columns=METRIC_COLUMNS).astype(float)


def confusion_counts(measured: np.ndarray, predicted: np.ndarray, threshold: float = 1.4) -> dict[str, int]:
    """True/false positives and negatives of the class Bs >= threshold."""
    tn, fp, fn, tp = confusion_matrix(
        np.asarray(measured) >= threshold, np.asarray(predicted) >= threshold, labels=[False, True]
    ).ravel()
    return {"TP": int(tp), "FP": int(fp), "FN": int(fn), "TN": int(tn)}


# The paper's Table 1 (test set of its own 622-alloy data; MAE not reported), for side-by-side display only.
PAPER_TABLE1 = {
    "R2 best": {"r2": 0.876, "rmse": 0.108, "mae": float("nan"), "f1": 0.845, "precision": 0.803, "recall": 0.891},
    "F1 best": {"r2": 0.870, "rmse": 0.110, "mae": float("nan"), "f1": 0.864, "precision": 0.810, "recall": 0.927},
}


def percentage_error(measured: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Signed percentage error, 100 * (predicted - measured) / measured."""
    measured = np.asarray(measured, float)
    return 100.0 * (np.asarray(predicted, float) - measured) / measured


def share_within(measured: np.ndarray, mean: np.ndarray, std: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """Per k: the share of rows whose measured value lies within k ensemble standard deviations of the mean."""
    z = np.abs(np.asarray(measured, float) - np.asarray(mean, float)) / np.maximum(np.asarray(std, float), 1e-12)
    return np.array([np.mean(z <= k) for k in np.atleast_1d(ks)])


def spread_coverage(measured: np.ndarray, mean: np.ndarray, std: np.ndarray) -> dict[str, float]:
    """Share of rows whose measured value lies within 1 and 2 ensemble standard deviations of the mean.

    How far the ensemble spread covers the errors; the coverage of the conformal intervals is
    ``intervals.coverage``."""
    within_1, within_2 = share_within(measured, mean, std, np.array([1.0, 2.0]))
    return {"within_1_std": float(within_1), "within_2_std": float(within_2), "mean_std_T": float(np.mean(std))}


def threshold_sweep(measured: np.ndarray, predicted: np.ndarray, thresholds: np.ndarray) -> pd.DataFrame:
    """F1, precision and recall of the high class at each threshold."""
    rows = []
    for t in thresholds:
        s = scores(measured, predicted, float(t))
        rows.append(
            {
                "threshold": float(t),
                "f1": s["f1"],
                "precision": s["precision"],
                "recall": s["recall"],
                "n_high": int(np.sum(np.asarray(measured) >= t)),
            }
        )
    return pd.DataFrame(rows)
