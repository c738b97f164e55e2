"""The pool the batch to make next is drawn from: a screen's best candidates by the ranking's rule, as numbers.

Beside its top_k rows, each worker sends back its best ``pool_size`` candidates that pass the rule (a finite score),
as numbers only (at.% per element to 0.001, the score, the ensemble mean and the row number): no texts, so a pool of
thousands costs little. ``merge_pools`` keeps the best ``pool_size`` of all chunks, in one order (the score, then the
ensemble mean, then the row number): exactly the screen's best ``pool_size``, since every chunk sent its own best
``pool_size``. ``pick_batch`` draws the batch from the pool greedily, no two closer than ``MIN_DISTANCE_AT_PCT``
(``helpers.discovery.batch.apart``). It is the batch the whole screen gives when it is full or the pool holds every
candidate that passes the rule (``Pool.complete``): the greedy choice never looks past the pool. The top 50 of a fine
grid are neighbours of one another; the pool reaches far enough down the ranking to find candidates apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.discovery.batch import MIN_DISTANCE_AT_PCT, apart, check_batch

POOL_SIZE = 10_000  # candidates the batch is drawn from (the best by the rule): far more than top_k
NUMBERS = ["score", "bs_ensemble", "source_row"]  # the pool's columns after the at.% of each element


@dataclass
class Pool:
    """The best candidates of a screen by the rule (best first) and how many candidates passed the rule."""

    rows: pd.DataFrame  # at.% per element, then NUMBERS
    n_passing: int

    @property
    def complete(self) -> bool:
        """Whether the pool holds every candidate that passes the rule."""
        return len(self.rows) == self.n_passing

    @property
    def elements(self) -> list[str]:
        """The element columns of the pool."""
        return [c for c in self.rows.columns if c not in NUMBERS]


def best_first(rows: pd.DataFrame) -> np.ndarray:
    """Positions of pool rows best first: the score, then the ensemble mean (both higher first), then the row."""
    return np.lexsort([rows["source_row"].to_numpy(), -rows["bs_ensemble"].to_numpy(), -rows["score"].to_numpy()])


def chunk_pool(
    percent: pd.DataFrame, score: np.ndarray, bs: np.ndarray, source_rows: np.ndarray, pool_size: int
) -> tuple[pd.DataFrame, int]:
    """A chunk's best pool_size rows that pass the rule (a finite score), as numbers; and how many passed."""
    passing = np.flatnonzero(np.isfinite(score))
    rows = percent.iloc[passing].round(3).reset_index(drop=True)
    rows = rows.assign(score=score[passing], bs_ensemble=bs[passing], source_row=np.asarray(source_rows)[passing])
    return rows.iloc[best_first(rows)[:pool_size]].reset_index(drop=True), len(passing)


def merge_pools(parts: list[tuple[pd.DataFrame, int]], pool_size: int) -> Pool:
    """The best pool_size rows of the chunks' pools (elements missing from a chunk are 0 at.%)."""
    frames = [rows for rows, _ in parts if len(rows)]
    n_passing = int(sum(n for _, n in parts))
    if not frames:
        return Pool(pd.DataFrame(columns=NUMBERS), n_passing)
    rows = pd.concat(frames, ignore_index=True)
    elements = [c for c in rows.columns if c not in NUMBERS]
    rows = rows[elements + NUMBERS].fillna({e: 0.0 for e in elements})
    return Pool(rows.iloc[best_first(rows)[:pool_size]].reset_index(drop=True), n_passing)


def pick_batch(pool: Pool, n_next: int, min_distance: float = MIN_DISTANCE_AT_PCT) -> pd.DataFrame:
    """The pool rows of the batch, best first, no two closer than min_distance at.%; with their pick number."""
    check_batch(n_next, min_distance)
    chosen = apart(pool.rows[pool.elements].to_numpy(float), np.arange(len(pool.rows)), n_next, min_distance)
    return pool.rows.iloc[chosen].reset_index(drop=True).assign(pick=np.arange(1, len(chosen) + 1))


def batch_sentence(picked: pd.DataFrame, pool: Pool, n_next: int) -> str:
    """How many were asked for and found, and from how deep a pool."""
    found = f"{len(picked)} of {n_next} asked for, no two closer than {MIN_DISTANCE_AT_PCT:g} at.%"
    depth = f"drawn from the best {len(pool.rows):,} of {pool.n_passing:,} candidates that pass the rule"
    if len(picked) == n_next or pool.complete:
        return f"{found}, {depth}"
    return f"{found}, {depth}: the pool is too close together; a larger pool_size would find more"
