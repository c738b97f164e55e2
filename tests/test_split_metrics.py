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
