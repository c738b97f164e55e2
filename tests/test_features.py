"""Featurization: the paper's 156 labels, numeric encoding, process features and the parquet cache."""

import numpy as np
import pandas as pd
import pytest

from helpers import features

TABLE = pd.DataFrame(
    {
        "composition": ["Fe73.5Si13.5B9Nb3Cu1", "Fe80B20", "Fe80B20"],
        "annealed": [True, False, True],
        "anneal_temp_K": [813.0, np.nan, 700.0],
        "anneal_time_s": [3600.0, np.nan, np.nan],
    }
)


def test_the_featurizer_stack_gives_the_papers_156_labels():
    labels = features.composition_feature_labels()
    assert len(labels) == 156 and len(set(labels)) == 156
    assert set(features.CATEGORICAL_ENCODING) <= set(labels)


def test_features_are_all_numeric_with_categoricals_encoded(tmp_path):
    X = features.featurize_compositions(["Fe73.5Si13.5B9Nb3Cu1", "Fe80B20"], cache_dir=tmp_path, progress=False)
    assert X.shape == (2, 156) and X.notna().all().all()
    assert all(dtype == np.float64 for dtype in X.dtypes)
    assert X.loc["Fe80B20", "HOMO_element"] == 26.0  # Fe, Z = 26
    assert X.loc["Fe80B20", "HOMO_character"] == 2.0  # a d orbital, l = 2


def test_a_second_featurization_of_the_same_input_is_read_from_the_cache(tmp_path, monkeypatch):
    first = features.featurize_compositions(["Fe80B20", "Fe78Si9B13"], cache_dir=tmp_path, progress=False)
    assert first.attrs["from_cache"] is False and len(list(tmp_path.glob("*.parquet"))) == 1

    def fail(*args, **kwargs):
        raise AssertionError("featurized again instead of reading the cache")

    monkeypatch.setattr(features, "composition_featurizer", fail)
    second = features.featurize_compositions(["Fe78Si9B13", "Fe80B20", "Fe80B20"], cache_dir=tmp_path, progress=False)
    assert second.attrs["from_cache"] is True
    pd.testing.assert_frame_equal(first, second)


def test_process_features_encode_as_quenched_rows_and_fill_missing_times(tmp_path):
    X, spec, filled = features.build_features(TABLE, "auto", cache_dir=tmp_path, progress=False)
    assert spec.feature_set == "composition+process" and X.shape == (3, 159)
    assert X["anneal_temp_K"].tolist() == [813.0, features.ROOM_TEMPERATURE_K, 700.0]
    assert X["log10_anneal_time_s"].iloc[1] == 0.0
    assert spec.time_fill_s == 3600.0 and filled.index.tolist() == [2]
    assert X["log10_anneal_time_s"].iloc[2] == pytest.approx(np.log10(3601.0))


def test_a_saved_spec_rebuilds_the_same_columns_for_new_rows(tmp_path):
    _, spec, _ = features.build_features(TABLE, "composition", cache_dir=tmp_path, progress=False)
    X_new, _, _ = features.build_features(TABLE.iloc[:1], spec=spec, cache_dir=tmp_path, progress=False)
    assert list(X_new.columns) == spec.columns and len(spec.columns) == 156


def test_process_features_need_annealing_data():
    with pytest.raises(ValueError, match="needs annealing"):
        features.resolve_feature_set("composition+process", has_annealing=False)
    assert features.resolve_feature_set("auto", has_annealing=False) == "composition"
