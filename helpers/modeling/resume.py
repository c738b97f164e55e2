"""The bookkeeping of a resumable training: which runs are finished, the fingerprint of the inputs, stale files.

A rerun with the same inputs and parameters (the same fingerprint) keeps the runs already finished; a rerun with
anything changed starts afresh and first removes everything derived from the old runs (their tables and the chosen
R2/F1-best networks, the calibration of the intervals and the domain), so a folder never mixes two trainings.
Every file is replaced whole (written beside it, then renamed), so an interruption leaves no half file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.domain import DOMAIN_FILE
from helpers.intervals import CALIBRATION_FILE
from helpers.modeling.network import TrainConfig
from helpers.modeling.network_files import run_file, run_files

SELECTED_FOLDERS = ("r2_best", "f1_best")
DERIVED_FILES = (DOMAIN_FILE, CALIBRATION_FILE)  # fitted from the runs by notebook 03


def fingerprint(frames: tuple, config: TrainConfig, n_runs: int, base_seed: int, threshold: float) -> str:
    """A short digest of the training inputs (data frames with their index, columns) and every parameter."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(json.dumps([asdict(config), n_runs, base_seed, threshold, list(frames[0].columns)]).encode())
    return digest.hexdigest()[:20]


def finished_runs(models_dir: Path, runs_csv: Path, preds_csv: Path, digest: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of runs.csv and test_predictions.csv of runs finished with this fingerprint; remove everything else."""
    state_file = Path(models_dir) / "training.json"
    same = state_file.is_file() and runs_csv.is_file() and _read_json(state_file).get("fingerprint") == digest
    rows = pd.read_csv(runs_csv) if same else pd.DataFrame()
    preds = pd.read_csv(preds_csv) if same and preds_csv.is_file() else pd.DataFrame()
    finished = {int(r) for r in rows.get("run", []) if run_file(models_dir, int(r)).is_file()}
    for run, path in run_files(models_dir).items():  # weights of runs that never made it into runs.csv
        if not same or run not in finished:
            path.unlink()
    if not same:
        for path in (runs_csv, preds_csv):
            path.unlink(missing_ok=True)
        return pd.DataFrame(), pd.DataFrame()
    rows = rows[rows["run"].isin(finished)].reset_index(drop=True)
    preds = preds[preds["run"].isin(finished)].reset_index(drop=True) if len(preds) else preds
    return rows, preds


def remove_derived(models_dir: Path) -> None:
    """Remove what notebook 03 derives from a finished training (chosen networks, domain, calibration): stale now."""
    for name in SELECTED_FOLDERS:
        shutil.rmtree(Path(models_dir) / name, ignore_errors=True)
    for name in DERIVED_FILES:
        (Path(models_dir) / name).unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Replace a text file whole."""
    part = path.with_name(path.name + ".part")
    part.write_text(text)
    part.replace(path)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Replace a CSV file whole."""
    part = path.with_name(path.name + ".part")
    frame.to_csv(part, index=False)
    part.replace(path)


def save_run(path: Path, weights: list[np.ndarray]) -> None:
    """Replace a run's weights file whole."""
    part = path.with_name(path.stem + ".part.npz")
    np.savez(part, *weights)
    part.replace(path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
