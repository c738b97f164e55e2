"""The command line behind run_all.sh: check everything, fetch the data, run the notebooks, rebuild the report."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from helpers.paths import PROJECT_ROOT
from helpers.pipeline import schema
from helpers.pipeline.consistency import pipeline_conflicts, pipeline_refusal
from helpers.pipeline.dag import PipelineError, select
from helpers.pipeline.fork import fork_for_pipeline
from helpers.pipeline.kernel import quiet_shutdown
from helpers.pipeline.parameters import (
    QUICK_PARAMETERS,
    Parameter,
    absolute_paths,
    caller_cwd,
    check_parameters,
    check_selected,
    declared_parameters,
    parameters_for,
)
from helpers.pipeline.scheduler import run_notebooks
from helpers.pipeline.stale import check_upstream


def _fetch_data() -> list[str]:
    """Every source of the manifest, verified by its sha256; their names."""
    from helpers.sources import fetch, load_manifest

    names = []
    for name in load_manifest():
        fetch(name)
        names.append(name)
    return names


def _finish(out: Path, all_notebooks: list[Path], ran: set[str]) -> Path | None:
    """Rebuild the report when a notebook ran to its end (a refused or failed run leaves the report as it was)."""
    if not ran or not out.is_dir():
        return None
    from helpers.report import build_report

    return build_report(out, all_notebooks)


def _output_folder(args: argparse.Namespace, cwd: Path) -> Path:
    """--out relative to the caller's folder, else outputs/default (outputs/quick with --quick)."""
    if not args.out:
        return PROJECT_ROOT / "outputs" / ("quick" if args.quick else "default")
    out = (cwd / Path(args.out).expanduser()).resolve()
    if what := schema.problem("out_dir", str(out) if args.out.strip() else ""):
        raise PipelineError(f"--out {args.out!r}: {what}")
    return out


def _check_values(selected: list[Path], declared: dict[str, Parameter], params: dict[str, object]) -> None:
    """The parameters of every selected notebook that -p or --quick sets, as they will run (with the notebook's other
    defaults, which a test checks), by the schema; one line for the first that cannot work."""
    for nb in selected:
        given = parameters_for(nb, params)
        if set(given) - {"out_dir", "overwrite"}:
            values = {n: p.default for n, p in declared.items() if nb.stem in p.notebooks and p.default is not None}
            schema.check(nb.stem, {**values, **given})
    defaults = {n: p.default for n, p in declared.items() if p.default is not None}
    schema.check_across({**defaults, **params}, [nb.stem for nb in selected])


def _run(selected: list[Path], out: Path, params: dict[str, object], ran: set[str], jobs: int) -> None:
    """Execute the selected notebooks, up to jobs at once; one console line each, with its seconds, as it finishes;
    add each that ran to ran."""
    width = max(len(nb.stem) for nb in selected)

    def finished(nb: Path, seconds: float, record: dict) -> None:
        ran.add(nb.stem)
        print(f"  {nb.stem:<{width}} {seconds:5.0f} s", flush=True)
        for line in record.get("moved", []):  # what this run superseded, moved aside (helpers.pipeline.superseded)
            print(f"    {line}", flush=True)

    run_notebooks(selected, out, lambda nb: parameters_for(nb, params), jobs, finished)


def _check_consistent(
    out: Path, selected: list[Path], params: dict[str, object], all_notebooks: list[Path], as_fork: bool
) -> tuple[Path, list[Path]]:
    """Refuse (before anything runs) parameters other than those that made the folder's outputs, unless --fork (a new
    analysis beside it: its folder and the notebooks to run there) or overwrite (old outputs are moved aside)."""
    conflicts = pipeline_conflicts(out, selected, params)
    if conflicts and as_fork:
        return fork_for_pipeline(out, selected, params, conflicts)
    if conflicts and not params.get("overwrite"):
        raise PipelineError(pipeline_refusal(out, conflicts, all_notebooks))
    for nb, changes in conflicts.items():
        print(f"{nb.stem}: its outputs made with other parameters ({'; '.join(changes)}) are replaced (overwrite)")
    return out, selected


def pipeline(args: argparse.Namespace) -> int:
    """Check, fetch, execute the selected notebooks, remove stale outputs, build the report."""
    cwd = caller_cwd()
    out = _output_folder(args, cwd)
    all_notebooks = select(None)
    selected = select(args.only)
    declared = declared_parameters(all_notebooks)
    given = absolute_paths(check_parameters(args.p, declared), cwd)
    check_selected(given, declared, selected)
    params: dict[str, object] = {**(QUICK_PARAMETERS if args.quick else {}), **given, "out_dir": str(out)}
    _check_values(selected, declared, params)
    out, selected = _check_consistent(out, selected, params, all_notebooks, args.fork)
    params["out_dir"] = str(out)
    check_upstream(selected, all_notebooks, out)

    shown = ", ".join(f"{k}={v!r}" for k, v in params.items() if k != "out_dir")
    print(f"data: {', '.join(_fetch_data())} (sha256 checked)")
    print(f"output folder: {out}" + (f"; parameters: {shown}" if shown else ""), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    ran: set[str] = set()
    start = time.time()
    try:
        _run(selected, out, params, ran, args.jobs)
    finally:
        index = _finish(out, all_notebooks, ran)  # an interrupt here leaves no report (see build_report)
    print(f"{len(ran)} notebook{'s' if len(ran) != 1 else ''} ran in {time.time() - start:.0f} s; report: {index}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run_all.sh", description="Run the analysis notebooks with papermill.")
    parser.add_argument("--out", default=None, help="output folder (default outputs/default, or outputs/quick)")
    parser.add_argument("--quick", action="store_true", help="fast smoke test: few training runs and epochs")
    parser.add_argument(
        "-p",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        default=[],
        help="parameter passed to every notebook that declares it (repeatable)",
    )
    parser.add_argument("--only", nargs="+", help="run only notebooks whose names start with these prefixes")
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=min(2, os.cpu_count() or 1),
        help="how many notebooks may run at once, each once those it reads have finished (default 2; 1: one by one)",
    )
    parser.add_argument(
        "--fork",
        action="store_true",
        help="run -p values other than those of the analysis in --out as a new analysis beside it",
    )
    return parser


def _jobs(text: str) -> int:
    """--jobs: a whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of notebooks to run at once, 1 or more")
    return int(text)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Command line: check everything, fetch the data, run the notebooks, write the report; errors in one line."""
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM (a closed terminal, a job scheduler) behaves like Ctrl-C
    try:
        return pipeline(args)
    except PipelineError as exc:
        print(f"run_all.sh: {exc}", file=sys.stderr)
        return 1 if str(exc).startswith("FAILED") else 2
    except KeyboardInterrupt:
        quiet_shutdown()
        print(
            "interrupted: finished notebooks and training runs are kept; rerun the same command to resume "
            "(it rebuilds the report)",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # noqa: BLE001  one line, not a traceback, for anything unforeseen (data fetch, disk)
        print(f"run_all.sh: error: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
