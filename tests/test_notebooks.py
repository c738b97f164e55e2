"""Every notebook runs top to bottom under papermill (tiny parameters) and writes what it promises."""

import json

import pandas as pd
import pytest
from conftest import run_notebook

from helpers import data, pipeline

pytestmark = pytest.mark.slow


def test_01_featurize_runs_and_writes_the_processed_data(tmp_path):
    run_notebook("01_featurize.ipynb", tmp_path)
    table = pd.read_csv(tmp_path / "data" / "dataset.csv", index_col="row_id")
    X = pd.read_parquet(tmp_path / "data" / "features.parquet")
    assert len(table) == 327 and X.shape == (327, 159)
    assert (tmp_path / "tables" / "bad_rows.csv").is_file()
    assert (tmp_path / "figures" / "01_bs_distribution.png").stat().st_size > 10_000


def test_every_parameter_is_declared_by_one_notebook_only():
    declared = pipeline.declared_parameters(pipeline.notebooks())
    assert declared["threshold"].notebooks == ["01_featurize"]
    assert declared["case_min_fe"].notebooks == declared["case_study_source"].notebooks == ["02_split_and_histogram"]


def test_02_split_keeps_alloys_apart(tiny_run):
    split = pd.read_csv(tiny_run / "data" / "split.csv", index_col="row_id")
    train = set(split.loc[split["set"] == "train", "composition"])
    test = set(split.loc[split["set"] == "test", "composition"])
    assert train and test and not train & test
    assert (tiny_run / "figures" / "fig2_histograms.png").is_file()


def test_02_saves_exactly_the_unseen_fe_rich_rows_of_the_case_study_source(tiny_run):
    """Checked against the case-study file itself, not against what data.unseen_rows guarantees."""
    source = data.load_source("weonepiece").table
    split = pd.read_csv(tiny_run / "data" / "split.csv", index_col="row_id")
    saved = pd.read_csv(tiny_run / "data" / "case_study.csv", index_col="row_id")
    fe_rich = source[source["fe_at_pct"] >= 80]
    assert fe_rich["composition"].isin(split["composition"]).any()  # the filter has something to remove
    expected = fe_rich[~fe_rich["composition"].isin(split["composition"])]
    assert sorted(saved["source_row"]) == sorted(expected["source_row"])
    assert (
        saved.set_index("source_row").loc[expected["source_row"], ["composition", "bs_tesla"]].to_numpy()
        == expected[["composition", "bs_tesla"]].to_numpy()
    ).all()
    chosen = json.loads((tiny_run / "data" / "split.json").read_text())
    assert chosen["case_min_fe"] == 80 and chosen["case_study_source"] == "weonepiece"


def test_03_writes_runs_csv_figures_and_both_models(tiny_run):
    runs = pd.read_csv(tiny_run / "tables" / "runs.csv")
    assert sorted(runs["run"]) == [0, 1, 2]
    threshold = json.loads((tiny_run / "data" / "analysis.json").read_text())["threshold"]
    assert json.loads((tiny_run / "models" / "training.json").read_text())["threshold"] == threshold == 1.4
    assert {"r2", "rmse", "mae", "f1", "precision", "recall", "epochs_trained"} <= set(runs.columns)
    for name in ("r2_best", "f1_best"):
        folder = tiny_run / "models" / name
        assert {p.name for p in folder.iterdir()} >= {
            "weights.npz",
            "model.keras",
            "scaler.json",
            "feature_spec.json",
            "params.json",
        }
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
    chosen = pd.read_csv(tiny_run / "data" / "case_study.csv")  # the rows notebook 02 set aside
    assert len(cases) > 0 and (cases["fe_at_pct"] >= 80).all()
    assert sorted(cases["composition"]) == sorted(chosen["composition"])
    summary = pd.read_csv(tiny_run / "tables" / "case_study_summary.csv", index_col=["subset", "side"])
    assert summary.loc[("all rows", slice(None)), "rows"].item() == len(cases)
    assert {"R2 best: MAE (T)", "F1 best: MAE (T)", "ensemble: MAE (T)"} <= set(summary.columns)
    expected = {
        "composition",
        "fe_at_pct",
        "anneal_temp_K",
        "anneal_time_s",
        "measured",
        "bs_r2_best",
        "bs_f1_best",
        "pct_error_r2_best",
        "pct_error_f1_best",
        "bs_ensemble",
        "bs_lower",
        "bs_upper",
        "interval_level",
        "in_domain",
        "domain_notes",
    }
    assert expected <= set(cases.columns)
    ok = cases["status"] == "ok"
    assert (
        (cases.loc[ok, "bs_lower"] <= cases.loc[ok, "bs_ensemble"])
        & (cases.loc[ok, "bs_ensemble"] <= cases.loc[ok, "bs_upper"])
    ).all()
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
    calib = pd.read_csv(tiny_run / "tables" / "spread_coverage.csv")
    assert calib[["within_1_std", "within_2_std"]].stack().between(0, 1).all()
    assert (tiny_run / "figures" / "06_baselines.png").is_file()
    coverage = pd.read_csv(tiny_run / "tables" / "interval_coverage.csv")
    overall = coverage[coverage["category"] == "all"]
    assert sorted(overall["level"].unique()) == [0.8, 0.9, 0.95] and overall["coverage"].between(0, 1).all()
    assert {"conformal, normalized", "conformal, plain"} <= set(overall["method"])
    assert {"annealed", "inside the domain"} <= set(coverage["category"])
    domain = pd.read_csv(tiny_run / "tables" / "domain_errors.csv")
    assert domain["set"].tolist() == ["outer test folds (06)", "case-study alloys (05)"]
    for fig in ("06_interval_coverage", "06_error_vs_difficulty"):
        assert (tiny_run / "figures" / f"{fig}.png").is_file()


def test_10_benchmarks_the_rules_and_simulates_campaigns(tiny_run):
    if not (tiny_run / "tables" / "case_study.csv").is_file():
        run_notebook("05_unseen_case_study.ipynb", tiny_run)
    run_notebook("10_discovery.ipynb", tiny_run, simulation_size="tiny", n_boot=50)
    bench = pd.read_csv(tiny_run / "tables" / "discovery_benchmark.csv")
    assert set(bench["rule"]) == {"random", "mean", "lower", "upper", "ei", "probability"}
    assert "case study (05)" in set(bench["set"]) and (tiny_run / "figures" / "10_enrichment_case.png").is_file()
    sim = pd.read_csv(tiny_run / "tables" / "discovery_simulation.csv")
    assert set(sim["rule"]) == set(bench["rule"]) and (sim["campaigns"] == 2).all()
    assert {"acceleration", "acceleration_low", "acceleration_high", "experiments", "censored"} <= set(sim.columns)
    assert (tiny_run / "figures" / "10_best_found.png").is_file()


def test_08_labels_the_glass_data_and_saves_a_glass_model(tiny_run):
    from helpers.glass.comparison import OUT_OF_FOLD_COLUMNS
    from helpers.glass.model import CANDIDATES, load_glass_model

    run_notebook("08_glass_formation.ipynb", tiny_run, glass_folds=3, glass_trees=10, glass_runs=1, glass_epochs=5)
    labelled = pd.read_csv(tiny_run / "tables" / "glass_labelled.csv")
    assert labelled["composition"].is_unique and set(labelled["label"]) == {0, 1}
    oof = pd.read_csv(tiny_run / "tables" / "glass_out_of_fold.csv")
    assert list(oof.columns) == OUT_OF_FOLD_COLUMNS and oof["p_glass"].between(0, 1).all()
    assert set(oof["fold"]) == {0, 1, 2} and len(oof) == len(labelled)
    scores = pd.read_csv(tiny_run / "tables" / "glass_scores.csv")
    assert set(CANDIDATES) == set(scores["model"])  # the three classifiers and the mean of two
    assert (labelled["fe_at_pct"] >= 50).all()  # judged on the Fe-based compositions, learnt from every family
    bad = pd.read_csv(tiny_run / "tables" / "glass_bad_rows.csv")
    assert bad["reason"].str.startswith("composition features undefined").any()
    check = pd.read_csv(tiny_run / "tables" / "glass_bs_check.csv")
    assert check["alloys"].tolist()[-1] == "both"
    model = load_glass_model(tiny_run)
    features = pd.read_parquet(tiny_run / "data" / "features.parquet")
    assert model.probability(features).shape == (len(features),)
    for fig in ("08_glass_data", "08_glass_reliability"):
        assert (tiny_run / "figures" / f"{fig}.png").is_file()
