"""Seconds of every notebook of a run and each one's fixed cost (kernel start to first result), against the targets.

    python benchmarks/bench_notebooks.py [--analysis outputs/default]     # read an executed run
    python benchmarks/bench_notebooks.py --run [--quick]                  # run ./run_all.sh into a new folder first

Reads the executed notebooks papermill wrote into an output folder (their cell timings) and prints, per notebook,
its seconds and its fixed cost: from papermill's start to the end of the cell that calls ``consistency.begin`` (the
first cell after the parameters; what follows reads data and gives the first result), split into the kernel start
(to the first cell), the imports (the code cells before the parameters) and the consistency check, and its closing
(from the last cell's end to papermill's end: the kernel's stop and the notebook's writing). Each line ends with its
target; the last line is ``notebooks_s: X (target T)``, the wall seconds from the first notebook's start
to the last one's end (what a user waits: run_all.sh runs independent notebooks side by side, ``--jobs``), beside
the sum of the notebooks' own seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_FIXED_S = 3.0  # each notebook, kernel start to first result
TARGET_TOTAL_S = {False: 240.0, True: 45.0}  # the notebooks of the default run; of --quick


def _time(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp)


def timings(notebook: Path) -> dict[str, float]:
    """Seconds in all, and of the fixed cost's parts, of one executed notebook (papermill's cell metadata)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    start = _time(nb["metadata"]["papermill"]["start_time"])
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and c["metadata"].get("papermill", {}).get("end_time")]
    first = _time(cells[0]["metadata"]["papermill"]["start_time"])
    check = next(i for i, c in enumerate(cells) if "consistency.begin" in "".join(c["source"]))
    parameters = next(
        (i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])), check
    )  # the imports are the cells before it
    imports = sum(c["metadata"]["papermill"]["duration"] or 0.0 for c in cells[:parameters])
    checked = _time(cells[check]["metadata"]["papermill"]["end_time"])
    last = _time(cells[-1]["metadata"]["papermill"]["end_time"])
    return {
        "seconds": float(nb["metadata"]["papermill"]["duration"]),
        "fixed": (checked - start).total_seconds(),
        "kernel": (first - start).total_seconds(),
        "imports": imports,
        "check": float(cells[check]["metadata"]["papermill"]["duration"] or 0.0),
        "closing": (_time(nb["metadata"]["papermill"]["end_time"]) - last).total_seconds(),
    }


def span(notebook: Path) -> tuple[dt.datetime, dt.datetime]:
    """When papermill started and ended an executed notebook."""
    meta = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["papermill"]
    return _time(meta["start_time"]), _time(meta["end_time"])


def main() -> None:
    """Print every notebook's seconds and fixed cost against the targets, then the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analysis", default="outputs/default", help="an output folder the pipeline executed")
    parser.add_argument("--run", action="store_true", help="run ./run_all.sh into a new temporary folder first")
    parser.add_argument(
        "--quick", action="store_true", help="judge by the --quick target (with --run: run ./run_all.sh --quick)"
    )
    args = parser.parse_args()
    folder = Path(args.analysis)
    if args.run:
        folder = Path(tempfile.mkdtemp(prefix="bench_notebooks_")) / "out"
        command = [str(HERE.parent / "run_all.sh"), "--out", str(folder), *(["--quick"] if args.quick else [])]
        if subprocess.run(command).returncode != 0:
            sys.exit(f"bench_notebooks: {' '.join(command)} failed; see its output above")
    executed = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not executed:
        sys.exit(f"bench_notebooks: no executed notebook in {folder}; run ./run_all.sh first or give --run")
    total, spans = 0.0, []
    for notebook in executed:
        spans.append(span(notebook))
        t = timings(notebook)
        total += t["seconds"]
        print(
            f"{notebook.stem}: {t['seconds']:.1f} s; fixed cost {t['fixed']:.1f} s (kernel start {t['kernel']:.1f}, "
            f"imports {t['imports']:.1f}, consistency check {t['check']:.1f}) (target {TARGET_FIXED_S:.0f}); "
            f"closing {t['closing']:.1f} s"
        )
    wall = (max(end for _, end in spans) - min(start for start, _ in spans)).total_seconds()
    print(f"notebooks_s: {wall:.1f} (target {TARGET_TOTAL_S[args.quick]:.0f}; the notebooks' own seconds: {total:.1f})")


if __name__ == "__main__":
    main()
