"""Candidates screened per second with 1 and with 2 Dask workers, the predict step's GFLOP/s against sgemm, scale-out.

    python benchmarks/bench_screening.py [--analysis outputs/default] [--candidates N] [--chunk-size 20000]

Both runs screen notebook 09's default grid (helpers.screening.DEFAULT_GRID, annealed at 773 K for 3600 s; all of its
844,375 points unless --candidates takes a seeded sample) on a LocalCluster of 1 and then 2 worker processes (1
thread each). The models are loaded on every worker before the clock starts (that time is printed apart). Where the
time goes, summed over the chunks: featurize_s (the vectorized featurizer from raw amounts), predict_s (the stacked
networks, the interval and the domain flag: the span of predict_s in tables/screen_summary.csv), of which
networks_s (the forward pass alone), glass_s (P(glass) of notebook 08's model and the glass-domain flag, beside the
Bs interval: the screen ranks by rules.DEFAULT_RULE, which reads P(glass)), table_summary_s (the rest of each task:
reading the chunk, the chunk summary with the few rows that leave a worker) and transfer_s (worker-seconds not spent
inside a task: n_workers * wall time - task seconds, i.e. sending chunks and results and waiting). GFLOP/s: the
multiply-adds of the 100 runs and the two selected networks (2 x weights per candidate) over networks_s (and over the
whole predict_s), beside a large float32 matrix product (TensorFlow, the predictions' library and thread settings)
measured in each worker process: `gflops_ratio` is the first over the third. The last line is `scale_out_ratio: X`
(2-worker over 1-worker candidates per second).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers import screening  # noqa: E402
from helpers.paths import PROJECT_ROOT, resolve  # noqa: E402
from helpers.screening.worker import sgemm_gflops  # noqa: E402


def bench(analysis: str, n_workers: int, candidates: int | None, chunk_size: int) -> dict:
    """Screen the default grid on a LocalCluster of n_workers; throughput, GFLOP/s and where the time goes."""
    todo = screening.plan("grid", screening.DEFAULT_GRID, 773.0, 3600.0, candidates, chunk_size)
    t0 = time.perf_counter()
    client = screening.open_client("local", n_workers)
    start_s = time.perf_counter() - t0
    try:
        load = screening.preload(client, analysis)
        sgemm = list(client.run(sgemm_gflops).values())
        result = screening.screen(todo, analysis, client, progress=False)
        sgemm += list(client.run(sgemm_gflops).values())  # before and after: the machine's load may change
    finally:
        screening.close_client(client)
    t = result.timings
    return {
        "workers": n_workers,
        "candidates": result.counts["n"],
        "seconds": result.seconds,
        "per_s": result.counts["n"] / result.seconds,
        "cluster_start_s": start_s,
        "model_load_s": max(load.values()),
        "featurize_s": t["featurize_s"].sum(),
        "predict_s": t["predict_s"].sum(),
        "networks_s": t["networks_s"].sum(),
        "glass_s": t["glass_s"].sum(),
        "table_summary_s": (t["task_s"] - t["load_s"] - t["featurize_s"] - t["predict_s"] - t["glass_s"]).sum(),
        "transfer_s": max(n_workers * result.seconds - t["task_s"].sum(), 0.0),
        "networks_gflops": t["flops"].sum() / t["networks_s"].sum() / 1e9,
        "predict_gflops": t["flops"].sum() / t["predict_s"].sum() / 1e9,
        "sgemm_gflops": sum(sgemm) / len(sgemm),
        "mflop_per_candidate": t["flops"].sum() / result.counts["n"] / 1e6,
        "mflop_unfolded": t["flops_unfolded"].sum() / result.counts["n"] / 1e6,
        "chunks": len(t),
    }


def report(r: dict) -> None:
    """Print one measurement: throughput, where the worker-seconds go, GFLOP/s against sgemm."""
    n = r["workers"]
    print(
        f"{n} worker{'s' if n > 1 else ' '}: {r['candidates']:,} candidates in {r['seconds']:.1f} s = "
        f"{r['per_s']:,.0f} candidates/s (cluster start {r['cluster_start_s']:.1f} s, model load "
        f"{r['model_load_s']:.1f} s per worker, not counted; {r['chunks']} chunks)",
        flush=True,
    )
    busy = r["featurize_s"] + r["predict_s"] + r["glass_s"] + r["table_summary_s"] + r["transfer_s"]
    print(
        f"  where the worker-seconds go: featurize {r['featurize_s']:.1f} s ({r['featurize_s'] / busy:.0%}), "
        f"predict {r['predict_s']:.1f} s ({r['predict_s'] / busy:.0%}; networks alone {r['networks_s']:.1f} s), "
        f"P(glass) {r['glass_s']:.1f} s ({r['glass_s'] / busy:.0%}), "
        f"chunk and summary {r['table_summary_s']:.1f} s ({r['table_summary_s'] / busy:.0%}), "
        f"transfer/scheduling {r['transfer_s']:.1f} s ({r['transfer_s'] / busy:.0%})",
        flush=True,
    )
    print(
        f"  per worker: networks {r['networks_gflops']:.1f} GFLOP/s (whole predict step {r['predict_gflops']:.1f}), "
        f"sgemm {r['sgemm_gflops']:.1f} GFLOP/s in the same processes (before and after): gflops_ratio "
        f"{r['networks_gflops'] / r['sgemm_gflops']:.2f} (predict step {r['predict_gflops'] / r['sgemm_gflops']:.2f}); "
        f"{r['mflop_per_candidate']:.2f} MFLOP per candidate ({r['mflop_unfolded']:.2f} without folding the "
        "constant features)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--analysis",
        default=str(PROJECT_ROOT / "outputs" / "default"),
        help="output folder with trained models (default outputs/default)",
    )
    parser.add_argument(
        "--candidates", type=int, default=None, help="a seeded sample of this many grid points (default: all)"
    )
    parser.add_argument("--chunk-size", type=int, default=20000, help="candidates per task (default 20000)")
    args = parser.parse_args(argv)
    analysis = str(resolve(args.analysis))
    rows = []
    for n in (1, 2):
        rows.append(bench(analysis, n, args.candidates, args.chunk_size))
        report(rows[-1])
    print(f"scale_out_ratio: {rows[1]['per_s'] / rows[0]['per_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
