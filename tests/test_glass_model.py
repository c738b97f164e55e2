"""The glass-formation model's API: grouped folds, calibrated probabilities, the saved model, the domain, the
scores, and the network as a logistic classifier (small and fast: a few trees, a few epochs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.features import featurize_compositions
from helpers.glass import comparison, evaluation
from helpers.glass import model as glass_model
from helpers.glass.data import chemical_system
from helpers.outputs import OutputDir

FORMULAS = [
    "Fe80B20", "Fe78B22", "Fe82B18", "Fe85B15", "Fe88B12", "Fe90B10", "Fe92B8", "Fe95B5",
    "Fe78Si9B13", "Fe80Si6B14", "Fe84Si4B12", "Fe88Si4B8", "Fe92Si4B4", "Fe75Si10B15",
    "Fe80P13C7", "Fe82P12C6", "Fe86P9C5", "Fe90P6C4", "Fe94P4C2", "Fe78P14C8",
    "Fe73.5Si13.5B9Nb3Cu1", "Fe76Si11B9Nb3Cu1", "Fe80Si7B9Nb3Cu1", "Fe86Si3B7Nb3Cu1", "Fe90Si2B4Nb3Cu1",
    "Fe84Zr7B9", "Fe86Zr7B7", "Fe88Zr7B5", "Fe90Zr7B3", "Fe91Zr9",
]  # fmt: skip


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    """Labels by a simple made-up rule (glass below 86 at.% Fe), only to exercise the code."""
    frame = pd.DataFrame({"composition": FORMULAS})
    frame["chemical_system"] = frame["composition"].map(chemical_system)
    frame["fe_at_pct"] = frame["composition"].str.extract(r"^Fe([\d.]+)")[0].astype(float)
    frame["label"] = (frame["fe_at_pct"] < 86).astype(int)
    frame["source"] = "test"
    return frame


@pytest.fixture(scope="module")
def features(labelled) -> pd.DataFrame:
    return featurize_compositions(labelled["composition"], cache_dir=None, progress=False).loc[labelled["composition"]]


def test_grouped_folds_keep_a_chemical_system_in_one_fold(labelled):
    folds = evaluation.grouped_folds(labelled["chemical_system"], 3)
    assert set(folds) == {0, 1, 2}
    assert (labelled.assign(fold=folds).groupby("chemical_system")["fold"].nunique() == 1).all()


def test_calibration_error_and_scores_come_from_the_binned_curve():
    y = np.array([0, 0, 1, 1, 1, 1, 0, 1])
    p = np.array([0.05, 0.15, 0.95, 0.85, 0.9, 0.8, 0.2, 0.55])
    assert evaluation.bin_counts(p).sum() == len(p)
    assert evaluation.expected_calibration_error(y, y.astype(float)) == pytest.approx(0.0)
    assert evaluation.expected_calibration_error(y, np.full(len(y), 1.0)) == pytest.approx(1 - y.mean())
    scores = evaluation.scores(y, p)
    assert scores["AUC"] == pytest.approx(1.0) and 0 < scores["Brier"] < 0.1


def test_nested_splits_keep_systems_whole_and_never_train_on_their_test_rows(labelled):
    folds = evaluation.grouped_folds(labelled["chemical_system"], 3)
    splits = evaluation.nested_splits(labelled["chemical_system"], folds)
    assert [s.kind for s in splits].count("outer") == 3 and [s.kind for s in splits].count("inner") == 6
    systems = labelled["chemical_system"].to_numpy()
    for split in splits:
        assert (
            not (split.train & split.test).any() and not split.test[folds == split.fold].any() or split.kind == "outer"
        )
        assert not set(systems[split.train]) & set(systems[split.test])
    outer, inner = evaluation.nested_scores(splits, [np.full(s.test.sum(), 0.5) for s in splits], len(folds))
    assert (
        not np.isnan(outer).any() and np.isnan(inner[folds == 0, 0]).all() and not np.isnan(inner[folds != 0, 0]).any()
    )


def test_nested_calibration_never_uses_the_folds_own_labels():
    folds = np.repeat([0, 1, 2], 4)
    outer = np.linspace(0, 1, 12)
    inner = np.tile(np.linspace(0.1, 0.9, 12)[:, None], (1, 3))
    y = np.array([0, 0, 1, 1] * 3)
    flipped = y.copy()
    flipped[folds == 0] = 1 - flipped[folds == 0]  # other labels in fold 0 change nothing of fold 0's probabilities
    for calibrator in evaluation.CALIBRATORS:
        a = evaluation.nested_calibrated(outer, inner, y, folds, calibrator)
        b = evaluation.nested_calibrated(outer, inner, flipped, folds, calibrator)
        assert np.allclose(a[folds == 0], b[folds == 0]) and ((a >= 0) & (a <= 1)).all()
    assert np.allclose(evaluation.nested_calibrated(outer, inner, y, folds, "uncalibrated"), outer)


def test_the_model_is_saved_loaded_and_gives_calibrated_probabilities(tmp_path, labelled, features):
    settings = glass_model.Settings(n_trees=10, seed=0)
    folds = evaluation.grouped_folds(labelled["chemical_system"], 3)
    result = comparison.compare(labelled, features, folds, settings, models=("random forest",))
    assert result.chosen[0] == "random forest" and set(result.scores["subset"]) == {"all", "Fe >= 80"}
    table = result.out_of_fold()
    assert list(table.columns) == comparison.OUT_OF_FOLD_COLUMNS and table["p_glass"].between(0, 1).all()
    y, groups = labelled["label"].to_numpy(), labelled["chemical_system"].to_numpy()
    model = glass_model.fit_glass_model(
        "random forest", result.chosen[1], features, y, groups, result.raw_scores("random forest"), settings
    )
    assert model.scorer.estimator.n_estimators == 10 and model.columns == list(features.columns)
    out = OutputDir(tmp_path / "analysis").create()
    glass_model.save_glass_model(out, model)
    loaded = glass_model.load_glass_model(out)
    p = loaded.probability(features)
    assert p.shape == (len(labelled),) and ((p >= 0) & (p <= 1)).all()
    assert np.allclose(p, loaded.probability(features.to_numpy()))  # an array in the model's column order
    assert np.allclose(p, loaded.probability(features[features.columns[::-1]]))  # columns found by name
    with pytest.raises(ValueError, match="lack"):
        loaded.probability(features.iloc[:, :10])


def test_a_missing_model_is_one_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebook 08"):
        glass_model.load_glass_model(tmp_path)


def test_the_glass_domain_names_an_unseen_element(labelled):
    domain = glass_model.glass_domain(labelled)
    flags = glass_model.glass_domain_flags(domain, pd.Series(["Fe80B20", "Fe80Co5B15", "Fe70B30"]))
    assert flags["in_domain"].tolist() == [True, False, False]
    assert "Co absent" in flags["domain_notes"].iloc[1] and "B 30 at.% above" in flags["domain_notes"].iloc[2]
    amounts = pd.DataFrame({"Fe": [80.0, 80.0, 70.0], "B": [20.0, 15.0, 30.0], "Co": [0.0, 5.0, 0.0]})
    assert glass_model.glass_domain_inside(domain, amounts).tolist() == [True, False, False]


def test_the_network_classifier_trains_with_a_logistic_output(labelled, features):
    y, groups = labelled["label"].to_numpy(), labelled["chemical_system"].to_numpy()
    scorer = glass_model.make_scorer("network", glass_model.Settings(n_runs=2, epochs=30, seed=1))
    score = scorer.fit(features, y, groups).score(features)
    assert score.shape == (len(y),) and ((score > 0) & (score < 1)).all()
    assert scorer.scaler.y_mean == 0 and scorer.scaler.y_scale == 1  # labels are not standardized
    assert score[y == 1].mean() > score[y == 0].mean()


def test_the_spread_over_cuts_keeps_systems_whole_and_starts_with_the_notebooks_folds(labelled, features):
    from dataclasses import replace

    from helpers.glass import checks

    for seed in (1, 2):  # a shuffled cut still keeps every system in one fold
        folds = evaluation.grouped_folds(labelled["chemical_system"], 3, seed)
        assert (labelled.assign(fold=folds).groupby("chemical_system")["fold"].nunique() == 1).all()
    settings = glass_model.Settings(n_trees=10)
    folds = evaluation.grouped_folds(labelled["chemical_system"], 3)
    result = comparison.compare(labelled, features, folds, settings, models=("random forest",))
    as_if_network = replace(result, chosen=("network", "isotonic"))  # the forest stands in for the network
    spread = comparison.split_spread(as_if_network, labelled, features, 3, settings)
    assert len(spread) == 1 + comparison.OTHER_CUTS and set(spread["model"]) == {"random forest"}
    own = result.scores.query("subset == 'all' and calibration == 'uncalibrated'")["AUC"].iloc[0]
    assert spread["AUC"].iloc[0] == pytest.approx(own)  # the notebook's folds: the comparison's own scores
    made_up = spread.assign(AUC=[0.9, 0.8, 0.85, 0.89, 0.7], ECE=0.04)
    sentence = checks.spread_sentence(made_up)
    assert "met on 2 of 5 cuts" in sentence and "met on 5 of 5 cuts" in sentence


OTHER_FAMILIES = ["Fe40B60", "Fe45Si25B30", "Co80B20", "Co75Si10B15", "Ni80P20", "Ni60Nb40"]  # two share a system


def test_other_families_are_held_out_with_their_system_learnt_from_and_never_scored(labelled, features):
    from helpers.glass.data import FE_BASED

    other = pd.DataFrame({"composition": OTHER_FAMILIES})
    other["chemical_system"] = other["composition"].map(chemical_system)
    other["fe_at_pct"] = other["composition"].str.extract(r"Fe([\d.]+)")[0].astype(float).fillna(0.0)
    other = other.assign(label=[1, 1, 1, 1, 1, 0], source="test")
    every = pd.concat([labelled.assign(**{FE_BASED: True}), other.assign(**{FE_BASED: False})], ignore_index=True)
    X = featurize_compositions(every["composition"], cache_dir=None, progress=False).loc[every["composition"]]
    folds = evaluation.family_folds(every["chemical_system"], every[FE_BASED], 3)
    judged = every[FE_BASED].to_numpy()
    assert (folds[judged] == evaluation.grouped_folds(labelled["chemical_system"], 3)).all()  # the same folds
    by_system = dict(zip(every["chemical_system"][judged], folds[judged], strict=True))
    assert folds[len(labelled)] == by_system["B-Fe"] and folds[len(labelled) + 1] == by_system["B-Fe-Si"]
    assert (folds[len(labelled) + 2 :] == -1).all()  # systems no Fe-based composition has: learnt from in every fold
    for split in evaluation.nested_splits(every["chemical_system"], folds):
        assert split.train[-4:].all() and not split.test[-4:].any()
        held = set(every["chemical_system"][split.test])
        assert not every["chemical_system"][split.train].isin(held).any()
    settings = glass_model.Settings(n_trees=10)
    result = comparison.compare(every, X, folds, settings, models=("random forest",))
    assert list(result.oof["composition"]) == list(labelled["composition"])  # scored on the Fe-based ones only
    assert (result.scores.query("subset == 'all'")["rows"] == len(labelled)).all()
    gain = comparison.family_gain(result, every, X, folds, settings).set_index(["model", "learns from"])
    assert gain.loc[("random forest", "every family"), "compositions"] == len(every)
    assert gain.loc[("random forest", "Fe-based only"), "compositions"] == len(labelled)
    fe_folds = evaluation.grouped_folds(labelled["chemical_system"], 3)
    alone = comparison.compare(labelled, features, fe_folds, settings, models=("random forest",))
    own = alone.scores.query("model == 'random forest' and subset == 'all' and calibration == 'uncalibrated'")
    assert gain.loc[("random forest", "Fe-based only"), "AUC"] == pytest.approx(own["AUC"].iloc[0])


def test_the_mean_of_boosting_and_network_is_a_candidate_scored_and_fitted_as_the_mean(labelled, features):
    settings = glass_model.Settings(n_trees=10, n_runs=2, epochs=10, seed=3)
    labelled = pd.concat([labelled] * 4, ignore_index=True)  # boosting's early stopping needs a few rows of each label
    features = pd.concat([features] * 4)
    folds = evaluation.grouped_folds(labelled["chemical_system"], 3)
    result = comparison.compare(labelled, features, folds, settings, models=glass_model.MEAN_OF)
    assert set(result.scores["model"]) == {*glass_model.MEAN_OF, glass_model.MEAN}
    parts = [result.raw_scores(m) for m in glass_model.MEAN_OF]
    assert np.allclose(result.raw_scores(glass_model.MEAN), np.mean(parts, axis=0))
    y, groups = labelled["label"].to_numpy(), labelled["chemical_system"].to_numpy()
    mean = glass_model.make_scorer(glass_model.MEAN, settings).fit(features, y, groups)
    alone = [glass_model.make_scorer(m, settings).fit(features, y, groups) for m in glass_model.MEAN_OF]
    assert np.allclose(mean.score(features), np.mean([s.score(features) for s in alone], axis=0), atol=1e-6)
