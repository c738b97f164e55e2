"""Notebook 09's parameters, checked before a cluster starts: each bad value gets one line naming the parameter, the
value and what to do (ScreenError). The grid's elements go through the checks a CSV's formulas get (Grid)."""

from __future__ import annotations

import math
import os

from helpers.screening.grid import Grid, ScreenError
from helpers.validation import ANNEAL_TEMP_RANGE_K, ANNEAL_TIME_RANGE_S

MAX_CHUNK_SIZE = 100_000  # candidates per task: a larger chunk only costs memory on a worker
MAX_TOP_K = 100_000  # rows of tables/screen_top.csv (every worker returns top_k rows per chunk)


def whole_number(name: str, value: object, low: int, high: int | None = None, hint: str = "") -> int:
    """value as an int in [low, high]; ScreenError in one line otherwise."""
    ok = (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value == int(value)
    )
    number = int(value) if ok else None
    if number is None or number < low or (high is not None and number > high):
        span = f"from {low:,} to {high:,}" if high is not None else f"of at least {low:,}"
        raise ScreenError(f"{name} = {value!r}: give a whole number {span}{hint}")
    return number


def _anneal_number(name: str, value: object, limits: tuple[float, float], unit: str) -> float:
    """A finite annealing value inside its plausible range (the range a CSV's annealing columns get)."""
    lo, hi = limits
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not lo <= value <= hi:
        raise ScreenError(
            f"{name} = {value!r}: give a number from {lo:,.0f} to {hi:,.0f} {unit}"
            + (" (or 0 or None for as-quenched candidates)" if unit == "K" else "")
        )
    return float(value)


def check_annealing(anneal_temp_K: object, anneal_time_s: object) -> None:
    """Grid candidates are as-quenched (temperature None, 0 or empty) or annealed in the plausible ranges."""
    if anneal_temp_K is None or anneal_temp_K == "" or (anneal_temp_K == 0 and not isinstance(anneal_temp_K, bool)):
        return
    _anneal_number("anneal_temp_K", anneal_temp_K, ANNEAL_TEMP_RANGE_K, "K")
    if anneal_time_s is None or anneal_time_s == "":
        raise ScreenError(f"anneal_time_s = {anneal_time_s!r}: an annealed candidate needs a time in s")
    _anneal_number("anneal_time_s", anneal_time_s, ANNEAL_TIME_RANGE_S, "s")


def check_scheduler(dask_scheduler: object, n_workers: object) -> None:
    """'local' with 1 to 4 processes per core, or a scheduler address such as tcp://host:8786."""
    if dask_scheduler == "local":
        cores = os.cpu_count() or 1
        whole_number("n_workers", n_workers, 1, 4 * cores, f" (this machine has {cores} cores; 1 thread per worker)")
        return
    if not isinstance(dask_scheduler, str) or "://" not in dask_scheduler:
        raise ScreenError(f"dask_scheduler = {dask_scheduler!r}: give 'local' or an address such as tcp://host:8786")


def check_screen_parameters(
    candidates: object,
    grid: object,
    anneal_temp_K: object,
    anneal_time_s: object,
    max_candidates: object,
    top_k: object,
    dask_scheduler: object,
    n_workers: object,
    chunk_size: object,
) -> None:
    """Every parameter of notebook 09, before anything starts; ScreenError in one line for the first bad one."""
    from helpers.pipeline.consistency import one_line_errors

    one_line_errors(ScreenError)  # in a notebook: the line, without a traceback
    if not isinstance(candidates, str) or not candidates.strip():
        raise ScreenError(f"candidates = {candidates!r}: give 'grid' or the path of a CSV with a composition column")
    if candidates == "grid":
        Grid.from_parameter(grid)
        check_annealing(anneal_temp_K, anneal_time_s)
    whole_number("max_candidates", max_candidates, 1)
    whole_number("top_k", top_k, 1, MAX_TOP_K, " (rows of tables/screen_top.csv)")
    whole_number("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE, " (candidates per task)")
    check_scheduler(dask_scheduler, n_workers)
