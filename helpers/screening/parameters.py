"""Notebook 09's checks that need the screen's own rules: the grid (the checks a CSV's formulas get), the annealing of
grid candidates (the ranges a CSV's annealing columns get) and the scheduler with its workers. The parameter schema
(helpers/pipeline/schema.py) calls them; each raises ScreenError in one line naming the parameter and what to give."""

from __future__ import annotations

import math
import os

from helpers.screening.grid import Grid, ScreenError
from helpers.validation import ANNEAL_TEMP_RANGE_K, ANNEAL_TIME_RANGE_S, ROOM_TEMPERATURE_MAX_K


def check_grid_parameter(grid: object) -> None:
    """The grid parameter as Grid reads it (elements, ranges, step, balance)."""
    Grid.from_parameter(grid)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_annealing(anneal_temp_K: object, anneal_time_s: object) -> None:
    """Grid candidates are as-quenched (temperature None, 0 or empty) or annealed in the plausible ranges."""
    if anneal_temp_K is None or anneal_temp_K == "" or (anneal_temp_K == 0 and not isinstance(anneal_temp_K, bool)):
        return
    high = ANNEAL_TEMP_RANGE_K[1]
    if not _finite(anneal_temp_K) or not ROOM_TEMPERATURE_MAX_K < anneal_temp_K <= high:
        raise ScreenError(
            f"anneal_temp_K = {anneal_temp_K!r}: give a number above {ROOM_TEMPERATURE_MAX_K:g} and up to "
            f"{high:,.0f} K (or 0 or None for as-quenched candidates: room temperature is no anneal)"
        )
    if anneal_time_s is None or anneal_time_s == "":
        raise ScreenError(f"anneal_time_s = {anneal_time_s!r}: an annealed candidate needs a time in s")
    lo, hi = ANNEAL_TIME_RANGE_S
    if not _finite(anneal_time_s) or not lo <= anneal_time_s <= hi:
        raise ScreenError(f"anneal_time_s = {anneal_time_s!r}: give a number from {lo:,.0f} to {hi:,.0f} s")


def check_scheduler(dask_scheduler: object, n_workers: object) -> None:
    """'local' with 1 to 4 processes per core, or a scheduler address such as tcp://host:8786."""
    if dask_scheduler == "local":
        cores = os.cpu_count() or 1
        ok = isinstance(n_workers, int) and not isinstance(n_workers, bool) and 1 <= n_workers <= 4 * cores
        if not ok:
            raise ScreenError(
                f"n_workers = {n_workers!r}: give a whole number from 1 to {4 * cores} (this machine has {cores} "
                "cores; 1 thread per worker)"
            )
        return
    if not isinstance(dask_scheduler, str) or "://" not in dask_scheduler:
        raise ScreenError(f"dask_scheduler = {dask_scheduler!r}: give 'local' or an address such as tcp://host:8786")
