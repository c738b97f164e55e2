"""Candidate tables: every one is built by ``candidate_table``, which runs ``helpers.validation``'s checks.

Grid points (``amounts_table``, for the few rows that leave a worker), a user's CSV (``plan``, through
``helpers.data.read_user_csv``, the same checks) and notebook 05's case-study rows (``case_study_candidates``) all
become the tidy table that ``helpers.predict`` and the featurizer read, with the report of rows excluded or changed.
Amounts keep the 0.001 at.% resolution of the checks (featurizing is array operations: no rounding is needed for
speed). A grid is checked once, when the screen is planned (``check_grid``): its points are then valid by
construction and the workers score them without row checks.
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
    return candidate_table(_grid_frame(elements, amounts, anneal_temp_K, anneal_time_s), GRID_FILE, first_row)[0]


def _grid_frame(
    elements: list[str], amounts: np.ndarray, anneal_temp_K: float | None, anneal_time_s: float | None
) -> pd.DataFrame:
    """Amounts as the frame of a user's file: formula text and annealing cells."""
    formulas = [
        "".join(f"{el}{np.format_float_positional(v, trim='-')}" for el, v in zip(elements, row, strict=True) if v > 0)
        for row in np.asarray(amounts, float)
    ]
    annealed = anneal_temp_K is not None
    return pd.DataFrame(
        {
            "composition": formulas,
            "anneal_temp_K": float(anneal_temp_K) if annealed else "",
            "anneal_time_s": float(anneal_time_s) if annealed and anneal_time_s is not None else "",
        }
    )


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


# --------------------------------------------------------------------------- what notebook 09 screens


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
    n_available: int = 0  # candidates there are (grid points, checked CSV rows): n_candidates of them are screened
    table: pd.DataFrame | None = None  # a CSV's checked rows (None for a grid)

    def candidate_rows(self, picked: pd.DataFrame) -> pd.DataFrame:
        """The checked candidate table of screened candidates given as pool rows (at.% per element, source_row)."""
        rows = picked["source_row"].to_numpy()
        if self.table is not None:
            return self.table.set_index("source_row").loc[rows].reset_index()[self.table.columns]
        amounts = picked.reindex(columns=self.elements, fill_value=0.0).to_numpy(float)
        return amounts_table(self.elements, amounts, self.anneal_temp_K, self.anneal_time_s).assign(source_row=rows)


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
    max_candidates: int | None = None,
    chunk_size: int = 20000,
) -> Plan:
    """What to screen: "grid" (the grid parameter, sampled down to max_candidates) or a CSV of compositions.

    ``max_candidates`` None screens every candidate.
    """
    if int(chunk_size) < 1 or (max_candidates is not None and int(max_candidates) < 1):
        raise ScreenError("chunk_size and max_candidates must be at least 1")
    most = None if max_candidates is None else int(max_candidates)
    if candidates == "grid":
        return grid_plan(Grid.from_parameter(grid), anneal_temp_K, anneal_time_s, most, int(chunk_size))
    return csv_plan(candidates, most, int(chunk_size))


def grid_plan(g: Grid, anneal_temp_K, anneal_time_s, max_candidates: int | None, chunk_size: int) -> Plan:
    """The grid's points (a seeded uniform sample of max_candidates when larger), annealed as given."""
    n_valid = g.count()
    if n_valid == 0:
        raise ScreenError(f"the grid {g.describe()} has no point whose balance {g.balance} lies in its range")
    n = n_valid if max_candidates is None else min(n_valid, max_candidates)
    temp = None if as_quenched(anneal_temp_K) else float(anneal_temp_K)
    time_s = None if temp is None or anneal_time_s in (None, "") else float(anneal_time_s)
    check_grid(g, temp, time_s)
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
        n_valid,
    )


def csv_plan(candidates: str | Path, max_candidates: int | None, chunk_size: int) -> Plan:
    """The first max_candidates checked rows of a CSV (amounts as checked, to 0.001 at.%); the report of bad rows."""
    from helpers.data import read_user_csv
    from helpers.paths import resolve

    path = resolve(candidates)
    ds = read_user_csv(path, with_target=False)  # the checks of candidate_table, after reading the file safely
    if ds.table.empty:
        raise ScreenError(no_candidate_left(ds))
    table = ds.table.head(max_candidates)
    return Plan(
        "csv",
        f"{path.name}: {len(table):,} candidates ({len(ds.report)} rows excluded or changed on reading)"
        + "".join(f"; {note}" for note in ds.notes),  # how its columns were read, and those not used
        None,
        Axes.for_table(table),
        len(table),
        math.ceil(len(table) / chunk_size),
        lambda: table_chunks(table, chunk_size),
        None,
        None,
        ds.report,
        len(ds.table),
        table,
    )


def no_candidate_left(ds) -> str:
    """The one line of a candidate file none of whose rows can be screened: how many, the first reason, what to do."""
    excluded = ds.report[ds.report["action"] == "excluded"]
    if excluded.empty:
        return f"{ds.file}: the file has no candidate row; give a CSV or .xlsx file with a composition column"
    first = excluded.iloc[0]
    return (
        f"{ds.file}: no row can be screened: all {ds.rows_read} rows were excluded (first: row {first['source_row']}, "
        f"{first['column']} = {first['value']!r}: {first['reason']}); correct or remove those rows"
    )


def check_grid(g: Grid, anneal_temp_K: float | None, anneal_time_s: float | None) -> None:
    """Check a grid once so that its points need no row checks: elements with data, amounts on the 0.001 at.%
    resolution, and the row checks of helpers.validation on its first point with the treatment (ScreenError)."""
    from helpers.formulas import DECIMALS, no_data_elements

    missing = sorted(set(g.elements) & no_data_elements())
    if missing:
        raise ScreenError(f"grid: element(s) {', '.join(missing)} have no elemental data, so no features")
    units = [g.step, *(bound for bounds in g.ranges.values() for bound in bounds)]
    if any(abs(round(u, DECIMALS) - u) > 1e-9 for u in units):
        raise ScreenError(f"grid: the step and ranges must be multiples of {10**-DECIMALS:g} at.% (the resolution)")
    _, report = candidate_table(_grid_frame(g.elements, next(g.chunks(1)), anneal_temp_K, anneal_time_s), GRID_FILE)
    excluded = report[report["action"] == "excluded"]
    if len(excluded):
        bad = excluded.iloc[0]
        raise ScreenError(f"grid: {bad['column']} = {bad['value']!r}: {bad['reason']}")
