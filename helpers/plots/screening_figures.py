"""The figures of notebook 09: the screened candidates' density, the Pareto front, the map over two elements."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from helpers.discovery.rules import DEFAULT_RULE
from helpers.screening.summary import ScreenResult


def plot_density(result: ScreenResult, training: pd.DataFrame, threshold: float) -> plt.Figure:
    """Predicted Bs (ensemble) against Fe content for all candidates (density), the training data on top."""
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    hist = np.where(result.hist > 0, result.hist, np.nan)
    mesh = ax.pcolormesh(
        result.axes.fe_edges,
        result.axes.bs_edges,
        hist.T,
        cmap="viridis",
        norm=LogNorm(vmin=1, vmax=max(np.nanmax(result.hist), 2)),
        shading="flat",
    )
    fig.colorbar(mesh, ax=ax, label="candidates per bin")
    ax.scatter(
        training["fe_at_pct"],
        training["bs_tesla"],
        s=14,
        facecolor="white",
        edgecolor="crimson",
        lw=0.9,
        label=f"training data (measured, {len(training)} rows)",
        zorder=3,
    )
    ax.axhline(threshold, color="0.3", ls="--", lw=1, label=f"threshold {threshold:g} T")
    fe_lo, fe_hi = result.axes.fe_edges[0], result.axes.fe_edges[-1]
    ax.set(
        xlim=(min(fe_lo, training["fe_at_pct"].min()) - 1, max(fe_hi, training["fe_at_pct"].max()) + 1),
        ylim=(0.8, 2.1),
        xlabel="Fe (at.%)",
        ylabel="Bs (T)",
        title=f"{result.counts['n'] - result.counts['n_refused']:,} candidates: predicted Bs (ensemble)",
    )
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return fig


def plot_pareto(result: ScreenResult, threshold: float) -> plt.Figure:
    """The Pareto front: best lower-bound Bs for each total metalloid content, with the top candidates."""
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    top, front = result.top, result.pareto
    rule = top["rank_by"].iloc[0] if "rank_by" in top and len(top) else DEFAULT_RULE  # 09's ranking rule
    ax.scatter(top["metalloid_at_pct"], top["bs_lower"], s=16, color="0.6", label=f"top {len(top)} by {rule}")
    if len(front):
        ax.step(front["metalloid_at_pct"], front["bs_lower"], where="post", color="#1f77b4", lw=1.2)
        inside = front["in_domain"].astype(bool)
        ax.scatter(
            front.loc[inside, "metalloid_at_pct"],
            front.loc[inside, "bs_lower"],
            s=36,
            color="#1f77b4",
            zorder=3,
            label="Pareto front, inside the domain",
        )
        ax.scatter(
            front.loc[~inside, "metalloid_at_pct"],
            front.loc[~inside, "bs_lower"],
            s=36,
            facecolor="white",
            edgecolor="#d62728",
            lw=1.2,
            zorder=3,
            label="Pareto front, outside the domain (a guess)",
        )
    ax.axhline(threshold, color="0.3", ls="--", lw=1, label=f"threshold {threshold:g} T")
    ax.set(
        xlabel="B + Si + P + C (at.%): more usually means easier glass formation",
        ylabel="lower bound of Bs (T)",
        title="Highest lower bound of Bs (prediction interval) for each metalloid content",
    )
    ax.legend(fontsize=8, loc="best", framealpha=0.9)
    return fig


def plot_map(result: ScreenResult) -> plt.Figure:
    """Mean predicted Bs (ensemble) over two grid elements, averaged over the other elements."""
    ax_ = result.axes
    (a, b), (lo_a, lo_b), step = ax_.map_elements, ax_.map_lo, ax_.map_step
    n_a, n_b = ax_.map_shape
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    image = ax.imshow(
        result.map_mean.T,
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=(lo_a - step / 2, lo_a + (n_a - 0.5) * step, lo_b - step / 2, lo_b + (n_b - 0.5) * step),
    )
    fig.colorbar(image, ax=ax, label="mean predicted Bs (T)")
    ax.set(xlabel=f"{a} (at.%)", ylabel=f"{b} (at.%)", title=f"Predicted Bs over {a} and {b} (mean over the rest)")
    ax.grid(False)
    return fig


def _tradeoff_panel(ax: plt.Axes, result: ScreenResult, next_batch: pd.DataFrame, glass_threshold: float | None):
    """One panel of Bs against P(glass): the density, the Pareto front, the threshold and the batch (numbered)."""
    from helpers.screening.glass import P_EDGES

    counts = np.where(result.glass_hist > 0, result.glass_hist, np.nan)
    norm = LogNorm(vmin=1, vmax=max(np.nanmax(result.glass_hist, initial=1), 2))
    mesh = ax.pcolormesh(P_EDGES, result.axes.bs_edges, counts.T, cmap="Greys", norm=norm, shading="flat")
    front = result.glass_front.sort_values("p_glass")
    ax.step(front["p_glass"], front["bs_ensemble"], where="pre", color="#1f77b4", lw=1.6, label="Pareto front")
    if glass_threshold is not None:
        ax.axvline(glass_threshold, color="0.3", ls="--", lw=1, label=f"P(glass) = {glass_threshold:g}")
    inside = next_batch["in_domain"].astype(bool) & next_batch["in_glass_domain"].astype(bool)
    for mask, face, label in ((inside, "#d62728", "in both domains"), (~inside, "white", "outside a domain (a guess)")):
        if mask.any():
            ax.scatter(
                next_batch.loc[mask, "p_glass"],
                next_batch.loc[mask, "bs_ensemble"],
                s=110,
                marker="*",
                facecolor=face,
                edgecolor="#d62728",
                lw=1.1,
                zorder=4,
                label=f"batch to make next, {label} ({int(mask.sum())})",
            )
    return mesh


def plot_glass_tradeoff(result: ScreenResult, next_batch: pd.DataFrame, glass_threshold: float | None) -> plt.Figure:
    """Predicted Bs against P(glass) for all candidates (density), the Pareto front of the two and the batch: all
    candidates on the left, the batch's corner enlarged (and numbered in the rule's order) on the right."""
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1.25, 1]})
    mesh = _tradeoff_panel(ax, result, next_batch, glass_threshold)
    _tradeoff_panel(zoom, result, next_batch, glass_threshold)
    fig.colorbar(mesh, ax=zoom, label="candidates per bin")
    xlabel, ylabel = "P(glass): calibrated probability of a glassy ribbon", "predicted Bs (T, ensemble mean)"
    filled = np.flatnonzero(result.glass_hist.sum(axis=0) > 0)
    edges = result.axes.bs_edges
    ylim = (edges[filled[0]] - 0.05, edges[filled[-1] + 1] + 0.05) if len(filled) else (edges[0], edges[-1])
    ax.set(xlim=(0, 1), ylim=ylim, xlabel=xlabel, ylabel=ylabel, title="Every candidate: Bs against glass formation")
    ax.legend(fontsize=8, loc="lower left", framealpha=0.9)
    if len(next_batch):
        p, bs = next_batch["p_glass"], next_batch["bs_ensemble"]
        zoom.set(xlim=(max(p.min() - 0.06, 0), min(p.max() + 0.06, 1)), ylim=(bs.min() - 0.04, bs.max() + 0.04))
        for _, row in next_batch.iterrows():
            zoom.annotate(
                str(row["pick"]), (row["p_glass"], row["bs_ensemble"]), xytext=(5, 5), textcoords="offset points"
            )
    zoom.set(xlabel=xlabel, ylabel=ylabel, title="The batch to make next, numbered by the rule")
    fig.tight_layout()
    return fig
