"""The sentences notebooks print from their data (helpers.findings): they say what the numbers say, and change with
them."""

from __future__ import annotations

import pandas as pd

from helpers import findings
from helpers.domain import FEW_AS_QUENCHED


def _rows(annealed: list[bool], temperature: float = 773.0, time: float = 3600.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "annealed": annealed,
            "anneal_temp_K": [temperature if a else None for a in annealed],
            "anneal_time_s": [time if a else None for a in annealed],
        }
    )


def test_as_quenched_rows_counts_them_and_says_whether_they_are_enough():
    few = findings.as_quenched_rows(_rows([True] * 10 + [False] * 3))
    assert few.startswith("3 rows of 13 are as-quenched") and f"fewer than {FEW_AS_QUENCHED}" in few
    assert "outside the applicability domain" in few
    enough = findings.as_quenched_rows(_rows([False] * FEW_AS_QUENCHED + [True]))
    assert enough.startswith(f"{FEW_AS_QUENCHED} rows of {FEW_AS_QUENCHED + 1}") and "can be inside" in enough
    assert findings.as_quenched_rows(_rows([True, False])).startswith("1 row of 2 is as-quenched")


def test_case_study_states_set_the_case_study_beside_training():
    training = _rows([True] * 5 + [False] * 2)
    assert findings.case_study_states(_rows([True] * 4), training) == (
        "All 4 case-study rows are annealed, so the case study says nothing about as-quenched alloys; "
        "the training data hold 2 as-quenched rows."
    )
    said = findings.case_study_states(_rows([True, False, False]), _rows([True, False]))
    assert said == "2 case-study rows of 3 are as-quenched; the training data hold 1 as-quenched row."


def test_same_or_different_runs():
    assert "same run (99)" in findings.same_or_different_runs({"R2 best": 99, "F1 best": 99})
    said = findings.same_or_different_runs({"R2 best": 3, "F1 best": 7})
    assert "differ" in said and "R2 best run 3" in said and "F1 best run 7" in said


def test_smallest_category_names_it_and_the_weight_of_one_row():
    coverage = pd.DataFrame(
        {
            "category": ["all", "annealed", "as-quenched", "annealed", "as-quenched"],
            "level": [0.9, 0.9, 0.9, 0.8, 0.8],
            "method": ["m"] * 5,
            "rows": [120, 100, 20, 100, 20],
        }
    )
    said = findings.smallest_category(coverage)
    assert said == "The smallest category, as-quenched, holds 20 rows: one row moves its coverage by 5.0 points."
    assert "No category" in findings.smallest_category(coverage[coverage["category"] == "all"])


def test_models_on_new_alloys_compares_against_the_fold_spread_and_names_the_lowest_error():
    baselines = pd.DataFrame(
        {"model": ["ANN ensemble", "ANN R2 best (x)", "random forest"], "r2_std": [0.05, 0.02, 0.5]}
    )
    table = pd.DataFrame(
        {"outer folds: R2 (mean)": [0.70, 0.62], "case study: MAE (T)": [0.10, 0.13]}, index=["ensemble", "R2 best"]
    )
    said = findings.models_on_new_alloys(table, baselines).splitlines()
    assert said[0] == (
        "Outer folds: R2 0.700 (ensemble), 0.620 (R2 best); the largest difference, 0.080, is larger than the "
        "fold-to-fold spread (0.050)."
    )
    assert said[1] == "Case study: MAE 0.100 T (ensemble), 0.130 T (R2 best); the lowest is the ensemble's."
    close = findings.models_on_new_alloys(
        table.assign(**{"outer folds: R2 (mean)": [0.70, 0.68]}).iloc[:, :1], baselines
    )
    assert "is within the fold-to-fold spread" in close and "Case study" not in close


def test_median_treatment_uses_the_annealed_rows_only():
    rows = pd.concat([_rows([True] * 3, 700.0, 600.0), _rows([True], 900.0, 60.0), _rows([False] * 5)])
    assert findings.median_treatment(rows) == (
        "The annealed training rows' median treatment: 700 K for 600 s (4 annealed rows of 9)."
    )
    assert findings.median_treatment(_rows([False])) == "No training row is annealed."
