"""Repeated training: train n runs, score each on the test set, save each as it finishes; resume on rerun.

The bookkeeping of a resumable training (finished runs, fingerprint, removal of stale files, whole-file writes) is
in ``resume.py``; this module trains and scores. A rerun with the same inputs and parameters trains only the runs
that are missing, and the resumed runs are identical to those of an uninterrupted training.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from helpers.metrics import scores
from helpers.modeling import resume
from helpers.modeling.ensemble import Ensemble, predict_tesla
from helpers.modeling.fitting import fit_networks
from helpers.modeling.network import TrainConfig
from helpers.modeling.network_files import read_weights
from helpers.modeling.runs import RunResult, run_seed
from helpers.modeling.scaler import Scaler
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
    digest = resume.fingerprint((X_train, y_train, X_test, y_test), config, n_runs, base_seed, threshold)
    rows, preds = resume.finished_runs(out, digest)
    todo = [r for r in range(n_runs) if r not in set(rows.get("run", []))]
    if todo:
        resume.remove_derived(out)
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
