"""Parts that the notebook tests reach through a whole run, held here on small made-up inputs, so that the fast subset
(./run_all.sh --test fast) touches them too: the deployed training and its loader, the transfer figure, the fork
comparison figure, the goals and figures of glass formation."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import comparison
from helpers.deployment import deployed, scores
from helpers.deployment.pool import Pool
from helpers.deployment.transfer import CROSS_VALIDATION, ONE_SOURCE_OUT
from helpers.features import FeatureSpec
from helpers.glass import checks
from helpers.intervals import LEVELS
from helpers.modeling.files import ModelFiles, load_saved_models
from helpers.modeling.network import TrainConfig
from helpers.plots import glass_figures, transfer_figures


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _pool(n_alloys: int = 30) -> Pool:
    """Made-up rows of two sources (two rows per alloy), the last five alloys of the second one case-study alloys."""
    rng = np.random.default_rng(0)
    fe = np.repeat(rng.uniform(72, 86, n_alloys).round(1), 2)
    table = pd.DataFrame(
        {
            "composition": [f"Fe{f:g}B{100 - f:g}" for f in fe],
            "bs_tesla": 1.0 + (fe - 72) / 20 + rng.normal(0, 0.02, len(fe)),
            "anneal_temp_K": np.where(np.arange(len(fe)) % 4 == 0, np.nan, 773.0),
            "anneal_time_s": np.where(np.arange(len(fe)) % 4 == 0, np.nan, 3600.0),
            "fe_at_pct": fe,
            "source": np.where(np.arange(len(fe)) < len(fe) // 2, "a", "b"),
        }
    )
    table["annealed"] = table["anneal_temp_K"].notna()
    table["case_study"] = np.arange(len(fe)) >= len(fe) - 10
    X = pd.DataFrame({"fe": fe, "b": 100 - fe, "annealed": table["annealed"].astype(float)})
    return Pool(table, X)


def test_the_deployed_models_learn_from_every_row_but_the_case_studys_and_load_back(tmp_path):
    pool = _pool()
    spec = FeatureSpec("made up", ["fe", "b", "annealed"], 3600.0)
    config = TrainConfig(hidden=[8], epochs=5, patience=2)
    files = ModelFiles(tmp_path, "deployed")
    runs = deployed.train_deployed(pool, spec, config, 3, 0, 1.4, files, progress=False)
    training = json.loads(files.path("training").read_text())
    trainable = pool.table[~pool.table["case_study"]]
    assert training["rows"] == len(trainable) == 50 and training["rows_per_source"] == {"a": 30, "b": 20}
    assert training["as_quenched_rows"] == int((~trainable["annealed"]).sum()) and training["calibrated_by_state"]
    assert list(runs["run"]) == [0, 1, 2] and runs["r2"].notna().all()
    saved = load_saved_models(tmp_path, "deployed")
    assert saved.ensemble.meta["runs"] == [0, 1, 2] and saved.spec.columns == spec.columns


def test_the_transfer_figure_draws_every_model_and_the_ensembles_coverage_per_state():
    rows = []
    for evaluation in (CROSS_VALIDATION, ONE_SOURCE_OUT):
        for state in scores.STATES.values():
            for model in scores.MODELS.values():
                coverage = {f"coverage_{level * 100:.0f}": level - 0.02 for level in LEVELS}
                rows.append({"evaluation": evaluation, "category": state, "model": model, "mae": 0.1, "rows": 20})
                rows[-1] |= coverage | {"calibrated_90": float(state == "annealed")}
    fig = transfer_figures.transfer(pd.DataFrame(rows))
    errors, coverage = fig.axes
    assert len(errors.patches) == 3 * 4  # three models, two evaluations x two annealing states
    assert len([line for line in coverage.get_lines() if len(line.get_xdata()) == len(LEVELS)]) == 1 + 4
    assert any("widened, not calibrated" in t.get_text() for t in coverage.get_legend().get_texts())


def test_the_fork_comparison_figure_puts_the_fork_beside_the_analysis_it_came_from():
    models = ["R2 best", "F1 best", "ensemble"]
    mine = pd.DataFrame({"r2": [0.7, 0.6, 0.65], "rmse": [0.2, 0.22, 0.21], "f1": [0.9, 0.95, 0.92]}, index=models)
    theirs = mine - 0.01
    table = pd.concat({"fork": mine, "forked from": theirs, "fork minus forked from": mine - theirs}, axis=1)
    fig = comparison.comparison_figure(table)
    assert [ax.get_title() for ax in fig.axes] == ["R²", "RMSE (T)", "F1"]
    heights = sorted(p.get_height() for p in fig.axes[0].patches)
    assert np.allclose(heights, sorted([*mine["r2"], *theirs["r2"]]))


def test_the_glass_goals_say_met_only_on_the_right_side_of_each_target():
    met = checks.goals(auc=0.90, ece=0.04, bs_share=0.95).set_index("goal")["met"]
    missed = checks.goals(auc=0.826, ece=0.066, bs_share=0.897).set_index("goal")["met"]
    assert met.all() and not missed.any()
    assert checks.goals(auc=0.88, ece=0.05, bs_share=0.90)["met"].all()  # a goal reached exactly is met


def test_the_glass_figures_count_the_metalloids_and_draw_a_reliability_line_per_model():
    assert glass_figures.metalloid_at_pct(pd.Series(["Fe80B10Si5P5", "Fe78Si9B13", "Fe90Nb10"])).tolist() == [20, 22, 0]
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 400)
    oof = pd.DataFrame({"label": (rng.uniform(0, 1, 400) < p).astype(int), "p_forest": p, "p_other": p**2})
    oof["fe_at_pct"] = rng.uniform(70, 88, 400)
    fig = glass_figures.plot_reliability(oof, {"forest": "p_forest", "other": "p_other"})
    assert len(fig.axes) == 2 and all(len(ax.get_lines()) == 3 for ax in fig.axes)  # the diagonal and two models
