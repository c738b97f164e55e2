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
    family_folds,
    fitted_scores,
    judged_rows,
    nested_calibrated,
    nested_scores,
    nested_splits,
    out_of_fold_scores,
    score_table,
)
from helpers.glass.model import CLASSIFIERS, MEAN, MEAN_OF, Settings, make_scorer
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
    """Every classifier on the same folds, every calibration out of fold, the scores and the chosen pair: learnt
    from every labelled composition, scored on the judged (Fe-based) ones."""
    rows = labelled.assign(fold=folds).reset_index(drop=True)
    judged, y = judged_rows(rows), rows["label"].to_numpy()
    splits = nested_splits(rows["chemical_system"], folds)
    oof = rows[judged].reset_index(drop=True)
    seconds, columns, raw = {}, {}, {}
    for model in models:
        start = time.time()
        raw[model] = nested_scores(
            splits, split_scores(model, X.reset_index(drop=True), rows, splits, settings), len(y)
        )
        seconds[model] = time.time() - start
    if set(MEAN_OF) <= set(raw):  # the mean of two classifiers' scores, split by split
        raw[MEAN] = tuple(np.mean([raw[m][part] for m in MEAN_OF], axis=0) for part in (0, 1))
    for model, (outer, inner) in raw.items():
        for calibration in CALIBRATORS:
            calibrated = nested_calibrated(outer[judged], inner[judged], y[judged], folds[judged], calibration)
            oof[column(model, calibration)] = calibrated
        columns |= {column(model, c): column(model, c) for c in CALIBRATORS}
    table = score_table(oof, columns)
    table[["model", "calibration"]] = table["model"].str.split(" | ", expand=True, regex=False)
    return Comparison(oof, table, choose(table), seconds)


def best_per_model(table: pd.DataFrame) -> pd.DataFrame:
    """Each classifier's row (over all compositions) with the calibration of lowest Brier score, best first."""
    overall = table[table["subset"] == "all"].sort_values(["Brier", "log loss"])
    return overall.groupby("model", sort=False).head(1).reset_index(drop=True)


def choose(table: pd.DataFrame) -> tuple[str, str]:
    """The (classifier, calibration) pair with the lowest Brier score over all Fe-based compositions (a classifier's
    own probability competes with its calibrations: a calibration fitted on other systems may not help)."""
    best = best_per_model(table).iloc[0]
    return str(best["model"]), str(best["calibration"])


def family_gain(
    result: Comparison, labelled: pd.DataFrame, X: pd.DataFrame, folds: np.ndarray, settings: Settings
) -> pd.DataFrame:
    """The forest and the gradient boosting, uncalibrated, on the same folds, learning from the Fe-based compositions
    alone (fitted here) and from every family (the comparison's own scores): grouped AUC, Brier score and ECE on the
    Fe-based (judged) ones."""
    y, judged, X = labelled["label"].to_numpy(), judged_rows(labelled), X.reset_index(drop=True)
    rows = []
    for model in (m for m in CLASSIFIERS[:2] if m in result.seconds):  # those the comparison ran

        def fit_score(X_fit: pd.DataFrame, y_fit: np.ndarray, X_test: pd.DataFrame, model: str = model) -> np.ndarray:
            return make_scorer(model, settings).fit(X_fit, y_fit).score(X_test)

        alone = out_of_fold_scores(fit_score, X[judged], y[judged], folds[judged])
        for learnt, raw, n in (
            ("Fe-based only", alone, judged.sum()),
            ("every family", result.raw_scores(model), len(y)),
        ):
            rows.append(
                {
                    "model": model,
                    "learns from": learnt,
                    "compositions": int(n),
                    "AUC": roc_auc_score(y[judged], raw),
                    "Brier": brier_score_loss(y[judged], raw),
                    "ECE": expected_calibration_error(y[judged], raw),
                }
            )
    return pd.DataFrame(rows)


OTHER_CUTS = 4  # other ways to cut the same systems into folds, beside the notebook's
SPREAD_STAND_IN = {"network": "random forest", MEAN: "gradient boosting"}  # a network per cut would take too long


def split_spread(
    result: Comparison, labelled: pd.DataFrame, X: pd.DataFrame, n_folds: int, settings: Settings
) -> pd.DataFrame:
    """The chosen classifier's uncalibrated grouped AUC and ECE on the notebook's folds (the comparison's own scores)
    and on OTHER_CUTS shuffled cuts of the same systems into as many folds: how far those two numbers move with the cut
    alone (a classifier without a network, SPREAD_STAND_IN, stands in for one with: a network's many trainings per cut
    would take too long)."""
    model = SPREAD_STAND_IN.get(result.chosen[0], result.chosen[0])
    y, groups, judged = labelled["label"].to_numpy(), labelled["chemical_system"], judged_rows(labelled)

    def fit_score(X_fit: pd.DataFrame, y_fit: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
        return make_scorer(model, settings).fit(X_fit, y_fit).score(X_test)

    cuts = {"the notebook's folds": result.raw_scores(model)}
    for seed in range(1, OTHER_CUTS + 1):
        folds = family_folds(groups, judged, n_folds, seed)
        cuts[f"shuffled cut, seed {seed}"] = out_of_fold_scores(fit_score, X.reset_index(drop=True), y, folds)[judged]
    y = y[judged]
    return pd.DataFrame(
        [
            {"model": model, "folds": cut, "AUC": roc_auc_score(y, raw), "ECE": expected_calibration_error(y, raw)}
            for cut, raw in cuts.items()
        ]
    )
