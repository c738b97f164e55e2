"""How well the network transfers between sources: grouped cross-validation over the pool and leave-one-source-out.

Two evaluations, each a list of folds (training rows, test rows):

* **grouped cross-validation** over the pool: K folds of whole alloys (stratified by Bs) over every row of every
  source; each fold trains on the other folds' rows.
* **leave one source out**: for each source, train on its rows and test on the rows of the other source(s) whose
  alloy the training source lacks: how a model learnt from one laboratory's compilation does on another's alloys.

Case-study alloys (``Pool.trainable``) are removed from every training side; they stay test rows. In every fold, as
in notebook 06, the training alloys are cut into fitting and selection alloys: the runs are fitted on the fitting
alloys (every fold's runs in one vectorized training, a row mask), the R2-best network is chosen on the selection
alloys, the random forest is fitted on the fitting alloys, and the intervals (by annealing state, out of bag) and the
domain come from the fitting alloys. Each test row then gets the three predictions, the intervals at 80/90/95 % and
the domain flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import evaluation, intervals, metrics, split
from helpers.deployment.pool import Pool
from helpers.domain import Domain
from helpers.modeling.ensemble import Ensemble
from helpers.modeling.network import TrainConfig, run_seed
from helpers.scoring import ensemble_interval

CROSS_VALIDATION = "grouped cross-validation"
ONE_SOURCE_OUT = "leave one source out"
MIN_TRAINING_ALLOYS = 10  # a source with fewer trainable alloys cannot be cut into fitting, stopping and selection


@dataclass
class Fold:
    """One fold of a transfer evaluation: its name and its training and test rows (pool ids, in table order)."""

    evaluation: str
    name: str
    train_ids: pd.Index
    test_ids: pd.Index


def _ordered(table: pd.DataFrame, ids) -> pd.Index:
    return table.index[table.index.isin(ids)]


def transfer_folds(pool: Pool, n_folds: int, seed: int) -> list[Fold]:
    """The folds of both evaluations (leave-one-source-out only where the pool holds two or more sources)."""
    table, trainable = pool.table, pool.trainable
    folds = [
        Fold(CROSS_VALIDATION, f"fold {k + 1}", _ordered(table, trainable.intersection(tr)), _ordered(table, te))
        for k, (tr, te) in enumerate(split.grouped_folds(table, n_folds, seed))
    ]
    for source in pool.sources if len(pool.sources) > 1 else []:
        own = table["source"] == source
        train = table.index[own.to_numpy() & table.index.isin(trainable)]
        lacking = ~own & ~table["composition"].isin(set(table.loc[train, "composition"]))
        if table.loc[train, "composition"].nunique() >= MIN_TRAINING_ALLOYS and lacking.any():
            folds.append(Fold(ONE_SOURCE_OUT, f"trained on {source}", train, table.index[lacking.to_numpy()]))
    return folds


def evaluate(
    pool: Pool,
    folds: list[Fold],
    config: TrainConfig,
    n_runs: int,
    base_seed: int,
    threshold: float,
    selection_fraction: float = 0.2,
    fold_seed: int = 0,
    by_state: bool = True,
) -> pd.DataFrame:
    """Every fold's runs in one vectorized training, then one row per test row of every fold (``fold_rows``)."""
    table = pool.table
    plans = [
        evaluation.plan_fold(table, f.train_ids, f.test_ids, selection_fraction, fold_seed + k)
        for k, f in enumerate(folds)
    ]
    for plan in plans:  # the carves of training and calibration are drawn from the rows in table order
        plan.fit_ids, plan.selection_ids = _ordered(table, plan.fit_ids), _ordered(table, plan.selection_ids)
    ensembles = evaluation.train_folds(table, pool.X, plans, config, n_runs, base_seed, progress=True)
    parts = [
        fold_rows(pool, plan, ensemble, base_seed, threshold, by_state).assign(evaluation=f.evaluation, fold=f.name)
        for f, plan, ensemble in zip(folds, plans, ensembles, strict=True)
    ]
    return pd.concat(parts)


def selected_run(ensemble: Ensemble, pool: Pool, selection_ids: pd.Index, threshold: float) -> int:
    """Position of the R2-best run on the selection alloys (the honest protocol of notebook 06)."""
    measured = pool.table.loc[selection_ids, "bs_tesla"].to_numpy()
    per_run = ensemble.per_network(pool.X.loc[selection_ids])
    return evaluation.pick_best(metrics.scores_per_run(measured, per_run, threshold))["R2 best"]


def fold_rows(
    pool: Pool, plan: evaluation.FoldPlan, ensemble: Ensemble, base_seed: int, threshold: float, by_state: bool
) -> pd.DataFrame:
    """Per test row: measured Bs, the three predictions, the ensemble spread, intervals, calibrated flags, domain."""
    table, X, fit, test = pool.table, pool.X, plan.fit_ids, plan.test_ids
    per_test, X_scaled = ensemble.per_network(X.loc[test]), ensemble.scaler.x(X.loc[test])
    forest = evaluation.baseline_models(plan.seed)["random forest"]
    forest.fit(X.loc[fit].to_numpy(), table.loc[fit, "bs_tesla"].to_numpy())
    seeds = [run_seed(base_seed, r) for r in ensemble.meta["runs"]]
    calibration = intervals.calibrate_ensemble(ensemble, table.loc[fit], X.loc[fit], seeds, by_state=by_state)
    annealed = table.loc[test, "annealed"].to_numpy(bool)
    levels = {
        level: ensemble_interval(per_test, X_scaled, calibration, level, annealed if by_state else None)
        for level in intervals.LEVELS
    }
    numbers = levels[intervals.DEFAULT_LEVEL]
    rows = table.loc[test, ["composition", "source", "annealed", "case_study"]].assign(
        measured=table.loc[test, "bs_tesla"],
        bs_ensemble=numbers["bs_ensemble"],
        bs_r2_best=per_test[selected_run(ensemble, pool, plan.selection_ids, threshold)],
        bs_random_forest=forest.predict(X.loc[test].to_numpy()),
        ensemble_std=numbers["ensemble_std"],
        difficulty=numbers["difficulty"],
    )
    for level, numbers in levels.items():  # the one scoring path's interval (helpers/scoring.py)
        rows[f"lower_{level}"], rows[f"upper_{level}"] = numbers["bs_lower"], numbers["bs_upper"]
        enough = calibration.calibrated_states(level)
        rows[f"calibrated_{level}"] = np.where(annealed, enough[True], enough[False])
    flags = Domain.fit(table.loc[fit], calibration.calibration_difficulty()).check(
        table.loc[test], rows["difficulty"].to_numpy()
    )
    return rows.assign(in_domain=flags["in_domain"], domain_notes=flags["domain_notes"])


def fold_table(pool: Pool, folds: list[Fold]) -> pd.DataFrame:
    """Per fold: its training and test rows and alloys, and the as-quenched rows on each side."""
    table = pool.table

    def side(ids: pd.Index) -> tuple[int, int, int]:
        part = table.loc[ids]
        return len(part), part["composition"].nunique(), int((~part["annealed"].astype(bool)).sum())

    rows = []
    for f in folds:
        (n_train, a_train, q_train), (n_test, a_test, q_test) = side(f.train_ids), side(f.test_ids)
        rows.append(
            {
                "evaluation": f.evaluation,
                "fold": f.name,
                "training rows": n_train,
                "training alloys": a_train,
                "as-quenched training rows": q_train,
                "test rows": n_test,
                "test alloys": a_test,
                "as-quenched test rows": q_test,
            }
        )
    return pd.DataFrame(rows).set_index(["evaluation", "fold"])
