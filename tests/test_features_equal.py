"""The vectorized featurizer equals the matminer stack (1e-9 relative; identical for picked and discrete values).

The default run checks every composition of the training data and the case study, 400 random points of notebook
09's default grid, 25 random compositions over the training elements with 3 decimals, and the boundary cases of
matminer's branches (single elements, ties for the mode, orbitals filled exactly). The full-size check (10,000 grid
points and 10,000 random compositions, too slow for the suite) is benchmarks/check_features_equal.py.
"""

import numpy as np
import pandas as pd
import pytest

from helpers import data, features
from helpers.features import check

N_GRID, N_RANDOM = 400, 25


@pytest.fixture(scope="module")
def training_elements() -> list[str]:
    return features.parse_amounts(sorted(set(data.load_source("wang2018").table["composition"])))[0]


def assert_equal_to_matminer(compositions: list[str]) -> pd.DataFrame:
    reference = features.composition_features(compositions, "matminer")
    fast = features.composition_features(compositions, "vectorized")
    found = check.deviations(reference, fast)
    assert found["agrees"].all(), found[~found["agrees"]].to_string()
    return fast


@pytest.mark.parametrize("source", ["wang2018", "weonepiece"])
def test_every_training_and_case_study_composition(source):
    compositions = sorted(set(data.load_source(source).table["composition"]))
    assert_equal_to_matminer(compositions)


def test_random_points_of_the_default_grid():
    points = check.grid_points(N_GRID, seed=7)
    fast = assert_equal_to_matminer(check.formulas(points))
    from_amounts = features.featurize_amounts(list(points.columns), points.to_numpy())
    assert check.deviations(fast, from_amounts.set_axis(fast.index)).agrees.all()  # raw amounts need no formula


def test_random_compositions_with_three_decimals(training_elements):
    amounts = check.random_compositions(training_elements, N_RANDOM, seed=11)
    assert_equal_to_matminer(check.formulas(amounts))


def test_boundary_cases_of_matminers_branches(training_elements):
    cases = check.boundary_compositions(training_elements)
    fast = assert_equal_to_matminer(cases)
    assert (fast["HOMO_energy"] != fast["LUMO_energy"]).sum() > 100  # the exact fillings are really in the set
    assert fast["compound possible"].sum() > 50


def test_the_copied_grid_is_notebook_09s_default_grid():
    try:
        from helpers.screening.grid import DEFAULT_GRID as grid
    except ImportError:
        from helpers.screening import default_grid

        grid = default_grid()
    ranges = {el: tuple(v) for el, v in grid.items() if el not in ("step", "balance")}
    assert ranges == check.GRID_RANGES
    assert (grid["step"], grid["balance"]) == (check.GRID_STEP, check.GRID_BALANCE)


def test_the_check_fails_on_a_wrong_feature():
    compositions = ["Fe80B20", "Fe73.5Si13.5B9Nb3Cu1"]
    reference = features.composition_features(compositions, "matminer")
    wrong = reference.copy()
    wrong["MagpieData mean Number"] *= 1 + 1e-8
    wrong["HOMO_element"] += 1
    found = check.deviations(reference, wrong)
    assert sorted(found.index[~found["agrees"]]) == ["HOMO_element", "MagpieData mean Number"]


def test_bad_amounts_are_named_by_row_and_element():
    with pytest.raises(ValueError, match="row 1, column B: amount -1.0"):
        features.featurize_amounts(["Fe", "B"], np.array([[80.0, 20.0], [80.0, -1.0]]))
    with pytest.raises(ValueError, match="row 0: no element has an amount"):
        features.featurize_amounts(["Fe", "B"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="not chemical elements"):
        features.featurize_amounts(["Fe", "Xx"], np.ones((1, 2)))
