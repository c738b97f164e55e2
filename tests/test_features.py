"""Featurization: the paper's 156 labels, numeric encoding, process features and the per-composition cache."""

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

    monkeypatch.setattr(features, "composition_features", fail)
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


def test_new_compositions_become_rows_of_the_one_cache_file(tmp_path):
    features.featurize_compositions(["Fe80B20"], cache_dir=tmp_path, progress=False)
    second = features.featurize_compositions(["Fe80B20", "Fe78Si9B13"], cache_dir=tmp_path, progress=False)
    assert second.attrs["from_cache"] is False and list(second.index) == ["Fe78Si9B13", "Fe80B20"]
    files = list(tmp_path.glob("*.parquet"))
    assert len(files) == 1 and sorted(pd.read_parquet(files[0]).index) == ["Fe78Si9B13", "Fe80B20"]


def test_each_implementation_has_its_own_cache_and_both_agree(tmp_path):
    compositions = ["Fe73.5Si13.5B9Nb3Cu1", "Fe80B20"]
    fast = features.featurize_compositions(compositions, cache_dir=tmp_path, progress=False)
    slow = features.featurize_compositions(compositions, cache_dir=tmp_path, progress=False, implementation="matminer")
    assert len(list(tmp_path.glob("*.parquet"))) == 2
    np.testing.assert_allclose(fast.to_numpy(), slow.to_numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="implementation must be one of"):
        features.featurize_compositions(compositions, cache_dir=None, implementation="numba")


def test_features_from_raw_amounts_follow_the_spec(tmp_path):
    _, spec, _ = features.build_features(TABLE, "auto", cache_dir=tmp_path, progress=False)
    by_formula, _, _ = features.build_features(TABLE, spec=spec, cache_dir=None, progress=False)
    amounts = np.array([[73.5, 13.5, 9, 3, 1], [80, 0, 20, 0, 0], [80, 0, 20, 0, 0]])
    by_amounts = features.build_features_from_amounts(["Fe", "Si", "B", "Nb", "Cu"], amounts, TABLE, spec)
    assert list(by_amounts.columns) == spec.columns
    pd.testing.assert_frame_equal(by_amounts, by_formula, check_exact=False, rtol=1e-12)
