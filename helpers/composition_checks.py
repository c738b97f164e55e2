"""The checks of a row's composition: it parses, its amounts are numbers, have elemental data, sum to 100 and are
resolvable to 0.001 at.% (``helpers.validation.CHECKS`` runs them with the others). The amounts of a whole table are
rounded at once (``formulas.rounded_percent_rows``); texts are written only for the rows with a problem.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.formulas import (
    DECIMALS,
    amount_array,
    element_amounts_of,
    formula_problem,
    no_data_elements,
    percent_rows,
    rounded_percent_rows,
)

SUM_TOLERANCE_AT_PCT = 1.0


Problems = pd.DataFrame  # index: row labels of the work table; columns: column, value, reason, action


def problems(index, column: str | pd.Series, value, reason: str | pd.Series, action: str = "excluded") -> Problems:
    """A problem table for the given rows."""
    return pd.DataFrame({"column": column, "value": value, "reason": reason, "action": action}, index=pd.Index(index))


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
        return problems_of([])
    found = []
    for i, row in work.iterrows():
        amounts, column, reason = _amounts(row, work.attrs.get("element_columns"))
        work.at[i, "amounts"] = amounts
        if reason:
            found.append((i, column, row.get(column, row.get("formula", "")), reason))
    return problems_of(found)


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
        [written_text(work.loc[i]) for i, _ in found],
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
    zeros, column = _written_zero(work), {el: j for j, el in enumerate(elements)}
    for row in np.flatnonzero(~lost):
        i = work.index[row]
        if changed[row].any() and not rescaled[row]:
            written = ", ".join(
                f"{el} {pct[row, column[el]]:.6g}" for el in work.at[i, "amounts"] if changed[row, column[el]]
            )
            found.append((i, f"amounts rounded to 0.001 at.%: {written}", "normalized"))
        if zeros[row]:
            found.append((i, f"element(s) {', '.join(zeros[row])} with amount 0 left out", "normalized"))
    work["written_amounts"] = [  # the tidy table's amounts (rounded once), in each composition's order
        {el: float(shown[row, column[el]]) for el in a if a[el] > 0} for row, a in enumerate(work["amounts"])
    ]
    found = sorted(found, key=lambda f: work.index.get_loc(f[0]))
    return problems(
        [f[0] for f in found],
        "composition",
        [written_text(work.loc[f[0]]) for f in found],
        [f[1] for f in found],
        [f[2] for f in found],
    )


def _amount_array(amounts: pd.Series) -> tuple[list[str], np.ndarray]:
    """Elements (alphabetical, as ``rounded_percent_rows`` wants them) and the (rows x elements) array of amounts."""
    return amount_array(list(amounts), sorted({el for a in amounts for el in a}))


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


def problems_of(found: list[tuple], action: str = "excluded") -> Problems:
    """A problem table from (row label, column, value, reason) tuples."""
    return problems([f[0] for f in found], [f[1] for f in found], [f[2] for f in found], [f[3] for f in found], action)


def _written_rows(rows: pd.DataFrame) -> list[str]:
    """The composition of each row as the user wrote it (``written_text``)."""
    return [written_text(row) for _, row in rows.iterrows()]


def written_text(row: pd.Series) -> str:
    """The composition of a row as the user wrote it: its formula, or its element columns' amounts."""
    if isinstance(row.get("formula"), str):
        return row["formula"]
    amounts = row["amounts"] or {}
    return "".join(f"{el}{v:g}" for el, v in amounts.items() if v > 0)
