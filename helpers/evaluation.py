"""Honest evaluation: model selection on selection alloys, outer grouped K-fold, baselines, uncertainty.

The paper picks the best of its runs by their test score and reports that score. Here, in every outer fold, the
training alloys are split again: networks are fitted on one part and *selected* on the other (the selection rows),
and only then scored on the outer test alloys, which neither training nor selection ever saw. The paper's rule is
applied to the same networks for comparison, and the difference is the optimism of the paper's protocol.

``evaluate_folds`` trains the runs of every outer fold in one vectorized computation (each run's training rows are
its fold's fitting rows, a row mask) and then scores each fold on its own (``score_fold``); ``evaluate_fold`` does
the same for one fold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers import intervals, metrics, split
from helpers.domain import Domain
from helpers.modeling.ensemble import Ensemble
from helpers.modeling.network import TrainConfig, run_seed
from helpers.modeling.trainer import fit_networks
from helpers.scoring import SELECTED_MODELS, ensemble_interval

MODEL_KEYS = {"ensemble": "ensemble", **SELECTED_MODELS}  # every model a prediction table shows
PROTOCOLS = {
    "paper": "paper: select on test, report on test",
    "honest": "honest: select on selection alloys, report on test",
}


def pick_best(scores: pd.DataFrame) -> dict[str, int]:
    """Positions (0-based, in table order) of the R2-best and F1-best runs; F1 ties go to the higher R2, then first."""
    order = np.arange(len(scores))
    r2_best = int(np.lexsort((order, -scores["r2"].to_numpy()))[0])
    f1_best = int(np.lexsort((order, -scores["r2"].to_numpy(), -scores["f1"].to_numpy()))[0])
    return {"R2 best": r2_best, "F1 best": f1_best}


def best_runs(runs: pd.DataFrame) -> dict[str, int]:
    """Run ids of the 'R2 best' (highest test R2) and 'F1 best' (highest test F1, ties by R2) runs of runs.csv."""
    ordered = runs.sort_values("run").reset_index(drop=True)
    return {name: int(ordered.loc[pos, "run"]) for name, pos in pick_best(ordered).items()}


def baseline_models(seed: int = 0) -> dict[str, object]:
    """The simpler models every ANN result should be compared with (scikit-learn, default settings)."""
    return {
        "predict the mean": DummyRegressor(strategy="mean"),
        "ridge regression": make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
        "random forest": RandomForestRegressor(n_estimators=300, random_state=seed, n_jobs=-1),
        "gradient boosting": HistGradientBoostingRegressor(random_state=seed),
    }


@dataclass
class FoldResult:
    """Everything one outer fold measured."""

    protocols: pd.DataFrame  # protocol x model rows, test metrics
    baselines: pd.DataFrame  # model rows, test metrics
    spread_coverage: dict[str, float]  # share of test rows within 1 and 2 ensemble standard deviations
    ensemble_table: pd.DataFrame  # per test row: measured, ensemble mean, std, intervals, domain flag
    selection_ids: pd.Index
    test_ids: pd.Index
    chosen: dict[str, dict[str, int]]  # protocol -> model -> run


@dataclass
class FoldPlan:
    """The rows of one outer fold: its test rows, and its training rows cut into fitting and selection rows."""

    train_ids: pd.Index
    test_ids: pd.Index
    fit_ids: pd.Index
    selection_ids: pd.Index
    seed: int  # of the fitting/selection cut and of the baselines


def plan_fold(
    table: pd.DataFrame, train_ids: pd.Index, test_ids: pd.Index, selection_fraction: float = 0.2, seed: int = 0
) -> FoldPlan:
    """Cut a fold's training alloys into fitting and selection alloys (grouped, stratified by Bs)."""
    # split_rows calls its held-out side "test"; here the held-out alloys are the selection alloys
    held_out = split.split_rows(table.loc[train_ids], selection_fraction, seed, "grouped") == "test"
    return FoldPlan(
        train_ids, test_ids, held_out.index[~held_out], held_out.index[held_out], seed
    )  # held out: selection


def train_folds(
    table: pd.DataFrame,
    X: pd.DataFrame,
    plans: list[FoldPlan],
    config: TrainConfig,
    n_runs: int,
    base_seed: int,
    progress: bool = False,
) -> list[Ensemble]:
    """n_runs networks per fold on its fitting rows: every fold's runs in one vectorized training (a row mask).

    Run r of every fold has the seed of run r, and each fold's runs share the scaler of its fitting rows: the
    networks a fold would get if it were trained alone.
    """
    runs = list(range(n_runs))
    mask = np.repeat([table.index.isin(plan.fit_ids) for plan in plans], n_runs, axis=0)
    trained = fit_networks(
        X.loc[table.index],
        table["bs_tesla"].to_numpy(),
        table["composition"].to_numpy(),
        config,
        runs * len(plans),
        base_seed,
        progress=progress,
        row_mask=mask,
    )
    folds = [trained[k * n_runs : (k + 1) * n_runs] for k in range(len(plans))]
    return [Ensemble([r.weights for r in part], part[0].scaler, None, config, {"runs": runs}) for part in folds]


def evaluate_folds(
    table: pd.DataFrame,
    X: pd.DataFrame,
    folds: list[tuple[pd.Index, pd.Index]],
    config: TrainConfig,
    n_runs: int,
    base_seed: int,
    threshold: float,
    selection_fraction: float = 0.2,
    fold_seed: int = 0,
    progress: bool = False,
) -> list[FoldResult]:
    """Every outer fold (train index, test index) trained in one computation, then scored one by one.

    Fold k cuts its selection alloys with seed ``fold_seed + k``; see ``score_fold`` for what each fold measures.
    """
    plans = [plan_fold(table, tr, te, selection_fraction, fold_seed + k) for k, (tr, te) in enumerate(folds)]
    ensembles = train_folds(table, X, plans, config, n_runs, base_seed, progress)
    return [score_fold(table, X, p, e, threshold, base_seed) for p, e in zip(plans, ensembles, strict=True)]


def evaluate_fold(
    table: pd.DataFrame,
    X: pd.DataFrame,
    train_ids: pd.Index,
    test_ids: pd.Index,
    config: TrainConfig,
    n_runs: int,
    base_seed: int,
    threshold: float,
    selection_fraction: float = 0.2,
    seed: int = 0,
) -> FoldResult:
    """Train n_runs networks on part of train_ids, select on the rest, score everything on test_ids."""
    plan = plan_fold(table, train_ids, test_ids, selection_fraction, seed)
    (ensemble,) = train_folds(table, X, [plan], config, n_runs, base_seed)
    return score_fold(table, X, plan, ensemble, threshold, base_seed)


def score_fold(
    table: pd.DataFrame, X: pd.DataFrame, plan: FoldPlan, ensemble: Ensemble, threshold: float, base_seed: int
) -> FoldResult:
    """One fold's trained runs: select on the selection rows (honest) and on the test rows (the paper), score on
    the test rows; baselines on the same fitting rows; spread coverage; intervals and domain of the test rows."""
    y = table["bs_tesla"]
    y_sel, y_test = y.loc[plan.selection_ids].to_numpy(), y.loc[plan.test_ids].to_numpy()
    pred_test = ensemble.per_network(X.loc[plan.test_ids])
    sel_scores = metrics.scores_per_run(y_sel, ensemble.per_network(X.loc[plan.selection_ids]), threshold)
    test_scores = metrics.scores_per_run(y_test, pred_test, threshold)
    chosen = {"honest": pick_best(sel_scores), "paper": pick_best(test_scores)}
    rows = [
        {"protocol": PROTOCOLS[protocol], "model": name, "run": run, **test_scores.iloc[run].to_dict()}
        for protocol, picks in chosen.items()
        for name, run in picks.items()
    ]
    ensemble_mean, ensemble_std = pred_test.mean(axis=0), pred_test.std(axis=0)
    base_rows = [
        {"model": f"ANN {name} (selected on selection alloys)", **test_scores.iloc[run].to_dict()}
        for name, run in chosen["honest"].items()
    ]
    base_rows.append(
        {
            "model": f"ANN ensemble (mean of {len(ensemble.weights)} runs)",
            **metrics.scores(y_test, ensemble_mean, threshold),
        }
    )
    base_rows += baseline_rows(table, X, plan, threshold)
    spread = metrics.spread_coverage(y_test, ensemble_mean, ensemble_std)
    ensemble_table = uncertainty_rows(table, X, plan.fit_ids, plan.test_ids, ensemble, base_seed)
    return FoldResult(
        pd.DataFrame(rows), pd.DataFrame(base_rows), spread, ensemble_table, plan.selection_ids, plan.test_ids, chosen
    )


def baseline_rows(table: pd.DataFrame, X: pd.DataFrame, plan: FoldPlan, threshold: float) -> list[dict]:
    """Test scores of every baseline model fitted on the fold's fitting rows."""
    y_fit, y_test = table.loc[plan.fit_ids, "bs_tesla"].to_numpy(), table.loc[plan.test_ids, "bs_tesla"].to_numpy()
    rows = []
    for name, estimator in baseline_models(plan.seed).items():
        estimator.fit(X.loc[plan.fit_ids].to_numpy(), y_fit)
        rows.append(
            {"model": name, **metrics.scores(y_test, estimator.predict(X.loc[plan.test_ids].to_numpy()), threshold)}
        )
    return rows


def uncertainty_rows(
    table: pd.DataFrame, X: pd.DataFrame, fit_ids: pd.Index, test_ids: pd.Index, ensemble: Ensemble, base_seed: int
) -> pd.DataFrame:
    """Per test row: measured, bs_ensemble and ensemble_std, the conformal interval at every level (bs_lower_<level>,
    bs_upper_<level>: calibrated on the fitting rows only, out of bag; ``helpers.scoring.ensemble_interval``), the
    plain split-conformal interval, the difficulty, and the flag of a domain fitted on the fitting rows."""
    seeds = [run_seed(base_seed, r) for r in ensemble.meta["runs"]]
    calibration = intervals.calibrate_ensemble(ensemble, table.loc[fit_ids], X.loc[fit_ids], seeds)
    per_test, X_scaled = ensemble.per_network(X.loc[test_ids]), ensemble.scaler.x(X.loc[test_ids])
    numbers = {level: ensemble_interval(per_test, X_scaled, calibration, level) for level in intervals.LEVELS}
    first = numbers[intervals.LEVELS[0]]
    rows = pd.DataFrame(
        {
            "measured": table.loc[test_ids, "bs_tesla"].to_numpy(),
            "bs_ensemble": first["bs_ensemble"],
            "ensemble_std": first["ensemble_std"],
            "difficulty": first["difficulty"],
            "annealed": table.loc[test_ids, "annealed"].to_numpy(),
        },
        index=test_ids,
    )
    for level, found in numbers.items():
        rows[f"bs_lower_{level}"], rows[f"bs_upper_{level}"] = found["bs_lower"], found["bs_upper"]
        rows[[f"plain_lower_{level}", f"plain_upper_{level}"]] = calibration.plain_interval(found["bs_ensemble"], level)
    domain = Domain.fit(table.loc[fit_ids], calibration.calibration_difficulty())
    flags = domain.check(table.loc[test_ids], first["difficulty"])
    return rows.assign(in_domain=flags["in_domain"], domain_notes=flags["domain_notes"])


def domain_errors(rows: pd.DataFrame, predicted: str = "bs_ensemble") -> pd.DataFrame:
    """Mean absolute error inside and outside the domain, their numbers of rows and the out/in ratio."""
    err = (rows[predicted] - rows["measured"]).abs()
    inside, outside = err[rows["in_domain"].astype(bool)], err[~rows["in_domain"].astype(bool)]
    return pd.DataFrame(
        [
            {
                "rows inside": len(inside),
                "rows outside": len(outside),
                "MAE inside (T)": inside.mean(),
                "MAE outside (T)": outside.mean(),
                "out/in MAE ratio": outside.mean() / inside.mean(),
            }
        ]
    )


def summarize(per_fold: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean and standard deviation over folds of every metric, one row per group."""
    stats = per_fold.groupby(by, sort=False)[metrics.METRIC_COLUMNS].agg(["mean", "std"])
    stats.columns = [f"{metric}_{stat}" for metric, stat in stats.columns]
    return stats.reset_index()


def optimism(protocols: pd.DataFrame) -> pd.DataFrame:
    """Per model: paper-protocol score minus honest score, averaged over folds (R2, RMSE, F1 and the rest)."""
    wide = protocols.pivot_table(index=["fold", "model"], columns="protocol", values=metrics.METRIC_COLUMNS)
    rows = []
    for name in protocols["model"].unique():
        part = wide.xs(name, level="model")
        diff = {m: part[(m, PROTOCOLS["paper"])] - part[(m, PROTOCOLS["honest"])] for m in metrics.METRIC_COLUMNS}
        row = {"protocol": "optimism: paper minus honest", "model": name}
        for m, values in diff.items():
            row[f"{m}_mean"], row[f"{m}_std"] = float(values.mean()), float(values.std())
        rows.append(row)
    return pd.DataFrame(rows)
