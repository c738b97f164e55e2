"""The deployed models: 03's network trained n times on every trainable row of the pool, calibrated and bounded.

The same network, configuration and seeds as notebook 03, trained by the same vectorized trainer (``fit_networks``)
on every row of the pool but the case-study alloys', with one scaler of those rows. Nothing is held out as a test
set: how well such models do on alloys they never saw is what the transfer evaluation measures beforehand. Each run
still holds out its own early-stopping alloys, and those out-of-bag rows give (1) each run's scores, by which the
R2-best and F1-best networks are chosen, (2) the conformal calibration of the intervals (by annealing state when the
features know it) and (3) the difficulty limit of the domain. Everything goes to models/deployed/ in the layout of
03's models/ (``helpers.modeling.files.ModelFiles``), so ``load_saved_models(out, "deployed")`` checks and loads it.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pandas as pd

from helpers import evaluation, intervals, metrics
from helpers.deployment.pool import Pool
from helpers.domain import Domain
from helpers.modeling.ensemble import Ensemble
from helpers.modeling.files import ModelFiles, save_network
from helpers.modeling.network import TrainConfig
from helpers.modeling.trainer import fit_networks
from helpers.outputs import write_atomic
from helpers.outputs.writer import write_csv

SELECTED_BY = "each run's R2 / F1 on its own early-stopping alloys (out of bag)"


def train_deployed(
    pool: Pool,
    spec,
    config: TrainConfig,
    n_runs: int,
    base_seed: int,
    threshold: float,
    files: ModelFiles,
    progress: bool = True,
) -> pd.DataFrame:
    """Train, calibrate, bound and save the deployed models; return the table of runs (out-of-bag scores)."""
    table, X = pool.table.loc[pool.trainable], pool.X.loc[pool.trainable]
    y, groups = table["bs_tesla"].to_numpy(), table["composition"].to_numpy()
    results = fit_networks(X, y, groups, config, list(range(n_runs)), base_seed, progress=progress)
    scaler, seeds = results[0].scaler, [res.seed for res in results]
    ensemble = Ensemble([res.weights for res in results], scaler, spec, config, {"runs": list(range(n_runs))})
    held_out = intervals.held_out_masks(groups, config.stopping_fraction, seeds)
    per_run = ensemble.per_network(X)
    runs = pd.DataFrame(
        [
            {
                "run": res.run,
                "seed": res.seed,
                **metrics.scores(y[out], per_run[i][out], threshold),
                "epochs_trained": res.epochs_trained,
                "best_epoch": res.best_epoch,
            }
            for i, (res, out) in enumerate(zip(results, held_out, strict=True))
        ]
    )
    states = table["annealed"].to_numpy(bool) if "annealed" in spec.columns else None
    calibration = intervals.Calibration.from_runs(per_run, held_out, y, scaler.x(X), states)
    domain = Domain.fit(table, calibration.calibration_difficulty())
    training = {
        "config": asdict(config),
        "n_runs": n_runs,
        "base_seed": base_seed,
        "threshold": threshold,
        "trained_by": "07",
        "rows": len(table),
        "alloys": int(table["composition"].nunique()),
        "as_quenched_rows": int((~table["annealed"].astype(bool)).sum()),
        "rows_per_source": {str(k): int(v) for k, v in table["source"].value_counts(sort=False).items()},
        "calibrated_by_state": states is not None,
        "selected_by": SELECTED_BY,
    }
    _save(files, ensemble, runs, training, calibration, domain, spec, threshold)
    return runs


def _save(files: ModelFiles, ensemble, runs, training, calibration, domain, spec, threshold) -> None:
    """Write every file of the deployed models (runs.csv last among the runs: a run counts once it is listed)."""
    for run, weights in zip(ensemble.meta["runs"], ensemble.weights, strict=True):
        write_atomic(files.run_weights(run), lambda part, w=weights: np.savez(part, *w))
    ensemble.scaler.to_json(files.path("scaler"))
    spec.to_json(files.path("model_feature_spec"))
    calibration.save(files.path("calibration"))
    domain.save(files.path("domain"))
    for name, run in evaluation.best_runs(runs).items():
        row = runs.set_index("run").loc[run]
        meta = {"run": run, "seed": int(row["seed"]), "base_seed": training["base_seed"], "selected_by": name}
        meta |= {"threshold": threshold, "out_of_bag_scores": row[metrics.METRIC_COLUMNS].to_dict()}
        folder = files.path(evaluation.SELECTED_MODELS[name])
        save_network(folder, ensemble.weights[run], ensemble.scaler, spec, ensemble.config, meta)
    write_csv(files.path("runs"), runs, False)
    write_atomic(files.path("training"), lambda part: part.write_text(json.dumps(training, indent=1)))
