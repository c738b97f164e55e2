"""Compositions featurized per second on one core: the vectorized featurizer, the matminer stack, and their ratio.

    python benchmarks/bench_featurize.py [--vectorized 200000] [--matminer 300] [--repeats 3]

Both featurize random points of notebook 09's default grid (at.%, step 0.5). The vectorized path takes the raw
amounts array (what a screen has) and is timed as the best of --repeats runs after one warm-up (the element tables
are built once per process; that time is printed apart); a second line times it from formula strings (pymatgen
parses each one). matminer featurizes the grid formulas with the paper's stack (MultipleFeaturizer, one job).
Both run in this process, pinned to one core with single-threaded BLAS; the vectorized rate per CPU second is printed
too (on a loaded machine the wall clock counts time the core gave to others). The last line is `ratio: X`
(vectorized over matminer, wall clock).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: set before NumPy loads its BLAS

from helpers import features  # noqa: E402
from helpers.features import check  # noqa: E402


def best_rate(run, n: int, repeats: int) -> float:
    """Items per second (wall clock) of the fastest of ``repeats`` calls of run()."""
    return n / min(_timed(run)[0] for _ in range(repeats))


def _timed(run) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call (CPU time tells what a loaded machine hides)."""
    t0, c0 = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectorized", type=int, default=200_000, help="grid points for the vectorized path")
    parser.add_argument("--matminer", type=int, default=300, help="grid points for the matminer stack")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the vectorized path (best counts)")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    points = check.grid_points(args.vectorized, seed=0)
    elements, amounts = list(points.columns), points.to_numpy()
    t0 = time.perf_counter()
    features.featurize_amounts(elements, amounts[:10])
    print(f"element tables and first call: {time.perf_counter() - t0:.2f} s (once per process)")
    fast = best_rate(lambda: features.featurize_amounts(elements, amounts), len(amounts), args.repeats)
    print(
        f"vectorized (raw amounts): {fast:,.0f} compositions/s ({len(amounts):,} grid points, best of {args.repeats})"
    )
    cpu = len(amounts) / _timed(lambda: features.featurize_amounts(elements, amounts))[1]
    print(f"vectorized (raw amounts) per CPU second: {cpu:,.0f} compositions/s (what the core gave this process)")
    formulas = check.formulas(points.iloc[: min(len(points), 20_000)])
    parsed = best_rate(lambda: features.composition_features(formulas), len(formulas), 1)
    print(f"vectorized (formula strings, pymatgen parses them): {parsed:,.0f} compositions/s ({len(formulas):,})")
    sample = formulas[: args.matminer]
    features.composition_features(sample[:2], "matminer")  # the stack's data sources load once
    slow = best_rate(lambda: features.composition_features(sample, "matminer"), len(sample), 1)
    print(f"matminer stack: {slow:,.0f} compositions/s ({len(sample):,} grid points)")
    print(f"ratio: {fast / slow:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
