"""Honest evaluation: selection never sees test rows; baselines run; spread-coverage numbers are shares."""

import numpy as np
import pandas as pd
import pytest

from helpers import evaluation, metrics, split
from helpers.modeling.network import TrainConfig


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    n_alloys = 60
    Xa = rng.normal(size=(n_alloys, 6))
    X = pd.DataFrame(
        np.repeat(Xa, 2, axis=0) + 0.05 * rng.normal(size=(2 * n_alloys, 6)), columns=[f"f{i}" for i in range(6)]
    )
    bs = 1.4 + 0.2 * np.tanh(X["f0"] + X["f1"] * X["f2"]) + 0.02 * rng.normal(size=len(X))
    alloys = [f"Fe{70 + 0.25 * i:g}B{30 - 0.25 * i:g}" for i in range(n_alloys)]
    table = pd.DataFrame({"composition": np.repeat(alloys, 2), "bs_tesla": bs, "annealed": True})
    return table, X


CONFIG = TrainConfig(hidden=(16,), epochs=25, patience=5)


def test_selection_uses_selection_rows_only_and_ignores_test_targets(problem):
    table, X = problem
    train_ids, test_ids = split.grouped_folds(table, 4, seed=0)[0]
    res = evaluation.evaluate_fold(table, X, train_ids, test_ids, CONFIG, 5, 0, 1.4, seed=1)
    assert not set(res.selection_ids) & set(test_ids)
    assert set(res.selection_ids) <= set(train_ids)
    assert not set(table.loc[res.selection_ids, "composition"]) & set(table.loc[test_ids, "composition"])
    scrambled = table.copy()
    scrambled.loc[test_ids, "bs_tesla"] = scrambled.loc[test_ids, "bs_tesla"].to_numpy()[::-1] + 0.3
    again = evaluation.evaluate_fold(scrambled, X, train_ids, test_ids, CONFIG, 5, 0, 1.4, seed=1)
    assert again.chosen["honest"] == res.chosen["honest"]
    bounds = [c for c in res.ensemble_table.columns if "lower" in c or "upper" in c] + ["difficulty", "in_domain"]
    assert len(bounds) == 14
    # calibration never saw test rows
    pd.testing.assert_frame_equal(again.ensemble_table[bounds], res.ensemble_table[bounds])
    assert not np.allclose(again.ensemble_table["measured"], res.ensemble_table["measured"])


def test_domain_errors_compare_inside_with_outside():
    rows = pd.DataFrame(
        {"measured": [1.0, 1.0, 1.0, 1.0], "bs_ensemble": [1.1, 1.1, 1.3, 1.5], "in_domain": [True, True, False, False]}
    )
    table = evaluation.domain_errors(rows).iloc[0]
    assert table["rows inside"] == 2 and table["out/in MAE ratio"] == pytest.approx(4.0)


def test_protocol_table_has_both_protocols_and_both_models(problem):
    table, X = problem
    per_fold = []
    for k, (tr, te) in enumerate(split.grouped_folds(table, 3, seed=0)[:2]):
        res = evaluation.evaluate_fold(table, X, tr, te, CONFIG, 4, 0, 1.4, seed=k)
        per_fold.append(res.protocols.assign(fold=k))
        assert len(res.protocols) == 4
        assert res.baselines["model"].str.contains("random forest|ridge|mean|gradient boosting|ANN").all()
        assert np.isfinite(res.baselines[metrics.METRIC_COLUMNS].to_numpy()).all()
        assert 0 <= res.spread_coverage["within_1_std"] <= res.spread_coverage["within_2_std"] <= 1
    per_fold = pd.concat(per_fold)
    summary = evaluation.summarize(per_fold, ["protocol", "model"])
    assert len(summary) == 4 and {"r2_mean", "r2_std", "f1_mean", "rmse_std"} <= set(summary.columns)
    gap = evaluation.optimism(per_fold)
    assert len(gap) == 2
    # picking the maximum on the test set can only match or beat any other pick on that same test set
    assert gap.set_index("model").loc["R2 best", "r2_mean"] >= -1e-12


def test_pick_breaks_f1_ties_by_r2():
    scores = pd.DataFrame({"r2": [0.5, 0.7, 0.6], "f1": [0.9, 0.9, 0.8]})
    assert evaluation.pick_best(scores) == {"R2 best": 1, "F1 best": 1}


def test_coverage_counts_rows_within_k_standard_deviations():
    c = metrics.spread_coverage(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.05, 1.15, 1.25, 1.0]), np.full(4, 0.1))
    assert c["within_1_std"] == 0.5 and c["within_2_std"] == 0.75


def test_folds_trained_together_give_each_fold_what_it_gets_alone(problem):
    table, X = problem
    folds = split.grouped_folds(table, 3, seed=0)
    together = evaluation.evaluate_folds(table, X, folds, CONFIG, 3, 0, 1.4, fold_seed=2)
    for k, ((tr, te), res) in enumerate(zip(folds, together, strict=True)):
        alone = evaluation.evaluate_fold(table, X, tr, te, CONFIG, 3, 0, 1.4, seed=2 + k)
        assert list(res.selection_ids) == list(alone.selection_ids) and list(res.test_ids) == list(te)
        assert res.chosen == alone.chosen
        pd.testing.assert_frame_equal(res.protocols, alone.protocols, atol=1e-5)
        pd.testing.assert_frame_equal(res.baselines, alone.baselines, atol=1e-5)
        pd.testing.assert_frame_equal(res.ensemble_table, alone.ensemble_table, atol=1e-5)
    # the outer test folds cover every row once
    assert sum(len(r.test_ids) for r in together) == len(table)


def test_outer_predictions_give_every_row_once_with_its_fold_and_its_folds_best_training_bs(problem):
    from helpers.discovery.real import OUTER_COLUMNS, outer_predictions

    table, X = problem
    table = table.assign(anneal_temp_K=800.0, anneal_time_s=3600.0)
    folds = split.grouped_folds(table, 3, seed=0)
    results = evaluation.evaluate_folds(table, X, folds, CONFIG, 2, 0, 1.4)
    pooled = pd.concat([r.ensemble_table.assign(fold=k) for k, r in enumerate(results)])
    rows = outer_predictions(pooled, table)
    assert list(rows.columns) == OUTER_COLUMNS and sorted(rows["row_id"]) == list(table.index)
    for k, (train_ids, test_ids) in enumerate(folds):
        mine = rows[rows["fold"] == k]
        assert sorted(mine["row_id"]) == sorted(test_ids)
        assert (mine["train_best_bs"] == table.loc[train_ids, "bs_tesla"].max()).all()
    assert (rows["bs_lower"] <= rows["bs_ensemble"]).all() and (rows["bs_ensemble"] <= rows["bs_upper"]).all()
