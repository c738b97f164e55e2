"""The tables of the transfer evaluation: errors and interval coverage per annealing state and source, the domain's
out/in error ratio, and the deployed models' goals against what leave-one-source-out measured."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error

from helpers import evaluation, intervals, metrics
from helpers.deployment.transfer import ONE_SOURCE_OUT

MODELS = {
    "bs_ensemble": "ANN ensemble",
    "bs_r2_best": "ANN R2 best (selected on selection alloys)",
    "bs_random_forest": "random forest",
}
STATES = {True: "annealed", False: "as-quenched"}
# (goal, category, measure, lowest, highest): the deployed ensemble on alloys of another source (leave one source out)
GOALS = (
    ("ensemble MAE on annealed rows (T)", "annealed", "mae", None, 0.10),
    ("ensemble MAE on as-quenched rows (T)", "as-quenched", "mae", None, 0.14),
    ("90 % interval coverage, annealed rows", "annealed", "coverage_90", 0.87, 0.93),
    ("90 % interval coverage, as-quenched rows", "as-quenched", "coverage_90", 0.87, 0.93),
)


def categories(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """All rows, each annealing state, each source the test rows come from, and the case-study alloys."""
    parts = [("all rows", rows)]
    parts += [(name, rows[rows["annealed"].astype(bool) == state]) for state, name in STATES.items()]
    parts += [(f"from {source}", part) for source, part in rows.groupby("source", sort=False)]
    parts.append(("case-study alloys", rows[rows["case_study"].astype(bool)]))
    return [(name, part) for name, part in parts if len(part)]


def _coverage(part: pd.DataFrame) -> dict[str, float]:
    row = {}
    for level in intervals.LEVELS:
        got = intervals.coverage(part["measured"], part[f"lower_{level}"], part[f"upper_{level}"])
        row[f"coverage_{level * 100:.0f}"] = got["coverage"]
    row["width_90_T"] = float((part["upper_0.9"] - part["lower_0.9"]).mean())
    row["calibrated_90"] = float(part["calibrated_0.9"].astype(bool).mean())
    return row


def score_table(rows: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per evaluation, category and model: rows, alloys, MAE, RMSE, R2; the ensemble's coverage at 80/90/95 %, its
    mean 90 % width and the share of rows whose 90 % interval is calibrated (R2 needs two rows or more)."""
    out = []
    for name, evaluated in rows.groupby("evaluation", sort=False):
        for category, part in categories(evaluated):
            for key, label in MODELS.items():
                got = metrics.scores(part["measured"], part[key], threshold) if len(part) > 1 else {}
                mae = float(mean_absolute_error(part["measured"], part[key]))
                row = {"evaluation": name, "category": category, "model": label, "rows": len(part)}
                row |= {"alloys": part["composition"].nunique(), "mae": mae}
                row |= {"rmse": got.get("rmse", np.nan), "r2": got.get("r2", np.nan)}
                out.append(row | (_coverage(part) if key == "bs_ensemble" else {}))
    return pd.DataFrame(out)


def domain_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The ensemble's MAE inside and outside the domain and their ratio, per evaluation."""
    parts = {name: evaluation.domain_errors(part).iloc[0] for name, part in rows.groupby("evaluation", sort=False)}
    return pd.DataFrame(parts).T.rename_axis("evaluation").reset_index()


def goals(scores: pd.DataFrame) -> pd.DataFrame:
    """Each goal, its target, what leave-one-source-out measured (the ensemble, rows of both directions) and whether
    it is met; a goal without test rows is 'not measured'."""
    measured = scores[(scores["evaluation"] == ONE_SOURCE_OUT) & (scores["model"] == MODELS["bs_ensemble"])]
    measured = measured.set_index("category")
    out = []
    for goal, category, measure, low, high in GOALS:
        target = f"at most {high:g}" if low is None else f"{low:g} to {high:g}"
        value = float(measured.loc[category, measure]) if category in measured.index else np.nan
        rows = int(measured.loc[category, "rows"]) if category in measured.index else 0
        met = "not measured" if np.isnan(value) else bool((low is None or value >= low) and value <= high)
        out.append({"goal": goal, "target": target, "measured": value, "rows": rows, "met": met, "note": ""})
        if measure.startswith("coverage") and rows and measured.loc[category, "calibrated_90"] < 1:
            share = 1 - float(measured.loc[category, "calibrated_90"])
            out[-1]["note"] = f"{share:.0%} of these rows: too few calibration rows, interval widened, not calibrated"
    return pd.DataFrame(out)
