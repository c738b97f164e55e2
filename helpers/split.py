"""Train/test splits: grouped by alloy (default) or row-level as in the paper, and the early-stopping carve."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold, train_test_split

SPLIT_MODES = ("grouped", "random")


def bs_strata(table: pd.DataFrame, n_bins: int = 5) -> np.ndarray:
    """Bs quantile bin of every row, for stratified splitting."""
    return pd.qcut(table["bs_tesla"], n_bins, labels=False, duplicates="drop").to_numpy()


def grouped_folds(table: pd.DataFrame, n_folds: int, seed: int) -> list[tuple[pd.Index, pd.Index]]:
    """(train index, test index) per fold: StratifiedGroupKFold on Bs quintiles, every alloy in one fold only."""
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [
        (table.index[tr], table.index[te])
        for tr, te in splitter.split(table, bs_strata(table), groups=table["composition"])
    ]


def split_rows(table: pd.DataFrame, test_fraction: float = 0.2, seed: int = 42, mode: str = "grouped") -> pd.Series:
    """'train' or 'test' per row; 'grouped' keeps every row of one composition on the same side.

    The grouped split is the first fold of ``grouped_folds`` with round(1 / test_fraction) folds, so training and
    test Bs distributions stay alike while no alloy is split; 'random' is the paper's row-level split.
    """
    if mode == "grouped":
        _, test_index = grouped_folds(table, max(2, round(1 / test_fraction)), seed)[0]
    elif mode == "random":
        _, test_index = train_test_split(table.index, test_size=test_fraction, random_state=seed)
    else:
        raise ValueError(f"split mode must be one of {SPLIT_MODES}, not {mode!r}")
    side = pd.Series("train", index=table.index, name="set")
    side[test_index] = "test"
    return side


def distribution_similarity(train: pd.Series, test: pd.Series) -> dict[str, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value between training and test Bs."""
    result = ks_2samp(train, test)
    return {"ks_statistic": float(result.statistic), "ks_pvalue": float(result.pvalue)}


def early_stopping_carve(groups: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (fit, early-stopping) within the training rows; the early-stopping rows are whole alloys when groups
    repeat."""
    positions = np.arange(len(groups))
    if fraction <= 0:
        return positions, positions[:0]
    splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    fit, val = next(splitter.split(positions, groups=groups))
    return np.sort(fit), np.sort(val)


def check_case_study(rows: pd.DataFrame, source: str, min_fe: float) -> None:
    """Notebooks 05, 06, 09 and 10 need at least one case-study alloy: one line (PipelineError) when there is none."""
    if len(rows):
        return
    from helpers.pipeline.dag import PipelineError

    raise PipelineError(
        f"the case study is empty: no alloy of {source} with at least {min_fe:g} at.% Fe is new to the data of 01 "
        "(is it the training data too?); give case_study_source another source or file (wang2018 when 01 trains on "
        "weonepiece) or a lower case_min_fe: notebooks 05, 06, 09 and 10 need at least one case-study alloy"
    )
