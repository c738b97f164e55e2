"""Figures: one function saves every figure; one function per figure of the paper."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

BS_LABEL = "Bs (T)"
MODEL_COLORS = {"R2 best": "#1f77b4", "F1 best": "#d62728", "ensemble": "#2ca02c", "measured": "black"}


def setup_style() -> None:
    """One consistent look for every notebook."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight"})


def save_fig(fig: plt.Figure, name: str, figures_dir: Path) -> Path:
    """Save a figure as figures_dir/name.png and return the path."""
    path = Path(figures_dir) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


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
    for ax, (label, values, color) in zip(axes, [("full", full, "0.35"), ("training", train, "#1f77b4"),
                                                 ("test", test, "#ff7f0e")]):
        ax.hist(values, bins=bins, color=color, edgecolor="white")
        ax.set(title=f"{label} set (n = {len(values)})", xlabel=BS_LABEL, ylabel="rows")
    return fig


def metric_boxplots(runs: pd.DataFrame) -> plt.Figure:
    """Fig. 3a: box plots of test-set R2 and F1 over the runs."""
    fig, ax = plt.subplots(figsize=(4.5, 4))
    long = runs.melt(value_vars=["r2", "f1"], var_name="metric", value_name="score")
    long["metric"] = long["metric"].map({"r2": "R²", "f1": "F1"})
    sns.boxplot(data=long, x="metric", y="score", ax=ax, width=0.5, color="0.8")
    sns.stripplot(data=long, x="metric", y="score", ax=ax, size=3, color="0.25", alpha=0.6)
    ax.set(xlabel="", ylabel="test-set score", title=f"{len(runs)} training runs")
    return fig


def r2_f1_scatter(runs: pd.DataFrame, r2_best: int, f1_best: int) -> plt.Figure:
    """Fig. 3b: R2 against F1 per run, the two chosen runs marked."""
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(runs["r2"], runs["f1"], s=16, color="0.5", label="run")
    for run, label in ((r2_best, "R2 best"), (f1_best, "F1 best")):
        row = runs.set_index("run").loc[run]
        ax.scatter(row["r2"], row["f1"], s=120, facecolors="none", edgecolors=MODEL_COLORS[label], linewidths=2,
                   label=f"{label} (run {run})")
    ax.set(xlabel="test-set R²", ylabel="test-set F1", title="R² and F1 of every run")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig
