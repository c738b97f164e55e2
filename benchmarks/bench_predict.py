"""Rows per second and peak memory of `python -m helpers.predict --csv` on N generated alloys, against the target.

    python benchmarks/bench_predict.py [--rows 20000] [--analysis outputs/default]

Writes N distinct Fe-based alloys (Fe 70-86 at.%, B, Si, P, Nb, Cu; half of them annealed) to a temporary CSV and
predicts them with the command line's own entry point into a temporary output file. A first call on 10 rows pays
the start-up (TensorFlow and the other imports, the first forward pass) and is timed on its own; the N rows are
timed after it (each call reads the models again, as the command does). The last line compares the rows per second
of those N rows with TARGET_ROWS_PER_S. Peak resident memory of this process (resource.getrusage: the high-water
mark, so it includes start-up and the models) is printed too: the file is read, predicted and written in chunks of
helpers.predict.CHUNK_ROWS rows, so the peak should not grow with N (run it with two sizes to see that).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers import predict  # noqa: E402
from helpers.paths import resolve  # noqa: E402

ELEMENTS = ("B", "Si", "P", "Nb", "Cu")
TARGET_ROWS_PER_S = 10_000  # the screen's speed, with the same numbers


def write_alloys(path: Path, rows: int, seed: int = 0) -> None:
    """N distinct alloys Fe-B-Si-P-Nb-Cu summing to 100 at.%, to 0.01 at.%; every second one annealed."""
    rng = np.random.default_rng(seed)
    others = rng.dirichlet([4, 3, 2, 1, 0.5], size=rows)
    fe = rng.uniform(70, 86, size=rows)
    with path.open("w") as handle:
        handle.write("composition,anneal_temp_K,anneal_time_s\n")
        for i in range(rows):
            amounts = np.round(others[i] * (100 - fe[i]), 2)
            fe_i = round(100 - amounts.sum(), 2)
            formula = f"Fe{fe_i:g}" + "".join(f"{el}{a:g}" for el, a in zip(ELEMENTS, amounts, strict=True) if a)
            handle.write(f"{formula},773,3600\n" if i % 2 else f"{formula},,\n")


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Generate, predict, print the measures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--analysis", default="outputs/default")
    args = parser.parse_args(argv)
    analysis = str(resolve(args.analysis))
    with tempfile.TemporaryDirectory() as tmp:
        warm, source, out = Path(tmp) / "warm.csv", Path(tmp) / "alloys.csv", Path(tmp) / "predicted.csv"
        write_alloys(warm, 10, seed=1)
        write_alloys(source, args.rows)
        t0 = time.perf_counter()
        predict.main(["--csv", str(warm), "--out", str(Path(tmp) / "warm_out.csv"), "--analysis", analysis])
        start_up = time.perf_counter() - t0
        before = peak_mb()
        t0 = time.perf_counter()
        code = predict.main(["--csv", str(source), "--out", str(out), "--analysis", analysis])
        seconds = time.perf_counter() - t0
    rate = args.rows / seconds
    print(f"rows: {args.rows}")
    print(f"exit code: {code}")
    print(f"start-up (first call, 10 rows): {start_up:.1f} s")
    print(f"seconds: {seconds:.1f}")
    print(f"peak_memory_mb: {peak_mb():.0f} (before predicting: {before:.0f})")
    verdict = "met" if rate >= TARGET_ROWS_PER_S else "missed"
    print(f"rows_per_s: {rate:,.0f} against the target of {TARGET_ROWS_PER_S:,} ({verdict}; {os.cpu_count()} CPUs)")
    return 0 if code in (0, predict.EXIT_REFUSED) else 1


if __name__ == "__main__":
    sys.exit(main())
