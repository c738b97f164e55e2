"""Annealing features (temperature, time, annealed flag), the feature sets, and the spec saved beside every model."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.outputs import write_atomic

FEATURE_SETS = ("composition", "composition+process")
ROOM_TEMPERATURE_K = 298.15


@dataclass
class FeatureSpec:
    """What a model's input columns are and how they were made; saved beside every model."""

    feature_set: str
    columns: list[str]
    time_fill_s: float

    def to_json(self, path: Path) -> None:
        """Write the spec as JSON."""
        write_atomic(Path(path), lambda part: part.write_text(json.dumps(asdict(self), indent=1)))

    @classmethod
    def from_json(cls, path: Path) -> FeatureSpec:
        """Read a spec written by to_json."""
        return cls(**json.loads(Path(path).read_text()))


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
