"""Every notebook runs top to bottom under papermill (tiny parameters) and writes what it promises."""
import pandas as pd
import pytest

from conftest import run_notebook

pytestmark = pytest.mark.slow


def test_01_featurize_runs_and_writes_the_processed_data(tmp_path):
    run_notebook("01_featurize.ipynb", tmp_path)
    table = pd.read_csv(tmp_path / "data" / "dataset.csv", index_col="row_id")
    X = pd.read_parquet(tmp_path / "data" / "features.parquet")
    assert len(table) == 327 and X.shape == (327, 159)
    assert (tmp_path / "tables" / "bad_rows.csv").is_file()
    assert (tmp_path / "figures" / "01_bs_distribution.png").stat().st_size > 10_000


def test_02_split_keeps_alloys_and_case_study_apart(tiny_run):
    split = pd.read_csv(tiny_run / "data" / "split.csv", index_col="row_id")
    train = set(split.loc[split["set"] == "train", "composition"])
    test = set(split.loc[split["set"] == "test", "composition"])
    case = set(pd.read_csv(tiny_run / "data" / "case_study_compositions.csv")["composition"])
    assert train and test and not train & test
    assert case and not case & (train | test)
    assert (tiny_run / "figures" / "fig2_histograms.png").is_file()


def test_03_writes_runs_csv_figures_and_both_models(tiny_run):
    runs = pd.read_csv(tiny_run / "tables" / "runs.csv")
    assert sorted(runs["run"]) == [0, 1, 2]
    assert {"r2", "rmse", "mae", "f1", "precision", "recall", "epochs_trained"} <= set(runs.columns)
    for name in ("r2_best", "f1_best"):
        folder = tiny_run / "models" / name
        assert {p.name for p in folder.iterdir()} >= {"weights.npz", "model.keras", "scaler.json",
                                                      "feature_spec.json", "params.json"}
    for fig in ("fig3a_boxplots", "fig3b_r2_vs_f1"):
        assert (tiny_run / "figures" / f"{fig}.png").is_file()


def test_04_writes_table1_and_figures_4_and_5(tiny_run):
    run_notebook("04_model_comparison.ipynb", tiny_run)
    table1 = pd.read_csv(tiny_run / "tables" / "table1.csv")
    assert list(table1.columns) == ["model", "r2", "rmse", "mae", "f1", "precision", "recall"]
    assert table1["model"].tolist() == ["R2 best", "F1 best"]
    assert table1[["f1", "precision", "recall"]].stack().between(0, 1).all()
    for fig in ("fig4_parity_residuals", "fig5_threshold_quadrants"):
        assert (tiny_run / "figures" / f"{fig}.png").is_file()


def test_05_predicts_only_unseen_fe_rich_alloys(tiny_run):
    run_notebook("05_unseen_case_study.ipynb", tiny_run)
    cases = pd.read_csv(tiny_run / "tables" / "case_study.csv")
    training = pd.read_csv(tiny_run / "data" / "dataset.csv")
    assert len(cases) > 0 and (cases["fe_at_pct"] >= 80).all()
    assert not set(cases["composition"]) & set(training["composition"])
    expected = {"composition", "fe_at_pct", "anneal_temp_K", "anneal_time_s", "measured", "pred_r2_best",
                "pred_f1_best", "pct_error_r2_best", "pct_error_f1_best"}
    assert expected <= set(cases.columns)
    assert (tiny_run / "figures" / "fig6_case_study.png").is_file()


def test_06_writes_the_protocol_and_baseline_tables(tiny_run):
    run_notebook("06_honest_evaluation.ipynb", tiny_run, n_outer_folds=2, n_runs=3)
    protocols = pd.read_csv(tiny_run / "tables" / "protocols.csv")
    assert len(protocols) == 6 and set(protocols["model"]) == {"R2 best", "F1 best"}
    assert protocols["protocol"].str.startswith("optimism").sum() == 2
    for col in ("r2_mean", "r2_std", "rmse_mean", "f1_mean"):
        assert col in protocols.columns
    baselines = pd.read_csv(tiny_run / "tables" / "baselines.csv")
    assert {"predict the mean", "ridge regression", "random forest", "gradient boosting"} <= set(baselines["model"])
    assert baselines["model"].str.startswith("ANN ensemble").any()
    calib = pd.read_csv(tiny_run / "tables" / "calibration_folds.csv")
    assert calib[["within_1_std", "within_2_std"]].stack().between(0, 1).all()
    assert (tiny_run / "figures" / "06_baselines.png").is_file()
