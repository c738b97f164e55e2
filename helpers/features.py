"""Features: the paper's 156 matminer composition features, optional annealing features, a parquet cache."""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Composition, Element
from tqdm import TqdmWarning

with (
    warnings.catch_warnings()
):  # matminer imports tqdm.auto, which warns when ipywidgets is absent (a text bar is fine)
    warnings.simplefilter("ignore", TqdmWarning)
    from matminer.featurizers.base import MultipleFeaturizer
    from matminer.featurizers.composition import (
        AtomicOrbitals,
        ElementProperty,
        IonProperty,
        Stoichiometry,
        ValenceOrbital,
    )

from helpers.paths import FEATURE_CACHE

FEATURE_SETS = ("composition", "composition+process")
ROOM_TEMPERATURE_K = 298.15
ORBITAL_L = {"s": 0, "p": 1, "d": 2, "f": 3}
# The four AtomicOrbitals labels that are strings, and how each becomes a number.
CATEGORICAL_ENCODING = {
    "HOMO_character": "orbital angular momentum l of the HOMO (s=0, p=1, d=2, f=3)",
    "HOMO_element": "atomic number Z of the element that holds the HOMO",
    "LUMO_character": "orbital angular momentum l of the LUMO (s=0, p=1, d=2, f=3)",
    "LUMO_element": "atomic number Z of the element that holds the LUMO",
}
FEATURE_FAMILIES = {
    "ElementProperty (magpie)": "132: min, max, range, mean, avg. deviation and mode of 22 elemental properties "
    "(atomic number, Mendeleev number, weight, melting point, column, row, radius, "
    "electronegativity, valence electrons per shell, unfilled shells, GS volume, "
    "band gap, magnetic moment, space group), weighted by at.%",
    "Stoichiometry": "6: number of elements and the 0, 2, 3, 5, 7 and 10-norms of the atomic fractions",
    "ValenceOrbital": "8: average number of s, p, d, f valence electrons and their fractions",
    "IonProperty": "3: whether a charge-balanced compound is possible (fast mode), max and mean ionic character",
    "AtomicOrbitals": "7: HOMO and LUMO character, element and energy, and their gap (4 categorical, encoded)",
}
_CODE_VERSION = "1"  # bump when the featurization below changes, to invalidate old caches


@dataclass
class FeatureSpec:
    """What a model's input columns are and how they were made; saved beside every model."""

    feature_set: str
    columns: list[str]
    time_fill_s: float

    def to_json(self, path: Path) -> None:
        """Write the spec as JSON."""
        Path(path).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def from_json(cls, path: Path) -> FeatureSpec:
        """Read a spec written by to_json."""
        return cls(**json.loads(Path(path).read_text()))


def composition_featurizer() -> MultipleFeaturizer:
    """The paper's stack: ElementProperty(magpie), Stoichiometry, ValenceOrbital, IonProperty, AtomicOrbitals."""
    stack = MultipleFeaturizer(
        [
            ElementProperty.from_preset("magpie"),
            Stoichiometry(),
            ValenceOrbital(),
            IonProperty(fast=True),
            AtomicOrbitals(),
        ]
    )
    stack.set_n_jobs(1)  # a few hundred alloys: processes would cost more than they save
    return stack


def composition_feature_labels() -> list[str]:
    """The 156 composition feature labels, in order."""
    return composition_featurizer().feature_labels()


def _cache_key(compositions: list[str]) -> str:
    text = "\n".join([_CODE_VERSION, version("matminer"), version("pymatgen"), *compositions])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def encode_categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn the four categorical AtomicOrbitals labels into numbers (see CATEGORICAL_ENCODING)."""
    out = frame.copy()
    for col in ("HOMO_character", "LUMO_character"):
        out[col] = out[col].map(ORBITAL_L)
    for col in ("HOMO_element", "LUMO_element"):
        out[col] = out[col].map(lambda s: Element(s).Z)
    return out.astype(float)


def featurize_compositions(
    compositions: Iterable[str], cache_dir: Path | None = FEATURE_CACHE, progress: bool = True
) -> pd.DataFrame:
    """156 numeric features per distinct composition (index), from the parquet cache when the input is known."""
    unique = sorted(set(compositions))
    path = Path(cache_dir) / f"composition_features_{_cache_key(unique)}.parquet" if cache_dir else None
    if path is not None and path.is_file():
        features = pd.read_parquet(path)
        features.attrs["from_cache"] = True
        return features
    frame = pd.DataFrame({"composition": unique})
    frame["comp"] = [Composition(c) for c in unique]
    stack = composition_featurizer()
    frame = stack.featurize_dataframe(frame, "comp", pbar=progress, ignore_errors=False)
    features = encode_categorical(frame.set_index("composition")[stack.feature_labels()])
    empty = features.columns[features.isna().any()].tolist()
    if empty:
        raise ValueError(f"features undefined for some compositions: {empty}")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        features.to_parquet(path)
    features.attrs["from_cache"] = False
    return features


def resolve_feature_set(feature_set: str, has_annealing: bool) -> str:
    """'auto' becomes composition+process when the data carry annealing conditions, else composition."""
    if feature_set == "auto":
        return "composition+process" if has_annealing else "composition"
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be 'auto' or one of {FEATURE_SETS}, not {feature_set!r}")
    if feature_set == "composition+process" and not has_annealing:
        raise ValueError("feature_set 'composition+process' needs annealing conditions, and this data has none")
    return feature_set


def process_features(table: pd.DataFrame, time_fill_s: float) -> pd.DataFrame:
    """Annealing features: temperature (room temperature when as-quenched), log10(1 + time), annealed flag."""
    annealed = table["annealed"].astype(bool)
    temp = table["anneal_temp_K"].where(annealed, ROOM_TEMPERATURE_K)
    time = table["anneal_time_s"].where(annealed, 0.0).fillna(time_fill_s)
    return pd.DataFrame(
        {"anneal_temp_K": temp, "log10_anneal_time_s": np.log10(1.0 + time), "annealed": annealed.astype(float)},
        index=table.index,
    )


def default_time_fill(table: pd.DataFrame) -> float:
    """Median annealing time of the annealed rows that state one (used where an annealed row has none)."""
    known = table.loc[table["annealed"].astype(bool), "anneal_time_s"].dropna()
    return float(known.median()) if len(known) else math.nan


def build_features(
    table: pd.DataFrame,
    feature_set: str = "auto",
    spec: FeatureSpec | None = None,
    cache_dir: Path | None = FEATURE_CACHE,
    progress: bool = True,
) -> tuple[pd.DataFrame, FeatureSpec, pd.DataFrame]:
    """Feature matrix for the rows of a tidy table, its FeatureSpec, and the rows whose annealing time was filled.

    Pass the training ``spec`` to build features for new rows exactly as the model expects them.
    """
    if spec is None:
        chosen = resolve_feature_set(feature_set, bool(table["annealed"].any()))
        spec = FeatureSpec(chosen, [], default_time_fill(table) if chosen != "composition" else math.nan)
    comp = featurize_compositions(table["composition"], cache_dir=cache_dir, progress=progress)
    X = comp.loc[table["composition"]].set_index(table.index)
    filled = table.iloc[0:0]
    if spec.feature_set == "composition+process":
        X = pd.concat([X, process_features(table, spec.time_fill_s)], axis=1)
        filled = table[table["annealed"].astype(bool) & table["anneal_time_s"].isna()]
    if not spec.columns:
        spec.columns = X.columns.tolist()
    return X[spec.columns], spec, filled
