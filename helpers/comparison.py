"""A fork against the analysis it was forked from (helpers.pipeline.fork): the test-set scores of the R2 best, the F1
best and the ensemble of both, on the same test rows (the fork reads the split of the analysis it came from)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.metrics import scores

COMPARED = ("r2", "rmse", "f1")  # the columns of the comparison
MODELS = ("R2 best", "F1 best", "ensemble")


def test_scores(folder: Path) -> pd.DataFrame:
    """R2, RMSE and F1 on the folder's test rows of its R2 best, F1 best and the ensemble of all its runs."""
    from helpers.modeling.files import load_saved_models
    from helpers.outputs import OutputDir

    out = OutputDir(folder)
    side = out.read_table("split", index_col="row_id")["set"]
    test_ids = side.index[side == "test"]
    X = out.read_parquet("features").loc[test_ids]
    measured = out.read_table("dataset", index_col="row_id").loc[test_ids, "bs_tesla"].to_numpy()
    saved = load_saved_models(out.root)
    predicted = {name: net.predict_features(X) for name, net in saved.selected.items()}
    predicted["ensemble"] = saved.ensemble.per_network(X).mean(axis=0)
    rows = {name: scores(measured, predicted[name], out.threshold) for name in MODELS}
    return pd.DataFrame(rows).T.loc[list(MODELS), list(COMPARED)]


def fork_comparison(fork: Path, parent: Path) -> pd.DataFrame:
    """One row per model, the scores of the fork, of the analysis it came from, and their difference."""
    mine, theirs = test_scores(fork), test_scores(parent)
    table = pd.concat({"fork": mine, "forked from": theirs, "fork minus forked from": mine - theirs}, axis=1)
    table.index.name = "model"
    return table


def comparison_figure(table: pd.DataFrame):
    """Bars of R2, RMSE and F1 per model, the fork beside the analysis it came from."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(COMPARED), figsize=(10, 3.2), layout="constrained")
    labels = {"r2": "R²", "rmse": "RMSE (T)", "f1": "F1"}
    for ax, column in zip(axes, COMPARED, strict=True):
        shown = pd.DataFrame({side: table[(side, column)] for side in ("forked from", "fork")})
        shown.plot.bar(ax=ax, rot=0, color=["0.6", "#1f77b4"], legend=False)
        ax.set_title(labels[column])
        ax.set_xlabel("")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=2, frameon=False)
    return fig


def compare_with_parent(out) -> pd.DataFrame | None:
    """In a fork (an OutputDir): the comparison with the analysis it came from, written as a table and a figure;
    None (and one line that says so) in an analysis that is not a fork."""
    from helpers.pipeline.fork import parent

    forked_from = parent(out.root)
    if forked_from is None or not (forked_from / "models" / "training.json").is_file():
        print("this analysis is not a fork of one with trained models: nothing to compare")
        return None
    table = fork_comparison(out.root, forked_from)
    flat = table.set_axis([f"{column} ({side})" for side, column in table.columns], axis=1)
    out.write_table("fork_comparison", flat, index=True)
    out.save_figure("fork_comparison_figure", comparison_figure(table))
    print(f"this analysis is a fork of {forked_from}; the same test rows, its models against those")
    return table
