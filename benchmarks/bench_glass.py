"""Glass-formation probabilities per second on one core, beside the 156 features they are computed from.

    python benchmarks/bench_glass.py OUT [--rows 50000] [--repeats 3]

OUT is an analysis folder where notebook 08 saved its glass model. Random points of notebook 09's default grid (at.%)
are featurized with the vectorized featurizer and given to ``GlassModel.probability``, both timed as the best of
--repeats calls, pinned to one core with single-threaded BLAS (as a screen's worker runs them). The last line is
`ratio: X` (P(glass) rows per second over feature rows per second: above 1, the classifier adds less time to a
chunk than its features take).
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
from helpers.glass.model import load_glass_model  # noqa: E402


def best_seconds(run, repeats: int) -> float:
    """Wall-clock seconds of the fastest of ``repeats`` calls of run()."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    """Print the rates of the features and of the glass model, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="an analysis folder with notebook 08's glass model")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    model = load_glass_model(args.out)
    points = check.grid_points(args.rows)
    elements, amounts = list(points.columns), points.to_numpy(float)
    X = features.featurize_amounts(elements, amounts)
    seconds_features = best_seconds(lambda: features.featurize_amounts(elements, amounts), args.repeats)
    seconds_glass = best_seconds(lambda: model.probability(X), args.repeats)
    print(f"glass model: {model.name}; {args.rows} grid points")
    print(f"features: {args.rows / seconds_features:,.0f} rows/s")
    print(f"P(glass): {args.rows / seconds_glass:,.0f} rows/s")
    print(f"ratio: {seconds_features / seconds_glass:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
