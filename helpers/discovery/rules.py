"""Acquisition rules: one score per candidate row of a prediction table, higher = make it sooner.

A prediction table has the columns the predict command and the screen write: ``bs_ensemble`` (ensemble mean, T),
``ensemble_std``, ``bs_lower`` and ``bs_upper`` (the conformal interval) and ``interval_level`` (e.g. 0.9).

Expected improvement and the probability of exceeding a target need a predictive distribution. Here it is a normal
centred on ``bs_ensemble`` whose central ``interval_level`` interval is the conformal interval: its scale is the
interval's half-width divided by the normal quantile ``z = norm.ppf(0.5 + level / 2)``. The larger of the two
half-widths is used, because crepes clips the (otherwise symmetric) normalized interval to 0-2.5 T. A row whose
interval is not finite (too few calibration rows for its level) gets no score (NaN), and ranks last.

The rules of GLASS_RULES also read ``p_glass``, the calibrated probability that the composition solidifies as a glass
when melt-spun (notebook 08's model): ``glass_mean`` is the ensemble mean of the candidates with P(glass) at least
``glass_threshold`` (the others fail the rule: NaN); ``expected`` is P(glass) x the ensemble mean, the expected Bs
when a synthesis that gives no glass counts as nothing. A candidate whose score is NaN fails the rule: it is not
ranked among those that pass, nor proposed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import norm

PREDICTION_COLUMNS = ("bs_ensemble", "bs_lower", "bs_upper", "interval_level")
RULES = ("random", "mean", "lower", "upper", "ei", "probability")  # by Bs alone
GLASS_RULES = ("glass_mean", "expected")  # by Bs and P(glass) together
# The rule the screen, its retrospective and notebook 09 rank by unless told otherwise, and its least P(glass): chosen
# by notebook 09's measurement on the held-out glass-formation compositions (helpers.discovery.glass_rules: the
# highest Bs made among the top candidates on the default data; 09's table shows it for any data).
DEFAULT_RULE = "glass_mean"
DEFAULT_GLASS_THRESHOLD = 0.7
RULE_WORDS = {
    "random": "a random order",
    "mean": "the ensemble mean",
    "lower": "the lower bound of the prediction interval",
    "upper": "the upper bound of the prediction interval",
    "ei": "the expected improvement over the best measured training Bs",
    "probability": "the probability of exceeding the target Bs",
    "glass_mean": "the ensemble mean among candidates likely to form a glass (P(glass) at least the threshold)",
    "expected": "the expected Bs, P(glass) x the ensemble mean (a failed synthesis counts as nothing)",
}


def predictive_normal(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale (T) of the normal whose central interval_level interval is [bs_lower, bs_upper]."""
    check_columns(rows)
    mean = rows["bs_ensemble"].to_numpy(float)
    half = np.maximum(rows["bs_upper"].to_numpy(float) - mean, mean - rows["bs_lower"].to_numpy(float))
    z = norm.ppf(0.5 + rows["interval_level"].to_numpy(float) / 2)
    scale = np.where(np.isfinite(half) & (half > 0), half / z, np.nan)
    return mean, scale


def expected_improvement(rows: pd.DataFrame, best: float | np.ndarray) -> np.ndarray:
    """E[max(Bs - best, 0)] under the predictive normal (T); best (one or per row) is the best measured training Bs."""
    mean, scale = predictive_normal(rows)
    z = (mean - best) / scale
    return scale * (z * norm.cdf(z) + norm.pdf(z))


def exceed_probability(rows: pd.DataFrame, target: float | np.ndarray) -> np.ndarray:
    """P(Bs >= target) under the predictive normal."""
    mean, scale = predictive_normal(rows)
    return norm.sf(target, loc=mean, scale=scale)


def score(
    rows: pd.DataFrame,
    rule: str,
    best: float | np.ndarray | None = None,
    target: float | np.ndarray | None = None,
    seed: int = 0,
    glass_threshold: float | None = None,
) -> np.ndarray:
    """Scores (higher = better; NaN fails the rule) of every row by a rule of RULES or GLASS_RULES; ei needs best,
    probability needs target (T), glass_mean needs glass_threshold (a probability)."""
    scorers: dict[str, Callable[[], np.ndarray]] = {
        "random": lambda: np.random.default_rng(seed).random(len(rows)),
        "mean": lambda: rows["bs_ensemble"].to_numpy(float),
        "lower": lambda: rows["bs_lower"].to_numpy(float),
        "upper": lambda: rows["bs_upper"].to_numpy(float),
        "ei": lambda: expected_improvement(rows, _needed(best, "ei", "best")),
        "probability": lambda: exceed_probability(rows, _needed(target, "probability", "target")),
        "glass_mean": lambda: glass_mean(rows, _needed(glass_threshold, "glass_mean", "glass_threshold")),
        "expected": lambda: p_glass(rows) * rows["bs_ensemble"].to_numpy(float),
    }
    if rule not in scorers:
        raise ValueError(f"unknown rule {rule!r}: use one of {', '.join(RULES + GLASS_RULES)}")
    if rule != "random":
        check_columns(rows)
    return np.asarray(scorers[rule](), float)


def p_glass(rows: pd.DataFrame) -> np.ndarray:
    """The p_glass column (P(glass), from notebook 08's model); a clear error without it."""
    if "p_glass" not in rows.columns:
        raise ValueError(
            "a rule that reads P(glass) needs the column p_glass: run notebook 08 (the glass-formation model) into the "
            "analysis folder, or rank by a rule of Bs alone (rank_by='mean')"
        )
    return rows["p_glass"].to_numpy(float)


def glass_mean(rows: pd.DataFrame, threshold: float | np.ndarray) -> np.ndarray:
    """The ensemble mean where P(glass) >= threshold, else NaN (the candidate fails the rule)."""
    return np.where(p_glass(rows) >= threshold, rows["bs_ensemble"].to_numpy(float), np.nan)


def ranking(scores: np.ndarray, rows: pd.DataFrame | None = None) -> np.ndarray:
    """Row positions best first: the highest score first, NaN last; ties go to the higher ensemble mean, then to the
    formula in text order (so an order never depends on how rows were chunked; with ``rows``), then to table order."""
    scores = np.asarray(scores, float)
    keys = [np.arange(len(scores))]
    if rows is not None:
        keys += [rows["composition"].to_numpy(str), np.nan_to_num(-rows["bs_ensemble"].to_numpy(float), nan=np.inf)]
    return np.lexsort([*keys, -np.nan_to_num(scores, nan=-np.inf)])


def check_columns(rows: pd.DataFrame) -> None:
    """A prediction table needs PREDICTION_COLUMNS; say which are missing."""
    missing = [c for c in PREDICTION_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(
            f"prediction table lacks column(s) {', '.join(missing)}: give the table the predict command or the "
            "screen writes (bs_ensemble, bs_lower, bs_upper, interval_level)"
        )


def _needed(value: float | np.ndarray | None, rule: str, name: str) -> float | np.ndarray:
    if value is None or not np.all(np.isfinite(value)):
        what = "a probability from 0 to 1" if name == "glass_threshold" else "a finite Bs in T, one or one per row"
        raise ValueError(f"rule {rule!r} needs {name} ({what}), got {value}")
    return value
