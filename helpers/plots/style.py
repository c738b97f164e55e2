"""The look every notebook shares, and the one way a figure is saved."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

BS_LABEL = "Bs (T)"
MODEL_COLORS = {"R2 best": "#1f77b4", "F1 best": "#d62728", "ensemble": "#2ca02c", "measured": "black"}


def setup_style() -> None:
    """One consistent look for every notebook."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight"})


def save_fig(fig: plt.Figure, name: str, figures_dir: Path) -> None:
    """Save a figure as figures_dir/name.png.

    Returns None, so that a notebook cell ending with save_fig(...) shows the figure and no path echo.
    """
    path = Path(figures_dir) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
