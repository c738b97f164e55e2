"""The figures of notebooks 01 to 05: the paper's figures 2 to 6, the Bs distribution and the threshold sweep."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.metrics import METRIC_LABELS
from helpers.plots.style import BS_LABEL, MODEL_COLORS


def bs_distribution(table: pd.DataFrame, threshold: float = 1.4) -> plt.Figure:
    """Histogram of Bs and Bs against Fe content, with the threshold marked."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    sns.histplot(table["bs_tesla"], bins=np.arange(0, 2.05, 0.05), ax=a, color="0.4")
    a.axvline(threshold, color="crimson", ls="--", label=f"threshold {threshold:g} T")
    a.set(xlabel=BS_LABEL, ylabel="rows", title="Bs of every row")
    a.legend()
    sns.scatterplot(data=table, x="fe_at_pct", y="bs_tesla", hue="annealed", ax=b, s=18, alpha=0.7)
    b.axhline(threshold, color="crimson", ls="--")
    b.set(xlabel="Fe (at.%)", ylabel=BS_LABEL, title="Bs against Fe content")
    return fig


def split_histograms(full: pd.Series, train: pd.Series, test: pd.Series, bins: np.ndarray) -> plt.Figure:
    """Fig. 2: Bs histograms of the full, training and test sets on shared bins."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharex=True)
    for ax, (label, values, color) in zip(
        axes, [("full", full, "0.35"), ("training", train, "#1f77b4"), ("test", test, "#ff7f0e")], strict=False
    ):
        ax.hist(values, bins=bins, color=color, edgecolor="white")
        ax.set(title=f"{label} set (n = {len(values)})", xlabel=BS_LABEL, ylabel="rows")
    return fig


def metric_boxplots(runs: pd.DataFrame) -> plt.Figure:
    """Fig. 3a: box plots of test-set R2 and F1 over the runs."""
    fig, ax = plt.subplots(figsize=(4.5, 4))
    long = runs.melt(value_vars=["r2", "f1"], var_name="metric", value_name="score")
    long["metric"] = long["metric"].map(METRIC_LABELS)
    sns.boxplot(data=long, x="metric", y="score", ax=ax, width=0.5, color="0.8", showfliers=False)
    sns.stripplot(data=long, x="metric", y="score", ax=ax, size=3, color="0.25", alpha=0.6)
    ax.set(xlabel="", ylabel="test-set score", title=f"{len(runs)} training runs")
    return fig


def r2_f1_scatter(runs: pd.DataFrame, r2_best: int, f1_best: int) -> plt.Figure:
    """Fig. 3b: R2 against F1 per run, the two chosen runs marked."""
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(runs["r2"], runs["f1"], s=16, color="0.5", label="run")
    for run, label in ((r2_best, "R2 best"), (f1_best, "F1 best")):
        row = runs.set_index("run").loc[run]
        ax.scatter(
            row["r2"],
            row["f1"],
            s=120,
            facecolors="none",
            edgecolors=MODEL_COLORS[label],
            linewidths=2,
            label=f"{label} (run {run})",
        )
    ax.set(xlabel="test-set R²", ylabel="test-set F1", title="R² and F1 of every run")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


def _bs_limits(*arrays: np.ndarray) -> tuple[float, float]:
    values = np.concatenate([np.asarray(a, float) for a in arrays])
    pad = 0.05 * (values.max() - values.min())
    return float(values.min() - pad), float(values.max() + pad)


def model_comparison(measured: np.ndarray, predictions: dict[str, np.ndarray]) -> plt.Figure:
    """Fig. 4: parity (a, b), residual vs measured (c, d) and residual histograms (e, f), same axes for both models."""
    names = list(predictions)
    fig, axes = plt.subplots(3, len(names), figsize=(5 * len(names), 13))
    lo, hi = _bs_limits(measured, *predictions.values())
    residuals = {n: predictions[n] - measured for n in names}
    rmax = 1.05 * max(np.abs(r).max() for r in residuals.values())
    bins = np.linspace(-rmax, rmax, 25)
    letters = iter("abcdef")
    for row in range(3):
        for col, name in enumerate(names):
            ax, color, res = axes[row, col], MODEL_COLORS.get(name, "C0"), residuals[name]
            if row == 0:
                ax.scatter(measured, predictions[name], s=18, color=color, alpha=0.75)
                ax.plot([lo, hi], [lo, hi], color="0.3", ls="--", lw=1, label="1:1")
                ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel=f"measured {BS_LABEL}", ylabel=f"predicted {BS_LABEL}")
                ax.set_aspect("equal")
                ax.legend(loc="upper left")
            elif row == 1:
                ax.scatter(measured, res, s=18, color=color, alpha=0.75)
                ax.axhline(0, color="0.3", lw=1)
                ax.set(
                    xlim=(lo, hi),
                    ylim=(-rmax, rmax),
                    xlabel=f"measured {BS_LABEL}",
                    ylabel="residual, predicted - measured (T)",
                )
            else:
                ax.hist(res, bins=bins, color=color, alpha=0.8, edgecolor="white")
                ax.axvline(0, color="0.3", lw=1)
                ax.set(xlim=(-rmax, rmax), xlabel="residual, predicted - measured (T)", ylabel="test rows")
            ax.set_title(f"({next(letters)}) {name} model")
    fig.tight_layout()
    return fig


def threshold_quadrants(
    measured: np.ndarray, predictions: dict[str, np.ndarray], threshold: float, counts: dict[str, dict[str, int]]
) -> plt.Figure:
    """Fig. 5: parity plots cut into TP, FP, FN, TN areas by the threshold on both axes, with counts."""
    names = list(predictions)
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 5.2))
    lo, hi = _bs_limits(measured, *predictions.values())
    for ax, name, letter in zip(np.atleast_1d(axes), names, "ab", strict=False):
        pred = predictions[name]
        right = measured >= threshold
        up = pred >= threshold
        colors = np.where(right & up, "#2ca02c", np.where(~right & ~up, "#1f77b4", np.where(up, "#ff7f0e", "#d62728")))
        ax.scatter(measured, pred, c=colors, s=20, alpha=0.8)
        ax.axvline(threshold, color="0.3", lw=1)
        ax.axhline(threshold, color="0.3", lw=1)
        ax.plot([lo, hi], [lo, hi], color="0.6", ls="--", lw=1)
        c = counts[name]
        for text, x, y in (
            (f"TP = {c['TP']}", 0.97, 0.97),
            (f"FP = {c['FP']}", 0.03, 0.97),
            (f"FN = {c['FN']}", 0.97, 0.03),
            (f"TN = {c['TN']}", 0.03, 0.03),
        ):
            ax.text(
                x,
                y,
                text,
                transform=ax.transAxes,
                ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom",
                fontsize=12,
                weight="bold",
                bbox=dict(facecolor="white", edgecolor="0.7", alpha=0.9),
            )
        ax.set(
            xlim=(lo, hi),
            ylim=(lo, hi),
            xlabel=f"measured {BS_LABEL}",
            ylabel=f"predicted {BS_LABEL}",
            title=f"({letter}) {name} model, threshold {threshold:g} T",
        )
        ax.set_aspect("equal")
    fig.tight_layout()
    return fig


def case_study(cases: pd.DataFrame, training: pd.DataFrame, models: list[str]) -> plt.Figure:
    """Fig. 6: (a) measured and predicted Bs per alloy by Fe content, (b) Bs vs Fe of the training data with the
    case-study alloys, (c) box plots of the percentage errors."""
    fig = plt.figure(figsize=(15, 10.5))
    grid = fig.add_gridspec(2, 3, height_ratios=[1.15, 1])
    a = fig.add_subplot(grid[0, :])
    b = fig.add_subplot(grid[1, :2])
    c = fig.add_subplot(grid[1, 2])
    _case_panel_a(a, cases, models)
    _case_panel_b(b, cases, training)
    _case_panel_c(c, cases, models)
    fig.tight_layout()
    return fig


def _case_panel_a(a: plt.Axes, cases: pd.DataFrame, models: list[str]) -> None:
    """Fig. 6a: measured range and mean, the interval and each model's mean prediction per alloy."""
    cols = ["measured", *[f"bs_{_key(n)}" for n in models]]
    per_alloy = cases.groupby(["fe_at_pct", "composition"])[cols].agg(["mean", "min", "max"]).sort_index().reset_index()
    x = np.arange(len(per_alloy))
    a.vlines(
        x,
        per_alloy[("measured", "min")],
        per_alloy[("measured", "max")],
        color="0.55",
        lw=2,
        label="measured range over annealing treatments",
    )
    a.scatter(x, per_alloy[("measured", "mean")], color="black", marker="s", s=26, label="measured (mean)", zorder=3)
    if {"bs_lower", "bs_upper"} <= set(cases.columns):
        bounds = cases.groupby(["fe_at_pct", "composition"])[["bs_lower", "bs_upper"]].mean().sort_index()
        level = cases["interval_level"].iloc[0] if "interval_level" in cases else 0.9
        a.vlines(
            x + 0.25,
            bounds["bs_lower"],
            bounds["bs_upper"],
            color=MODEL_COLORS["ensemble"],
            lw=1.2,
            alpha=0.6,
            label=f"ensemble {level:.0%} prediction interval (mean)",
        )
    for name, marker in zip(models, "o^vs", strict=False):
        a.scatter(
            x,
            per_alloy[(f"bs_{_key(name)}", "mean")],
            color=MODEL_COLORS.get(name),
            marker=marker,
            s=26,
            alpha=0.85,
            label=f"{name} model (mean)",
            zorder=4,
        )
    a.set_xticks(x, per_alloy["composition"], rotation=90, fontsize=7)
    a.set_xlim(-0.7, len(x) - 0.3)
    a.set(
        xlabel="",
        ylabel=BS_LABEL,
        title="(a) measured and predicted Bs of each unseen alloy (mean over its annealing treatments), "
        "ordered by Fe content",
    )
    a.legend(ncol=3, loc="lower left", fontsize=8)


def _case_panel_b(b: plt.Axes, cases: pd.DataFrame, training: pd.DataFrame) -> None:
    """Fig. 6b: measured Bs against Fe, the training data and the case-study alloys."""
    b.scatter(training["fe_at_pct"], training["bs_tesla"], s=14, color="0.6", alpha=0.7, label="training database")
    b.scatter(
        cases["fe_at_pct"], cases["measured"], s=22, color="#9467bd", marker="D", alpha=0.8, label="case-study alloys"
    )
    b.axvspan(
        training["fe_at_pct"].min(),
        training["fe_at_pct"].max(),
        color="0.93",
        zorder=-1,
        label="Fe range of the training data",
    )
    b.set(xlabel="Fe (at.%)", ylabel=f"measured {BS_LABEL}", title="(b) measured Bs against Fe content")
    b.legend(loc="lower right")


def _case_panel_c(c: plt.Axes, cases: pd.DataFrame, models: list[str]) -> None:
    """Fig. 6c: box plots of the percentage errors per model."""
    long = pd.concat([pd.DataFrame({"model": name, "error": cases[f"pct_error_{_key(name)}"]}) for name in models])
    sns.boxplot(
        data=long,
        x="model",
        y="error",
        hue="model",
        palette=MODEL_COLORS,
        ax=c,
        width=0.5,
        showfliers=False,
        legend=False,
    )
    sns.stripplot(data=long, x="model", y="error", ax=c, color="0.2", size=3, alpha=0.6)
    c.axhline(0, color="0.3", lw=1)
    c.set(xlabel="", ylabel="percentage error (%)", title="(c) 100 (predicted - measured) / measured, per row")


def _key(name: str) -> str:
    from helpers.evaluation import MODEL_KEYS

    return MODEL_KEYS[name]


def threshold_sweep(sweeps: dict[str, pd.DataFrame], threshold: float) -> plt.Figure:
    """F1, precision and recall against the threshold for each model."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharey=True)
    for ax, metric in zip(axes, ["f1", "precision", "recall"], strict=False):
        for name, sweep in sweeps.items():
            ax.plot(sweep["threshold"], sweep[metric], marker="o", ms=3, color=MODEL_COLORS.get(name), label=name)
        ax.axvline(threshold, color="0.5", ls="--", lw=1)
        ax.set(
            xlabel="threshold Bs (T)",
            title={"f1": "F1", "precision": "precision", "recall": "recall"}[metric],
            ylim=(-0.02, 1.02),
        )
    axes[0].set_ylabel("score on the test set")
    axes[0].legend(loc="lower left")
    fig.tight_layout()
    return fig
