"""What a screen reports: the bins of its counts, ranking and Pareto set, the merge of chunk summaries, one summary row.

A worker summarizes its chunk (``helpers.screening.worker.summarize_chunk``); ``merge`` combines the chunk summaries
into a ``ScreenResult``: the global top rows by the ranking's rule (by default ``rules.DEFAULT_RULE``), the pool the
batch is drawn from, the global Pareto set (lower bound against metalloid content), the Pareto front of Bs against
P(glass), summed counts, the histograms of (Fe, Bs) and (P(glass), Bs) and the map of Bs over two elements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.discovery.rules import DEFAULT_GLASS_THRESHOLD, DEFAULT_RULE, ranking, score
from helpers.screening.glass import P_EDGES, glass_front
from helpers.screening.grid import Grid
from helpers.screening.pool import POOL_SIZE, Pool, merge_pools

BS_EDGES = np.round(np.arange(0.0, 2.5 + 1e-9, 0.02), 4)
ROUNDED = dict.fromkeys(
    ["bs_ensemble", "bs_lower", "bs_upper", "bs_r2_best", "bs_f1_best", "ensemble_std", "p_glass"], 4
)
COUNT_KEYS = [
    "n",
    "n_refused",
    "n_in_domain",
    "n_above_threshold",
    "n_in_domain_above_threshold",
    "n_in_domain_lower_above_threshold",
]
TOP_COLUMNS = [
    "composition",
    "fe_at_pct",
    "metalloid_at_pct",
    "anneal_temp_K",
    "anneal_time_s",
    "bs_ensemble",
    "bs_lower",
    "bs_upper",
    "bs_r2_best",
    "bs_f1_best",
    "ensemble_std",
    "interval_level",
    "interval_calibrated",
    "in_domain",
    "domain_notes",
    "p_glass",
    "in_glass_domain",
]


@dataclass
class Axes:
    """The bins of what a chunk summary counts: Fe and Bs for the density, two elements for the map."""

    fe_edges: np.ndarray
    map_elements: tuple[str, str]
    map_lo: tuple[float, float]
    map_step: float
    map_shape: tuple[int, int]
    bs_edges: np.ndarray = field(default_factory=lambda: BS_EDGES)

    @classmethod
    def for_grid(cls, grid: Grid) -> Axes:
        """Fe bins on the grid's step; the map over the first two free elements."""
        fe_lo, fe_hi = grid.ranges["Fe"]
        fe_edges = np.arange(fe_lo - grid.step / 2, fe_hi + grid.step, grid.step)
        a, b = (grid.free + [grid.balance, grid.balance])[:2]
        shape = tuple(round((grid.ranges[e][1] - grid.ranges[e][0]) / grid.step) + 1 for e in (a, b))
        return cls(fe_edges, (a, b), (grid.ranges[a][0], grid.ranges[b][0]), grid.step, shape)

    @classmethod
    def for_table(cls, table: pd.DataFrame, step: float = 0.5) -> Axes:
        """Fe bins over the table's Fe range; the map over the two non-Fe elements that vary most."""
        from helpers.domain import element_amounts

        amounts = element_amounts(table["composition"])
        fe = amounts.get("Fe", pd.Series([80.0]))
        fe_edges = np.arange(math.floor(fe.min()) - step / 2, math.ceil(fe.max()) + step, step)
        spread = amounts.drop(columns="Fe", errors="ignore").agg(lambda c: c.max() - c.min()).sort_values()
        a, b = (list(spread.index[::-1]) + ["Fe", "Fe"])[:2]
        lo = tuple(math.floor(amounts[e].min() / step) * step if e in amounts else 0.0 for e in (a, b))
        shape = tuple(
            int((amounts[e].max() - low) // step) + 1 if e in amounts else 1 for e, low in zip((a, b), lo, strict=True)
        )
        return cls(fe_edges, (a, b), lo, step, shape)


@dataclass(frozen=True)
class Ranking:
    """How the screen orders candidates: a rule of helpers.discovery.rules, with what its score needs."""

    rank_by: str = DEFAULT_RULE
    best: float | None = None  # the best measured training Bs (ei)
    target: float | None = None  # a Bs to exceed (probability)
    glass_threshold: float | None = DEFAULT_GLASS_THRESHOLD  # the least P(glass) of a candidate (glass_mean)

    def scores(self, rows: pd.DataFrame) -> np.ndarray:
        """The rule's score of every row (higher = better; NaN fails the rule)."""
        return score(rows, self.rank_by, self.best, self.target, glass_threshold=self.glass_threshold)

    def order(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The rows best first (see rank)."""
        return rank(rows, self.rank_by, self.best, self.target, self.glass_threshold)


DEFAULT_RANKING = Ranking()  # by rules.DEFAULT_RULE


def rank(
    rows: pd.DataFrame,
    rank_by: str = DEFAULT_RULE,
    best: float | None = None,
    target: float | None = None,
    glass_threshold: float | None = DEFAULT_GLASS_THRESHOLD,
) -> pd.DataFrame:
    """Best first by the score of a rule of helpers.discovery.rules (default rules.DEFAULT_RULE), with its one
    tie-break (``rules.ranking``: the ensemble, then the formula); adds the columns ``rank_by`` and ``score`` (NaN ranks
    last). ``best`` (the best measured training Bs) is needed by ``ei``, ``target`` (a Bs) by ``probability``,
    ``glass_threshold`` (a P(glass)) by ``glass_mean``.
    """
    scores = score(rows, rank_by, best, target, glass_threshold=glass_threshold) if len(rows) else np.array([])
    return rows.assign(rank_by=rank_by, score=scores).iloc[ranking(scores, rows)]


def pareto(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows not dominated in (higher lower bound, higher metalloid content): the best Bs per metalloid budget."""
    if rows.empty:
        return rows
    best = rank(rows, "lower").drop(columns=["rank_by", "score"]).drop_duplicates("metalloid_at_pct")
    best = best.sort_values("metalloid_at_pct", ascending=False)
    keep = best["bs_lower"] > best["bs_lower"].cummax().shift(fill_value=-np.inf)
    return best[keep].sort_values("metalloid_at_pct")


@dataclass
class ScreenResult:
    """The merged summaries of a screen."""

    top: pd.DataFrame
    pareto: pd.DataFrame
    hist: np.ndarray
    map_mean: np.ndarray
    axes: Axes
    counts: dict
    timings: pd.DataFrame
    seconds: float
    n_workers: int
    pool: Pool  # the best candidates by the rule, as numbers: the batch to make next is drawn from them
    glass_front: pd.DataFrame  # the Pareto front of Bs (ensemble mean) against P(glass)
    glass_hist: np.ndarray  # counts per (P(glass), Bs) bin


def merge(
    parts: list[dict],
    axes: Axes,
    top_k: int,
    seconds: float,
    n_workers: int,
    ranking: Ranking | None = None,
    pool_size: int = POOL_SIZE,
) -> ScreenResult:
    """Combine chunk summaries: the global top_k, pool and Pareto set, summed counts and maps."""
    counts = {k: int(sum(p[k] for p in parts)) for k in COUNT_KEYS}
    tops = [p["top"] for p in parts if len(p["top"])]
    top = (
        ranking.order(pd.concat(tops)).head(top_k).reset_index(drop=True) if tops else pd.DataFrame(columns=TOP_COLUMNS)
    )
    top = top.round(ROUNDED)
    fronts = [p["pareto"] for p in parts if len(p["pareto"])]
    front = pareto(pd.concat(fronts)).reset_index(drop=True) if fronts else pd.DataFrame(columns=TOP_COLUMNS)
    front = front.round(ROUNDED)
    hist = sum(p["hist"] for p in parts) if parts else np.zeros((len(axes.fe_edges) - 1, len(axes.bs_edges) - 1))
    map_sum = sum(p["map_sum"] for p in parts) if parts else np.zeros(axes.map_shape)
    map_count = sum(p["map_count"] for p in parts) if parts else np.zeros(axes.map_shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        map_mean = np.where(map_count > 0, map_sum / np.maximum(map_count, 1), np.nan)
    timings = pd.DataFrame([{"chunk": i, "rows": p["n"], **p["timing"]} for i, p in enumerate(parts)])
    pool = merge_pools([p["pool"] for p in parts], pool_size)
    fronts = [p["glass_front"] for p in parts if len(p["glass_front"])]
    both = pd.concat(fronts) if fronts else pd.DataFrame(columns=["bs_ensemble", "p_glass"])
    glass = glass_front(both["bs_ensemble"].to_numpy(float), both["p_glass"].to_numpy(float))
    glass_counts = (
        sum(p["glass_hist"] for p in parts) if parts else np.zeros((len(P_EDGES) - 1, len(axes.bs_edges) - 1))
    )
    return ScreenResult(
        top, front, hist, map_mean, axes, counts, timings, seconds, n_workers, pool, glass, glass_counts
    )


def summary_row(result: ScreenResult, threshold: float, source: str, extra: dict | None = None) -> pd.DataFrame:
    """tables/screen_summary.csv: one row of counts, time and throughput (featurize_s, predict_s: summed steps)."""
    c = result.counts
    t = result.timings
    return pd.DataFrame(
        [
            {
                "candidates": source,
                "n_candidates": c["n"],
                "seconds": round(result.seconds, 2),
                "n_workers": result.n_workers,
                "candidates_per_s": round(c["n"] / result.seconds, 1) if result.seconds else np.nan,
                "n_refused": c["n_refused"],
                "n_in_domain": c["n_in_domain"],
                "threshold_T": threshold,
                "n_above_threshold": c["n_above_threshold"],
                "n_in_domain_above_threshold": c["n_in_domain_above_threshold"],
                "n_in_domain_lower_above_threshold": c["n_in_domain_lower_above_threshold"],
                "featurize_s": round(t["featurize_s"].sum(), 2),
                "predict_s": round(t["predict_s"].sum(), 2),
                "glass_s": round(t["glass_s"].sum(), 2),
                "model_load_s": round(t["load_s"].sum(), 2),
                **(extra or {}),
            }
        ]
    )
