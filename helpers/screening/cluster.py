"""Running a screen: a Dask client (a LocalCluster or an address), chunks sent with a bounded number in flight, merged.

``run_screen`` sends chunks to a client's workers (``distributed.as_completed``), or runs them in this process when
``client`` is None (the reference a Dask run must equal); ``screen`` runs a ``Plan``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pandas as pd

from helpers.cluster import local_client, quiet_dask_logs
from helpers.screening.candidates import Plan
from helpers.screening.glass import check_glass_rule
from helpers.screening.grid import ScreenError
from helpers.screening.pool import POOL_SIZE, batch_sentence, pick_batch
from helpers.screening.summary import DEFAULT_RANKING, Axes, Ranking, ScreenResult, merge
from helpers.screening.worker import load_models_here, score_table, screen_chunk


def open_client(dask_scheduler: str = "local", n_workers: int = 2):
    """A Dask client: "local" starts a LocalCluster of n_workers processes (1 thread each), else an address."""
    from distributed import Client

    if dask_scheduler == "local":
        return local_client(n_workers)
    if not isinstance(dask_scheduler, str) or "://" not in dask_scheduler:
        raise ScreenError(
            f"dask_scheduler must be 'local' or an address such as tcp://host:8786, not {dask_scheduler!r}"
        )
    quiet_dask_logs()
    return Client(dask_scheduler, timeout="30s")


def n_workers_of(client) -> int:
    """Workers connected to the client's scheduler (1 without a client: this process)."""
    return len(client.scheduler_info().get("workers", {})) if client is not None else 1


def preload(client, out_dir: str | Path) -> dict:
    """Load the models on every worker of a client before the chunks arrive; seconds per worker."""
    return client.run(load_models_here, str(Path(out_dir).expanduser().resolve()))


def _progress(total: int | None):
    """A text progress bar over chunks (TQDM_DISABLE=1 in the environment turns it off, as under the pipeline)."""
    from tqdm import tqdm  # the text bar (tqdm.auto warns when ipywidgets is absent)

    return tqdm(total=total, unit="chunk", desc="screening")


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
    ranking: Ranking = DEFAULT_RANKING,
    pool_size: int = POOL_SIZE,
) -> ScreenResult:
    """Score every chunk (amount arrays with ``elements``, or tidy tables) on the client's workers and merge.

    At most ``window`` chunks are in flight (default: 2 per worker + 2), so the candidates are never all in memory.
    Without a client the chunks run here, one after another (the reference the Dask run must equal).
    """
    check_glass_rule(ranking.rank_by, out_dir)
    task = partial(
        screen_chunk,
        out_dir=str(Path(out_dir).expanduser().resolve()),
        axes=axes,
        top_k=top_k,
        threshold=threshold,
        level=level,
        anneal_temp_K=anneal_temp_K,
        anneal_time_s=anneal_time_s,
        ranking=ranking,
        pool_size=pool_size,
    )
    bar = _progress(n_chunks) if progress else None
    start = time.perf_counter()
    if client is None:
        parts = _run_here(task, elements, chunks, bar)
    else:
        parts = _run_on(client, task, elements, chunks, bar, window or 2 * max(n_workers_of(client), 1) + 2)
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    ordered = [parts[i] for i in sorted(parts)]
    return merge(ordered, axes, top_k, seconds, n_workers_of(client), ranking, pool_size)


def _run_here(task: partial, elements: list[str] | None, chunks: Iterator, bar) -> dict[int, dict]:
    """Each chunk in this process, in order; chunk summaries by chunk number."""
    parts: dict[int, dict] = {}
    first_row = 0
    for i, chunk in enumerate(chunks):
        parts[i] = task(elements, chunk, first_row=first_row)
        first_row += len(chunk)
        bar is not None and bar.update()
    return parts


def _run_on(client, task: partial, elements: list[str] | None, chunks: Iterator, bar, window: int) -> dict[int, dict]:
    """Chunks on the client's workers, at most window in flight; chunk summaries by chunk number."""
    from distributed import as_completed

    parts: dict[int, dict] = {}
    numbered = enumerate(chunks)
    pending = as_completed()
    index_of: dict[str, int] = {}
    first_row = 0

    def submit_next() -> bool:
        nonlocal first_row
        try:
            i, chunk = next(numbered)
        except StopIteration:
            return False
        future = client.submit(task, elements, chunk, first_row=first_row, worker=True, pure=False)
        first_row += len(chunk)
        index_of[future.key] = i
        pending.add(future)
        return True

    for _ in range(window):
        if not submit_next():
            break
    try:
        for future in pending:
            parts[index_of.pop(future.key)] = future.result()
            future.release()
            bar is not None and bar.update()
            submit_next()
    except KeyboardInterrupt:  # stop the chunks in flight, so the workers are free (and quiet) for what comes next
        quiet_dask_logs()
        with contextlib.suppress(Exception):
            client.cancel(list(pending.futures))
        raise
    return parts


def screen(
    p: Plan,
    out_dir: str | Path,
    client=None,
    top_k: int = 50,
    threshold: float = 1.4,
    level: float = 0.9,
    progress: bool = True,
    ranking: Ranking = DEFAULT_RANKING,
    pool_size: int = POOL_SIZE,
) -> ScreenResult:
    """Run a plan (see run_screen); ``ranking`` chooses which candidates are the best (default: the ensemble mean),
    ``pool_size`` how many of the best the batch to make next is drawn from."""
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
        ranking=ranking,
        pool_size=pool_size,
    )


def score_on(client, table: pd.DataFrame, out_dir: str | Path, level: float = 0.9) -> pd.DataFrame:
    """Score a small tidy table on one worker (or here without a client): predictions, interval, domain."""
    out_dir = str(Path(out_dir).expanduser().resolve())
    if client is None:
        return score_table(table, out_dir, level)[0]
    return client.submit(score_table, table, out_dir, level, True, pure=False).result()[0]


def batch_rows(
    result: ScreenResult, p: Plan, client, out_dir: str | Path, ranking: Ranking, n_next: int
) -> tuple[pd.DataFrame, str]:
    """The batch to make next, drawn from the screen's pool (``pool.pick_batch``) and scored as every candidate
    (``score_on``), best first by the ranking; and a sentence of how many were found in how deep a pool."""
    picked = pick_batch(result.pool, n_next)
    scored = score_on(client, p.candidate_rows(picked), out_dir) if len(picked) else pd.DataFrame()
    rows = ranking.order(scored) if len(scored) else scored
    return rows, batch_sentence(picked, result.pool, n_next)
