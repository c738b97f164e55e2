"""The deployed models of notebook 07: the pool keeps the case study out of training, the transfer folds keep alloys
apart, the deployed models load with the checked loader, and the goals compare what was measured with the targets."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers.deployment import scores, transfer
from helpers.deployment.pool import build_pool
from helpers.modeling.files import ModelFiles, ModelFolderError, load_saved_models
from helpers.outputs import OutputDir


@pytest.fixture(scope="module")
def pool(tiny_run):
    return build_pool(OutputDir(tiny_run), True)


def test_the_pool_holds_both_sources_and_marks_every_case_study_alloy(pool, tiny_run):
    cases = pd.read_csv(tiny_run / "data" / "case_study.csv")
    dataset = pd.read_csv(tiny_run / "data" / "dataset.csv")
    assert len(pool.sources) == 2 and len(pool.table) == len(pool.X) > len(dataset)
    marked = pool.table[pool.table["case_study"]]
    assert set(marked["composition"]) == set(cases["composition"]) and len(marked) == len(cases)
    assert not pool.table.loc[pool.trainable, "composition"].isin(set(cases["composition"])).any()
    assert pool.X.notna().all().all()


def test_no_fold_trains_on_a_case_study_alloy_or_shares_an_alloy_between_its_sides(pool):
    folds = transfer.transfer_folds(pool, 3, 0)
    assert [f.evaluation for f in folds].count(transfer.ONE_SOURCE_OUT) == 2
    for fold in folds:
        train, test = pool.table.loc[fold.train_ids], pool.table.loc[fold.test_ids]
        assert not train["case_study"].any()
        assert not set(train["composition"]) & set(test["composition"])
        if fold.evaluation == transfer.ONE_SOURCE_OUT:
            assert train["source"].nunique() == 1 and not test["source"].isin(train["source"]).any()
    tested = pd.concat([pd.Series(f.test_ids) for f in folds if f.evaluation == transfer.CROSS_VALIDATION])
    assert sorted(tested) == list(pool.table.index)  # every row tested once in the cross-validation


def test_the_goals_compare_the_leave_one_source_out_ensemble_with_the_targets():
    ensemble = scores.MODELS["bs_ensemble"]
    table = pd.DataFrame(
        {
            "evaluation": [transfer.ONE_SOURCE_OUT] * 2 + [transfer.CROSS_VALIDATION],
            "category": ["annealed", "as-quenched", "annealed"],
            "model": [ensemble] * 3,
            "rows": [100, 5, 50],
            "mae": [0.09, 0.2, 0.01],
            "coverage_90": [0.95, 0.9, 0.9],
            "calibrated_90": [1.0, 0.0, 1.0],
        }
    )
    goals = scores.goals(table)
    assert goals["met"].tolist() == [True, False, False, True]
    assert goals["note"].str.contains("widened, not calibrated").tolist() == [False, False, False, True]


def test_notebook_07_writes_its_tables_and_deployed_models_that_the_loader_accepts(tiny_run):
    # tiny_run ran 07 with n_outer_folds=2, n_runs=3
    table = pd.read_csv(tiny_run / "tables" / "transfer_scores.csv")
    assert set(table["evaluation"]) == {transfer.CROSS_VALIDATION, transfer.ONE_SOURCE_OUT}
    assert set(table["model"]) == set(scores.MODELS.values())
    assert {"annealed", "as-quenched", "from wang2018", "from weonepiece"} <= set(table["category"])
    coverage = table[["coverage_80", "coverage_90", "coverage_95"]].dropna()
    assert len(coverage) and coverage.stack().between(0, 1).all()
    goals = pd.read_csv(tiny_run / "tables" / "deployment_goals.csv")
    assert len(goals) == len(scores.GOALS) and (tiny_run / "figures" / "07_transfer.png").is_file()
    saved = load_saved_models(tiny_run, "deployed")
    training = json.loads((tiny_run / "models" / "deployed" / "training.json").read_text())
    trainable = build_pool(OutputDir(tiny_run), True).table.query("not case_study")
    assert training["rows"] == len(trainable) and saved.domain.n_rows == len(trainable)
    assert saved.domain.n_as_quenched == training["as_quenched_rows"] == (~trainable["annealed"]).sum()
    assert saved.calibration.states is not None and len(saved.ensemble.weights) == 3
    evaluated = load_saved_models(tiny_run)  # 03's models stay as they were
    assert evaluated.calibration.states is None and evaluated.domain.n_rows < training["rows"]


def test_a_damaged_deployed_folder_names_notebook_07(tiny_run, tmp_path):
    import shutil

    copy = tmp_path / "analysis"
    shutil.copytree(tiny_run / "models", copy / "models")
    files = ModelFiles(copy, "deployed")
    weights = np.load(files.run_weights(1))
    np.savez(files.run_weights(1), *[np.full_like(weights[k], np.nan) for k in weights.files])
    with pytest.raises(ModelFolderError, match="rerun notebook 07 .*--only 07"):
        load_saved_models(copy, "deployed")
    (files.path("training")).unlink()
    with pytest.raises(ModelFolderError, match="no trained models .*deployed/training.json.*notebook 07"):
        load_saved_models(copy, "deployed")


def test_predict_answers_with_the_deployed_models_and_says_what_they_learned_from(tiny_run, capsys):
    from helpers import predict

    assert predict.main(["Fe80B20", "--analysis", str(tiny_run)]) == 0
    deployed = capsys.readouterr().out
    training = json.loads((tiny_run / "models" / "deployed" / "training.json").read_text())
    assert f"deployed models of notebook 07 from {tiny_run}, learned from {training['rows']} rows, " in deployed
    assert f"{training['as_quenched_rows']} of them as-quenched" in deployed
    assert predict.main(["Fe80B20", "--analysis", str(tiny_run), "--models", "evaluated"]) == 0
    assert "evaluated models of notebook 03" in capsys.readouterr().out
    table = predict._single("Fe80B20", None, None)[0]  # as-quenched
    saved = load_saved_models(tiny_run, "deployed")
    row = predict.predict_table(table, saved=saved).iloc[0]
    assert row["interval_calibrated"] == saved.calibration.calibrated_states(0.9)[False]
