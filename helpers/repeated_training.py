"""Repeated training with resume: train n runs, score each on the test set, save each as it finishes.

A rerun with the same inputs and parameters (the same fingerprint) trains only the runs that are missing, and the
resumed runs are identical to those of an uninterrupted training. A rerun with anything changed starts afresh and
first removes everything derived from the old runs (their tables and the chosen R2/F1-best networks), so a folder
never mixes two trainings.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.metrics import scores
from helpers.network import Scaler, TrainConfig, predict_scaled
from helpers.training import RunResult, fit_networks

SELECTED_FOLDERS = ("r2_best", "f1_best")


def repeated_training(
    X_train: pd.DataFrame,
    y_train: pd.Series,
    groups: np.ndarray,
    X_test: pd.DataFrame,
    y_test: pd.Series,
    spec,
    config: TrainConfig,
    n_runs: int,
    base_seed: int,
    threshold: float,
    models_dir: Path,
    tables_dir: Path,
    progress: bool = True,
) -> pd.DataFrame:
    """Train n_runs networks, score each on the test set, save as each finishes; resume finished runs on rerun.

    Writes models_dir/runs/run_NNN.npz, models_dir/{scaler,feature_spec}.json, models_dir/training.json,
    tables_dir/runs.csv (one row per run) and tables_dir/test_predictions.csv (one row per run and test row).
    Every file is replaced whole (written beside it, then renamed), so an interruption leaves no half file.
    """
    models_dir, tables_dir = Path(models_dir), Path(tables_dir)
    runs_dir = models_dir / "runs"
    runs_csv, preds_csv = tables_dir / "runs.csv", tables_dir / "test_predictions.csv"
    fingerprint = _fingerprint(X_train, y_train, X_test, y_test, config, n_runs, base_seed, threshold)
    rows, preds = _finished_runs(models_dir, runs_csv, preds_csv, fingerprint)
    todo = [r for r in range(n_runs) if r not in set(rows.get("run", []))]
    if todo:
        _remove_selected(models_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    tables_dir.mkdir(parents=True, exist_ok=True)
    scaler = Scaler.fit(X_train, y_train.to_numpy())
    scaler.to_json(models_dir / "scaler.json")
    spec.to_json(models_dir / "feature_spec.json")
    _write_text(
        models_dir / "training.json",
        json.dumps(
            {
                "fingerprint": fingerprint,
                "config": asdict(config),
                "n_runs": n_runs,
                "base_seed": base_seed,
                "threshold": threshold,
            },
            indent=1,
        ),
    )
    print(f"{len(rows)} of {n_runs} runs already finished with these parameters; training {len(todo)}.")
    X_eval = scaler.x(X_test)

    def record(res: RunResult) -> None:
        nonlocal rows, preds
        _save_npz(runs_dir / f"run_{res.run:03d}.npz", res.weights)
        predicted = scaler.y_back(predict_scaled([res.weights], X_eval, config.activation)[0])
        row = {
            "run": res.run,
            "seed": res.seed,
            **scores(y_test.to_numpy(), predicted, threshold),
            "epochs_trained": res.epochs_trained,
            "best_epoch": res.best_epoch,
        }
        rows = pd.concat([rows, pd.DataFrame([row])], ignore_index=True)
        preds = pd.concat(
            [
                preds,
                pd.DataFrame(
                    {"run": res.run, "row_id": X_test.index, "measured": y_test.to_numpy(), "predicted": predicted}
                ),
            ],
            ignore_index=True,
        )
        _write_csv(preds, preds_csv)
        _write_csv(rows, runs_csv)  # last: a run counts as finished once it is in runs.csv

    if todo:
        fit_networks(
            X_train,
            y_train.to_numpy(),
            groups,
            config,
            todo,
            base_seed,
            n_total_runs=n_runs,
            on_finish=record,
            progress=progress,
            scaler=scaler,
        )
    return pd.read_csv(runs_csv).sort_values("run").reset_index(drop=True)


def _finished_runs(
    models_dir: Path, runs_csv: Path, preds_csv: Path, fingerprint: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of runs.csv and test_predictions.csv of runs finished with this fingerprint; remove everything else."""
    state_file, runs_dir = models_dir / "training.json", models_dir / "runs"
    same = state_file.is_file() and runs_csv.is_file() and _read_json(state_file).get("fingerprint") == fingerprint
    rows = pd.read_csv(runs_csv) if same else pd.DataFrame()
    preds = pd.read_csv(preds_csv) if same and preds_csv.is_file() else pd.DataFrame()
    finished = {int(r) for r in rows.get("run", []) if (runs_dir / f"run_{int(r):03d}.npz").is_file()}
    for path in runs_dir.glob("run_*.npz"):  # weights of runs that never made it into runs.csv
        if not same or int(path.stem.split("_")[1]) not in finished:
            path.unlink()
    if not same:
        for path in (runs_csv, preds_csv):
            path.unlink(missing_ok=True)
        return pd.DataFrame(), pd.DataFrame()
    rows = rows[rows["run"].isin(finished)].reset_index(drop=True)
    preds = preds[preds["run"].isin(finished)].reset_index(drop=True) if len(preds) else preds
    return rows, preds


def _remove_selected(models_dir: Path) -> None:
    """Remove what notebook 03 derives from a finished training (chosen networks, domain, calibration): stale now."""
    for name in SELECTED_FOLDERS:
        shutil.rmtree(models_dir / name, ignore_errors=True)
    for name in ("domain.json", "domain_train.npz", "calibration.npz"):
        (models_dir / name).unlink(missing_ok=True)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_text(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(text)
    part.replace(path)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    part = path.with_name(path.name + ".part")
    frame.to_csv(part, index=False)
    part.replace(path)


def _save_npz(path: Path, weights: list[np.ndarray]) -> None:
    part = path.with_name(path.stem + ".part.npz")
    np.savez(part, *weights)
    part.replace(path)


def _fingerprint(X_train, y_train, X_test, y_test, config, n_runs, base_seed, threshold) -> str:
    digest = hashlib.sha256()
    for frame in (X_train, y_train, X_test, y_test):
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(json.dumps([asdict(config), n_runs, base_seed, threshold, list(X_train.columns)]).encode())
    return digest.hexdigest()[:20]
