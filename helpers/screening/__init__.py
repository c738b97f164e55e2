"""Screening candidate alloys at scale on Dask (notebook 09): a lazy composition grid, chunks scored on workers, merged.

The modules: ``grid`` (``Grid``, ``DEFAULT_GRID``), ``candidates`` (checked candidate tables, ``plan``), ``worker``
(models loaded once per process, a chunk scored with ``helpers.scoring`` and summarized), ``summary`` (ranking,
Pareto set, merge, ``summary_row``) and ``cluster`` (the Dask client, ``run_screen``, ``screen``; the local cluster
itself is ``helpers.cluster``, shared with the discovery simulation). The figures are in
``helpers.plots.screening``; the retrospective check is ``helpers.retrospective``.
"""

from helpers.cluster import close_client
from helpers.screening.candidates import Plan, amounts_table, candidate_table, case_study_candidates, plan
from helpers.screening.cluster import (
    batch_rows,
    n_workers_of,
    open_client,
    preload,
    run_screen,
    score_on,
    screen,
)
from helpers.screening.grid import DEFAULT_GRID, Grid, ScreenError
from helpers.screening.summary import Axes, Ranking, ScreenResult, summary_row
from helpers.screening.worker import score_table

__all__ = [
    "DEFAULT_GRID",
    "Axes",
    "Grid",
    "Plan",
    "Ranking",
    "ScreenError",
    "ScreenResult",
    "amounts_table",
    "candidate_table",
    "batch_rows",
    "case_study_candidates",
    "close_client",
    "n_workers_of",
    "open_client",
    "plan",
    "preload",
    "run_screen",
    "score_on",
    "score_table",
    "screen",
    "summary_row",
]
