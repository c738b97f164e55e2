"""Figures of notebook 08 (glass formation): where the labelled compositions lie, and the reliability diagram."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.domain import element_amounts
from helpers.glass.evaluation import FE_RICH_AT_PCT, reliability

METALLOIDS = ("B", "Si", "P", "C")
LABEL_COLORS = {1: "#1f77b4", 0: "#d62728"}
LABEL_NAMES = {1: "glass", 0: "not a glass"}


def metalloid_at_pct(compositions: pd.Series) -> np.ndarray:
    """B + Si + P + C in at.% per composition."""
    amounts = element_amounts(compositions)
    return amounts.reindex(columns=list(METALLOIDS), fill_value=0.0).sum(axis=1).to_numpy()


def plot_glass_data(labelled: pd.DataFrame, bs_alloys: pd.Series) -> plt.Figure:
    """Fe content of glasses and non-glasses (left); Fe against metalloids, with the Bs sources' alloys (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    bins = np.arange(50, 101, 2.0)
    parts = {label: labelled[labelled["label"] == label] for label in (1, 0)}
    left.hist(
        [p["fe_at_pct"] for p in parts.values()],
        bins,
        stacked=True,
        color=[LABEL_COLORS[k] for k in parts],
        label=[LABEL_NAMES[k] for k in parts],
    )
    for label, part in parts.items():
        right.scatter(
            part["fe_at_pct"],
            metalloid_at_pct(part["composition"]),
            s=10,
            alpha=0.5,
            color=LABEL_COLORS[label],
            label=f"{LABEL_NAMES[label]} ({len(part)})",
        )
    right.scatter(
        element_amounts(bs_alloys).get("Fe", 0.0),
        metalloid_at_pct(bs_alloys),
        s=22,
        marker="x",
        color="black",
        label=f"Bs sources' alloys ({len(bs_alloys)})",
    )
    left.set(xlabel="Fe (at.%)", ylabel="compositions", title="Labelled compositions by Fe content")
    right.set(xlabel="Fe (at.%)", ylabel="B + Si + P + C (at.%)", title="Where the labels lie")
    left.legend()
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_reliability(oof: pd.DataFrame, columns: dict[str, str]) -> plt.Figure:
    """Observed share of glasses against stated P(glass), per model, over all compositions and the Fe-rich ones
    (marker area: the share of compositions in the bin)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    subsets = (
        ("all Fe-based compositions", oof),
        (f"Fe >= {FE_RICH_AT_PCT:g} at.%", oof[oof["fe_at_pct"] >= FE_RICH_AT_PCT]),
    )
    for ax, (title, part) in zip(axes, subsets, strict=True):
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="calibrated")
        for name, col in columns.items():
            points = reliability(part["label"].to_numpy(), part[col].to_numpy())
            line = ax.plot(points["stated"], points["observed"], lw=1.2, label=name)[0]
            ax.scatter(
                points["stated"], points["observed"], s=8 + 200 * points["rows"] / len(part), color=line.get_color()
            )
        ax.set(xlabel="stated P(glass), out of fold", title=f"{title} ({len(part)})", xlim=(0, 1), ylim=(0, 1.02))
    axes[0].set_ylabel("observed share of glasses")
    axes[1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
