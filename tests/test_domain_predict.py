"""Applicability domain flags and the predict command on good and bad input."""
import numpy as np
import pandas as pd
import pytest

from helpers import predict
from helpers.domain import Domain


def _domain():
    table = pd.DataFrame({"composition": ["Fe80B20", "Fe80B20", "Fe75Si10B15", "Fe85B15"],
                          "fe_at_pct": [80.0, 80.0, 75.0, 85.0]})
    X = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 0.0], [0.0, 1.0]], np.float32)
    return Domain.fit(table, X)


def test_domain_flag_trips_on_an_element_absent_from_training():
    d = _domain()
    new = pd.DataFrame({"composition": ["Fe80Co5B15", "Fe80B20"], "fe_at_pct": [80.0, 80.0]})
    flags = d.check(new, np.zeros((2, 2), np.float32))
    assert flags["unseen_elements"].tolist() == ["Co", ""]
    assert flags["in_domain"].tolist() == [False, True]
    assert "Co" in flags["domain_notes"].iloc[0]


def test_domain_flag_trips_on_fe_outside_the_range_and_far_points(tmp_path):
    d = _domain()
    assert d.fe_min == 75 and d.fe_max == 85
    new = pd.DataFrame({"composition": ["Fe90B10", "Fe80B20"], "fe_at_pct": [90.0, 80.0]})
    flags = d.check(new, np.array([[0.0, 0.0], [50.0, 50.0]], np.float32))
    assert flags["fe_in_training_range"].tolist() == [False, True]
    assert flags["nn_within_limit"].tolist() == [True, False]
    assert not flags["in_domain"].any()
    d.save(tmp_path)
    assert Domain.load(tmp_path).distance_limit == pytest.approx(d.distance_limit)


def test_predict_one_formula_prints_all_three_models(tiny_run, capsys):
    code = predict.main(["Fe83.3Si4B8P4Cu0.7", "--anneal-temp", "700", "--anneal-time", "600",
                         "--analysis", str(tiny_run)])
    out = capsys.readouterr().out
    assert code == 0
    for label in ("R2 best", "F1 best", "ensemble", "domain:"):
        assert label in out


def test_predict_a_bad_formula_gives_one_line_and_non_zero_exit(tiny_run, capsys):
    assert predict.main(["Fe80Qq20", "--analysis", str(tiny_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Qq" in err


def test_predict_without_a_run_says_so(tmp_path, capsys):
    assert predict.main(["Fe80B20", "--analysis", str(tmp_path)]) == 2
    assert "no trained models" in capsys.readouterr().err


def test_predict_csv_predicts_the_good_rows_and_reports_the_bad(tiny_run, tmp_path, capsys):
    src = tmp_path / "alloys.csv"
    src.write_text("composition,anneal_temp_K,anneal_time_s\nFe73.5Si13.5B9Nb3Cu1,813,3600\nFe80(B20,,\n"
                   "Fe80Co10B10,,\n")
    out = tmp_path / "pred.csv"
    code = predict.main(["--csv", str(src), "--out", str(out), "--analysis", str(tiny_run)])
    assert code == 1
    assert "row 3" in capsys.readouterr().err
    result = pd.read_csv(out)
    assert result["composition"].tolist() == ["Fe73.5Si13.5B9Nb3Cu1", "Fe80B10Co10"]
    assert list(result.columns) == predict.OUTPUT_COLUMNS
    assert not result["in_domain"].iloc[1]  # cobalt is absent from the training data
    assert (result["ensemble_std"] >= 0).all()


def test_a_users_script_can_predict_a_tidy_table_with_a_saved_model(tiny_run):
    from helpers.network import load_network

    table = pd.DataFrame({"composition": ["Fe73.5Si13.5B9Nb3Cu1", "Fe84B10C6"], "annealed": [True, False],
                          "anneal_temp_K": [813.0, np.nan], "anneal_time_s": [3600.0, np.nan],
                          "fe_at_pct": [73.5, 84.0]})
    bs = load_network(tiny_run / "models" / "r2_best").predict(table)
    assert bs.shape == (2,) and np.isfinite(bs).all()
    expected = predict.predict_table(table, tiny_run)["bs_r2_best"].to_numpy()
    np.testing.assert_allclose(bs, expected, atol=1e-4)
