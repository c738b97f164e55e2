"""The full-size equality check of the vectorized featurizer against matminer (too slow for the test suite).

    python benchmarks/check_features_equal.py [--grid 10000] [--random 10000] [--workers 2] [--seed 0]

Featurizes --grid random points of notebook 09's default grid and --random random compositions over the training
elements (1 to 7 elements, 3 decimals) with both implementations and applies the rule of the tests
(helpers.features.check.deviations: 1e-9 relative; identical for picked and discrete values). matminer runs on
--workers processes. matminer is slow, and slowest on 3-decimal compositions (its AtomicOrbitals expands the integer
formula, e.g. Fe82468Si7532Zr7000B3000), so the default sizes take most of an hour on a small machine; each sample's
matminer time is printed. Prints the worst features and exits 1 when any feature disagrees.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from helpers import data, features
from helpers.features import check


def matminer_in_parallel(formulas: list[str], workers: int) -> pd.DataFrame:
    """The matminer stack's features, computed in chunks on worker processes."""
    chunks = [list(c) for c in np.array_split(np.array(formulas, dtype=object), max(1, 8 * workers)) if len(c)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(features.composition_features, chunks, ["matminer"] * len(chunks)))
    return pd.concat(parts)


def check_sample(name: str, amounts: pd.DataFrame, workers: int) -> bool:
    """Compare both implementations on one sample; print the outcome; True when every feature agrees."""
    formulas = check.formulas(amounts)
    t0 = time.perf_counter()
    reference = matminer_in_parallel(formulas, workers)
    t1 = time.perf_counter()
    fast = features.featurize_amounts(list(amounts.columns), amounts.to_numpy()).set_axis(reference.index)
    from_formulas = features.composition_features(formulas)
    found = pd.concat([check.deviations(reference, fast), check.deviations(reference, from_formulas)])
    worst = found.groupby(level=0)["max_relative_deviation"].max().sort_values(ascending=False)
    print(f"{name}: {len(formulas):,} compositions, matminer {t1 - t0:.0f} s on {workers} workers")
    print(f"  largest relative deviations: {', '.join(f'{k} {v:.1e}' for k, v in worst.head(3).items())}")
    bad = sorted(set(found.index[~found["agrees"]]))
    print(f"  {'all 156 features agree' if not bad else 'DISAGREE: ' + ', '.join(bad)}")
    return not bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=10_000, help="random points of the default grid")
    parser.add_argument("--random", type=int, default=10_000, help="random 3-decimal compositions")
    parser.add_argument("--workers", type=int, default=2, help="processes for matminer")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    elements = features.parse_amounts(sorted(set(data.load_source("wang2018").table["composition"])))[0]
    ok = True
    if args.grid:
        ok &= check_sample("default grid", check.grid_points(args.grid, seed=args.seed), args.workers)
    if args.random:
        sample = check.random_compositions(elements, args.random, seed=args.seed)
        ok &= check_sample(f"random over {len(elements)} training elements", sample, args.workers)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
