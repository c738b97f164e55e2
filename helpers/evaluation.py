"""Honest evaluation: model selection on a validation split, outer grouped K-fold, baselines, uncertainty.

The paper picks the best of its runs by their test score and reports that score. Here, in every outer fold, the
training alloys are split again: networks are fitted on one part and *selected* on the other (the selection rows),
and only then scored on the outer test alloys, which neither training nor selection ever saw. The paper's rule is
applied to the same networks for comparison, and the difference is the optimism of the paper's protocol.
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
from helpers.modeling.fitting import fit_networks
from helpers.modeling.network import TrainConfig
from helpers.modeling.runs import run_seed

SELECTED_MODELS = {"R2 best": "r2_best", "F1 best": "f1_best"}  # name -> folder and column key, the one mapping
MODEL_KEYS = {"ensemble": "ensemble", **SELECTED_MODELS}  # every model a prediction table shows
PROTOCOLS = {"paper": "paper: select on test, report on test", "honest": "honest: select on validation, report on test"}


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
    inner = split.split_rows(table.loc[train_ids], selection_fraction, seed, "grouped")
    fit_ids, sel_ids = inner.index[inner == "train"], inner.index[inner == "test"]
    y = table["bs_tesla"]
    runs = list(range(n_runs))
    trained = fit_networks(
        X.loc[fit_ids], y.loc[fit_ids].to_numpy(), table.loc[fit_ids, "composition"].to_numpy(), config, runs, base_seed
    )
    ensemble = Ensemble([r.weights for r in trained], trained[0].scaler, None, config, {"runs": runs})
    pred_sel, pred_test = ensemble.per_network(X.loc[sel_ids]), ensemble.per_network(X.loc[test_ids])
    y_sel, y_test = y.loc[sel_ids].to_numpy(), y.loc[test_ids].to_numpy()
    sel_scores = pd.DataFrame([metrics.scores(y_sel, p, threshold) for p in pred_sel])
    test_scores = pd.DataFrame([metrics.scores(y_test, p, threshold) for p in pred_test])
    chosen = {"honest": pick_best(sel_scores), "paper": pick_best(test_scores)}
    rows = [
        {"protocol": PROTOCOLS[protocol], "model": name, "run": run, **test_scores.iloc[run].to_dict()}
        for protocol, picks in chosen.items()
        for name, run in picks.items()
    ]

    ensemble_mean, ensemble_std = pred_test.mean(axis=0), pred_test.std(axis=0)
    base_rows = [
        {"model": f"ANN {name} (selected on validation)", **test_scores.iloc[run].to_dict()}
        for name, run in chosen["honest"].items()
    ]
    base_rows.append(
        {"model": f"ANN ensemble (mean of {n_runs} runs)", **metrics.scores(y_test, ensemble_mean, threshold)}
    )
    for name, estimator in baseline_models(seed).items():
        estimator.fit(X.loc[fit_ids].to_numpy(), y.loc[fit_ids].to_numpy())
        base_rows.append(
            {"model": name, **metrics.scores(y_test, estimator.predict(X.loc[test_ids].to_numpy()), threshold)}
        )
    spread = metrics.spread_coverage(y_test, ensemble_mean, ensemble_std)
    ensemble_table = uncertainty_rows(table, X, fit_ids, test_ids, ensemble, base_seed)
    return FoldResult(pd.DataFrame(rows), pd.DataFrame(base_rows), spread, ensemble_table, sel_ids, test_ids, chosen)


def uncertainty_rows(
    table: pd.DataFrame, X: pd.DataFrame, fit_ids: pd.Index, test_ids: pd.Index, ensemble: Ensemble, base_seed: int
) -> pd.DataFrame:
    """Per test row: measured, ensemble mean and std, conformal intervals (calibrated on the fitting rows only, out of
    bag), the plain split-conformal interval, the difficulty, and the flag of a domain fitted on the fitting rows."""
    seeds = [run_seed(base_seed, r) for r in ensemble.meta["runs"]]
    calibration = intervals.calibrate_ensemble(ensemble, table.loc[fit_ids], X.loc[fit_ids], seeds)
    per_test = ensemble.per_network(X.loc[test_ids])
    mean, std = per_test.mean(axis=0), per_test.std(axis=0)
    difficulty = calibration.difficulty(ensemble.scaler.x(X.loc[test_ids]), std)
    rows = pd.DataFrame(
        {
            "measured": table.loc[test_ids, "bs_tesla"].to_numpy(),
            "mean": mean,
            "std": std,
            "difficulty": difficulty,
            "annealed": table.loc[test_ids, "annealed"].to_numpy(),
        },
        index=test_ids,
    )
    for level in intervals.LEVELS:
        rows[[f"lower_{level}", f"upper_{level}"]] = calibration.interval(mean, difficulty, level)
        rows[[f"plain_lower_{level}", f"plain_upper_{level}"]] = calibration.plain_interval(mean, level)
    domain = Domain.fit(table.loc[fit_ids], calibration.calibration_difficulty())
    flags = domain.check(table.loc[test_ids], difficulty)
    return rows.assign(in_domain=flags["in_domain"], domain_notes=flags["domain_notes"])


def domain_errors(rows: pd.DataFrame, predicted: str = "mean") -> pd.DataFrame:
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
