"""Screening candidate alloys at scale on Dask: enumerate a composition grid lazily, score chunks on workers, merge.

Notebook 07 uses this module. The pieces:

* ``Grid``: element ranges and a step in at.%, one balance element (100 minus the others). ``Grid.chunks`` yields
  small arrays of amounts, never the whole grid; ``max_candidates`` caps the number screened with a seeded uniform
  sample of the valid grid points when the grid is larger (``Grid.plan`` says so).
* ``score_table``: what a worker does with one chunk: the training featurizer (``helpers.features.build_features``,
  no second implementation; the cache is off, chunks are not worth keeping), the ensemble, the R2-best and F1-best
  networks, the conformal interval and the domain flag, exactly as ``helpers.predict.predict_table`` computes them
  (a test checks the two agree). Models load once per worker process (``models``, cached by output folder).
* ``summarize_chunk``: what a worker sends back: the best ``top_k`` rows by the interval's lower bound, the Pareto set
  of lower bound against total metalloid content, histogram counts of (Fe, Bs) and a map of Bs over two grid
  elements, counts in the domain and above the threshold, and timings. ``merge`` combines them.
* ``run_screen``: sends chunks to a Dask client with a bounded number in flight (``distributed.as_completed``), or
  runs them in this process when ``client`` is None; ``open_client`` starts a ``LocalCluster`` or connects to an
  address.
* ``retrospective``: the case-study alloys of notebook 05 scored as candidates: how many measured high-Bs alloys land
  in the top fifth by the lower bound (enrichment over random ranking) and the rank correlation.

matminer's featurizers slow down sharply with the number of decimals of the amounts (measured here: 7 ms per
composition at 0.1 at.% resolution, 19 ms at 0.01, 180 ms at 0.001, 750 ms for 12-decimal amounts), so user
candidates are rounded to ``ROUND_AT_PCT`` and every changed row is reported.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

METALLOIDS = ("B", "Si", "P", "C")


def default_grid() -> dict:
    """The `grid` parameter of notebook 07 as declared there (its one source; the benchmark and tests read it)."""
    import ast

    import papermill

    from helpers.paths import PROJECT_ROOT

    declared = papermill.inspect_notebook(str(PROJECT_ROOT / "notebooks" / "07_screen_candidates.ipynb"))
    return ast.literal_eval(declared["grid"]["default"])


ROUND_AT_PCT = 0.1  # user candidates are rounded to this resolution (featurizing stays fast)
HIGH_BS_T = 1.7  # the retrospective counts measured Bs at or above this as high
BS_EDGES = np.round(np.arange(0.0, 2.5 + 1e-9, 0.02), 4)
ROUNDED = dict.fromkeys(["bs_ensemble", "bs_lower", "bs_upper", "bs_r2_best", "bs_f1_best", "ensemble_std"], 4)
BLOCK = 1 << 17  # grid points decoded per numpy block while enumerating
SAMPLE_SEED = 0
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
    "in_domain",
    "domain_notes",
]


class ScreenError(ValueError):
    """A screening parameter that cannot work; the message says why."""


# --------------------------------------------------------------------------- the grid


@dataclass
class Grid:
    """Element ranges (at.%, inclusive) on one step; the balance element takes 100 minus the others."""

    ranges: dict[str, tuple[float, float]]
    step: float
    balance: str

    @classmethod
    def from_parameter(cls, grid: dict) -> Grid:
        """From the notebook parameter: {"Fe": [78, 86], "Si": [0, 10], ..., "step": 0.5, "balance": "Fe"}."""
        from pymatgen.core import Element

        if not isinstance(grid, dict):
            raise ScreenError(
                f"grid must be a dict like {{'Fe': [78, 86], 'Si': [0, 10], 'step': 0.5, "
                f"'balance': 'Fe'}}, not {grid!r}"
            )
        grid = dict(grid)
        step, balance = float(grid.pop("step", 0.5)), grid.pop("balance", "Fe")
        if not step > 0 or not math.isclose(100 / step, round(100 / step), abs_tol=1e-6):
            raise ScreenError(f"grid step must be positive and divide 100 (e.g. 0.5, 0.25, 1), not {step}")
        ranges = {}
        for el, bounds in grid.items():
            if not Element.is_valid_symbol(el):
                raise ScreenError(f"grid: {el!r} is not an element symbol")
            lo, hi = (float(b) for b in bounds)
            if not 0 <= lo <= hi <= 100:
                raise ScreenError(f"grid: {el} range {bounds} must satisfy 0 <= low <= high <= 100 (at.%)")
            if el != balance and not math.isclose((hi - lo) / step, round((hi - lo) / step), abs_tol=1e-6):
                raise ScreenError(f"grid: {el} range {lo:g} to {hi:g} is not a whole number of steps of {step:g}")
            ranges[el] = (lo, hi)
        if balance not in ranges:
            raise ScreenError(f"grid: the balance element {balance!r} needs a range too (e.g. {balance!r}: [78, 86])")
        if "Fe" not in ranges:
            raise ScreenError("grid: the models speak for Fe-based alloys only; give Fe a range")
        return cls(ranges, step, balance)

    @property
    def free(self) -> list[str]:
        """The elements enumerated (all but the balance), in the order given."""
        return [el for el in self.ranges if el != self.balance]

    @property
    def elements(self) -> list[str]:
        """Column order of the amount arrays: balance first, then the free elements."""
        return [self.balance, *self.free]

    def _axes(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([round(self.ranges[el][0] / self.step) for el in self.free], np.int64)
        n = np.array([round((self.ranges[el][1] - self.ranges[el][0]) / self.step) + 1 for el in self.free], np.int64)
        return lo, n

    def _blocks(self) -> Iterator[np.ndarray]:
        """Valid grid points in units of the step (rows x elements, balance first), block by block."""
        lo, n = self._axes()
        total_units = round(100 / self.step)
        b_lo, b_hi = (self.ranges[self.balance][0] / self.step - 1e-9, self.ranges[self.balance][1] / self.step + 1e-9)
        size = int(np.prod(n)) if len(n) else 1
        for start in range(0, size, BLOCK):
            idx = np.arange(start, min(start + BLOCK, size))
            units = (np.stack(np.unravel_index(idx, tuple(n)), axis=1) + lo) if len(n) else np.zeros((1, 0), int)
            balance = total_units - units.sum(axis=1)
            keep = (balance >= b_lo) & (balance <= b_hi)
            yield np.column_stack([balance[keep], units[keep]])

    def count(self) -> int:
        """Number of valid grid points (balance inside its range), counted without keeping them."""
        return sum(len(b) for b in self._blocks())

    def chunks(self, chunk_size: int, max_candidates: int | None = None) -> Iterator[np.ndarray]:
        """Amounts (at.%, rows x elements) in chunks of chunk_size; a seeded uniform sample if the grid is larger."""
        n_valid = self.count()
        chosen = None
        if max_candidates is not None and n_valid > max_candidates:
            chosen = np.sort(np.random.default_rng(SAMPLE_SEED).choice(n_valid, max_candidates, replace=False))
        buffer: list[np.ndarray] = []
        held = seen = 0
        for block in self._blocks():
            if chosen is not None:
                lo_i, hi_i = np.searchsorted(chosen, [seen, seen + len(block)])
                seen += len(block)
                block = block[chosen[lo_i:hi_i] - (seen - len(block))]
            while len(block):
                take = block[: chunk_size - held]
                block = block[len(take) :]
                buffer.append(take)
                held += len(take)
                if held == chunk_size:
                    yield np.round(np.concatenate(buffer) * self.step, 6)
                    buffer, held = [], 0
        if held:
            yield np.round(np.concatenate(buffer) * self.step, 6)

    def describe(self) -> str:
        """One line: the ranges, the step and the balance."""
        parts = [
            f"{el} {lo:g}-{hi:g}" + (" (balance)" if el == self.balance else "") for el, (lo, hi) in self.ranges.items()
        ]
        return f"{', '.join(parts)} at.%, step {self.step:g}"


def amounts_table(
    elements: list[str],
    amounts: np.ndarray,
    anneal_temp_K: float | None = None,
    anneal_time_s: float | None = None,
    first_row: int = 0,
) -> pd.DataFrame:
    """A tidy candidate table (the columns predict and the featurizer read) from an amounts array (at.%)."""
    from helpers.validation import canonical_formula

    amounts = np.asarray(amounts, float)
    formulas = [canonical_formula(dict(zip(elements, row, strict=False))) for row in amounts]
    fe = amounts[:, elements.index("Fe")] if "Fe" in elements else np.zeros(len(amounts))
    annealed = anneal_temp_K is not None
    return pd.DataFrame(
        {
            "composition": formulas,
            "anneal_temp_K": float(anneal_temp_K) if annealed else np.nan,
            "anneal_time_s": float(anneal_time_s) if annealed and anneal_time_s is not None else np.nan,
            "annealed": annealed,
            "fe_at_pct": np.round(fe, 3),
            "source_row": np.arange(first_row, first_row + len(amounts)),
        }
    )


def round_candidates(table: pd.DataFrame, at_pct: float = ROUND_AT_PCT) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Amounts rounded to at_pct (the largest element takes the rounding remainder); the rows changed, reported."""
    from helpers.domain import element_amounts
    from helpers.validation import canonical_formula

    amounts = element_amounts(table["composition"])
    rounded = (amounts / at_pct).round() * at_pct
    largest = amounts.idxmax(axis=1)
    for i, el in largest.items():
        rounded.loc[i, el] += 100.0 - rounded.loc[i].sum()
    rounded = rounded.round(6)
    formulas = pd.Series([canonical_formula(r[r > 0].to_dict()) for _, r in rounded.iterrows()], index=table.index)
    out = table.copy()
    changed = formulas != table["composition"]
    out["composition"] = formulas
    if "Fe" in rounded:
        out["fe_at_pct"] = rounded["Fe"].round(3)
    report = pd.DataFrame(
        {
            "file": "",
            "source_row": table.loc[changed, "source_row"],
            "column": "composition",
            "value": table.loc[changed, "composition"],
            "reason": [
                f"amounts rounded to {at_pct:g} at.% (featurizing long decimals is slow): scored as {f}"
                for f in formulas[changed]
            ],
            "action": "normalized",
        }
    )
    return out, report.reset_index(drop=True)


# --------------------------------------------------------------------------- on a worker: load once, score a chunk

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


def _preload(out_dir: str) -> float:
    """Load the models into this worker process (once); the seconds it took (0 when already loaded)."""
    t0 = time.perf_counter()
    models(out_dir, worker=True)
    return time.perf_counter() - t0


def preload(client, out_dir: str | Path) -> dict:
    """Load the models on every worker of a client before the chunks arrive; seconds per worker."""
    return client.run(_preload, str(Path(out_dir).expanduser().resolve()))


def score_table(
    table: pd.DataFrame, out_dir: str | Path, level: float = 0.9, worker: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Predictions, interval, domain flag and status per candidate (as predict_table), and the seconds spent."""
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
        fe_lo, fe_hi = grid.ranges["Fe"]
        fe_edges = np.arange(fe_lo - grid.step / 2, fe_hi + grid.step, grid.step)
        a, b = (grid.free + [grid.balance, grid.balance])[:2]
        shape = tuple(round((grid.ranges[e][1] - grid.ranges[e][0]) / grid.step) + 1 for e in (a, b))
        return cls(fe_edges, (a, b), (grid.ranges[a][0], grid.ranges[b][0]), grid.step, shape)

    @classmethod
    def for_table(cls, table: pd.DataFrame, step: float = 0.5) -> Axes:
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


def metalloid_total(compositions: pd.Series) -> pd.Series:
    """B + Si + P + C in at.% per composition."""
    from helpers.domain import element_amounts

    amounts = element_amounts(compositions)
    return amounts.reindex(columns=list(METALLOIDS), fill_value=0.0).sum(axis=1).round(3)


def rank(rows: pd.DataFrame) -> pd.DataFrame:
    """Best first: by the interval's lower bound, then the ensemble, then the formula (deterministic ties)."""
    return rows.sort_values(
        ["bs_lower", "bs_ensemble", "composition"], ascending=[False, False, True], kind="mergesort"
    )


def pareto(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows not dominated in (higher lower bound, higher metalloid content): the best Bs per metalloid budget."""
    if rows.empty:
        return rows
    best = rank(rows).drop_duplicates("metalloid_at_pct").sort_values("metalloid_at_pct", ascending=False)
    keep = best["bs_lower"] > best["bs_lower"].cummax().shift(fill_value=-np.inf)
    return best[keep].sort_values("metalloid_at_pct")


def summarize_chunk(scored: pd.DataFrame, table: pd.DataFrame, axes: Axes, top_k: int, threshold: float) -> dict:
    """What a worker sends back for one chunk: its best rows, Pareto set, histogram and map counts, counts."""
    from helpers.domain import element_amounts

    ok = scored[scored["status"] == "ok"].copy()
    ok["metalloid_at_pct"] = metalloid_total(ok["composition"]).to_numpy()
    hist, _, _ = np.histogram2d(ok["fe_at_pct"], ok["bs_ensemble"], bins=[axes.fe_edges, axes.bs_edges])
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
    inside = ok["in_domain"].astype(bool)
    return {
        "n": len(scored),
        "n_refused": int((scored["status"] != "ok").sum()),
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
    """One task: amounts (with elements) or a tidy table -> scored -> summarized, with timings and the worker."""
    t0 = time.perf_counter()
    table = chunk if elements is None else amounts_table(elements, chunk, anneal_temp_K, anneal_time_s, first_row)
    scored, timing = score_table(table, out_dir, level, worker)
    summary = summarize_chunk(scored, table, axes, top_k, threshold)
    summary["timing"] = {**timing, "task_s": time.perf_counter() - t0, "pid": os.getpid()}
    return summary


# --------------------------------------------------------------------------- merging


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


def merge(parts: list[dict], axes: Axes, top_k: int, seconds: float, n_workers: int) -> ScreenResult:
    """Combine chunk summaries: the global top_k and Pareto set, summed counts and maps."""
    keys = [
        "n",
        "n_refused",
        "n_in_domain",
        "n_above_threshold",
        "n_in_domain_above_threshold",
        "n_in_domain_lower_above_threshold",
    ]
    counts = {k: int(sum(p[k] for p in parts)) for k in keys}
    tops = [p["top"] for p in parts if len(p["top"])]
    top = rank(pd.concat(tops)).head(top_k).reset_index(drop=True) if tops else pd.DataFrame(columns=TOP_COLUMNS)
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
    return ScreenResult(top, front, hist, map_mean, axes, counts, timings, seconds, n_workers)


# --------------------------------------------------------------------------- running on Dask


def quiet_dask_logs() -> None:
    """Keep distributed's (and the dashboard's) info and warning lines off the notebook."""
    for name in ("distributed", "tornado", "bokeh", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)


def open_client(dask_scheduler: str = "local", n_workers: int = 2):
    """A Dask client: "local" starts a LocalCluster of n_workers processes (1 thread each), else an address."""
    from distributed import Client, LocalCluster

    quiet_dask_logs()
    if dask_scheduler == "local":
        cluster = LocalCluster(
            n_workers=int(n_workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        return Client(cluster)
    if not isinstance(dask_scheduler, str) or "://" not in dask_scheduler:
        raise ScreenError(
            f"dask_scheduler must be 'local' or an address such as tcp://host:8786, not {dask_scheduler!r}"
        )
    client = Client(dask_scheduler, timeout="30s")
    return client


def close_client(client) -> None:
    """Close a client and, when it started one, its LocalCluster."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def n_workers_of(client) -> int:
    return len(client.scheduler_info().get("workers", {})) if client is not None else 1


def _progress(total: int | None):
    from tqdm import tqdm  # the text bar (tqdm.auto warns when ipywidgets is absent)

    return tqdm(total=total, unit="chunk", desc="screening", disable=os.environ.get("BS_ANN_PROGRESS") == "0")


def run_screen(
    chunks: Iterator,
    out_dir: str | Path,
    axes: Axes,
    client=None,
    elements: list[str] | None = None,
    top_k: int = 20,
    threshold: float = 1.4,
    level: float = 0.9,
    anneal_temp_K: float | None = None,
    anneal_time_s: float | None = None,
    n_chunks: int | None = None,
    window: int | None = None,
    progress: bool = True,
) -> ScreenResult:
    """Score every chunk (amount arrays with ``elements``, or tidy tables) on the client's workers and merge.

    At most ``window`` chunks are in flight (default: 2 per worker + 2), so the candidates are never all in memory.
    Without a client the chunks run here, one after another (the reference the Dask run must equal).
    """
    out_dir = str(Path(out_dir).expanduser().resolve())
    task: Callable = screen_chunk
    kw = dict(
        out_dir=out_dir,
        axes=axes,
        top_k=top_k,
        threshold=threshold,
        level=level,
        anneal_temp_K=anneal_temp_K,
        anneal_time_s=anneal_time_s,
    )
    parts: dict[int, dict] = {}
    bar = _progress(n_chunks) if progress else None
    start = time.perf_counter()
    first_row = 0
    numbered = ((i, c) for i, c in enumerate(chunks))
    if client is None:
        for i, chunk in numbered:
            parts[i] = task(elements, chunk, first_row=first_row, **kw)
            first_row += len(chunk)
            bar is not None and bar.update()
    else:
        from distributed import as_completed

        window = window or 2 * max(n_workers_of(client), 1) + 2
        pending = as_completed()
        index_of = {}

        def submit_next() -> bool:
            nonlocal first_row
            try:
                i, chunk = next(numbered)
            except StopIteration:
                return False
            future = client.submit(task, elements, chunk, first_row=first_row, worker=True, pure=False, **kw)
            first_row += len(chunk)
            index_of[future.key] = i
            pending.add(future)
            return True

        for _ in range(window):
            if not submit_next():
                break
        for future in pending:
            parts[index_of.pop(future.key)] = future.result()
            future.release()
            bar is not None and bar.update()
            submit_next()
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    ordered = [parts[i] for i in sorted(parts)]
    return merge(ordered, axes, top_k, seconds, n_workers_of(client))


def table_chunks(table: pd.DataFrame, chunk_size: int) -> Iterator[pd.DataFrame]:
    """A tidy table in chunks of chunk_size rows."""
    for start in range(0, len(table), chunk_size):
        yield table.iloc[start : start + chunk_size]


def summary_row(result: ScreenResult, threshold: float, source: str, extra: dict | None = None) -> pd.DataFrame:
    """tables/screen_summary.csv: one row of counts, time and throughput."""
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
                "model_load_s": round(t["load_s"].sum(), 2),
                **(extra or {}),
            }
        ]
    )


# --------------------------------------------------------------------------- the retrospective check


def case_study_candidates(case_study_csv: str | Path) -> tuple[pd.DataFrame, pd.Series]:
    """Notebook 05's case-study rows as a tidy candidate table, and their measured Bs."""
    cases = pd.read_csv(case_study_csv)
    measured = cases["measured"] if "measured" in cases else cases["bs_tesla"]
    table = pd.DataFrame(
        {
            "composition": cases["composition"],
            "anneal_temp_K": cases["anneal_temp_K"].astype(float),
            "anneal_time_s": cases["anneal_time_s"].astype(float),
            "annealed": cases["anneal_temp_K"].notna(),
            "fe_at_pct": cases["fe_at_pct"],
            "source_row": np.arange(len(cases)),
        }
    )
    return table, measured.astype(float).reset_index(drop=True)


def retrospective(
    scored: pd.DataFrame, measured: pd.Series, high: float = HIGH_BS_T, top_share: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Enrichment of measured-high alloys in the top share by lower bound, against random ranking; rank correlation.

    Returns the one-row summary and the ranked rows.
    """
    from scipy.stats import spearmanr

    rows = scored.reset_index(drop=True).assign(measured=measured.to_numpy())
    rows = rank(rows[rows["status"] == "ok"]).reset_index(drop=True)
    rows["rank"] = np.arange(1, len(rows) + 1)
    n = len(rows)
    n_top = max(1, math.ceil(top_share * n))
    is_high = rows["measured"] >= high
    hits = int(is_high.iloc[:n_top].sum())
    expected = n_top * is_high.sum() / n if n else np.nan
    rho_ens = spearmanr(rows["bs_ensemble"], rows["measured"]).statistic if n > 2 else np.nan
    rho_low = spearmanr(rows["bs_lower"], rows["measured"]).statistic if n > 2 else np.nan
    inside = rows["in_domain"].astype(bool)
    summary = pd.DataFrame(
        [
            {
                "rows": n,
                "alloys": rows["composition"].nunique(),
                "high_bs_T": high,
                "n_high": int(is_high.sum()),
                "top_share": top_share,
                "n_top": n_top,
                "high_in_top": hits,
                "expected_random": round(expected, 2),
                "enrichment": round(hits / expected, 2) if expected else np.nan,
                "max_enrichment": round(min(n_top, is_high.sum()) / expected, 2) if expected else np.nan,
                "spearman_ensemble": round(float(rho_ens), 3),
                "spearman_lower": round(float(rho_low), 3),
                "rows_in_domain": int(inside.sum()),
            }
        ]
    )
    return summary, rows


# --------------------------------------------------------------------------- figures


def plot_density(result: ScreenResult, training: pd.DataFrame, threshold: float):
    """Predicted Bs (ensemble) against Fe content for all candidates (density), the training data on top."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    hist = np.where(result.hist > 0, result.hist, np.nan)
    mesh = ax.pcolormesh(
        result.axes.fe_edges,
        result.axes.bs_edges,
        hist.T,
        cmap="viridis",
        norm=LogNorm(vmin=1, vmax=max(np.nanmax(result.hist), 2)),
        shading="flat",
    )
    fig.colorbar(mesh, ax=ax, label="candidates per bin")
    ax.scatter(
        training["fe_at_pct"],
        training["bs_tesla"],
        s=14,
        facecolor="white",
        edgecolor="crimson",
        lw=0.9,
        label=f"training data (measured, {len(training)} rows)",
        zorder=3,
    )
    ax.axhline(threshold, color="0.3", ls="--", lw=1, label=f"threshold {threshold:g} T")
    fe_lo, fe_hi = result.axes.fe_edges[0], result.axes.fe_edges[-1]
    ax.set(
        xlim=(min(fe_lo, training["fe_at_pct"].min()) - 1, max(fe_hi, training["fe_at_pct"].max()) + 1),
        ylim=(0.8, 2.1),
        xlabel="Fe (at.%)",
        ylabel="Bs (T)",
        title=f"{result.counts['n'] - result.counts['n_refused']:,} candidates: predicted Bs (ensemble)",
    )
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return fig


def plot_pareto(result: ScreenResult, threshold: float):
    """The Pareto front: best lower-bound Bs for each total metalloid content, with the top candidates."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    top, front = result.top, result.pareto
    ax.scatter(top["metalloid_at_pct"], top["bs_lower"], s=16, color="0.6", label=f"top {len(top)} by lower bound")
    if len(front):
        ax.step(front["metalloid_at_pct"], front["bs_lower"], where="post", color="#1f77b4", lw=1.2)
        inside = front["in_domain"].astype(bool)
        ax.scatter(
            front.loc[inside, "metalloid_at_pct"],
            front.loc[inside, "bs_lower"],
            s=36,
            color="#1f77b4",
            zorder=3,
            label="Pareto front, inside the domain",
        )
        ax.scatter(
            front.loc[~inside, "metalloid_at_pct"],
            front.loc[~inside, "bs_lower"],
            s=36,
            facecolor="white",
            edgecolor="#d62728",
            lw=1.2,
            zorder=3,
            label="Pareto front, outside the domain (a guess)",
        )
    ax.axhline(threshold, color="0.3", ls="--", lw=1, label=f"threshold {threshold:g} T")
    ax.set(
        xlabel="B + Si + P + C (at.%): more usually means easier glass formation",
        ylabel="lower bound of Bs (T)",
        title="Highest lower bound of Bs (prediction interval) for each metalloid content",
    )
    ax.legend(fontsize=8, loc="best", framealpha=0.9)
    return fig


def plot_map(result: ScreenResult):
    """Mean predicted Bs (ensemble) over two grid elements, averaged over the other elements."""
    import matplotlib.pyplot as plt

    ax_ = result.axes
    (a, b), (lo_a, lo_b), step = ax_.map_elements, ax_.map_lo, ax_.map_step
    n_a, n_b = ax_.map_shape
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    image = ax.imshow(
        result.map_mean.T,
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=(lo_a - step / 2, lo_a + (n_a - 0.5) * step, lo_b - step / 2, lo_b + (n_b - 0.5) * step),
    )
    fig.colorbar(image, ax=ax, label="mean predicted Bs (T)")
    ax.set(xlabel=f"{a} (at.%)", ylabel=f"{b} (at.%)", title=f"Predicted Bs over {a} and {b} (mean over the rest)")
    ax.grid(False)
    return fig


# --------------------------------------------------------------------------- what notebook 07 screens


@dataclass
class Plan:
    """The candidates of a screen, ready to stream: chunks (a fresh iterator each call), counts and what was done."""

    source: str
    description: str
    elements: list[str] | None
    axes: Axes
    n_candidates: int
    n_chunks: int
    make_chunks: Callable[[], Iterator]
    anneal_temp_K: float | None
    anneal_time_s: float | None
    report: pd.DataFrame


def as_quenched(anneal_temp_K) -> bool:
    """Empty, None, 0 or NaN mean as-quenched."""
    return (
        anneal_temp_K is None
        or anneal_temp_K == ""
        or (isinstance(anneal_temp_K, (int, float)) and (math.isnan(anneal_temp_K) or anneal_temp_K <= 0))
    )


def plan(
    candidates: str,
    grid: dict,
    anneal_temp_K=None,
    anneal_time_s=None,
    max_candidates: int = 20000,
    chunk_size: int = 250,
) -> Plan:
    """What to screen: "grid" (the grid parameter, sampled down to max_candidates) or a CSV of compositions."""
    if int(chunk_size) < 1 or int(max_candidates) < 1:
        raise ScreenError("chunk_size and max_candidates must be at least 1")
    chunk_size, max_candidates = int(chunk_size), int(max_candidates)
    if candidates == "grid":
        g = Grid.from_parameter(grid)
        n_valid = g.count()
        if n_valid == 0:
            raise ScreenError(f"the grid {g.describe()} has no point whose balance {g.balance} lies in its range")
        n = min(n_valid, max_candidates)
        temp = None if as_quenched(anneal_temp_K) else float(anneal_temp_K)
        time_s = None if temp is None or anneal_time_s in (None, "") else float(anneal_time_s)
        treatment = "as-quenched" if temp is None else f"annealed at {temp:g} K for {time_s:g} s"
        sampled = (
            f"a seeded uniform sample of {n:,} of its {n_valid:,} points (max_candidates)"
            if n < n_valid
            else f"all {n_valid:,} points"
        )
        return Plan(
            "grid",
            f"grid {g.describe()}: {sampled}; {treatment}",
            g.elements,
            Axes.for_grid(g),
            n,
            math.ceil(n / chunk_size),
            lambda: g.chunks(chunk_size, max_candidates),
            temp,
            time_s,
            pd.DataFrame(columns=["file", "source_row", "column", "value", "reason", "action"]),
        )
    from helpers.data import read_user_csv
    from helpers.paths import resolve

    path = resolve(candidates)
    ds = read_user_csv(path, with_target=False)
    if ds.table.empty:
        raise ScreenError(f"{path}: no row can be screened (see the report of bad rows)")
    table, rounded = round_candidates(ds.table)
    rounded["file"] = str(path)
    report = pd.concat([ds.report, rounded], ignore_index=True)
    table = table.head(max_candidates)
    return Plan(
        "csv",
        f"{path.name}: {len(table):,} candidates ({len(ds.report)} rows excluded or changed on "
        f"reading, {len(rounded)} rounded to {ROUND_AT_PCT:g} at.%)",
        None,
        Axes.for_table(table),
        len(table),
        math.ceil(len(table) / chunk_size),
        lambda: table_chunks(table, chunk_size),
        None,
        None,
        report,
    )


def screen(
    p: Plan,
    out_dir: str | Path,
    client=None,
    top_k: int = 50,
    threshold: float = 1.4,
    level: float = 0.9,
    progress: bool = True,
) -> ScreenResult:
    """Run a plan (see run_screen)."""
    return run_screen(
        p.make_chunks(),
        out_dir,
        p.axes,
        client=client,
        elements=p.elements,
        top_k=top_k,
        threshold=threshold,
        level=level,
        anneal_temp_K=p.anneal_temp_K,
        anneal_time_s=p.anneal_time_s,
        n_chunks=p.n_chunks,
        progress=progress,
    )


def score_on(client, table: pd.DataFrame, out_dir: str | Path, level: float = 0.9) -> pd.DataFrame:
    """Score a small tidy table on one worker (or here without a client): predictions, interval, domain."""
    out_dir = str(Path(out_dir).expanduser().resolve())
    if client is None:
        return score_table(table, out_dir, level)[0]
    return client.submit(score_table, table, out_dir, level, True, pure=False).result()[0]
