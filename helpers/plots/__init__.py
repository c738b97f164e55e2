"""Figures: ``style`` (the shared look), ``paper_figures`` (notebooks 01-05, the paper's figures 2-6),
``uncertainty_figures`` (notebook 06) and ``screening_figures`` (notebook 09). A figure is saved by its name in the
registry, ``out.save_figure(name, fig)`` (helpers.outputs)."""

from helpers.plots.style import setup_style

__all__ = ["setup_style"]
