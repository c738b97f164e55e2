"""Figures: ``style`` (the shared look, ``save_fig``), ``paper_figures`` (notebooks 01-05, the paper's figures 2-6),
``uncertainty_figures`` (notebook 06) and ``screening_figures`` (notebook 09)."""

from helpers.plots.style import save_fig, setup_style

__all__ = ["save_fig", "setup_style"]
