"""The comparison of glass-formation classifiers on the same grouped folds, and the choice among them.

Each classifier of ``helpers.glass.model.CLASSIFIERS`` is fitted on every split of a nested grouped cross-validation
(outer folds, and inner folds of each outer training set; the network's splits train together,
``helpers.glass.network.network_split_scores``); its outer out-of-fold scores are then calibrated by every calibrator of
``helpers.glass.evaluation.CALIBRATORS`` (the classifier's own probability among them). The pair (classifier,
calibration) with the lowest Brier score over every labelled composition is chosen: the Brier score rewards both
ranking glasses above non-glasses and stating the right probability.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from helpers.glass.evaluation import (
    CALIBRATORS,
    UNCALIBRATED,
    Split,
    expected_calibration_error,
    fitted_scores,
    grouped_folds,
    nested_calibrated,
    nested_scores,
    nested_splits,
    out_of_fold_scores,
    score_table,
)
from helpers.glass.model import CLASSIFIERS, GLASS_AT, Settings, SklearnScorer, make_scorer, sklearn_estimator
from helpers.glass.network import network_split_scores

OUT_OF_FOLD_COLUMNS = ["composition", "chemical_system", "fe_at_pct", "source", "label", "p_glass", "fold"]


def column(model: str, calibration: str) -> str:
    """The out-of-fold column of a classifier and calibration, e.g. 'random forest | isotonic'."""
    return f"{model} | {calibration}"


@dataclass
class Comparison:
    """Out-of-fold probabilities of every classifier and calibration, their scores, the chosen pair, the seconds."""

    oof: pd.DataFrame
    scores: pd.DataFrame
    chosen: tuple[str, str]
    seconds: dict[str, float]

    def raw_scores(self, model: str) -> np.ndarray:
        """The uncalibrated out-of-fold scores of one classifier."""
        return self.oof[column(model, UNCALIBRATED)].to_numpy()

    def out_of_fold(self) -> pd.DataFrame:
        """The chosen classifier's calibrated out-of-fold P(glass) per labelled composition, with its fold."""
        chosen = self.oof.assign(p_glass=self.oof[column(*self.chosen)])
        return chosen[OUT_OF_FOLD_COLUMNS]


def split_scores(model: str, X: pd.DataFrame, labelled: pd.DataFrame, splits: list[Split], settings: Settings):
    """Uncalibrated test scores of one classifier on every split of the nested cross-validation."""
    y, groups = labelled["label"].to_numpy(), labelled["chemical_system"].to_numpy()
    if model == "network":
        return network_split_scores(X, y, groups, splits, settings.n_runs, settings.epochs, settings.seed)

    def fit_score(X_fit: pd.DataFrame, y_fit: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
        return make_scorer(model, settings).fit(X_fit, y_fit).score(X_test)

    return fitted_scores(fit_score, X, y, splits)


def compare(
    labelled: pd.DataFrame,
    X: pd.DataFrame,
    folds: np.ndarray,
    settings: Settings,
    models: tuple[str, ...] = CLASSIFIERS,
) -> Comparison:
    """Every classifier on the same folds, every calibration out of fold, the scores and the chosen pair."""
    oof = labelled.assign(fold=folds).reset_index(drop=True)
    y = oof["label"].to_numpy()
    splits = nested_splits(oof["chemical_system"], folds)
    seconds, columns = {}, {}
    for model in models:
        start = time.time()
        outer, inner = nested_scores(
            splits, split_scores(model, X.reset_index(drop=True), oof, splits, settings), len(y)
        )
        seconds[model] = time.time() - start
        for calibration in CALIBRATORS:
            oof[column(model, calibration)] = nested_calibrated(outer, inner, y, folds, calibration)
        columns |= {column(model, c): column(model, c) for c in CALIBRATORS}
    table = score_table(oof, columns)
    table[["model", "calibration"]] = table["model"].str.split(" | ", expand=True, regex=False)
    return Comparison(oof, table, choose(table), seconds)


def best_per_model(table: pd.DataFrame) -> pd.DataFrame:
    """Each classifier's row (over all compositions) with the calibration of lowest Brier score, best first."""
    overall = table[table["subset"] == "all"].sort_values(["Brier", "log loss"])
    return overall.groupby("model", sort=False).head(1).reset_index(drop=True)


def choose(table: pd.DataFrame) -> tuple[str, str]:
    """The (classifier, calibration) pair with the lowest Brier score over all labelled compositions (a classifier's
    own probability competes with its calibrations: a calibration fitted on other systems may not help)."""
    best = best_per_model(table).iloc[0]
    return str(best["model"]), str(best["calibration"])


FOREST_VARIANTS = (  # the forest's settings that the sensitivity table compares
    {"min_samples_leaf": 1},
    {"min_samples_leaf": 5},
    {"min_samples_leaf": 1, "max_features": 0.3},
    {"min_samples_leaf": 5, "max_features": 0.3},
)


def forest_sensitivity(
    labelled: pd.DataFrame, X: pd.DataFrame, folds: np.ndarray, bs_features: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """For each forest setting: grouped out-of-fold AUC and Brier score, and the share of the Bs alloys it calls
    glasses when fitted on every labelled composition (how much that check hangs on a setting the folds barely see)."""
    y = labelled["label"].to_numpy()
    rows = []
    for forest in FOREST_VARIANTS:

        def fit_score(
            X_fit: pd.DataFrame, y_fit: np.ndarray, X_test: pd.DataFrame, forest: dict = forest
        ) -> np.ndarray:
            estimator = sklearn_estimator("random forest", settings.n_trees, settings.seed, **forest)
            return SklearnScorer(estimator).fit(X_fit, y_fit).score(X_test)

        raw = out_of_fold_scores(fit_score, X, y, folds)
        bs = fit_score(X, y, bs_features)
        setting = ", ".join(f"{k}={v}" for k, v in forest.items())
        rows.append(
            {
                "forest": setting,
                "AUC": roc_auc_score(y, raw),
                "Brier": brier_score_loss(y, raw),
                "Bs alloys called glasses": float((bs >= GLASS_AT).mean()),
            }
        )
    return pd.DataFrame(rows)


OTHER_CUTS = 4  # other ways to cut the same systems into folds, beside the notebook's


def split_spread(result: Comparison, X: pd.DataFrame, n_folds: int, settings: Settings) -> pd.DataFrame:
    """The chosen classifier's uncalibrated grouped AUC and ECE on the notebook's folds (the comparison's own scores)
    and on OTHER_CUTS shuffled cuts of the same systems into as many folds: how far those two numbers move with the cut
    alone (the forest stands in for the network, whose many trainings a cut would take too long)."""
    model = result.chosen[0] if result.chosen[0] in CLASSIFIERS[:2] else "random forest"
    y, groups = result.oof["label"].to_numpy(), result.oof["chemical_system"]

    def fit_score(X_fit: pd.DataFrame, y_fit: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
        return make_scorer(model, settings).fit(X_fit, y_fit).score(X_test)

    cuts = {"the notebook's folds": result.raw_scores(model)}
    for seed in range(1, OTHER_CUTS + 1):
        folds = grouped_folds(groups, n_folds, seed)
        cuts[f"shuffled cut, seed {seed}"] = out_of_fold_scores(fit_score, X.reset_index(drop=True), y, folds)
    return pd.DataFrame(
        [
            {"model": model, "folds": cut, "AUC": roc_auc_score(y, raw), "ECE": expected_calibration_error(y, raw)}
            for cut, raw in cuts.items()
        ]
    )
