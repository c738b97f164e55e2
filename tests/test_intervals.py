"""Conformal intervals cover as promised on data with known noise; the domain flag gives readable reasons."""

import numpy as np
import pandas as pd
import pytest

from helpers import intervals
from helpers.domain import Domain


def _noisy(n: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3)).astype(np.float32)
    noise_scale = 0.02 + 0.1 * (X[:, 0] > 0)  # half of the space is five times noisier
    return X, rng.normal(0, noise_scale), noise_scale


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95])
def test_coverage_on_data_with_known_noise_lands_near_nominal(level):
    X_cal, res_cal, _ = _noisy(2000, 0)
    cal = intervals.Calibration(X_cal, res_cal, np.zeros(len(res_cal)))
    X_new, res_new, scale = _noisy(4000, 1)
    truth = 1.5 + res_new
    lower, upper = cal.interval(np.full(len(truth), 1.5), cal.difficulty(X_new, np.zeros(len(truth))), level).T
    observed = intervals.coverage(truth, lower, upper)
    assert abs(observed["coverage"] - level) < 0.03
    width = upper - lower
    assert width[scale > 0.05].mean() > 2.5 * width[scale < 0.05].mean()  # harder rows, wider intervals
    plain = cal.plain_interval(np.full(len(truth), 1.5), level)
    assert observed["mean_width_T"] < np.mean(plain[:, 1] - plain[:, 0])  # and narrower on average than plain


def test_out_of_bag_uses_only_the_runs_that_held_a_row_out():
    per_run = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    held_out = np.array([[True, False], [True, False], [False, False]])
    mean, std, count = intervals.out_of_bag(per_run, held_out)
    assert mean[0] == 2.0 and std[0] == 1.0 and count.tolist() == [2, 0] and np.isnan(mean[1])


def test_a_level_outside_zero_and_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        intervals.check_level(90)


def _domain(n_as_quenched: int = 2) -> Domain:
    table = pd.DataFrame(
        {
            "composition": ["Fe80B20", "Fe75Si10B15", "Fe85B12Nb3", "Fe78Si9B13"],
            "annealed": [i >= n_as_quenched for i in range(4)],
        }
    )
    return Domain.fit(table, np.array([0.05, 0.06, 0.07, 0.08]))


def test_the_domain_flags_an_unseen_element_an_amount_outside_the_range_and_rare_as_quenched_alloys():
    domain = _domain()
    new = pd.DataFrame(
        {
            "composition": ["Fe80Co5B15", "Fe80B13Nb7", "Fe80B20", "Fe80B20", "Fe79Si8B13"],
            "annealed": [True, True, False, True, True],
        }
    )
    flags = domain.check(new, np.array([0.05, 0.05, 0.05, 0.05, 0.5]))
    notes = flags["domain_notes"].tolist()
    assert "element(s) Co absent from training" in notes[0]
    assert "Nb 7 at.% above training maximum 3" in notes[1]
    assert notes[2] == "as-quenched: 2 training rows"
    assert notes[3] == "inside" and flags["in_domain"].tolist() == [False, False, False, True, False]
    assert notes[4].startswith("hard to predict")


def test_as_quenched_alloys_are_inside_when_training_has_many():
    domain = _domain()
    domain.n_as_quenched = 500
    flags = domain.check(pd.DataFrame({"composition": ["Fe80B20"], "annealed": [False]}), np.array([0.05]))
    assert flags["in_domain"].all()


def test_the_domain_saves_and_loads(tmp_path):
    domain = _domain()
    domain.save(tmp_path / "domain.json")
    assert Domain.load(tmp_path / "domain.json") == domain


def test_out_of_bag_rows_of_a_masked_run_are_its_early_stopping_rows_and_the_rows_outside_its_mask():
    from helpers.modeling.trainer import early_stopping_carves

    groups = np.repeat(np.arange(20), 2)
    row_mask = np.zeros((2, 40), bool)
    row_mask[0, :30], row_mask[1, 10:] = True, True
    held_out = intervals.held_out_masks(groups, 0.2, [3, 4], row_mask)
    for i, (fitted, stopping) in enumerate(early_stopping_carves(groups, 0.2, [3, 4], row_mask)):
        assert set(fitted) | set(stopping) == set(np.flatnonzero(row_mask[i]))
        assert set(np.flatnonzero(held_out[i])) == set(range(40)) - set(fitted)


def test_difficulty_of_new_rows_equals_crepes_apply():
    """Calibration.difficulty gathers the neighbours' residuals at once; crepes' apply loops over rows: same numbers."""
    rng = np.random.default_rng(3)
    X_cal, res_cal = rng.normal(size=(120, 5)).astype(np.float32), np.abs(rng.normal(size=120))
    cal = intervals.Calibration(X_cal, res_cal, np.zeros(len(res_cal)))
    X_new, spread = rng.normal(size=(40, 5)).astype(np.float32), rng.uniform(0, 0.1, 40)
    expected = cal._difficulty_estimator().apply(X_new) + spread
    np.testing.assert_allclose(cal.difficulty(X_new, spread), expected, rtol=1e-12)


def _two_states(n: int, seed: int, share_quenched: float = 0.3):
    """Rows whose as-quenched ones are four times noisier, with nothing in the features to tell them apart."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3)).astype(np.float32)
    annealed = rng.uniform(size=n) > share_quenched
    return X, rng.normal(0, np.where(annealed, 0.03, 0.12)), annealed


def test_calibration_by_annealing_state_covers_each_state_where_the_pooled_one_does_not():
    X_cal, res_cal, states = _two_states(3000, 0)
    pooled = intervals.Calibration(X_cal, res_cal, np.zeros(len(res_cal)))
    by_state = intervals.Calibration(X_cal, res_cal, np.zeros(len(res_cal)), states=states)
    X_new, res_new, annealed = _two_states(6000, 1)
    truth, centre = 1.5 + res_new, np.full(len(res_new), 1.5)
    for cal, close in ((pooled, False), (by_state, True)):
        bounds = cal.interval(centre, cal.difficulty(X_new, np.zeros(len(centre))), 0.9, annealed=annealed)
        for state in (True, False):
            got = intervals.coverage(truth[annealed == state], *bounds[annealed == state].T)["coverage"]
            assert (abs(got - 0.9) < 0.03) == close
    with pytest.raises(ValueError, match="annealed flag"):
        by_state.interval(centre, np.ones(len(centre)), 0.9)


def test_a_state_too_rare_to_calibrate_gets_the_widened_pooled_interval_and_says_so():
    X_cal, res_cal, _ = _noisy(500, 0)
    states = np.arange(500) >= 5  # five as-quenched rows: too few for 90 % (nine needed)
    cal = intervals.Calibration(X_cal, res_cal, np.zeros(500), states=states)
    assert cal.calibrated_states(0.9) == {True: True, False: False}
    assert cal.calibrated_states(0.8) == {True: True, False: True}  # four rows suffice at 80 %
    pooled = intervals.Calibration(X_cal, res_cal, np.zeros(500))
    centre, difficulty = np.full(2, 1.0), np.full(2, 0.05)
    wide = cal.interval(centre, difficulty, 0.9, annealed=np.array([False, False]))
    plain = pooled.interval(centre, difficulty, 0.9)
    assert np.allclose(wide - 1.0, intervals.UNCALIBRATED_WIDENING * (plain - 1.0))
    scaler = type("S", (), {"columns": ["annealed"]})()
    flags = intervals.interval_calibrated(cal, scaler, pd.DataFrame({"annealed": [1.0, 0.0]}), 0.9)
    assert flags.tolist() == [True, False]


def test_a_calibration_by_state_is_saved_with_its_states(tmp_path):
    X_cal, res_cal, states = _two_states(50, 0)
    intervals.Calibration(X_cal, res_cal, np.zeros(50), states=states).save(tmp_path / "c.npz")
    loaded = intervals.Calibration.load(tmp_path / "c.npz")
    assert loaded.states.dtype == bool and (loaded.states == states).all()
    intervals.Calibration(X_cal, res_cal, np.zeros(50)).save(tmp_path / "p.npz")
    assert intervals.Calibration.load(tmp_path / "p.npz").states is None
