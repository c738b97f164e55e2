"""Small tables the notebooks show: what a result is made of, and how two results compare.

Each function returns a DataFrame (no printed prose, no if/else sentences); the notebook's markdown says how to read it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import features
from helpers.metrics import METRIC_LABELS


def featurizer_table(stack=None) -> pd.DataFrame:
    """One row per featurizer of the stack (default: ``features.composition_featurizer()``): how many features it
    gives and what they describe, and a last row with the total."""
    stack = stack if stack is not None else features.composition_featurizer()
    described = {
        label.split()[0]: (label, text.split(": ", 1)[-1])  # "132: min, max, ..." -> "min, max, ..."
        for label, text in features.FEATURE_FAMILIES.items()
    }
    rows = []
    for featurizer in stack.featurizers:
        name = type(featurizer).__name__
        label, text = described.get(name, (name, ""))
        rows.append({"featurizer": label, "features": len(featurizer.feature_labels()), "what they describe": text})
    rows.append({"featurizer": "total", "features": sum(r["features"] for r in rows), "what they describe": ""})
    return pd.DataFrame(rows).set_index("featurizer")


def split_counts(table: pd.DataFrame, side: pd.Series, threshold: float) -> pd.DataFrame:
    """Rows, alloys, rows at or above the threshold and mean Bs of the full, training and test sets."""
    parts = {"full": table, "training": table[side == "train"], "test": table[side == "test"]}
    return pd.DataFrame(
        {
            "rows": [len(d) for d in parts.values()],
            "alloys": [d["composition"].nunique() for d in parts.values()],
            f"Bs >= {threshold:g} T": [int((d["bs_tesla"] >= threshold).sum()) for d in parts.values()],
            "mean Bs (T)": [round(float(d["bs_tesla"].mean()), 3) for d in parts.values()],
        },
        index=list(parts),
    )


def case_study_subsets(result: pd.DataFrame, training: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """Boolean masks over the case-study rows: all rows, then both sides of three comparisons (applicability domain,
    the training Fe range, Fe contents that occur in training)."""
    lo, hi = training["fe_at_pct"].min(), training["fe_at_pct"].max()
    in_domain = result["in_domain"].astype(bool)
    in_range = result["fe_at_pct"].between(lo, hi)
    seen = result["fe_at_pct"].round(3).isin(set(training["fe_at_pct"].round(3)))
    fe_range = f"Fe range of training ({lo:g} to {hi:g} at.%)"
    return {
        ("all rows", ""): pd.Series(True, index=result.index),
        ("applicability domain", "inside"): in_domain,
        ("applicability domain", "outside"): ~in_domain,
        (fe_range, "inside"): in_range,
        (fe_range, "outside"): ~in_range,
        ("Fe content occurs in training", "yes"): seen,
        ("Fe content occurs in training", "no"): ~seen,
    }


def case_study_errors(result: pd.DataFrame, training: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Errors of each model on the case-study rows, overall and on both sides of each comparison.

    ``result`` holds per row ``measured``, ``bs_<key>`` for every model key of ``evaluation.MODEL_KEYS``,
    ``fe_at_pct`` and ``in_domain``. Columns: rows in the subset, then per model the MAE (T) and the mean signed error
    (T, positive = over-prediction); NaN where the subset is empty. Percentage errors per row are in Fig. 6(c)."""
    from helpers.evaluation import MODEL_KEYS

    rows = {}
    for key, mask in case_study_subsets(result, training).items():
        part = result[mask.to_numpy()]
        row = {"rows": len(part)}
        for name in models:
            err = part[f"bs_{MODEL_KEYS[name]}"] - part["measured"]
            row[f"{name}: MAE (T)"] = err.abs().mean() if len(part) else np.nan
            row[f"{name}: mean signed error (T)"] = err.mean() if len(part) else np.nan
        rows[key] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["subset", "side"])
    return table


def ann_against_baselines(baselines: pd.DataFrame, metrics: tuple[str, ...] = ("r2", "rmse", "f1")) -> pd.DataFrame:
    """The best ANN variant against the best other model (both by mean R2 over folds), metric by metric.

    ``baselines`` is the output of ``evaluation.summarize`` (columns ``model``, ``<metric>_mean``, ``<metric>_std``).
    Columns: the two models' means (each column named after its model: the best ANN first), their difference (ANN
    minus other), the fold-to-fold spread (the larger of the two standard deviations) and whether the difference is
    larger than that spread.
    """
    ranked = baselines.sort_values("r2_mean", ascending=False)
    is_ann = ranked["model"].str.startswith("ANN")
    ann, other = ranked[is_ann].iloc[0], ranked[~is_ann].iloc[0]
    labels = METRIC_LABELS
    rows = []
    for m in metrics:
        gap = ann[f"{m}_mean"] - other[f"{m}_mean"]
        spread = max(ann[f"{m}_std"], other[f"{m}_std"])
        rows.append(
            {
                "metric": labels.get(m, m),
                ann["model"]: ann[f"{m}_mean"],
                other["model"]: other[f"{m}_mean"],
                "ANN minus other": gap,
                "fold-to-fold spread": spread,
                "gap larger than spread": bool(abs(gap) > spread),
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def case_study_table(cases: pd.DataFrame, predicted: pd.DataFrame) -> pd.DataFrame:
    """One row per case-study measurement: measured Bs, each model's prediction and % error, interval, domain."""
    from helpers.evaluation import MODEL_KEYS
    from helpers.metrics import percentage_error

    result = cases[["composition", "fe_at_pct", "anneal_temp_K", "anneal_time_s"]].assign(measured=cases["bs_tesla"])
    for key in MODEL_KEYS.values():
        result[f"bs_{key}"] = predicted[f"bs_{key}"]
        result[f"pct_error_{key}"] = percentage_error(result["measured"], result[f"bs_{key}"])
    keep = [
        "ensemble_std",
        "bs_lower",
        "bs_upper",
        "interval_level",
        "in_domain",
        "domain_notes",
        "difficulty",
        "status",
    ]
    result[keep] = predicted[keep]
    return result.sort_values(["fe_at_pct", "composition", "anneal_temp_K"])


def interval_check(result: pd.DataFrame) -> pd.DataFrame:
    """Share of measured values inside their prediction intervals, the promised level and the mean width (T)."""
    from helpers.intervals import coverage

    observed = coverage(result["measured"], result["bs_lower"], result["bs_upper"])
    return pd.DataFrame(
        [
            {
                "rows": len(result),
                "promised": float(result["interval_level"].iloc[0]),
                "observed": observed["coverage"],
                "mean width (T)": observed["mean_width_T"],
            }
        ]
    )


def outside_domain(result: pd.DataFrame) -> pd.DataFrame:
    """The alloys outside the applicability domain with their reasons (one row per alloy and reason text)."""
    out = result[~result["in_domain"].astype(bool)]
    return (
        out.groupby(["composition", "domain_notes"])
        .agg(fe_at_pct=("fe_at_pct", "first"), rows=("measured", "size"))
        .reset_index()
        .sort_values("fe_at_pct")
        .reset_index(drop=True)
    )


def interval_coverage(pooled: pd.DataFrame) -> pd.DataFrame:
    """Coverage and width of every interval method at every level: over all rows, by annealing state, by domain."""
    from helpers.intervals import coverage_table

    state = pooled["annealed"].map({True: "annealed", False: "as-quenched"})
    domain = pooled["in_domain"].map({True: "inside the domain", False: "outside the domain"})
    return pd.concat(
        [
            coverage_table(pooled),
            coverage_table(pooled.assign(category=state), by="category"),
            coverage_table(pooled.assign(category=domain), by="category"),
        ],
        ignore_index=True,
    )


def domain_error_table(pooled: pd.DataFrame, case_rows: pd.DataFrame | None) -> pd.DataFrame:
    """Mean absolute error inside and outside the domain on the outer folds and, if given, on the case study."""
    from helpers.evaluation import domain_errors

    parts = [domain_errors(pooled).assign(set="outer test folds (06)")]
    if case_rows is not None:
        parts.append(domain_errors(case_rows).assign(set="case-study alloys (05)"))
    table = pd.concat(parts, ignore_index=True)
    return table[["set", *[c for c in table.columns if c != "set"]]]


def models_on_new_alloys(baselines: pd.DataFrame, case_rows: pd.DataFrame | None) -> pd.DataFrame:
    """R2 of the ensemble and of the two single networks: over the outer folds (chosen on selection alloys) and on the
    case-study alloys of another source."""
    from sklearn.metrics import mean_absolute_error, r2_score

    from helpers.evaluation import MODEL_KEYS

    folds = baselines.set_index("model")
    rows = []
    for name, key in MODEL_KEYS.items():
        label = next((m for m in folds.index if m.startswith(f"ANN {name}")), None)
        row = {"model": name, "outer folds: R2 (mean)": folds.loc[label, "r2_mean"] if label else np.nan}
        if case_rows is not None:
            ok = case_rows[f"bs_{key}"].notna()
            row["case study: R2"] = r2_score(case_rows.loc[ok, "measured"], case_rows.loc[ok, f"bs_{key}"])
            row["case study: MAE (T)"] = mean_absolute_error(
                case_rows.loc[ok, "measured"], case_rows.loc[ok, f"bs_{key}"]
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")
