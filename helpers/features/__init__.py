"""Features: the paper's 156 matminer composition features, optional annealing features, a per-composition cache.

Modules: ``stack`` the matminer stack (the reference), ``tables`` element data read from matminer's and pymatgen's
sources, ``vectorized`` the same 156 features as array operations, ``process`` annealing features and the
FeatureSpec, ``cache`` the parquet cache. ``implementation`` chooses who computes: "vectorized" (default; equal to
matminer to 1e-9, see tests/test_features_equal.py) or "matminer".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Composition

from helpers.features import vectorized
from helpers.features.cache import add_to_store, read_store, store_path
from helpers.features.process import (
    FEATURE_SETS,
    ROOM_TEMPERATURE_K,
    FeatureSpec,
    default_time_fill,
    process_features,
    resolve_feature_set,
)
from helpers.features.stack import (
    CATEGORICAL_ENCODING,
    FEATURE_FAMILIES,
    ORBITAL_L,
    composition_feature_labels,
    composition_featurizer,
    encode_categorical,
    matminer_features,
)
from helpers.formulas import parse_amounts
from helpers.paths import FEATURE_CACHE

IMPLEMENTATIONS = ("vectorized", "matminer")
DEFAULT_IMPLEMENTATION = "vectorized"

__all__ = [
    "CATEGORICAL_ENCODING",
    "DEFAULT_IMPLEMENTATION",
    "FEATURE_FAMILIES",
    "FEATURE_SETS",
    "IMPLEMENTATIONS",
    "ORBITAL_L",
    "ROOM_TEMPERATURE_K",
    "FeatureSpec",
    "build_features",
    "build_features_from_amounts",
    "composition_feature_labels",
    "composition_featurizer",
    "composition_features",
    "default_time_fill",
    "encode_categorical",
    "featurize_amounts",
    "featurize_where_defined",
    "undefined_features",
    "featurize_compositions",
    "process_features",
    "resolve_feature_set",
]


def _check_implementation(implementation: str) -> None:
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f"implementation must be one of {IMPLEMENTATIONS}, not {implementation!r}")


def featurize_amounts(
    elements: Sequence[str], amounts: np.ndarray, implementation: str = DEFAULT_IMPLEMENTATION
) -> pd.DataFrame:
    """156 numeric features per row of an (rows, elements) array of amounts (any scale; at.% in this project)."""
    _check_implementation(implementation)
    amounts = np.asarray(amounts, dtype=float)
    labels = composition_feature_labels()
    if implementation == "matminer":
        amounts = vectorized.checked_amounts(amounts, tuple(elements))
        compositions = [Composition(dict(zip(elements, row, strict=True))) for row in amounts]
        return matminer_features(compositions).set_axis(labels, axis=1).reset_index(drop=True)
    return pd.DataFrame(vectorized.composition_features(elements, amounts), columns=labels)


def composition_features(
    compositions: Sequence[str], implementation: str = DEFAULT_IMPLEMENTATION, progress: bool = False
) -> pd.DataFrame:
    """156 numeric features per composition (index, in the given order), without the cache."""
    _check_implementation(implementation)
    if implementation == "matminer":
        return matminer_features(compositions, progress=progress)
    elements, amounts = parse_amounts(compositions)
    frame = featurize_amounts(elements, amounts, implementation)
    return frame.set_axis(pd.Index(list(compositions), name="composition"), axis=0)


def featurize_compositions(
    compositions: Iterable[str],
    cache_dir: Path | None = FEATURE_CACHE,
    progress: bool = True,
    implementation: str = DEFAULT_IMPLEMENTATION,
) -> pd.DataFrame:
    """156 numeric features per distinct composition (sorted index); known compositions are read from the cache."""
    unique = sorted(set(compositions))
    path = store_path(cache_dir, implementation) if cache_dir else None
    known = read_store(path)
    missing = [c for c in unique if c not in known.index]
    new = composition_features(missing, implementation, progress) if missing else known.iloc[0:0]
    empty = new.columns[new.isna().any()].tolist()
    if empty:
        raise ValueError(f"features undefined for some compositions: {empty}")
    if path is not None and missing:
        add_to_store(path, known, new)
    features = (new if known.empty else pd.concat([known, new])).loc[unique]
    features.attrs["from_cache"] = not missing
    return features


def undefined_features(compositions: Sequence[str]) -> dict[str, str]:
    """The compositions whose 156 features cannot be computed, each with why (the featurizer's own error, e.g. one
    that fills every atomic orbital has no LUMO; or a NaN feature). Halves the list until each failing composition
    stands alone, so a few failures cost a few calls."""
    try:
        frame = composition_features(list(compositions))
    except ValueError as error:
        if len(compositions) == 1:
            return {compositions[0]: str(error)}
        middle = len(compositions) // 2
        return undefined_features(compositions[:middle]) | undefined_features(compositions[middle:])
    return {c: "a feature is undefined (NaN)" for c in frame.index[frame.isna().any(axis=1)]}


def featurize_where_defined(compositions: Iterable[str], progress: bool = False) -> tuple[pd.DataFrame, dict[str, str]]:
    """``featurize_compositions`` of the compositions whose 156 features are defined, and ``undefined_features`` of
    the others (only compositions the cache does not hold are searched)."""
    unique = sorted(set(compositions))
    try:
        return featurize_compositions(unique, progress=progress), {}
    except ValueError:
        known = read_store(store_path(FEATURE_CACHE, DEFAULT_IMPLEMENTATION)).index
        failed = undefined_features([c for c in unique if c not in known])
    return featurize_compositions([c for c in unique if c not in failed], progress=progress), failed


def build_features(
    table: pd.DataFrame,
    feature_set: str = "auto",
    spec: FeatureSpec | None = None,
    cache_dir: Path | None = FEATURE_CACHE,
    progress: bool = True,
    implementation: str = DEFAULT_IMPLEMENTATION,
) -> tuple[pd.DataFrame, FeatureSpec, pd.DataFrame]:
    """Feature matrix for the rows of a tidy table, its FeatureSpec, and the rows whose annealing time was filled.

    Pass the training ``spec`` to build features for new rows exactly as the model expects them.
    """
    if spec is None:
        chosen = resolve_feature_set(feature_set, bool(table["annealed"].any()))
        spec = FeatureSpec(chosen, [], default_time_fill(table) if chosen != "composition" else math.nan)
    comp = featurize_compositions(table["composition"], cache_dir, progress, implementation)
    X = comp.loc[table["composition"]].set_index(table.index)
    return _with_process(X, table, spec)


def build_features_from_amounts(
    elements: Sequence[str],
    amounts: np.ndarray,
    table: pd.DataFrame,
    spec: FeatureSpec,
    implementation: str = DEFAULT_IMPLEMENTATION,
) -> pd.DataFrame:
    """Feature matrix (spec.columns) for rows given as raw amounts; ``table`` holds their annealing columns.

    No formula is parsed and nothing is cached or rounded: the way to featurize a screen's chunk of grid points.
    """
    X = featurize_amounts(elements, amounts, implementation).set_axis(table.index, axis=0)
    return _with_process(X, table, spec)[0]


def _with_process(
    X: pd.DataFrame, table: pd.DataFrame, spec: FeatureSpec
) -> tuple[pd.DataFrame, FeatureSpec, pd.DataFrame]:
    filled = table.iloc[0:0]
    if spec.feature_set == "composition+process":
        X = pd.concat([X, process_features(table, spec.time_fill_s)], axis=1)
        filled = table[table["annealed"].astype(bool) & table["anneal_time_s"].isna()]
    if not spec.columns:
        spec.columns = X.columns.tolist()
    return X[spec.columns], spec, filled
