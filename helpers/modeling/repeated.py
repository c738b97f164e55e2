"""Repeated training: train n runs, score each on the test set, save each as it finishes; resume on rerun.

A rerun with the same inputs and parameters (the same fingerprint) trains only the runs that are missing, and the
resumed runs are identical to those of an uninterrupted training. A rerun with anything changed starts afresh (the
pipeline has moved the old outputs aside: helpers.pipeline.superseded; runs of another fingerprint still here are
moved there too). Until notebook 03 finishes, its record says it is running, so nothing trusts a folder that mixes
two trainings. Every file is written through the registry's atomic writer, so an interruption leaves no half file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.metrics import scores
from helpers.modeling.ensemble import Ensemble, predict_tesla
from helpers.modeling.files import read_weights
from helpers.modeling.network import RunResult, Scaler, TrainConfig, run_seed
from helpers.modeling.trainer import fit_networks
from helpers.outputs import OutputDir


@dataclass
class RepeatedTraining:
    """What a repeated training gives: the table of runs (runs.csv), the scaler it fitted, every run's network."""

    runs: pd.DataFrame  # one row per run, sorted by run: seed, test scores, epochs
    scaler: Scaler  # fitted on the training rows, shared by every run
    ensemble: Ensemble  # every run's network, in the order of ``runs`` (meta: runs, seeds)

    @property
    def seeds(self) -> list[int]:
        """The seed of every run, in the order of ``runs``."""
        return list(self.ensemble.meta["seeds"])

    def weights_of(self, run: int) -> list[np.ndarray]:
        """The weights of one run."""
        return self.ensemble.weights[list(self.ensemble.meta["runs"]).index(int(run))]


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
    out: OutputDir,
    progress: bool = True,
) -> RepeatedTraining:
    """Train n_runs networks, score each on the test set, save as each finishes; resume finished runs on rerun.

    Writes the registry's run_weights, scaler, model_feature_spec, training, runs (one row per run) and
    test_predictions (one row per run and test row) of the output folder ``out``.
    """
    digest = fingerprint((X_train, y_train, X_test, y_test), config, n_runs, base_seed, threshold)
    rows, preds = finished_runs(out, digest)
    todo = [r for r in range(n_runs) if r not in set(rows.get("run", []))]
    out.create()
    scaler = Scaler.fit(X_train, y_train.to_numpy())
    scaler.to_json(out.path("scaler"))
    spec.to_json(out.path("model_feature_spec"))
    state = {"fingerprint": digest, "config": asdict(config), "n_runs": n_runs, "base_seed": base_seed}
    out.write_json("training", {**state, "threshold": threshold})
    print(f"{len(rows)} of {n_runs} runs already finished with these parameters; training {len(todo)}.")
    scorer = _RunScorer(rows, preds, X_test, y_test, config, threshold, out)
    if todo:
        fit_networks(
            X_train, y_train.to_numpy(), groups, config, todo, base_seed, scorer.record, progress, scaler=scaler
        )
    runs = out.read_table("runs").sort_values("run").reset_index(drop=True)
    ids = [int(r) for r in runs["run"]]
    weights = [read_weights(out.run_weights(r)) for r in ids]
    meta = {"runs": ids, "seeds": [run_seed(base_seed, r) for r in ids]}
    return RepeatedTraining(runs, scaler, Ensemble(weights, scaler, spec, config, meta))


class _RunScorer:
    """Saves a finished run, scores it on the test rows and appends it to runs.csv and test_predictions.csv."""

    def __init__(self, rows, preds, X_test, y_test, config, threshold, out: OutputDir) -> None:
        self.rows, self.preds = rows, preds
        self.X_test, self.y_test = X_test, y_test.to_numpy()
        self.config, self.threshold = config, threshold
        self.out = out

    def record(self, res: RunResult) -> None:
        """Save, score and list one finished run (runs.csv last: a run counts as finished once it is listed)."""
        self.out.save_weights(res.run, res.weights)
        predicted = predict_tesla([res.weights], res.scaler, self.X_test, self.config.activation)[0]
        row = {
            "run": res.run,
            "seed": res.seed,
            **scores(self.y_test, predicted, self.threshold),
            "epochs_trained": res.epochs_trained,
            "best_epoch": res.best_epoch,
        }
        per_row = {"run": res.run, "row_id": self.X_test.index, "measured": self.y_test, "predicted": predicted}
        self.rows = pd.concat([self.rows, pd.DataFrame([row])], ignore_index=True)
        self.preds = pd.concat([self.preds, pd.DataFrame(per_row)], ignore_index=True)
        self.out.write_table("test_predictions", self.preds)
        self.out.write_table("runs", self.rows)


def fingerprint(frames: tuple, config: TrainConfig, n_runs: int, base_seed: int, threshold: float) -> str:
    """A short digest of the training inputs (data frames with their index, columns) and every parameter."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(json.dumps([asdict(config), n_runs, base_seed, threshold, list(frames[0].columns)]).encode())
    return digest.hexdigest()[:20]


def finished_runs(out: OutputDir, digest: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of runs.csv and test_predictions.csv of runs finished with this fingerprint (a run counts once listed and
    its weights saved); runs of another fingerprint are moved to the folder's superseded/, never deleted."""
    recorded = _read_json(out.path("training")).get("fingerprint")
    same = out.exists("runs") and recorded == digest
    if not same:
        old = [p for p in [out.path("runs"), out.path("test_predictions"), *out.path("run_weights").glob("*")]]
        old = [p.relative_to(out.root).as_posix() for p in old if p.is_file()]
        if old:
            from helpers.pipeline.superseded import move_aside

            print(f"{len(old)} files of a training with other inputs moved to {move_aside(out.root, old)}")
        return pd.DataFrame(), pd.DataFrame()
    rows = out.read_table("runs")
    preds = out.read_table("test_predictions") if out.exists("test_predictions") else pd.DataFrame()
    finished = {int(r) for r in rows.get("run", []) if out.run_weights(int(r)).is_file()}
    rows = rows[rows["run"].isin(finished)].reset_index(drop=True)
    preds = preds[preds["run"].isin(finished)].reset_index(drop=True) if len(preds) else preds
    return rows, preds


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
