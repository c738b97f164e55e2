"""Applicability domain flags and the predict command on good and bad input."""

import numpy as np
import pandas as pd
import pytest

from helpers import predict, scoring


def test_predict_one_formula_prints_all_three_models(tiny_run, capsys):
    code = predict.main(
        ["Fe83.3Si4B8P4Cu0.7", "--anneal-temp", "700", "--anneal-time", "600", "--analysis", str(tiny_run)]
    )
    out = capsys.readouterr().out
    assert code == 0
    for label in ("R2 best", "F1 best", "ensemble", "90% interval", "domain:"):
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
    src.write_text(
        "composition,anneal_temp_K,anneal_time_s\nFe73.5Si13.5B9Nb3Cu1,813,3600\nFe80(B20,,\nFe80Co10B10,,\n"
    )
    out = tmp_path / "pred.csv"
    code = predict.main(["--csv", str(src), "--out", str(out), "--analysis", str(tiny_run)])
    assert code == 1
    assert "row 3" in capsys.readouterr().err
    result = pd.read_csv(out)
    assert result["composition"].tolist() == ["Fe73.5Si13.5B9Nb3Cu1", "Fe80B10Co10"]
    assert list(result.columns) == scoring.OUTPUT_COLUMNS
    required = [
        "composition",
        "anneal_temp_K",
        "anneal_time_s",
        "bs_r2_best",
        "bs_f1_best",
        "bs_ensemble",
        "ensemble_std",
        "bs_lower",
        "bs_upper",
        "interval_level",
        "in_domain",
        "domain_notes",
        "source_row",
    ]
    assert set(required) <= set(result.columns) and (result["interval_level"] == 0.9).all()
    assert (result["bs_lower"] <= result["bs_ensemble"]).all() and (result["bs_ensemble"] <= result["bs_upper"]).all()
    assert result["source_row"].tolist() == [2, 4]
    assert not result["in_domain"].iloc[1]  # cobalt is absent from the training data
    assert (result["ensemble_std"] >= 0).all()


def test_a_users_script_can_predict_a_tidy_table_with_a_saved_model(tiny_run):
    from helpers.modeling.files import load_network

    table = pd.DataFrame(
        {
            "composition": ["Fe73.5Si13.5B9Nb3Cu1", "Fe84B10C6"],
            "annealed": [True, False],
            "anneal_temp_K": [813.0, np.nan],
            "anneal_time_s": [3600.0, np.nan],
            "fe_at_pct": [73.5, 84.0],
        }
    )
    bs = load_network(tiny_run / "models" / "r2_best").predict(table)
    assert bs.shape == (2,) and np.isfinite(bs).all()
    expected = predict.predict_table(table, tiny_run, models="evaluated")["bs_r2_best"].to_numpy()
    np.testing.assert_allclose(bs, expected, atol=1e-4)


def test_a_lower_level_gives_a_narrower_interval_around_the_same_ensemble(tiny_run):
    table = pd.DataFrame(
        {
            "composition": ["Fe80Si9B11"],
            "annealed": [True],
            "anneal_temp_K": [700.0],
            "anneal_time_s": [600.0],
            "fe_at_pct": [80.0],
        }
    )
    wide = predict.predict_table(table, tiny_run, level=0.95).iloc[0]
    narrow = predict.predict_table(table, tiny_run, level=0.8).iloc[0]
    assert narrow["bs_ensemble"] == pytest.approx(wide["bs_ensemble"])
    assert wide["bs_lower"] <= narrow["bs_lower"] <= narrow["bs_upper"] <= wide["bs_upper"]
    assert narrow["bs_upper"] - narrow["bs_lower"] < wide["bs_upper"] - wide["bs_lower"]


def test_an_interval_is_marked_uncalibrated_where_its_state_has_too_few_calibration_rows():
    import numpy as np
    import pandas as pd

    from helpers.intervals import Calibration, interval_calibrated, min_calibration_rows
    from helpers.modeling.network import Scaler

    assert [min_calibration_rows(v) for v in (0.8, 0.9, 0.95)] == [4, 9, 19]
    annealed = np.r_[np.ones(40), np.zeros(12)]  # 40 annealed and 12 as-quenched calibration rows
    features = pd.DataFrame({"x": np.arange(52.0), "annealed": annealed})
    scaler = Scaler.fit(features, np.ones(52))
    calibration = Calibration(scaler.x(features), np.zeros(52), np.zeros(52))
    new = pd.DataFrame({"x": [1.0, 2.0], "annealed": [1.0, 0.0]})
    assert interval_calibrated(calibration, scaler, new, 0.9).tolist() == [True, True]  # 12 >= 9
    assert interval_calibrated(calibration, scaler, new, 0.95).tolist() == [True, False]  # 12 < 19
