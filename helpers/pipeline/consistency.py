"""One analysis per output folder, however a notebook runs (the pipeline, papermill, JupyterLab).

Every notebook calls ``begin("NN", globals())`` right after its parameters cell and ``finish`` at its end, so its
provenance record (helpers/pipeline/provenance.py, the one reader and writer) is written by the notebook itself, from
the values of the notebook that runs (a copy or a fork included: "NN" is all it says about itself). ``begin`` checks
every parameter (helpers.pipeline.schema) and the output folder, then: a run whose parameters differ from those that
made the folder's outputs becomes a fork with an output folder of its own (helpers.pipeline.fork), unless
``overwrite = True``; upstream outputs that are not current are refused in one line (helpers.pipeline.stale); outputs
the run supersedes are moved aside, never deleted (helpers.pipeline.superseded). The pipeline makes the same checks
for every selected notebook before it starts (``pipeline_conflicts``): -p with another value needs --fork or
-p overwrite True.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import resolve
from helpers.pipeline import fork, schema
from helpers.pipeline.dag import PipelineError, named, notebooks, prefix, upstream
from helpers.pipeline.kernel import EXECUTED_COPY_ENV, PIPELINE_ENV
from helpers.pipeline.parameters import Parameter, absolute_paths, declared_parameters
from helpers.pipeline.provenance import REPORT, read_record, record_path, snapshot, write_json, write_record
from helpers.pipeline.stale import check_upstream, inputs_now, state, supersede_stale, upstream_stems
from helpers.pipeline.superseded import supersede

# Records whose parameters describe what is in the folder: a finished run, or one to resume (interrupted, running).
KEEP_STATUS = ("ok", "interrupted", "running")
NOT_COMPARED = ("out_dir", "overwrite")  # where the outputs go, and the permission to replace them
# How a notebook runs, not what it computes (09's screen gives the same tables on any cluster and chunking): recorded,
# never a reason to refuse.
HOW_IT_RUNS = ("dask_scheduler", "n_workers", "chunk_size")


class OutputsInUse(PipelineError):
    """The output folder holds outputs of other parameters or other upstream outputs; the message says what to do."""


def comparable(parameters: dict[str, object]) -> dict[str, object]:
    """Parameters as a record stores them (JSON values), without out_dir and overwrite."""
    kept = {k: v for k, v in parameters.items() if k not in NOT_COMPARED}
    return json.loads(json.dumps(kept, default=str))


def changed_parameters(record: dict | None, now: dict[str, object]) -> list[str]:
    """'n_runs 100, now 3' for every parameter that differs from the record's (a name it lacks is no change)."""
    if not record or record.get("status") not in KEEP_STATUS:
        return []
    before = record.get("parameters", {})
    return [
        f"{k} {before[k]!r}, now {v!r}"
        for k, v in comparable(now).items()
        if k in before and before[k] != v and k not in HOW_IT_RUNS
    ]


def downstream(notebook: Path | str, all_notebooks: list[Path]) -> list[str]:
    """Prefixes of the notebooks that read this one's outputs, directly or through another."""
    found: list[str] = []
    for nb in all_notebooks:
        reads = {prefix(up) for up in upstream(nb, all_notebooks)}
        if prefix(nb) not in found and reads & {prefix(notebook), *found}:
            found.append(prefix(nb))
    return found


def _readers(notebook: Path | str, all_notebooks: list[Path]) -> str:
    readers = downstream(notebook, all_notebooks)
    return f", and those of {', '.join(readers)}, which read them," if readers else ""


def refusal(out: Path, nb: Path, changes: list[str], all_nbs: list[Path]) -> str:
    """The one line of a notebook that refuses to replace outputs made with other parameters."""
    return (
        f"{nb.stem}: {out} holds its outputs made with other parameters ({'; '.join(changes)}); to keep them, set "
        f"out_dir to a new folder; to replace them, set overwrite = True: they{_readers(nb, all_nbs)} are moved to "
        f"{out}/superseded/"
    )


def pipeline_conflicts(out: Path, selected: list[Path], given: dict[str, object]) -> dict[Path, list[str]]:
    """For each selected notebook whose record in out has other parameters: what differs (given = -p and --quick)."""
    conflicts = {}
    for nb in selected:
        declared = declared_parameters([nb])
        now = {name: p.default for name, p in declared.items() if _literal(p)}
        now.update({k: v for k, v in given.items() if k in declared})
        changes = changed_parameters(read_record(out, nb), now)
        if changes:
            conflicts[nb] = changes
    return conflicts


def _literal(p: Parameter) -> bool:
    """A default the pipeline can compare (not an expression it could not read)."""
    return p.default is not None or p.source.strip() == "None"


def pipeline_refusal(out: Path, conflicts: dict[Path, list[str]], all_nbs: list[Path]) -> str:
    """The one line of run_all.sh when a parameter differs from what made the folder and neither --fork nor overwrite
    was given."""
    what = "; ".join(f"{nb.stem}: {'; '.join(changes)}" for nb, changes in conflicts.items())
    return (
        f"{out} holds outputs made with other parameters ({what}); to run them as a new analysis beside it, add "
        f"--fork; to replace them, add -p overwrite True (the old outputs{_readers(next(iter(conflicts)), all_nbs)} "
        "are moved to superseded/)"
    )


def one_line_errors(*types: type[BaseException]) -> None:
    """In a notebook kernel, show these errors as their one line (no traceback); the cell still fails."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    known = tuple(getattr(shell, "custom_exceptions", ()) or ())
    wanted = known + tuple(t for t in types if t not in known)
    shell.set_custom_exc(wanted, _show_one_line)


def _show_one_line(shell, etype, value, tb, tb_offset=None) -> list[str]:
    line = f"{etype.__name__}: {value}"
    shell._showtraceback(etype, value, [line])  # the kernel sends it as the cell's error, with this one line
    return [line]


@dataclass
class Execution:
    """One execution of a notebook, from begin to finish."""

    notebook: Path
    out: Path
    run: dict  # parameters, given, inputs, started, executed (what the record says of this run)
    before: dict[str, tuple[int, int]]
    previous: dict | None


def _parameters(number: str, namespace: dict) -> tuple[dict[str, object], list[str]]:
    """The running notebook's parameters as they are now (paths absolute), and those not at the collection's default."""
    names = schema.names(number)
    missing = [name for name in names if name not in namespace]
    if missing:
        raise PipelineError(f"{number}: run its parameters cell first ({', '.join(missing)} not defined)")
    values = absolute_paths({name: namespace[name] for name in names}, Path.cwd())
    declared = declared_parameters([named(number)])
    given = [n for n, p in declared.items() if n not in NOT_COMPARED and _literal(p) and values.get(n) != p.default]
    return values, sorted(given)


def _supersede_own(out: Path, nb: Path, previous: dict | None, changes: list[str], inputs: dict[str, str]) -> list[str]:
    """Before a rerun: move aside this notebook's outputs made with other parameters or from other inputs, edited since,
    or of a record that cannot be read (never those of the same parameters and inputs: 03 resumes its runs)."""
    st = state(out, nb.stem)
    why = (
        f"made with other parameters ({'; '.join(changes)})"
        if changes
        else f"{st.why}"
        if st.kind in ("edited", "unreadable")
        else "made from other inputs"
        if previous is not None and previous.get("inputs") != inputs
        else ""
    )
    if why and (line := supersede(out, [nb.stem], f"{why}, replaced by this run")):
        print(line)
        return [line]
    return []


def begin(number: str, namespace: dict) -> Execution:
    """Start recording a notebook's execution: check its parameters and folder, fork or refuse outputs of other
    parameters, refuse upstream outputs that are not current, move aside what this run supersedes."""
    one_line_errors(PipelineError)
    schema.check(number, namespace)  # every parameter's type, range and choices, the folder too, before anything else
    nb = named(number)
    parameters, given = _parameters(number, namespace)
    out = resolve(str(namespace["out_dir"]))
    all_nbs = notebooks()
    in_pipeline = os.environ.get(PIPELINE_ENV) == "1"
    previous = read_record(out, nb)
    changes = changed_parameters(previous, parameters)
    if changes and not namespace.get("overwrite", False):
        if in_pipeline:
            raise OutputsInUse(refusal(out, nb, changes, all_nbs))
        out = fork.start(out, nb, parameters, upstream_stems(nb.stem))
        namespace["out_dir"] = parameters["out_dir"] = str(out)
        previous = read_record(out, nb)
        changes = changed_parameters(previous, parameters)
    check_upstream([nb], all_nbs, out)
    inputs = inputs_now(out, nb.stem, parameters)
    moved = _supersede_own(out, nb, previous, changes, inputs)
    previous = read_record(out, nb)
    copy = os.environ.get(EXECUTED_COPY_ENV)
    executed = bool(copy) and Path(copy).resolve().is_relative_to(out)
    run = {
        "parameters": comparable(parameters),
        "given": given,
        "inputs": inputs,
        "started": time.time(),
        "moved": moved,
    }
    kept = {"outputs": previous.get("outputs", [])} if previous else {}
    write_json(record_path(out, nb), {"notebook": nb.stem, "status": "running", **kept, **run, "previous": previous})
    run["executed"] = f"{nb.stem}.ipynb" if executed else None
    print(f"{nb.stem}: output folder {out}")
    return Execution(nb, out, run, snapshot(out, nb), previous)


def finish(execution: Execution) -> None:
    """Record what this execution wrote; move aside the outputs of notebooks that read other outputs of it."""
    e = execution
    write_record(e.out, e.notebook, e.run, e.before, e.previous)
    if line := supersede_stale(e.out, e.notebook.stem):  # the record keeps the line: run_all.sh prints it too
        print(line)
        e.run["moved"] = [*e.run["moved"], line]
    record = write_record(e.out, e.notebook, e.run, e.before, e.previous)
    print(f"{e.notebook.stem}: {len(record['outputs'])} output files recorded in {record_path(e.out, e.notebook)}")
    if os.environ.get(PIPELINE_ENV) != "1" and (e.out / REPORT / "index.html").is_file():
        _rebuild_report(e.out)  # run by hand: the report follows (the pipeline rebuilds it once, at its end)


def _rebuild_report(out: Path) -> None:
    """Rebuild an output folder's report after a notebook ran outside the pipeline; one line if it cannot be."""
    from helpers.report import build_report

    try:
        print(f"report rebuilt: {build_report(out, notebooks())}")
    except PipelineError as exc:
        print(exc)
