"""The feature cache: one parquet file per featurizer implementation and library versions, one row per composition.

A prediction for a new CSV adds its new compositions as rows of that file (no file per input); process features
are cheap and never cached.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from helpers.outputs import write_atomic

CODE_VERSION = "2"  # bump when the featurization changes, to leave old caches unread


def store_path(cache_dir: Path, implementation: str) -> Path:
    """The cache file of one implementation under the installed matminer and pymatgen."""
    text = "\n".join([CODE_VERSION, implementation, version("matminer"), version("pymatgen")])
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    return Path(cache_dir) / f"composition_features_{implementation}_{key}.parquet"


def read_store(path: Path | None) -> pd.DataFrame:
    """Cached features, one row per composition (an empty frame when there is no cache)."""
    if path is None or not Path(path).is_file():
        return pd.DataFrame(index=pd.Index([], name="composition", dtype=object))
    return pd.read_parquet(path)


def add_to_store(path: Path, known: pd.DataFrame, new: pd.DataFrame) -> None:
    """Write known and new rows together, through a temporary file renamed into place."""
    frame = new if known.empty else pd.concat([known, new])
    write_atomic(path, frame.to_parquet)
