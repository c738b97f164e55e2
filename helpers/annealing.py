"""Annealing conditions of a row: empty (as-quenched) or plausible, and a room-temperature "anneal" read as none.

Physical bounds (../shared/paper/DOMAIN_NOTES.md): alloys of this kind melt near 1400-1500 K, so a higher annealing
temperature is not an anneal, nor is one below room temperature; 30 days bounds any annealing time. A temperature of
at most 300 K is room temperature: the ribbon was not heated, so the row is as-quenched (the default data hold a few
rows at 298 K, most of them without a time); such a row is kept as as-quenched and reported as normalized.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

ANNEAL_TEMP_RANGE_K = (290.0, 1500.0)
ANNEAL_TIME_RANGE_S = (0.0, 30 * 24 * 3600.0)
ROOM_TEMPERATURE_MAX_K = 300.0
TEMP_WITHOUT_TIME = "annealing temperature given without a time; give both (or neither, for as-quenched)"
LABELS = {"anneal_temp": "anneal_temp_K", "anneal_time": "anneal_time_s"}  # work column -> the project's name

Found = list[tuple[object, str, object, str]]  # (row label, column, value, reason)


def is_empty(value: object) -> bool:
    """An empty cell: None, NaN or blank text."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def _labels(work: pd.DataFrame) -> dict[str, str]:
    """The user's names of the annealing columns (helpers.columns), else the project's."""
    given = work.attrs.get("labels") or {}
    return {key: given.get(name, name) for key, name in LABELS.items()}


def implausible(work: pd.DataFrame, time_required: bool) -> Found:
    """Rows whose annealing values are not numbers in the plausible ranges, or a time without a temperature (or,
    for alloys to predict, a temperature without a time)."""
    labels = _labels(work)
    found = []
    for i, row in work[~_plainly_fine(work, time_required)].iterrows():  # the rule itself: _row_problem
        problem = _row_problem(row, time_required, labels)
        if problem:
            found.append((i, *problem))
    return found


def _plainly_fine(work: pd.DataFrame, time_required: bool) -> np.ndarray:
    """Rows _row_problem passes at a glance (both cells empty, or numbers inside their ranges), found as array
    operations; every other row goes through _row_problem."""
    ok = []
    empty = {key: work[key].map(is_empty).to_numpy(bool) for key in ("anneal_temp", "anneal_time")}
    for key, (lo, hi) in (("anneal_temp", ANNEAL_TEMP_RANGE_K), ("anneal_time", ANNEAL_TIME_RANGE_S)):
        number = pd.to_numeric(work[key], errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            ok.append(empty[key] | ((number >= lo) & (number <= hi)))
    paired = ~(empty["anneal_temp"] & ~empty["anneal_time"])
    if time_required:
        paired &= ~(~empty["anneal_temp"] & empty["anneal_time"])
    return ok[0] & ok[1] & paired


def _row_problem(row: pd.Series, time_required: bool, labels: dict[str, str]) -> tuple[str, object, str] | None:
    for key, (lo, hi), unit in (("anneal_temp", ANNEAL_TEMP_RANGE_K, "K"), ("anneal_time", ANNEAL_TIME_RANGE_S, "s")):
        value = row[key]
        if is_empty(value):
            continue
        number = pd.to_numeric(value, errors="coerce")
        reason = None
        if pd.isna(number):
            reason = "non-numeric annealing value"
        elif not math.isfinite(number):
            reason = "non-finite annealing value"
        elif number < 0:
            reason = "negative annealing value"
        elif not lo <= number <= hi:
            why = "below room temperature or above melting is not an anneal" if unit == "K" else "30 days"
            reason = f"annealing value outside the plausible range {lo:g} to {hi:g} {unit} ({why})"
        if reason:
            return labels[key], value, reason
    if is_empty(row["anneal_temp"]) and not is_empty(row["anneal_time"]):
        return labels["anneal_temp"], row["anneal_temp"], "annealing time given without a temperature"
    if time_required and is_empty(row["anneal_time"]) and not is_empty(row["anneal_temp"]):
        return labels["anneal_time"], row["anneal_time"], TEMP_WITHOUT_TIME
    return None


def at_room_temperature(work: pd.DataFrame) -> Found:
    """Rows 'annealed' at room temperature (290 to 300 K): made as-quenched in ``work`` (with or without a time),
    and reported."""
    temp = pd.to_numeric(work["anneal_temp"].where(~work["anneal_temp"].map(is_empty)), errors="coerce")
    room = temp.between(ANNEAL_TEMP_RANGE_K[0], ROOM_TEMPERATURE_MAX_K)  # lower: not an anneal (annealing_plausible)
    label = _labels(work)["anneal_temp"]
    found = [
        (
            i,
            label,
            work.at[i, "anneal_temp"],
            f"annealing at {temp[i]:g} K is room temperature (at most {ROOM_TEMPERATURE_MAX_K:g} K), no anneal: "
            "read as as-quenched (temperature and time left out)",
        )
        for i in work.index[room]
    ]
    if room.any():
        work.loc[room, ["anneal_temp", "anneal_time"]] = None  # empty: NaN in a numeric column, None in a text one
    return found
