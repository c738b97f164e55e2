"""The bookkeeping of a resumable training: which runs are finished, the fingerprint of the inputs, stale files.

A rerun with the same inputs and parameters (the same fingerprint) keeps the runs already finished; a rerun with
anything changed starts afresh and first removes everything derived from the old runs (their tables and the chosen
R2/F1-best networks, the calibration of the intervals and the domain), so a folder never mixes two trainings.
Every file is written through the registry's atomic writer (helpers/outputs.py), so an interruption leaves no
half file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from helpers.modeling.network import TrainConfig
from helpers.outputs import OutputDir

DERIVED = ("r2_best", "f1_best", "domain", "calibration")  # fitted from the runs by notebook 03 (registry names)


def fingerprint(frames: tuple, config: TrainConfig, n_runs: int, base_seed: int, threshold: float) -> str:
    """A short digest of the training inputs (data frames with their index, columns) and every parameter."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(json.dumps([asdict(config), n_runs, base_seed, threshold, list(frames[0].columns)]).encode())
    return digest.hexdigest()[:20]


def finished_runs(out: OutputDir, digest: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of runs.csv and test_predictions.csv of runs finished with this fingerprint; remove everything else."""
    recorded = _read_json(out.path("training")).get("fingerprint")
    same = out.exists("runs") and recorded == digest
    rows = out.read_table("runs") if same else pd.DataFrame()
    preds = out.read_table("test_predictions") if same and out.exists("test_predictions") else pd.DataFrame()
    finished = {int(r) for r in rows.get("run", []) if out.run_weights(int(r)).is_file()}
    for run in out.runs_on_disk():  # weights of runs that never made it into runs.csv
        if not same or run not in finished:
            out.run_weights(run).unlink()
    if not same:
        for name in ("runs", "test_predictions"):
            out.path(name).unlink(missing_ok=True)
        return pd.DataFrame(), pd.DataFrame()
    rows = rows[rows["run"].isin(finished)].reset_index(drop=True)
    preds = preds[preds["run"].isin(finished)].reset_index(drop=True) if len(preds) else preds
    return rows, preds


def remove_derived(out: OutputDir) -> None:
    """Remove what notebook 03 derives from a finished training (chosen networks, domain, calibration): stale now."""
    for name in DERIVED:
        path = out.path(name)
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
