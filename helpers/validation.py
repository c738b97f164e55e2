"""Validation of raw rows into the tidy table: a list of small named checks, each over the whole table.

``CHECKS`` lists them in the order they run. A check looks at the rows still in play and returns the problems it
found: a row with an ``excluded`` problem leaves the table (or, in strict mode, stops everything); a ``normalized``
problem is a change made to a kept row (rescaled amounts, rounding), reported like any other. Every problem names
the file, the row as a spreadsheet numbers it, the column, the value and the reason.
"""

from __future__ import annotations

import hashlib
import re
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
from helpers.files import FileProblem
from helpers.formulas import (
    DECIMALS,
    atomic_percent,
    canonical_formula,
    element_amounts_of,
    formula_of,
    formula_problem,
    no_data_elements,
    percent_rows,
    rounded_percent,
    rounded_percent_rows,
)

__all__ = [
    "ANNEAL_TEMP_RANGE_K",
    "ANNEAL_TIME_RANGE_S",
    "CHECKS",
    "ROOM_TEMPERATURE_MAX_K",
    "TEMP_WITHOUT_TIME",
    "atomic_percent",
    "canonical_formula",
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
SUM_TOLERANCE_AT_PCT = 1.0
DUP_KEY_SEPARATOR = "\x1f"  # joins the cells of a row into the key exact_duplicates compares
BS_TOO_HIGH = f"Bs above {BS_MAX_TESLA:g} T (no bulk material reaches that)"


class BadRowError(FileProblem):
    """Strict mode: a row is unusable; the message names the file, the row, the column and the value."""


Problems = pd.DataFrame  # index: row labels of the work table; columns: column, value, reason, action


def problems(index, column: str | pd.Series, value, reason: str | pd.Series, action: str = "excluded") -> Problems:
    """A problem table for the given rows."""
    return pd.DataFrame({"column": column, "value": value, "reason": reason, "action": action}, index=pd.Index(index))


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


def formula_parses(work: pd.DataFrame) -> Problems:
    """The composition must parse into known elements (D and T are isotopes, not elements; no unknown symbol)."""
    if "formula" not in work:
        return problems([], "", "", "")
    found = [(i, reason) for i, text in work["formula"].items() if (reason := formula_problem(text))]
    return problems(
        [i for i, _ in found], "composition", [work.at[i, "formula"] for i, _ in found], [r for _, r in found]
    )


def amounts_read(work: pd.DataFrame) -> Problems:
    """Element amounts from the formula or the element columns: numbers, none negative, at least one element."""
    if work.attrs.get("element_columns") is None:  # a formula per row, parsed by the check before: no problem here
        work["amounts"] = [element_amounts_of(text.strip()) for text in work["formula"]]
        return _found([])
    found = []
    for i, row in work.iterrows():
        amounts, column, reason = _amounts(row, work.attrs.get("element_columns"))
        work.at[i, "amounts"] = amounts
        if reason:
            found.append((i, column, row.get(column, row.get("formula", "")), reason))
    return _found(found)


def _amounts(row: pd.Series, element_columns: list[str] | None) -> tuple[dict | None, str, str | None]:
    if element_columns is None:
        return element_amounts_of(row["formula"].strip()), "composition", None
    amounts = {}
    for el in element_columns:
        number = pd.to_numeric(row[el], errors="coerce")
        if pd.isna(row[el]) or (isinstance(row[el], str) and not row[el].strip()):
            continue  # an empty cell in a wide element table means none of that element
        if pd.isna(number):
            return None, el, f"non-numeric amount of {el}"
        if number < 0:
            return None, el, f"negative amount of {el}"
        amounts[el] = float(number)
    if not any(v > 0 for v in amounts.values()):
        return None, "composition", "no element present"
    return amounts, "composition", None


def elements_have_data(work: pd.DataFrame) -> Problems:
    """Every element needs the elemental data the features are computed from (pymatgen has none past U)."""
    found = [(i, sorted(set(a) & no_data_elements())) for i, a in work["amounts"].items()]
    found = [(i, els) for i, els in found if els]
    return problems(
        [i for i, _ in found],
        "composition",
        [_written(work.loc[i]) for i, _ in found],
        [
            f"element(s) {', '.join(els)} have no elemental data (atomic orbitals) in pymatgen, so the "
            "156 features cannot be computed; such alloys are outside what this model can describe"
            for _, els in found
        ],
    )


def amounts_sum_to_100(work: pd.DataFrame) -> Problems:
    """Amounts must sum to 100 ± 1 at.%; a small deviation is rescaled to 100 and reported."""
    total = work["amounts"].map(lambda a: sum(a.values()))
    far = total.sub(100).abs() > SUM_TOLERANCE_AT_PCT
    near = ~far & (total.sub(100).abs() > 1e-6)
    return pd.concat(
        [
            problems(
                work.index[far],
                "composition",
                _written_rows(work[far]),
                [
                    f"element amounts sum to {t:.6g} at.%, more than {SUM_TOLERANCE_AT_PCT:g} from 100"
                    for t in total[far]
                ],
            ),
            problems(
                work.index[near],
                "composition",
                _written_rows(work[near]),
                [f"element amounts sum to {t:.6g} at.%; rescaled to 100" for t in total[near]],
                "normalized",
            ),
        ]
    )


def amounts_resolvable(work: pd.DataFrame) -> Problems:
    """Amounts are kept to 0.001 at.%: a trace below that is refused, and rounding that changes a value is reported."""
    elements, amounts = _amount_array(work["amounts"])
    pct, shown = percent_rows(amounts), rounded_percent_rows(amounts)  # shown: what the formula writes
    present = amounts > 0
    lost = (present & (shown == 0)).any(axis=1)
    changed = present & (np.abs(shown - pct) > 1e-9)
    rescaled = np.abs(amounts.sum(axis=1) - 100) > 1e-6  # reported by amounts_sum_to_100 already
    found = [(i, reason, "excluded") for i, reason in _lost(work.index[lost], pct[lost], shown[lost], elements)]
    zeros = _written_zero(work)
    for row in np.flatnonzero(~lost):
        i = work.index[row]
        if changed[row].any() and not rescaled[row]:
            written = ", ".join(
                f"{el} {pct[row, elements.index(el)]:.6g}"
                for el in work.at[i, "amounts"]
                if changed[row, elements.index(el)]
            )
            found.append((i, f"amounts rounded to 0.001 at.%: {written}", "normalized"))
        if zeros[row]:
            found.append((i, f"element(s) {', '.join(zeros[row])} with amount 0 left out", "normalized"))
    work["written_amounts"] = [  # the tidy table's amounts (rounded once), in each composition's order
        {el: float(shown[row, elements.index(el)]) for el in a if a[el] > 0} for row, a in enumerate(work["amounts"])
    ]
    found = sorted(found, key=lambda f: work.index.get_loc(f[0]))
    return problems(
        [f[0] for f in found],
        "composition",
        [_written(work.loc[f[0]]) for f in found],
        [f[1] for f in found],
        [f[2] for f in found],
    )


def _amount_array(amounts: pd.Series) -> tuple[list[str], np.ndarray]:
    """Elements (alphabetical, as ``rounded_percent_rows`` wants them) and the (rows x elements) array of amounts."""
    elements = sorted({el for a in amounts for el in a})
    column = {el: j for j, el in enumerate(elements)}
    array = np.zeros((len(amounts), len(elements)))
    for row, a in enumerate(amounts):
        for el, v in a.items():
            array[row, column[el]] = v
    return elements, array


def _lost(index, pct: np.ndarray, shown: np.ndarray, elements: list[str]):
    """(row, reason) for rows with an element below the resolution."""
    for i, p, s in zip(index, pct, shown, strict=True):
        lost = [el for j, el in enumerate(elements) if p[j] > 0 and s[j] == 0]
        yield (
            i,
            f"{', '.join(lost)} below {10**-DECIMALS:g} at.% (the resolution of this project); "
            "remove it or give at least 0.001",
        )


def _written_zero(work: pd.DataFrame) -> list[list[str]]:
    """Per row, the elements written in the formula with amount 0 (pymatgen drops 'Cu0' quietly)."""
    if "formula" not in work:
        return [[] for _ in range(len(work))]
    return [
        sorted(set(re.findall(r"[A-Z][a-z]*", text)) - {el for el, v in amounts.items() if v > 0})
        for text, amounts in zip(work["formula"], work["amounts"], strict=True)
    ]


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
    return _found(implausible(work, time_required=not work.attrs.get("with_target", True)))


def room_temperature_as_quenched(work: pd.DataFrame) -> Problems:
    """An "anneal" at room temperature (at most 300 K) is none: the row is kept as as-quenched, and reported."""
    return _found(at_room_temperature(work), "normalized")


def _found(found: list[tuple], action: str = "excluded") -> Problems:
    """A problem table from (row label, column, value, reason) tuples."""
    return problems([f[0] for f in found], [f[1] for f in found], [f[2] for f in found], [f[3] for f in found], action)


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


def _written_rows(rows: pd.DataFrame) -> list[str]:
    """The composition of each row as the user wrote it (``_written``)."""
    return [_written(row) for _, row in rows.iterrows()]


def _written(row: pd.Series) -> str:
    if isinstance(row.get("formula"), str):
        return row["formula"]
    amounts = row["amounts"] or {}
    return "".join(f"{el}{v:g}" for el, v in amounts.items() if v > 0)
