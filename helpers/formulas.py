"""Composition text: is it a formula of known elements, its at.% (the project's one rule), its canonical form."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import cache

import numpy as np
from pymatgen.core import Composition, Element

DECIMALS = 3  # amounts are written to 0.001 at.%
ISOTOPES = {"D": "deuterium", "T": "tritium"}  # pymatgen reads these as hydrogen
# How spreadsheets and pandas write an empty cell: "NaN" would otherwise parse as Na + N ("Na" alone is sodium)
MISSING_SPELLINGS = {"nan", "na", "n/a", "#n/a", "null", "none", "missing", "-", "--", "?"}


def formula_problem(text: object) -> str | None:
    """None, or why a composition text is not a formula of known elements (D and T, unknown symbols, empty)."""
    if not isinstance(text, str) or not text.strip():
        return "missing composition"
    if text.strip().lower() in MISSING_SPELLINGS and text.strip() != "Na":
        return f"missing composition (written as '{text.strip()}', a spelling of an empty cell)"
    for symbol in re.findall(r"[A-Z][a-z]*", text):
        if symbol in ISOTOPES:
            return f"'{symbol}' is {ISOTOPES[symbol]}, read as hydrogen; write H if you mean hydrogen"
        if not Element.is_valid_symbol(symbol):
            return f"unknown element(s) {symbol}"
    try:
        comp = Composition(text.strip(), strict=True)
        _remember(text.strip(), comp)  # strict only refuses more: the amounts are those of element_amounts_of
    except Exception as exc:  # pymatgen raises ValueError, KeyError or its own errors
        return f"unparsable formula ({exc})"
    return None if len(comp) else "unparsable formula (no elements)"


@cache
def no_data_elements() -> frozenset[str]:
    """Elements for which pymatgen lacks the atomic-orbital data that matminer's AtomicOrbitals needs."""
    with warnings.catch_warnings():  # pymatgen warns once per element it has no data for: that is the point here
        warnings.simplefilter("ignore")
        return frozenset(Element.from_Z(z).symbol for z in range(1, 119) if not Element.from_Z(z).atomic_orbitals)


def canonical_formula(amounts: dict[str, float]) -> str:
    """Formula in at.% (sum 100, 0.001 at.% resolution), Fe first, then by decreasing amount: 'Fe73.5Si13.5B9Nb3Cu1'."""
    return formula_of(rounded_percent(amounts))


def formula_of(pct: dict[str, float]) -> str:
    """The canonical formula of at.% already rounded by ``rounded_percent`` (Fe first, then by decreasing amount)."""
    pct = {el: v for el, v in pct.items() if v > 0}
    order = sorted(pct, key=lambda el: (el != "Fe", -pct[el], el))
    text = "".join(f"{el}{pct[el]:g}" for el in order)
    if text not in _PARSED:  # what pymatgen reads back: each token as a float, in the order written
        _remember_amounts(text, tuple((el, float(f"{pct[el]:g}")) for el in order))
    return text


def rounded_percent(composition: str | dict[str, float]) -> dict[str, float]:
    """At.% to 0.001 that still sum to exactly 100 (``rounded_percent_rows`` of one composition), in its order."""
    if isinstance(composition, str):
        composition = element_amounts_of(composition)
    present = {el: v for el, v in composition.items() if v > 0}
    elements = sorted(present)
    shown = rounded_percent_rows(np.array([[present[el] for el in elements]], float))[0]
    by_element = dict(zip(elements, shown.tolist(), strict=True))
    return {str(el): by_element[el] for el in present}


def rounded_percent_rows(amounts: np.ndarray) -> np.ndarray:
    """At.% to 0.001 per row that still sum to exactly 100, absent elements 0 (largest remainder: the units lost by
    rounding down go to the largest remainders; ties, float noise aside, to the earlier column, so give the columns
    in alphabetical order). A formula written with them reads back as the same amounts: Fe79.9995B20.0005 is
    Fe79.999B20.001, where rounding each alone wrote Fe79.999B20 (sum 99.999, read back as B 20.0002)."""
    amounts = np.asarray(amounts, float)
    present = amounts > 0
    units = np.where(present, percent_rows(amounts), 0.0) * 10**DECIMALS
    floor = np.floor(units + 1e-6)  # 1e-6: float noise of an exact amount is no remainder
    remainder = np.where(present, np.round(units - floor, 8), -np.inf)  # 1e-11 at.%: float noise
    short = np.maximum(round(100 * 10**DECIMALS) - floor.sum(axis=1), 0)
    rank = np.argsort(np.argsort(-remainder, axis=1, kind="stable"), axis=1, kind="stable")
    return (floor + (present & (rank < short[:, None]))) / 10**DECIMALS


def percent_rows(amounts: np.ndarray) -> np.ndarray:
    """At.% of every element per row of an (rows x elements) array of amounts: each row scaled to sum 100 (the
    project's one at.% rule; ``atomic_percent`` applies it to one formula)."""
    amounts = np.asarray(amounts, float)
    return 100.0 * amounts / amounts.sum(axis=-1, keepdims=True)


def atomic_percent(composition: str | dict[str, float]) -> dict[str, float]:
    """At.% of each element present, from a formula ('Fe80B20') or element amounts (``percent_rows`` of one row)."""
    if isinstance(composition, str):
        composition = element_amounts_of(composition)
    pct = percent_rows(np.array(list(composition.values()), float)).tolist()
    return {str(el): p for (el, v), p in zip(composition.items(), pct, strict=True) if v > 0}


_PARSED: dict[str, tuple[tuple[str, float], ...]] = {}  # formula text -> pymatgen's element amounts
PARSED_KEPT = 2**16  # texts remembered at most (a file read in chunks forgets the chunks before)


def _remember(text: str, composition: Composition) -> tuple[tuple[str, float], ...]:
    return _remember_amounts(text, tuple(composition.get_el_amt_dict().items()))


def _remember_amounts(text: str, amounts: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    if len(_PARSED) >= PARSED_KEPT:
        _PARSED.clear()
    _PARSED[text] = amounts
    return amounts


def element_amounts_of(text: str) -> dict[str, float]:
    """Element amounts of a formula as pymatgen reads it ('Fe80B20' -> {'Fe': 80.0, 'B': 20.0}); each text is parsed
    once (the checks, the features and the domain read a table's formulas; ``formula_problem`` parses it first)."""
    found = _PARSED.get(text)
    return dict(found if found is not None else _remember(text, Composition(text)))


def parse_amounts(compositions: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Elements (in order of first appearance) and the (rows, elements) amounts of formulas, parsed by pymatgen."""
    parsed = [element_amounts_of(text) for text in compositions]
    return amount_array(parsed, list(dict.fromkeys(el for amounts in parsed for el in amounts)))


def amount_array(amounts: Sequence[dict[str, float]], elements: list[str]) -> tuple[list[str], np.ndarray]:
    """The elements and the (rows, elements) array of element amounts given one dict per row."""
    column = {el: i for i, el in enumerate(elements)}
    array = np.zeros((len(amounts), len(elements)))
    for row, found in enumerate(amounts):
        for el, amount in found.items():
            array[row, column[el]] = amount
    return elements, array
