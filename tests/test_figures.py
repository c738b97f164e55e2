"""The figures draw from small tables: one per module of helpers/plots (the notebooks draw them all)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.plots import paper_figures, screening_figures, setup_style, uncertainty_figures  # noqa: E402


@pytest.fixture(autouse=True)
def _own_style():
    """The project's style holds inside each test only: later tests draw with matplotlib's settings as they were."""
    with matplotlib.rc_context():
        yield


def test_the_paper_figure_of_the_bs_distribution_marks_the_threshold():
    setup_style()
    bs = np.linspace(0.8, 1.9, 40)
    table = pd.DataFrame({"bs_tesla": bs, "fe_at_pct": 60 + 20 * bs / 1.9, "annealed": np.arange(40) % 2 == 0})
    fig = paper_figures.bs_distribution(table, threshold=1.4)
    histogram, scatter = fig.axes[:2]
    assert any(list(line.get_xdata()) == [1.4, 1.4] for line in histogram.get_lines())
    assert any(list(line.get_ydata()) == [1.4, 1.4] for line in scatter.get_lines())
    plt.close(fig)


def test_the_spread_coverage_figure_draws_from_measured_mean_and_spread():
    rng = np.random.default_rng(0)
    mean = rng.uniform(1.0, 1.8, 50)
    fig = uncertainty_figures.spread_coverage(mean + rng.normal(0, 0.05, 50), mean, np.full(50, 0.05))
    assert fig.axes
    plt.close(fig)


def test_the_screening_figures_module_offers_its_three_figures():
    assert all(callable(getattr(screening_figures, f)) for f in ("plot_density", "plot_pareto", "plot_map"))
