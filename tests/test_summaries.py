"""The small tables the notebooks show: counts from the featurizer stack, case-study errors, ANN against baselines."""

import math

import numpy as np
import pandas as pd
import pytest

from helpers import summaries


def test_featurizer_table_is_built_from_the_stack_and_counts_156():
    table = summaries.featurizer_table()
    assert table["features"].tolist() == [132, 6, 8, 3, 7, 156]
    assert table.index[0] == "ElementProperty (magpie)" and table.index[-1] == "total"
    assert table["what they describe"].iloc[:-1].str.len().gt(10).all()


def test_featurizer_table_follows_a_different_stack():
    from matminer.featurizers.base import MultipleFeaturizer
    from matminer.featurizers.composition import Stoichiometry

    table = summaries.featurizer_table(MultipleFeaturizer([Stoichiometry()]))
    assert table["features"].to_dict() == {"Stoichiometry": 6, "total": 6}


def test_split_counts_uses_the_given_threshold():
    table = pd.DataFrame({"composition": ["A", "A", "B", "C"], "bs_tesla": [1.0, 1.5, 1.6, 1.2]})
    side = pd.Series(["train", "train", "test", "train"])
    counts = summaries.split_counts(table, side, 1.55)
    assert counts.loc["full", "Bs >= 1.55 T"] == 1 and counts.loc["test", "Bs >= 1.55 T"] == 1
    assert counts["rows"].tolist() == [4, 3, 1] and counts["alloys"].tolist() == [3, 2, 1]


@pytest.fixture
def case_result():
    # Training Fe contents 70 and 80 at.%; case rows at 75 (in range, unseen), 80 (seen), 85 (outside range).
    return pd.DataFrame(
        {
            "fe_at_pct": [75.0, 80.0, 85.0, 85.0],
            "measured": [1.5, 1.6, 1.7, 1.8],
            "bs_r2_best": [1.6, 1.6, 1.5, 1.6],  # errors +0.1, 0, -0.2, -0.2
            "bs_f1_best": [1.5, 1.7, 1.7, 1.8],  # errors 0, +0.1, 0, 0
            "in_domain": [True, True, False, False],
        }
    )


def test_case_study_errors_split_each_comparison_into_its_two_sides(case_result):
    training = pd.DataFrame({"fe_at_pct": [70.0, 80.0]})
    errors = summaries.case_study_errors(case_result, training, ["R2 best", "F1 best"])
    assert errors.loc[("all rows", ""), "rows"] == 4
    assert errors.loc[("all rows", ""), "R2 best: MAE (T)"] == pytest.approx(0.125)
    assert errors.loc[("all rows", ""), "R2 best: mean signed error (T)"] == pytest.approx(-0.075)
    assert errors.loc[("applicability domain", "outside"), "R2 best: MAE (T)"] == pytest.approx(0.2)
    assert errors.loc[("applicability domain", "inside"), "F1 best: MAE (T)"] == pytest.approx(0.05)
    fe_range = "Fe range of training (70 to 80 at.%)"
    assert errors.loc[(fe_range, "inside"), "rows"] == 2 and errors.loc[(fe_range, "outside"), "rows"] == 2
    assert errors.loc[("Fe content occurs in training", "yes"), "rows"] == 1
    assert errors.loc[("Fe content occurs in training", "no"), "F1 best: MAE (T)"] == pytest.approx(0.0)


def test_an_empty_side_gives_nan_not_an_error(case_result):
    training = pd.DataFrame({"fe_at_pct": [60.0, 90.0]})  # every case row is inside the Fe range
    errors = summaries.case_study_errors(case_result, training, ["R2 best"])
    outside = errors.loc[("Fe range of training (60 to 90 at.%)", "outside")]
    assert outside["rows"] == 0 and math.isnan(outside["R2 best: MAE (T)"])


def _baselines(ann_r2, other_r2, std=0.05):
    rows = [
        ("ANN R2 best (selected on selection alloys)", ann_r2 - 0.1),
        ("ANN ensemble (mean of 3 runs)", ann_r2),
        ("random forest", other_r2),
        ("predict the mean", -0.01),
    ]
    return pd.DataFrame(
        {
            "model": [m for m, _ in rows],
            "r2_mean": [r for _, r in rows],
            "r2_std": std,
            "rmse_mean": [0.1, 0.09, 0.08, 0.3],
            "rmse_std": std,
            "f1_mean": [0.8, 0.8, 0.9, 0.0],
            "f1_std": std,
        }
    )


def test_ann_against_baselines_compares_the_best_of_each_kind():
    table = summaries.ann_against_baselines(_baselines(ann_r2=0.80, other_r2=0.85))
    assert list(table.columns[:2]) == ["ANN ensemble (mean of 3 runs)", "random forest"]
    assert table.loc["R²", "ANN minus other"] == pytest.approx(-0.05)
    assert table.loc["RMSE (T)", "ANN minus other"] == pytest.approx(0.01)
    assert table.loc["R²", "fold-to-fold spread"] == pytest.approx(0.05)
    assert not table.loc["R²", "gap larger than spread"]


def test_a_gap_larger_than_the_spread_is_flagged():
    table = summaries.ann_against_baselines(_baselines(ann_r2=0.95, other_r2=0.70, std=0.02))
    assert table.loc["R²", "ANN minus other"] == pytest.approx(0.25)
    assert bool(table.loc["R²", "gap larger than spread"]) is True
    assert np.isfinite(table[["ANN minus other", "fold-to-fold spread"]].to_numpy()).all()
