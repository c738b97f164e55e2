"""Which column of a user's table is read as what: the column names, their known spellings and units.

A user's file names its columns ``composition``, ``bs_tesla`` and, optionally, ``anneal_temp_K``, ``anneal_time_s``
and ``reference``. Other spellings of the same column are read too, case and separators aside ("Composition",
"Anneal Temp (K)", "annealing_time_min"), and a unit is converted only where the header states it ("(°C)", "_min",
"[h]"), with one note per converted column. A header that names an annealing column without its unit, or names
the annealing in one column ("annealing", often a merged header cell over two columns), is refused in one line; every
column that is not used is named, with the column it may have meant.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from helpers.files import FileProblem

NAMES = ("composition", "bs_tesla", "anneal_temp_K", "anneal_time_s", "reference")
ANNEAL_WORDS = {"anneal", "annealing", "annealed"}
TEMP_WORDS = {"temp", "temperature", "t"}
TIME_WORDS = {"time", "duration", "t"}
# unit word -> (column, factor, offset): the column's value = cell * factor + offset
UNITS = {
    "k": ("anneal_temp_K", 1.0, 0.0),
    "kelvin": ("anneal_temp_K", 1.0, 0.0),
    "c": ("anneal_temp_K", 1.0, 273.15),
    "degc": ("anneal_temp_K", 1.0, 273.15),
    "celsius": ("anneal_temp_K", 1.0, 273.15),
    "s": ("anneal_time_s", 1.0, 0.0),
    "sec": ("anneal_time_s", 1.0, 0.0),
    "seconds": ("anneal_time_s", 1.0, 0.0),
    "min": ("anneal_time_s", 60.0, 0.0),
    "minutes": ("anneal_time_s", 60.0, 0.0),
    "h": ("anneal_time_s", 3600.0, 0.0),
    "hr": ("anneal_time_s", 3600.0, 0.0),
    "hours": ("anneal_time_s", 3600.0, 0.0),
}
SPELLINGS = {  # words of a header (lower case) -> column, for the columns without a unit to convert
    ("composition",): "composition",
    ("bs", "tesla"): "bs_tesla",
    ("bs", "t"): "bs_tesla",
    ("reference",): "reference",
    ("reference", "doi"): "reference",
    ("doi",): "reference",
}


@dataclass
class Columns:
    """The table with its columns named as the project names them, what each was called, and notes for the user."""

    frame: pd.DataFrame  # the used columns renamed (and converted), the others as they were
    labels: dict[str, str]  # project name -> the user's header
    notes: list[str]


def words(header: str) -> tuple[str, ...]:
    """The lower-case words of a header: 'Anneal Temp (°C)' -> ('anneal', 'temp', 'c')."""
    return tuple(w for w in re.split(r"[^a-z0-9]+", header.lower().replace("°", " ")) if w)


def meaning(header: str) -> tuple[str, float, float] | None:
    """(project column, factor, offset) of a header, or None; FileProblem text (str) for an annealing header that
    cannot be read."""
    if header in NAMES:
        return header, 1.0, 0.0
    found = words(header)
    if found in SPELLINGS:
        return SPELLINGS[found], 1.0, 0.0
    if not ANNEAL_WORDS & set(found):
        return None
    unit = found[-1] if found[-1] in UNITS else None
    kind = {"anneal_temp_K": TEMP_WORDS, "anneal_time_s": TIME_WORDS}
    if unit is not None and kind[UNITS[unit][0]] & set(found[:-1]):
        return UNITS[unit]
    return None


def _anneal_refusal(header: str, path, after: str | None) -> str:
    found = set(words(header))
    if found & (TEMP_WORDS - {"t"}):
        what = "states no unit; name it anneal_temp_K (kelvin) or anneal_temp_C (°C, converted)"
    elif found & (TIME_WORDS - {"t"}):
        what = "states no unit; name it anneal_time_s (seconds), anneal_time_min or anneal_time_h (converted)"
    else:
        merged = " (a merged header cell over two columns?)" if after == "" else ""
        what = f"does not say whether it holds the temperature or the time{merged}; give two columns, "
        what += "anneal_temp_K and anneal_time_s"
    return f"{path}: column '{header}' {what}"


def read_columns(frame: pd.DataFrame, path, required: list[str]) -> Columns:
    """The table with its columns renamed to NAMES (values converted where the header states a unit); FileProblem in
    one line for an annealing column that cannot be read, a column given twice, or a required column missing."""
    headers = [str(c) for c in frame.columns]
    renamed, labels, notes, unused = {}, {}, [], []
    for i, header in enumerate(headers):
        read = meaning(header)
        if read is None and ANNEAL_WORDS & set(words(header)):
            raise FileProblem(_anneal_refusal(header, path, headers[i + 1] if i + 1 < len(headers) else None))
        if read is None:
            unused.append(header)
            continue
        name, factor, offset = read
        if name in labels:
            raise FileProblem(f"{path}: columns '{labels[name]}' and '{header}' both give {name}; keep one of them")
        labels[name] = header
        renamed[header] = _converted(frame[header], factor, offset)
        if header != name:
            unit = "" if (factor, offset) == (1.0, 0.0) else f", converted ({_conversion(factor, offset)})"
            notes.append(f"column '{header}' read as {name}{unit}")
    missing = [c for c in required if c not in labels]
    if missing:
        raise FileProblem(f"{path}: missing required column(s) {', '.join(missing)}; found: {', '.join(headers)}")
    if unused:
        notes.append(unused_note(unused, frame))
    table = frame.assign(**renamed).rename(columns={header: name for name, header in labels.items()})
    return Columns(table, labels, notes)  # the unused columns stay: an exact duplicate is identical in every cell


def _converted(cells: pd.Series, factor: float, offset: float) -> pd.Series:
    """Text cells with a number converted (others kept as written, for the row checks to report)."""
    if (factor, offset) == (1.0, 0.0):
        return cells
    number = pd.to_numeric(cells, errors="coerce")
    return cells.where(number.isna(), (number * factor + offset).round(6).map(repr))


def _conversion(factor: float, offset: float) -> str:
    return f"°C + {offset:g}" if offset else f"{'minutes' if factor == 60 else 'hours'} x {factor:g} = s"


def unused_note(unused: list[str], frame: pd.DataFrame) -> str:
    """'columns not used: temperature_K (did you mean anneal_temp_K?), notes' (a header-less column by its number)."""
    shown = []
    for header in unused:
        if not header:
            number = list(frame.columns).index(header) + 1
            shown.append(f"column {number} (no header)")
            continue
        guess = _guess(header)
        shown.append(f"{header} (did you mean {guess}?)" if guess else header)
    return f"column{'s' if len(shown) > 1 else ''} not used: {', '.join(shown)}"


def _guess(header: str) -> str | None:
    """The project column a header most likely meant: by its words (temperature, time), else by spelling."""
    found = set(words(header))
    if found & (TEMP_WORDS - {"t"}) or (found & {"t", "ta"} and found & {"k", "c", "kelvin", "celsius"}):
        return "anneal_temp_K"
    if found & (TIME_WORDS - {"t"}) or (found & {"t", "ta"} and found & {"s", "min", "h", "sec", "hours"}):
        return "anneal_time_s"
    close = difflib.get_close_matches(header.lower(), [n.lower() for n in NAMES], n=1, cutoff=0.6)
    return next((n for n in NAMES if close and n.lower() == close[0]), None)
