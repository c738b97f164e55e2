"""Splits keep alloys apart and train and test Bs alike; metrics agree with their definitions."""

import math

import numpy as np
import pytest

from helpers import data, metrics, split


@pytest.fixture(scope="module")
def table():
    return data.load_source("wang2018").table


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_grouped_split_never_puts_one_alloy_on_both_sides(table, seed):
    side = split.split_rows(table, 0.2, seed, "grouped")
    train, test = table[side == "train"], table[side == "test"]
    assert not set(train["composition"]) & set(test["composition"])
    assert 0.1 < len(test) / len(table) < 0.3


def test_grouped_split_keeps_train_and_test_bs_distributions_alike(table):
    side = split.split_rows(table, 0.2, 42, "grouped")
    sim = split.distribution_similarity(table.loc[side == "train", "bs_tesla"], table.loc[side == "test", "bs_tesla"])
    assert sim["ks_statistic"] < 0.2


def test_random_split_is_row_level_and_seeded(table):
    a = split.split_rows(table, 0.2, 3, "random")
    assert (a == split.split_rows(table, 0.2, 3, "random")).all()
    assert (a == "test").sum() == math.ceil(0.2 * len(table))  # scikit-learn rounds the test share up
    with pytest.raises(ValueError):
        split.split_rows(table, 0.2, 3, "by-hand")


def test_early_stopping_carve_takes_whole_alloys():
    groups = np.repeat(np.arange(20), 3)
    fit, val = split.early_stopping_carve(groups, 0.2, seed=5)
    assert not set(groups[fit]) & set(groups[val]) and len(fit) + len(val) == 60


def test_scores_match_their_definitions():
    measured = np.array([1.0, 1.2, 1.5, 1.6, 1.8])
    predicted = np.array([1.1, 1.45, 1.3, 1.6, 1.7])
    s = metrics.scores(measured, predicted, 1.4)
    assert s["rmse"] == pytest.approx(np.sqrt(np.mean((measured - predicted) ** 2)))
    assert s["mae"] == pytest.approx(np.mean(np.abs(measured - predicted)))
    assert s["r2"] == pytest.approx(1 - np.sum((measured - predicted) ** 2) / np.sum((measured - measured.mean()) ** 2))
    # high class: measured {1.5, 1.6, 1.8}; predicted {1.45, 1.6, 1.7}: TP 2, FP 1, FN 1
    assert metrics.confusion_counts(measured, predicted, 1.4) == {"TP": 2, "FP": 1, "FN": 1, "TN": 1}
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3)


def test_f1_is_zero_not_an_error_when_nothing_is_high():
    assert metrics.scores(np.array([1.0, 1.1, 1.2]), np.array([1.0, 1.2, 1.1]), 1.4)["f1"] == 0.0


@pytest.mark.parametrize("n_runs", [1, 2, 30])
def test_scores_of_every_run_at_once_are_the_scores_of_each_run(n_runs):
    rng = np.random.default_rng(n_runs)
    measured = rng.uniform(1.0, 1.8, 40)
    per_run = measured + rng.normal(0.0, 0.15, (n_runs, 40))
    per_run[0] = 1.0  # a run that calls nothing high: F1, precision and recall 0, as scores says
    at_once = metrics.scores_per_run(measured, per_run, 1.4)
    one_by_one = [metrics.scores(measured, p, 1.4) for p in per_run]
    assert list(at_once.columns) == metrics.METRIC_COLUMNS and len(at_once) == n_runs
    np.testing.assert_allclose(at_once.to_numpy(), [[s[c] for c in metrics.METRIC_COLUMNS] for s in one_by_one])
