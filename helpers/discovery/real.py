"""The discovery benchmark on an analysis folder's tables: the outer test folds of 06 and the case study of 05.

    python -m helpers.discovery.real --analysis outputs/default [--high 1.7 1.8] [--n-boot 1000]

Reads ``tables/outer_predictions.csv`` (notebook 06: one row per outer test row, see OUTER_COLUMNS; made by
``outer_predictions``) and ``tables/case_study.csv`` (notebook 05), and writes the registry's table
``discovery_benchmark`` and one figure per set, ``discovery_enrichment_outer`` and ``discovery_enrichment_case``
(notebook 10). Expected improvement is taken over the best measured Bs of the rows each model was trained on: per
outer fold, the fold's training rows; for the case study, the training rows of notebook 02's split.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from helpers.discovery.benchmark import HIGH_BS_LEVELS_T, N_BOOT, benchmark, plot_enrichment
from helpers.intervals import DEFAULT_LEVEL
from helpers.outputs import FILES, OutputDir

OUTER_COLUMNS = [
    "row_id",
    "fold",
    "composition",
    "anneal_temp_K",
    "anneal_time_s",
    "measured",
    "bs_ensemble",
    "ensemble_std",
    "bs_lower",
    "bs_upper",
    "interval_level",
    "train_best_bs",
    "in_domain",
]


def outer_predictions(pooled: pd.DataFrame, table: pd.DataFrame, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
    """Notebook 06's pooled FoldResult.ensemble rows (with a ``fold`` column, indexed by row_id) as a prediction table.

    ``table`` is the dataset (dataset.csv): it gives composition, treatment, and the best Bs of each fold's training
    rows (every row outside the fold's test rows).
    """
    folds = pooled["fold"].to_numpy()
    train_best = {k: table.loc[~table.index.isin(pooled.index[folds == k]), "bs_tesla"].max() for k in np.unique(folds)}
    out = pd.DataFrame(
        {
            "row_id": pooled.index,
            "fold": folds,
            "composition": table.loc[pooled.index, "composition"].to_numpy(),
            "anneal_temp_K": table.loc[pooled.index, "anneal_temp_K"].to_numpy(),
            "anneal_time_s": table.loc[pooled.index, "anneal_time_s"].to_numpy(),
            "measured": pooled["measured"].to_numpy(),
            "bs_ensemble": pooled["bs_ensemble"].to_numpy(),
            "ensemble_std": pooled["ensemble_std"].to_numpy(),
            "bs_lower": pooled[f"bs_lower_{level}"].to_numpy(),
            "bs_upper": pooled[f"bs_upper_{level}"].to_numpy(),
            "interval_level": level,
            "train_best_bs": [train_best[k] for k in folds],
            "in_domain": pooled["in_domain"].to_numpy(),
        }
    )
    return out.sort_values("row_id").reset_index(drop=True)


def case_study_predictions(out: OutputDir) -> pd.DataFrame:
    """Notebook 05's case-study rows as a prediction table, with the best measured Bs of 03's training rows."""
    cases = out.read_table("case_study")
    cases = cases[cases["status"] == "ok"] if "status" in cases else cases
    dataset = out.read_table("dataset", index_col="row_id")
    split = out.read_table("split", index_col="row_id")
    best = dataset.loc[split.index[split["set"] == "train"], "bs_tesla"].max()
    return cases.assign(train_best_bs=best)


SET_KEYS = {"outer test folds (06)": "outer", "case study (05)": "case"}
SET_NAMES = ("outer_predictions", "case_study")  # the registry's tables of the two sets


def prediction_sets(out: OutputDir) -> dict[str, pd.DataFrame]:
    """The prediction tables the folder has: the outer test folds of 06 and the case study of 05."""
    sets = {}
    if out.exists("outer_predictions"):
        sets["outer test folds (06)"] = out.read_table("outer_predictions")
    if out.exists("case_study"):
        sets["case study (05)"] = case_study_predictions(out)
    if not sets:
        found = " nor ".join(f"{out.path(name).name} ({FILES[name].notebook})" for name in SET_NAMES)
        raise FileNotFoundError(f"{out.path(SET_NAMES[0]).parent} has neither {found}")
    return sets


def run(out: OutputDir, highs: tuple[float, ...] = HIGH_BS_LEVELS_T, n_boot: int = N_BOOT) -> pd.DataFrame:
    """The benchmark of every rule on every set the folder has, per threshold; writes the table and one figure per
    set (at the first threshold) through the registry: discovery_benchmark, discovery_enrichment_<outer|case>."""
    parts = []
    for name, rows in prediction_sets(out).items():
        for high in highs:
            result = benchmark(rows, high, best="train_best_bs", n_boot=n_boot).assign(set=name)
            parts.append(result)
            if high == highs[0]:
                fig = plot_enrichment(result, title=f"{name}: {len(rows)} rows, 95 % bootstrap by alloy")
                out.save_figure(f"discovery_enrichment_{SET_KEYS[name]}", fig)  # left open: a notebook shows it
    table = pd.concat(parts, ignore_index=True)
    out.write_table("discovery_benchmark", table)
    return table


def main(argv: list[str] | None = None) -> int:
    """Command line: the benchmark of an analysis folder; one line on standard error when its tables are missing."""
    parser = argparse.ArgumentParser(prog="python -m helpers.discovery.real", description=__doc__.split("\n")[0])
    parser.add_argument("--analysis", default="outputs/default", help="output folder of an analysis")
    parser.add_argument("--high", type=float, nargs="+", default=list(HIGH_BS_LEVELS_T), help="Bs (T) counted as high")
    parser.add_argument("--n-boot", type=int, default=N_BOOT, help="bootstrap replicates (alloys resampled)")
    args = parser.parse_args(argv)
    try:
        table = run(OutputDir(args.analysis), tuple(args.high), args.n_boot)
    except (FileNotFoundError, KeyError, ValueError) as error:
        print(f"discovery benchmark: {error}", file=sys.stderr)
        return 2
    shown = table[table["metric"] == "enrichment"].pivot_table(
        index=["set", "high_bs_T", "rule"], columns="share", values=["value", "low", "high"], sort=False
    )
    print(shown.round(2).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
