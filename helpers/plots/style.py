"""The look every notebook shares (a figure is saved through the registry: ``out.save_figure(name, fig)``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

BS_LABEL = "Bs (T)"
MODEL_COLORS = {"R2 best": "#1f77b4", "F1 best": "#d62728", "ensemble": "#2ca02c", "measured": "black"}


def setup_style() -> None:
    """One consistent look for every notebook."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight"})
