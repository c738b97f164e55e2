"""The figure of notebook 07: how well the models transfer between sources (errors and interval coverage)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.deployment.scores import GOALS, MODELS, STATES
from helpers.deployment.transfer import CROSS_VALIDATION, ONE_SOURCE_OUT
from helpers.intervals import LEVELS

MODEL_SHADES = {"bs_ensemble": "#2ca02c", "bs_r2_best": "#1f77b4", "bs_random_forest": "#8c8c8c"}
SHORT = {CROSS_VALIDATION: "cross-validation", ONE_SOURCE_OUT: "one source out"}
COVERAGE_TOLERANCE = 0.03  # the band around the promised coverage that an interval should land in


def transfer(scores: pd.DataFrame) -> plt.Figure:
    """(a) MAE per model, evaluation and annealing state, goals dashed; (b) ensemble coverage against its promise."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.4, 1]})
    states = [s for s in STATES.values() if s in set(scores["category"])]
    groups = [(ev, s) for ev in scores["evaluation"].unique() for s in states]
    width = 0.8 / len(MODELS)
    for i, (key, label) in enumerate(MODELS.items()):
        part = scores[scores["model"] == label].set_index(["evaluation", "category"])
        values = [part["mae"].get(g, np.nan) for g in groups]
        a.bar(np.arange(len(groups)) + (i - 1) * width, values, width, label=label, color=MODEL_SHADES[key])
    goals = [(ONE_SOURCE_OUT, c, high) for _, c, measure, _, high in GOALS if measure == "mae"]
    for n, (x, high) in enumerate((groups.index(g[:2]), g[2]) for g in goals if g[:2] in groups):
        a.hlines(high, x - 0.45, x + 0.45, colors="k", linestyles="--", label=None if n else "goal (one source out)")
    a.set_xticks(np.arange(len(groups)), [f"{SHORT.get(ev, ev)}\n{s}" for ev, s in groups], fontsize=9)
    a.set(ylabel="MAE (T)", title="(a) error on alloys the models never saw")
    a.legend(fontsize=8)
    ensemble = scores[scores["model"] == MODELS["bs_ensemble"]]
    nominal = np.array(LEVELS)
    b.fill_between(nominal, nominal - COVERAGE_TOLERANCE, nominal + COVERAGE_TOLERANCE, color="0.9", label="±3 points")
    b.plot(nominal, nominal, color="0.4", ls="--", lw=1)
    for (ev, s), marker in zip(groups, "osDv^<>p", strict=False):
        row = ensemble.set_index(["evaluation", "category"]).loc[(ev, s)]
        observed = [row[f"coverage_{level * 100:.0f}"] for level in LEVELS]
        note = "" if row["calibrated_90"] == 1 else " (widened, not calibrated)"
        b.plot(nominal, observed, marker=marker, label=f"{SHORT.get(ev, ev)}, {s}{note} ({int(row['rows'])} rows)")
    b.set(
        xlabel="promised coverage",
        ylabel="share of test rows inside",
        title="(b) ensemble intervals: kept promise?",
        xticks=nominal,
        ylim=(min(0.4, b.get_ylim()[0]), 1.01),
    )
    b.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
