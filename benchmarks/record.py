"""Run one benchmark and keep what it printed, with when, on what machine and how busy it was, for docs/results.md.

    python benchmarks/record.py NAME [ARGS ...]      # e.g. python benchmarks/record.py bench_featurize --repeats 5

Runs ``benchmarks/NAME.py ARGS`` with this Python, shows its output as it comes, and when it succeeds writes it to
``benchmarks/results/NAME.txt`` (git-ignored) under a header: the command, when it started and how long it took, the
machine, and the 1-minute load average before and after (a load above the CPU count means other work shared the
machine, and times are then noisy). ``python -m helpers.report.results OUT --benchmarks benchmarks/results`` puts
every recorded benchmark on the results page. A failed benchmark leaves the previous record in place.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from helpers.outputs import write_atomic
from helpers.report.results import machine

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def load() -> str:
    """The 1-minute load average and the CPU count, e.g. '1.95 on 2 CPUs'."""
    try:
        return f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    except OSError:
        return "unknown"


def run(name: str, args: list[str]) -> tuple[int, str, dict[str, str]]:
    """Run benchmarks/name.py with args, echoing its output; its exit code, output and the header to record."""
    command = [sys.executable, str(HERE / f"{name}.py"), *args]
    started, before, t0 = dt.datetime.now(), load(), time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1) as process:
        lines = []
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    header = {
        "command": " ".join(["python", f"benchmarks/{name}.py", *args]),
        "measured": f"{started:%Y-%m-%d %H:%M}, {time.perf_counter() - t0:.0f} s in all",
        "machine": machine(),
        "load average": f"{before} before, {load()} after",
    }
    return process.returncode, "".join(lines), header


def main(argv: list[str]) -> int:
    """Record one benchmark; its exit code (2 for an unknown name)."""
    if not argv or argv[0].startswith("-"):
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    name = argv[0].removesuffix(".py")
    if not (HERE / f"{name}.py").is_file() or name == "record":
        known = ", ".join(sorted(p.stem for p in HERE.glob("*.py") if p.stem != "record"))
        print(f"record: no benchmark {name!r} in benchmarks/ (known: {known})", file=sys.stderr)
        return 2
    code, output, header = run(name, argv[1:])
    if code != 0:
        print(f"record: {name} failed (exit code {code}); nothing recorded", file=sys.stderr)
        return code
    text = "".join(f"# {key}: {value}\n" for key, value in header.items()) + output
    path = write_atomic(RESULTS / f"{name}.txt", lambda part: part.write_text(text, encoding="utf-8"))
    print(f"recorded: {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
