"""What a worker does with one chunk: load the models once, build and score the candidate table, summarize it.

``score_table`` uses the training featurizer (``helpers.features.build_features``, no second implementation; the
cache is off, chunks are not worth keeping), the ensemble, the R2-best and F1-best networks, the conformal interval
and the domain flag, exactly as ``helpers.predict.predict_table`` computes them (a test checks the two agree).
``summarize_chunk`` is what goes back: the best ``top_k`` rows by the interval's lower bound, the Pareto set of
lower bound against total metalloid content, histogram counts of (Fe, Bs), a map of Bs over two elements, counts
in the domain and above the threshold; ``screen_chunk`` adds the seconds each step took.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.screening.candidates import amounts_table
from helpers.screening.summary import TOP_COLUMNS, Axes, pareto, rank

METALLOIDS = ("B", "Si", "P", "C")

_MODELS: dict[str, object] = {}


def _in_dask_worker() -> bool:
    try:
        from distributed import get_worker

        get_worker()
        return True
    except (ImportError, ValueError):
        return False


def models(out_dir: str | Path, worker: bool = False):
    """The saved models of an output folder, loaded once per process (a Dask worker keeps them between chunks).

    ``worker``: this process is a Dask worker: TensorFlow gets one thread, and the one-job warnings are off.
    """
    key = str(Path(out_dir).expanduser().resolve())
    if key not in _MODELS:
        from helpers.modeling.backend import tensorflow
        from helpers.modeling.saved_models import load_saved_models

        tf = tensorflow()
        if worker or _in_dask_worker():  # one thread per worker process: n workers on n cores scale
            # joblib and scikit-learn say, for every chunk, that they run one job in a daemon process: they should
            warnings.filterwarnings("ignore", message=".*(Loky-backed|daemon=True|daemonic).*")
            try:
                tf.config.threading.set_intra_op_parallelism_threads(1)
                tf.config.threading.set_inter_op_parallelism_threads(1)
            except RuntimeError:  # TensorFlow already started in this process
                pass
        saved = load_saved_models(key)
        saved.calibration.difficulty(saved.calibration.X[:1], np.zeros(1))  # fit the neighbour search once
        _MODELS[key] = saved
    return _MODELS[key]


def load_models_here(out_dir: str) -> float:
    """Load the models into this worker process (once); the seconds it took (0 when already loaded)."""
    t0 = time.perf_counter()
    models(out_dir, worker=True)
    return time.perf_counter() - t0


def score_table(
    table: pd.DataFrame, out_dir: str | Path, level: float = 0.9, worker: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Predictions, interval, domain flag and status per candidate (as predict_table), and the seconds per step.

    The seconds: ``load_s`` (the models, 0 when already loaded), ``featurize_s`` (the featurizer alone) and
    ``predict_s`` (the networks, the interval and the domain flag alone).
    """
    from helpers.features import build_features
    from helpers.predict import OUTPUT_COLUMNS, predictions

    t0 = time.perf_counter()
    fresh = str(Path(out_dir).expanduser().resolve()) not in _MODELS
    saved = models(out_dir, worker)
    t1 = time.perf_counter()
    with warnings.catch_warnings():  # joblib warns, in daemon worker processes, that it runs one job: it should
        warnings.simplefilter("ignore")
        X, _, _ = build_features(table, spec=saved.spec, cache_dir=None, progress=False)
    t2 = time.perf_counter()
    out = predictions(table, X, saved, level)
    out = out[OUTPUT_COLUMNS].assign(fe_at_pct=table["fe_at_pct"].to_numpy())
    t3 = time.perf_counter()
    return out, {"load_s": t1 - t0 if fresh else 0.0, "featurize_s": t2 - t1, "predict_s": t3 - t2}


def metalloid_total(compositions: pd.Series) -> pd.Series:
    """B + Si + P + C in at.% per composition."""
    from helpers.domain import element_amounts

    amounts = element_amounts(compositions)
    return amounts.reindex(columns=list(METALLOIDS), fill_value=0.0).sum(axis=1).round(3)


def _map_counts(ok: pd.DataFrame, table: pd.DataFrame, axes: Axes) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of the ensemble's Bs per cell of the map over two elements."""
    from helpers.domain import element_amounts

    amounts = element_amounts(table.loc[ok.index, "composition"]) if len(ok) else pd.DataFrame()
    idx = [
        np.clip(
            np.round((amounts.get(e, pd.Series(0.0, index=ok.index)).to_numpy() - lo) / axes.map_step).astype(int),
            0,
            n - 1,
        )
        for e, lo, n in zip(axes.map_elements, axes.map_lo, axes.map_shape, strict=False)
    ]
    map_sum, map_count = np.zeros(axes.map_shape), np.zeros(axes.map_shape)
    np.add.at(map_sum, tuple(idx), ok["bs_ensemble"].to_numpy())
    np.add.at(map_count, tuple(idx), 1)
    return map_sum, map_count


def summarize_chunk(
    scored: pd.DataFrame, table: pd.DataFrame, axes: Axes, top_k: int, threshold: float, n_excluded: int = 0
) -> dict:
    """What a worker sends back for one chunk: its best rows, Pareto set, histogram and map counts, counts.

    ``n_excluded``: rows of the chunk the candidate checks left out; they count as candidates refused.
    """
    ok = scored[scored["status"] == "ok"].copy()
    ok["metalloid_at_pct"] = metalloid_total(ok["composition"]).to_numpy()
    hist, _, _ = np.histogram2d(ok["fe_at_pct"], ok["bs_ensemble"], bins=[axes.fe_edges, axes.bs_edges])
    map_sum, map_count = _map_counts(ok, table, axes)
    inside = ok["in_domain"].astype(bool)
    return {
        "n": len(scored) + n_excluded,
        "n_refused": int((scored["status"] != "ok").sum()) + n_excluded,
        "n_in_domain": int(inside.sum()),
        "n_above_threshold": int((ok["bs_ensemble"] >= threshold).sum()),
        "n_in_domain_above_threshold": int((inside & (ok["bs_ensemble"] >= threshold)).sum()),
        "n_in_domain_lower_above_threshold": int((inside & (ok["bs_lower"] >= threshold)).sum()),
        "top": rank(ok)[TOP_COLUMNS].head(top_k),
        "pareto": pareto(ok)[TOP_COLUMNS],
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
) -> dict:
    """One task: amounts (with elements) or a tidy table -> checked table -> scored -> summarized, with timings.

    The timings: those of ``score_table``, ``table_s`` (building and checking the candidate table), ``task_s`` (the
    whole task) and the worker's process id.
    """
    t0 = time.perf_counter()
    table = chunk if elements is None else amounts_table(elements, chunk, anneal_temp_K, anneal_time_s, first_row)
    table_s = time.perf_counter() - t0
    scored, timing = score_table(table, out_dir, level, worker)
    summary = summarize_chunk(scored, table, axes, top_k, threshold, n_excluded=len(chunk) - len(table))
    summary["timing"] = {**timing, "table_s": table_s, "task_s": time.perf_counter() - t0, "pid": os.getpid()}
    return summary
