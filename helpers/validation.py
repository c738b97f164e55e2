"""Validation of raw rows into the tidy table: a list of small named checks, each over the whole table.

``CHECKS`` lists them in the order they run (those of the composition live in ``helpers/composition_checks.py``).
A check looks at the rows still in play and returns the problems it found: a row with an ``excluded`` problem leaves
the table (or, in strict mode, stops everything); a ``normalized`` problem is a change made to a kept row (rescaled
amounts, rounding), reported like any other. Every problem names the file, the row as a spreadsheet numbers it, the
column, the value and the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from helpers.annealing import (
    ANNEAL_TEMP_RANGE_K,
    ANNEAL_TIME_RANGE_S,
    ROOM_TEMPERATURE_MAX_K,
    TEMP_WITHOUT_TIME,
    at_room_temperature,
    implausible,
)
from helpers.annealing import is_empty as _is_empty
from helpers.composition_checks import (
    SUM_TOLERANCE_AT_PCT,
    Problems,
    amounts_read,
    amounts_resolvable,
    amounts_sum_to_100,
    elements_have_data,
    formula_parses,
    problems,
    problems_of,
)
from helpers.files import FileProblem
from helpers.formulas import atomic_percent, canonical_formula, formula_of, formula_problem, rounded_percent

__all__ = [
    "ANNEAL_TEMP_RANGE_K",
    "ANNEAL_TIME_RANGE_S",
    "CHECKS",
    "ROOM_TEMPERATURE_MAX_K",
    "SUM_TOLERANCE_AT_PCT",
    "TEMP_WITHOUT_TIME",
    "atomic_percent",
    "canonical_formula",
    "formula_problem",
    "validate",
]

TIDY_COLUMNS = [
    "composition",
    "bs_tesla",
    "anneal_temp_K",
    "anneal_time_s",
    "annealed",
    "fe_at_pct",
    "source",
    "reference",
    "source_row",
]
REPORT_COLUMNS = ["file", "source_row", "column", "value", "reason", "action"]
# Physical bounds (../shared/paper/DOMAIN_NOTES.md): no bulk material exceeds about 2.45 T (Fe65Co35); the annealing
# bounds are helpers/annealing.py's.
BS_MAX_TESLA = 2.5
DUP_KEY_SEPARATOR = "\x1f"  # joins the cells of a row into the key exact_duplicates compares
BS_TOO_HIGH = f"Bs above {BS_MAX_TESLA:g} T (no bulk material reaches that)"


class BadRowError(FileProblem):
    """Strict mode: a row is unusable; the message names the file, the row, the column and the value."""


# --------------------------------------------------------------------------- the checks


def exact_duplicates(work: pd.DataFrame) -> Problems:
    """A row identical in every source column to an earlier one is excluded, pointing at the first."""
    seen = work.attrs.get("seen_rows")  # a file read in chunks: digest of each earlier row -> its row number
    digest = work["dup_key"].map(lambda key: hashlib.blake2b(key.encode(), digest_size=12).digest())
    first = work.groupby(digest)["source_row"].transform("first")
    dup = digest.duplicated()
    if seen is not None:
        earlier = digest.map(seen)
        first, dup = earlier.fillna(first).astype(int), dup | earlier.notna()
        seen.update(zip(digest[~dup], work["source_row"][~dup], strict=True))
    shown = work.loc[dup, "dup_key"].map(_row_text)
    return problems(work.index[dup], "(whole row)", shown, [f"exact duplicate of row {first[i]}" for i in shown.index])


def _row_text(dup_key: str) -> str:
    """The cells of a row as a reader would type them: its non-empty cells, comma-separated."""
    return ",".join(c for c in dup_key.split(DUP_KEY_SEPARATOR) if c.strip() and c != "nan")


def bs_in_range(work: pd.DataFrame) -> Problems:
    """Bs must be a finite number in (0, 2.5] T (no bulk material exceeds about 2.45 T)."""
    if not work.attrs.get("with_target", True) or work.empty:
        return problems([], "", "", "")
    bs = pd.to_numeric(work["bs"], errors="coerce")
    empty = work["bs"].map(_is_empty).astype(bool)
    tests = (empty, bs.isna(), ~np.isfinite(bs.fillna(0)), bs <= 0, bs > BS_MAX_TESLA)
    reasons = ["missing Bs", "non-numeric Bs", "non-finite Bs", "non-positive Bs", BS_TOO_HIGH]
    reason = pd.Series(np.select([t.to_numpy(bool) for t in tests], reasons, ""), index=work.index)
    bad = reason != ""
    label = (work.attrs.get("labels") or {}).get("bs_tesla", "bs_tesla")
    return problems(work.index[bad], label, work.loc[bad, "bs"], reason[bad])


def annealing_plausible(work: pd.DataFrame) -> Problems:
    """Annealing temperature and time are empty (as-quenched) or finite numbers in physically plausible ranges."""
    return problems_of(implausible(work, time_required=not work.attrs.get("with_target", True)))


def room_temperature_as_quenched(work: pd.DataFrame) -> Problems:
    """An "anneal" at room temperature (at most 300 K) is none: the row is kept as as-quenched, and reported."""
    return problems_of(at_room_temperature(work), "normalized")


CHECKS: list[Callable[[pd.DataFrame], Problems]] = [
    exact_duplicates,
    formula_parses,
    amounts_read,
    elements_have_data,
    amounts_sum_to_100,
    amounts_resolvable,
    bs_in_range,
    room_temperature_as_quenched,
    annealing_plausible,
]


# --------------------------------------------------------------------------- running them


def validate(
    raw: pd.DataFrame,
    file: str,
    source: str,
    strict: bool = False,
    element_columns: list[str] | None = None,
    with_target: bool = True,
    seen_rows: dict | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every check in CHECKS; return the tidy table and the report of excluded and changed rows.

    Alloys to predict (no target) need a time with a temperature: a filled-in time is no measurement of that alloy.
    ``seen_rows`` (one dict per file) finds exact duplicates across the chunks of a file read in parts; ``labels``
    (project column -> the user's header) name the columns in the report as the file names them.
    """
    work = raw.copy()
    work["amounts"] = None
    work.attrs.update(element_columns=element_columns, with_target=with_target, seen_rows=seen_rows, labels=labels)
    found = []
    for check in CHECKS:
        result = check(work)
        if result.empty:
            continue
        result = result.assign(file=file, source_row=work.loc[result.index, "source_row"].to_numpy())
        found.append(result)
        work = work.drop(index=result.index[result["action"] == "excluded"])
    report = pd.concat(found) if found else pd.DataFrame(columns=REPORT_COLUMNS)
    report = report.sort_values("source_row", kind="stable")[REPORT_COLUMNS].reset_index(drop=True)
    excluded = report[report["action"] == "excluded"]
    if strict and len(excluded):
        first = excluded.iloc[0]
        raise BadRowError(
            f"{file}, row {first['source_row']}: column '{first['column']}' = {first['value']!r}: {first['reason']}"
        )
    return _tidy(work, source), report


def _tidy(work: pd.DataFrame, source: str) -> pd.DataFrame:
    # the amounts the composition column shows, and the features use
    pct = work["written_amounts"] if "written_amounts" in work else work["amounts"].map(rounded_percent)  # rounded
    temp = pd.to_numeric(work["anneal_temp"].where(~work["anneal_temp"].map(_is_empty)), errors="coerce")
    time = pd.to_numeric(work["anneal_time"].where(~work["anneal_time"].map(_is_empty)), errors="coerce")
    bs = pd.to_numeric(work["bs"], errors="coerce") if work.attrs.get("with_target", True) else np.nan
    table = pd.DataFrame(
        {
            "composition": pct.map(formula_of),
            "bs_tesla": bs,
            "anneal_temp_K": temp.astype(float),
            "anneal_time_s": time.astype(float),
            "annealed": temp.notna(),
            "fe_at_pct": pct.map(lambda p: p.get("Fe", 0.0)),
            "source": source,
            "reference": work["reference"],
            "source_row": work["source_row"].astype(int),
        },
        columns=TIDY_COLUMNS,
    )
    table["annealed"] = table["annealed"].astype(bool)
    table = table.reset_index(drop=True)
    table.index.name = "row_id"
    return table
