"""What a worker does with one chunk: load the models once, featurize and score the chunk as arrays, summarize it.

A grid chunk is an (rows x elements) array of amounts: its features come straight from the amounts
(``helpers.features.build_features_from_amounts``: no formula text, no parsing, no cache); the grid was checked once
when the screen was planned (``candidates.check_grid``), so its points need no row checks here. A CSV chunk is a
checked tidy table (its rows passed ``helpers.validation`` when the plan read the file). Scoring is
``helpers.scoring`` (every network in one stacked forward pass, the interval and the domain flag as array
operations), equal to ``helpers.predict.predictions``. ``summarize_chunk`` is what goes back: the best ``top_k`` rows
by the ranking's rule (default the ensemble mean), the Pareto set of lower bound against total metalloid content,
histogram counts of (Fe, Bs), a map of Bs over two elements, counts in the domain and above the threshold.
Composition texts and domain notes are written only for the rows that leave the worker (the candidates of the top
rows and of the Pareto set).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.cluster import in_dask_worker, one_thread_here
from helpers.formulas import parse_amounts, percent_rows
from helpers.scoring import Scores, output_frame, score_features
from helpers.screening.candidates import amounts_table
from helpers.screening.glass import glass_columns, glass_front, glass_hist, glass_of
from helpers.screening.grid import ScreenError
from helpers.screening.pool import POOL_SIZE, chunk_pool
from helpers.screening.summary import DEFAULT_RANKING, TOP_COLUMNS, Axes, Ranking, pareto

METALLOIDS = ("B", "Si", "P", "C")

_MODELS: dict[str, tuple] = {}


def models(out_dir: str | Path, worker: bool = False) -> tuple:
    """The saved models of an output folder and their stacked networks, loaded once per process (a Dask worker keeps
    them between chunks). ``worker``: this process is a Dask worker: TensorFlow gets one thread, one-job warnings off.
    """
    key = str(Path(out_dir).expanduser().resolve())
    if key not in _MODELS:
        from helpers.modeling.files import DEFAULT_MODELS, load_saved_models

        if worker or in_dask_worker():  # one thread per worker process: n workers on n cores scale
            one_thread_here()
        saved = load_saved_models(key, DEFAULT_MODELS)
        stack = saved.stack
        stack.predict_scaled(np.zeros((1, len(saved.spec.columns)), np.float32))  # build the forward pass once
        saved.calibration.difficulty(saved.calibration.X[:1], np.zeros(1))  # fit the neighbour search once
        _MODELS[key] = (saved, stack)
    return _MODELS[key]


def load_models_here(out_dir: str) -> float:
    """Load the models into this worker process (once); the seconds it took (0 when already loaded)."""
    t0 = time.perf_counter()
    models(out_dir, worker=True)
    glass_of(out_dir)
    return time.perf_counter() - t0


def sgemm_gflops(size: int = 2048, repeats: int = 3) -> float:
    """GFLOP/s of a large float32 matrix product in this process, with the thread settings of its predictions."""
    from helpers.modeling.network import tensorflow

    tf = tensorflow()
    a = tf.constant(np.random.default_rng(0).random((size, size), np.float32))
    tf.matmul(a, a).numpy()
    best = min(_seconds(lambda: tf.matmul(a, a).numpy()) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _seconds(work: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def percent_frame(elements: list[str], amounts: np.ndarray) -> pd.DataFrame:
    """At.% per element (rows x elements): ``formulas.percent_rows``, as ``helpers.domain.element_amounts`` gives."""
    return pd.DataFrame(percent_rows(amounts), columns=list(elements))


def annealing_frame(n: int, anneal_temp_K: float | None, anneal_time_s: float | None) -> pd.DataFrame:
    """The annealing columns of n grid candidates treated alike (as the tidy table of ``helpers.validation``)."""
    annealed = anneal_temp_K is not None
    return pd.DataFrame(
        {
            "anneal_temp_K": np.full(n, float(anneal_temp_K) if annealed else np.nan),
            "anneal_time_s": np.full(n, float(anneal_time_s) if annealed and anneal_time_s is not None else np.nan),
            "annealed": np.full(n, annealed),
        }
    )


def score_amounts(
    elements: list[str], amounts: np.ndarray, annealing: pd.DataFrame, out_dir: str | Path, level: float, worker: bool
) -> tuple[Scores, pd.DataFrame, dict]:
    """Scores of candidates given as amounts (rows x elements) with their annealing columns; their at.%; seconds.

    The seconds: ``load_s`` (the models, 0 when already loaded), ``featurize_s`` (the featurizer alone),
    ``predict_s`` (the networks, the interval and the domain flag) and, inside it, ``networks_s``; ``glass_s`` (P(glass)
    and the glass-domain flag); ``flops`` done by the networks (``flops_unfolded``: without the folding of constant
    features).
    """
    from helpers.features import build_features_from_amounts

    t0 = time.perf_counter()
    fresh = str(Path(out_dir).expanduser().resolve()) not in _MODELS
    saved, stack = models(out_dir, worker)
    t1 = time.perf_counter()
    X = build_features_from_amounts(elements, amounts, annealing.reset_index(drop=True), saved.spec)
    percent = percent_frame(elements, amounts)
    t2 = time.perf_counter()
    scores = score_features(X, percent, annealing["annealed"].to_numpy(bool), saved, stack, level)
    t3 = time.perf_counter()
    scores.p_glass, scores.in_glass_domain = glass_columns(X, percent, out_dir)
    t4 = time.perf_counter()
    timing = {
        "load_s": t1 - t0 if fresh else 0.0,
        "featurize_s": t2 - t1,
        "predict_s": t3 - t2,
        "networks_s": scores.networks_s,
        "glass_s": t4 - t3,
        "flops": scores.flops,
        "flops_unfolded": float(stack.flops_per_row()) * len(amounts),
    }
    return scores, percent, timing


def score_table(
    table: pd.DataFrame, out_dir: str | Path, level: float = 0.9, worker: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Predictions, interval, domain flag and status per row of a checked tidy table (as predict_table); seconds."""
    elements, amounts = parse_amounts(table["composition"])
    scores, percent, timing = score_amounts(elements, amounts, table, out_dir, level, worker)
    saved, _ = models(out_dir, worker)
    out = output_frame(table, scores, percent.set_axis(table.index), saved.domain).assign(
        fe_at_pct=table["fe_at_pct"].to_numpy(), p_glass=scores.p_glass, in_glass_domain=scores.in_glass_domain
    )
    return out, timing


def leaving_candidates(score: np.ndarray, lower: np.ndarray, metalloid: np.ndarray, top_k: int) -> np.ndarray:
    """Rows that can enter the top_k by the ranking's score or the Pareto set (lower bound per metalloid content): a
    score at least the top_k-th largest, or the largest lower bound of its metalloid content (ties kept: the
    ranking's later keys decide among them)."""
    if len(lower) <= top_k:
        return np.arange(len(lower))
    score = np.nan_to_num(score, nan=-np.inf)
    kth = -np.partition(-score, top_k - 1)[top_k - 1]
    groups, group_of = np.unique(metalloid, return_inverse=True)
    best = np.full(len(groups), -np.inf)
    np.maximum.at(best, group_of, lower)
    return np.flatnonzero((score >= kth) | (lower == best[group_of]))


def _map_counts(bs: np.ndarray, percent: pd.DataFrame, axes: Axes) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of the ensemble's Bs per cell of the map over two elements."""
    idx = [
        np.clip(np.round((percent[e].to_numpy() - lo) / axes.map_step).astype(int), 0, n - 1)
        if e in percent
        else np.clip(np.full(len(percent), round(-lo / axes.map_step)), 0, n - 1)
        for e, lo, n in zip(axes.map_elements, axes.map_lo, axes.map_shape, strict=False)
    ]
    map_sum, map_count = np.zeros(axes.map_shape), np.zeros(axes.map_shape)
    np.add.at(map_sum, tuple(idx), bs)
    np.add.at(map_count, tuple(idx), 1)
    return map_sum, map_count


def summarize_chunk(
    scores: Scores,
    percent: pd.DataFrame,
    rows_of: Callable[[np.ndarray], pd.DataFrame],
    domain,
    axes: Axes,
    top_k: int,
    threshold: float,
    ranking: Ranking = DEFAULT_RANKING,
    source_rows: np.ndarray | None = None,
    pool_size: int = POOL_SIZE,
) -> dict:
    """What a worker sends back for one chunk: its best rows by ``ranking``, its pool (the best pool_size by the rule,
    as numbers), Pareto set, histogram and map counts.

    ``rows_of(indices)`` gives the tidy rows (composition, fe_at_pct, annealing) of some candidates of the chunk;
    ``source_rows`` their row numbers in the screen (default 0, 1, ...).
    """
    ok = np.flatnonzero(scores.ok)
    bs, lower, inside = scores.predicted["bs_ensemble"][ok], scores.lower[ok], scores.in_domain[ok]
    kept = percent.iloc[ok].reset_index(drop=True)
    fe = np.round(kept["Fe"].to_numpy(), 3) if "Fe" in kept else np.zeros(len(ok))
    metalloid = kept.reindex(columns=list(METALLOIDS), fill_value=0.0).sum(axis=1).round(3).to_numpy()
    hist, _, _ = np.histogram2d(fe, bs, bins=[axes.fe_edges, axes.bs_edges])
    map_sum, map_count = _map_counts(bs, kept, axes)
    score = ranking.scores(scores.rows(ok))
    chosen = ok[leaving_candidates(score, lower, metalloid, top_k)]
    numbers = np.arange(len(scores.ok)) if source_rows is None else np.asarray(source_rows)
    table = rows_of(chosen).reset_index(drop=True)
    rows = pd.concat([table, scores.rows(chosen)], axis=1)
    rows["metalloid_at_pct"] = metalloid[np.searchsorted(ok, chosen)]
    rows["domain_notes"] = scores.domain_notes(chosen, percent, domain)
    return {
        "n": len(scores.ok),
        "n_refused": int((~scores.ok).sum()),
        "n_in_domain": int(inside.sum()),
        "n_above_threshold": int((bs >= threshold).sum()),
        "n_in_domain_above_threshold": int((inside & (bs >= threshold)).sum()),
        "n_in_domain_lower_above_threshold": int((inside & (lower >= threshold)).sum()),
        "top": ranking.order(rows)[TOP_COLUMNS].head(top_k),
        "pareto": pareto(rows)[TOP_COLUMNS],
        "pool": chunk_pool(kept, score, bs, numbers[ok], pool_size),
        "glass_front": glass_front(bs, scores.p_glass[ok]),
        "glass_hist": glass_hist(bs, scores.p_glass[ok], axes.bs_edges),
        "hist": hist,
        "map_sum": map_sum,
        "map_count": map_count,
    }


def screen_chunk(
    elements: list[str] | None,
    chunk,
    out_dir: str,
    axes: Axes,
    top_k: int,
    threshold: float,
    level: float = 0.9,
    anneal_temp_K: float | None = None,
    anneal_time_s: float | None = None,
    first_row: int = 0,
    worker: bool = False,
    ranking: Ranking = DEFAULT_RANKING,
    pool_size: int = POOL_SIZE,
) -> dict:
    """One task: amounts (with elements) or a checked tidy table -> scored as arrays -> summarized, with timings.

    The timings: those of ``score_amounts``, ``table_s`` (reading the chunk's amounts: the formulas of a table),
    ``task_s`` (the whole task) and the worker's process id.
    """
    t0 = time.perf_counter()
    if elements is None:
        table = chunk.reset_index(drop=True)
        elements, amounts = parse_amounts(table["composition"])
        annealing = table
        rows_of: Callable[[np.ndarray], pd.DataFrame] = lambda idx: table.iloc[idx]
        source_rows = table["source_row"].to_numpy()
    else:
        amounts = np.asarray(chunk, float)
        annealing = annealing_frame(len(amounts), anneal_temp_K, anneal_time_s)
        rows_of = _grid_rows(elements, amounts, anneal_temp_K, anneal_time_s, first_row)
        source_rows = first_row + np.arange(len(amounts))
    table_s = time.perf_counter() - t0
    scores, percent, timing = score_amounts(elements, amounts, annealing, out_dir, level, worker)
    domain = models(out_dir)[0].domain
    summary = summarize_chunk(scores, percent, rows_of, domain, axes, top_k, threshold, ranking, source_rows, pool_size)
    summary["timing"] = {**timing, "table_s": table_s, "task_s": time.perf_counter() - t0, "pid": os.getpid()}
    return summary


def _grid_rows(elements, amounts, anneal_temp_K, anneal_time_s, first_row) -> Callable[[np.ndarray], pd.DataFrame]:
    """The tidy rows of some grid points (through the candidate checks: few rows leave a worker)."""

    def rows_of(idx: np.ndarray) -> pd.DataFrame:
        table = amounts_table(elements, amounts[idx], anneal_temp_K, anneal_time_s, first_row)
        if len(table) != len(idx):
            raise ScreenError("a grid point failed the candidate checks; the grid should have been refused by plan")
        return table.assign(source_row=first_row + idx)

    return rows_of
