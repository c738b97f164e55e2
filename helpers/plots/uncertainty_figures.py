"""The figures of notebook 06: baselines, the ensemble's spread against its errors, interval coverage, difficulty."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.metrics import METRIC_LABELS, share_within
from helpers.plots.style import MODEL_COLORS


def spread_coverage(measured: np.ndarray, mean: np.ndarray, std: np.ndarray) -> plt.Figure:
    """Ensemble uncertainty: |error| against predicted standard deviation, and the coverage of k-sigma intervals."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    err = np.abs(np.asarray(measured) - np.asarray(mean))
    a.scatter(std, err, s=16, alpha=0.7, color=MODEL_COLORS["ensemble"])
    top = 1.05 * max(float(np.max(std)), float(np.max(err)) / 2, 1e-3)
    for k, ls in ((1, "--"), (2, ":")):
        a.plot([0, top], [0, k * top], color="0.4", ls=ls, label=f"|error| = {k} std")
    a.set(
        xlabel="ensemble standard deviation (T)",
        ylabel="|measured - ensemble mean| (T)",
        title="(a) error against predicted uncertainty",
    )
    a.legend()
    ks = np.linspace(0, 4, 81)
    from scipy.stats import norm

    b.plot(ks, share_within(measured, mean, std, ks), color=MODEL_COLORS["ensemble"], label="observed")
    b.plot(ks, 2 * norm.cdf(ks) - 1, color="0.4", ls="--", label="if errors were Gaussian with that std")
    b.set(
        xlabel="interval half-width (ensemble standard deviations)",
        ylabel="share of test rows inside",
        title="(b) coverage of mean ± k std",
        ylim=(0, 1.02),
    )
    b.legend(loc="lower right")
    fig.tight_layout()
    return fig


def baseline_bars(summary: pd.DataFrame, metrics_shown: tuple[str, ...] = ("r2", "rmse", "f1")) -> plt.Figure:
    """Bar chart of mean test scores over the outer folds with standard-deviation error bars, per model."""
    fig, axes = plt.subplots(1, len(metrics_shown), figsize=(5 * len(metrics_shown), 0.45 * len(summary) + 1.5))
    labels = METRIC_LABELS
    y = np.arange(len(summary))
    colors = ["#2ca02c" if m.startswith("ANN") else "0.6" for m in summary["model"]]
    for ax, metric in zip(np.atleast_1d(axes), metrics_shown, strict=False):
        ax.barh(y, summary[f"{metric}_mean"], xerr=summary[f"{metric}_std"], color=colors, capsize=3)
        ax.set_yticks(y, summary["model"] if ax is np.atleast_1d(axes)[0] else [""] * len(y))
        ax.invert_yaxis()
        ax.set(xlabel=f"{labels[metric]} (mean ± std over folds)", title=labels[metric])
        if metric == "r2":
            ax.set_xlim(left=min(0.0, float((summary["r2_mean"] - summary["r2_std"]).min()) - 0.05))
    fig.tight_layout()
    return fig


def interval_coverage(table: pd.DataFrame) -> plt.Figure:
    """Observed against nominal coverage per method (from intervals.coverage_table), and mean width per method."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    colors = {"conformal, normalized": MODEL_COLORS["ensemble"], "conformal, plain": "#9467bd"}
    for method, part in table.groupby("method", sort=False):
        color = colors.get(method, "0.45")
        a.plot(part["level"], part["coverage"], marker="o", color=color, label=method)
        b.plot(part["level"], part["mean_width_T"], marker="o", color=color, label=method)
    lo = min(0.5, float(table["coverage"].min()) - 0.05)
    a.plot([lo, 1], [lo, 1], color="0.3", ls="--", lw=1, label="calibrated (observed = nominal)")
    a.set(
        xlabel="nominal coverage",
        ylabel="observed coverage on outer test alloys",
        xlim=(lo, 1),
        ylim=(lo, 1),
        title="(a) do the intervals cover what they promise?",
    )
    a.legend(loc="upper left", fontsize=8)
    b.set(xlabel="nominal coverage", ylabel="mean interval width (T)", title="(b) width: narrower is better")
    fig.tight_layout()
    return fig


def error_against_difficulty(rows: pd.DataFrame) -> plt.Figure:
    """|error| of the ensemble against the difficulty (domain score), in-domain and out-of-domain rows apart."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    err = (rows["bs_ensemble"] - rows["measured"]).abs()
    for inside, color, label in (
        (True, MODEL_COLORS["ensemble"], "inside the domain"),
        (False, "#d62728", "outside the domain"),
    ):
        part = rows["in_domain"].astype(bool) == inside
        ax.scatter(
            rows.loc[part, "difficulty"],
            err[part],
            s=16,
            alpha=0.7,
            color=color,
            label=f"{label} (n = {part.sum()}, MAE {err[part].mean():.3f} T)",
        )
    bins = pd.qcut(rows["difficulty"], 8, duplicates="drop")
    binned = err.groupby(bins, observed=True).mean()
    ax.plot([b.mid for b in binned.index], binned.to_numpy(), color="black", marker="s", label="mean |error| per bin")
    ax.set(
        xlabel="difficulty: neighbours' out-of-bag |error| + ensemble std (T)",
        ylabel="|measured - ensemble mean| (T)",
        title="Error against the domain score, outer test alloys",
    )
    ax.legend(fontsize=8)
    return fig
