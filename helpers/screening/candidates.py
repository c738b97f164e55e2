"""Candidate tables: every one is built by ``candidate_table``, which runs ``helpers.validation``'s checks.

Grid chunks (``amounts_table``, on the workers), a user's CSV (``plan``, through ``helpers.data.read_user_csv``,
the same checks) and notebook 05's case-study rows (``case_study_candidates``) all become the tidy table that
``helpers.predict`` and the featurizer read, with the report of rows excluded or changed.

matminer's featurizers slow down sharply with the number of decimals of the amounts (measured here: 7 ms per
composition at 0.1 at.% resolution, 19 ms at 0.01, 180 ms at 0.001, 750 ms for 12-decimal amounts), so CSV
candidates are rounded to ``ROUND_AT_PCT`` and every changed row is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.screening.grid import Grid, ScreenError
from helpers.screening.summary import Axes
from helpers.validation import REPORT_COLUMNS

ROUND_AT_PCT = 0.1  # CSV candidates are rounded to this resolution (featurizing stays fast)
GRID_FILE = "<grid>"  # the file named by the report of a grid chunk


def candidate_table(
    frame: pd.DataFrame, file: str | Path, first_row: int = 0, with_target: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy candidate table of a frame (composition text, optional annealing and bs_tesla), checked; the report.

    Rows are numbered from first_row in the report; ``with_target`` also checks and keeps a measured bs_tesla.
    """
    from helpers.data import frame_to_dataset

    frame = frame.reset_index(drop=True)
    rows = list(range(first_row, first_row + len(frame)))
    ds = frame_to_dataset(frame, Path(file), with_target=with_target, line_numbers=rows)
    return ds.table, ds.report


def amounts_table(
    elements: list[str],
    amounts: np.ndarray,
    anneal_temp_K: float | None = None,
    anneal_time_s: float | None = None,
    first_row: int = 0,
) -> pd.DataFrame:
    """The candidate table of an amounts array (at.%, rows x elements); rows the checks exclude are left out."""
    amounts = np.asarray(amounts, float)
    formulas = [
        "".join(f"{el}{np.format_float_positional(v, trim='-')}" for el, v in zip(elements, row, strict=True) if v > 0)
        for row in amounts
    ]
    annealed = anneal_temp_K is not None
    frame = pd.DataFrame(
        {
            "composition": formulas,
            "anneal_temp_K": float(anneal_temp_K) if annealed else "",
            "anneal_time_s": float(anneal_time_s) if annealed and anneal_time_s is not None else "",
        }
    )
    return candidate_table(frame, GRID_FILE, first_row)[0]


def round_candidates(table: pd.DataFrame, at_pct: float = ROUND_AT_PCT) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Amounts rounded to at_pct (the largest element takes the rounding remainder); the rows changed, reported."""
    from helpers.domain import element_amounts
    from helpers.validation import canonical_formula

    amounts = element_amounts(table["composition"])
    rounded = (amounts / at_pct).round() * at_pct
    largest = amounts.idxmax(axis=1)
    for i, el in largest.items():
        rounded.loc[i, el] += 100.0 - rounded.loc[i].sum()
    rounded = rounded.round(6)
    formulas = pd.Series([canonical_formula(r[r > 0].to_dict()) for _, r in rounded.iterrows()], index=table.index)
    out = table.copy()
    changed = formulas != table["composition"]
    out["composition"] = formulas
    if "Fe" in rounded:
        out["fe_at_pct"] = rounded["Fe"].round(3)
    report = pd.DataFrame(
        {
            "file": "",
            "source_row": table.loc[changed, "source_row"],
            "column": "composition",
            "value": table.loc[changed, "composition"],
            "reason": [
                f"amounts rounded to {at_pct:g} at.% (featurizing long decimals is slow): scored as {f}"
                for f in formulas[changed]
            ],
            "action": "normalized",
        }
    )
    return out, report.reset_index(drop=True)


def case_study_candidates(case_study_csv: str | Path) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Notebook 05's case-study rows as a checked candidate table, their measured Bs, and the report of bad rows."""
    cases = pd.read_csv(case_study_csv)
    frame = pd.DataFrame(
        {
            "composition": cases["composition"],
            "bs_tesla": cases["measured"] if "measured" in cases else cases["bs_tesla"],
            "anneal_temp_K": cases["anneal_temp_K"],
            "anneal_time_s": cases["anneal_time_s"],
        }
    )
    table, report = candidate_table(frame, case_study_csv, with_target=True)
    return table, table["bs_tesla"].astype(float).reset_index(drop=True), report


def table_chunks(table: pd.DataFrame, chunk_size: int) -> Iterator[pd.DataFrame]:
    """A tidy table in chunks of chunk_size rows."""
    for start in range(0, len(table), chunk_size):
        yield table.iloc[start : start + chunk_size]


# --------------------------------------------------------------------------- what notebook 07 screens


@dataclass
class Plan:
    """The candidates of a screen, ready to stream: chunks (a fresh iterator each call), counts and what was done."""

    source: str
    description: str
    elements: list[str] | None
    axes: Axes
    n_candidates: int
    n_chunks: int
    make_chunks: Callable[[], Iterator]
    anneal_temp_K: float | None
    anneal_time_s: float | None
    report: pd.DataFrame


def as_quenched(anneal_temp_K) -> bool:
    """Empty, None, 0 or NaN mean as-quenched."""
    return (
        anneal_temp_K is None
        or anneal_temp_K == ""
        or (isinstance(anneal_temp_K, (int, float)) and (math.isnan(anneal_temp_K) or anneal_temp_K <= 0))
    )


def plan(
    candidates: str,
    grid: dict,
    anneal_temp_K=None,
    anneal_time_s=None,
    max_candidates: int = 20000,
    chunk_size: int = 250,
) -> Plan:
    """What to screen: "grid" (the grid parameter, sampled down to max_candidates) or a CSV of compositions."""
    if int(chunk_size) < 1 or int(max_candidates) < 1:
        raise ScreenError("chunk_size and max_candidates must be at least 1")
    if candidates == "grid":
        return grid_plan(Grid.from_parameter(grid), anneal_temp_K, anneal_time_s, int(max_candidates), int(chunk_size))
    return csv_plan(candidates, int(max_candidates), int(chunk_size))


def grid_plan(g: Grid, anneal_temp_K, anneal_time_s, max_candidates: int, chunk_size: int) -> Plan:
    """The grid's points (a seeded uniform sample of max_candidates when larger), annealed as given."""
    n_valid = g.count()
    if n_valid == 0:
        raise ScreenError(f"the grid {g.describe()} has no point whose balance {g.balance} lies in its range")
    n = min(n_valid, max_candidates)
    temp = None if as_quenched(anneal_temp_K) else float(anneal_temp_K)
    time_s = None if temp is None or anneal_time_s in (None, "") else float(anneal_time_s)
    treatment = "as-quenched" if temp is None else f"annealed at {temp:g} K for {time_s:g} s"
    sampled = (
        f"a seeded uniform sample of {n:,} of its {n_valid:,} points (max_candidates)"
        if n < n_valid
        else f"all {n_valid:,} points"
    )
    return Plan(
        "grid",
        f"grid {g.describe()}: {sampled}; {treatment}",
        g.elements,
        Axes.for_grid(g),
        n,
        math.ceil(n / chunk_size),
        lambda: g.chunks(chunk_size, max_candidates),
        temp,
        time_s,
        pd.DataFrame(columns=REPORT_COLUMNS),
    )


def csv_plan(candidates: str | Path, max_candidates: int, chunk_size: int) -> Plan:
    """The first max_candidates checked rows of a CSV, amounts rounded to ROUND_AT_PCT; the report of every change."""
    from helpers.data import read_user_csv
    from helpers.paths import resolve

    path = resolve(candidates)
    ds = read_user_csv(path, with_target=False)  # the checks of candidate_table, after reading the file safely
    if ds.table.empty:
        raise ScreenError(f"{path}: no row can be screened (see the report of bad rows)")
    table, rounded = round_candidates(ds.table)
    rounded["file"] = str(path)
    report = pd.concat([ds.report, rounded], ignore_index=True)
    table = table.head(max_candidates)
    return Plan(
        "csv",
        f"{path.name}: {len(table):,} candidates ({len(ds.report)} rows excluded or changed on "
        f"reading, {len(rounded)} rounded to {ROUND_AT_PCT:g} at.%)",
        None,
        Axes.for_table(table),
        len(table),
        math.ceil(len(table) / chunk_size),
        lambda: table_chunks(table, chunk_size),
        None,
        None,
        report,
    )
