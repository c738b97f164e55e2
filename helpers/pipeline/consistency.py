"""One analysis per output folder, however a notebook runs (the pipeline, papermill, JupyterLab).

Every notebook calls ``begin`` right after its parameters cell and ``finish`` at its end, so its provenance record
(helpers/pipeline/provenance.py, the one reader and writer) is written by the notebook itself. ``begin`` refuses, in
one line and before anything is touched, a run whose parameters (or upstream outputs) differ from those that made the
notebook's outputs in the folder: the ways out are a new ``out_dir`` or ``overwrite = True``, which removes the
notebook's old outputs and those of the notebooks that read them. The pipeline makes the same check for every
selected notebook before it starts (``pipeline_conflicts``), so ``-p`` with another value needs ``-p overwrite True``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers.pipeline import schema
from helpers.pipeline.dag import PipelineError, notebooks, prefix, upstream
from helpers.pipeline.kernel import EXECUTED_COPY_ENV, PIPELINE_ENV
from helpers.pipeline.parameters import Parameter, absolute_paths, declared_parameters
from helpers.pipeline.provenance import (
    REPORT,
    current_fingerprint,
    is_valid,
    read_record,
    record_path,
    snapshot,
    write_json,
    write_record,
)
from helpers.pipeline.stale import check_upstream, remove_stale

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


def changed_upstream(out: Path, record: dict | None) -> list[str]:
    """The upstream notebooks whose outputs changed since this record's notebook read them."""
    if not is_valid(record):
        return []
    return [up for up, fp in record.get("upstream", {}).items() if current_fingerprint(out, up) != fp]


def downstream(notebook: Path | str, all_notebooks: list[Path]) -> list[str]:
    """Prefixes of the notebooks that read this one's outputs, directly or through another."""
    found: list[str] = []
    for nb in all_notebooks:
        reads = {prefix(up) for up in upstream(nb, all_notebooks)}
        if prefix(nb) not in found and reads & {prefix(notebook), *found}:
            found.append(prefix(nb))
    return found


def _what_changed(changes: list[str], upstream_changes: list[str]) -> str:
    parts = ["; ".join(changes)] if changes else []
    if upstream_changes:
        parts.append(f"the outputs of {', '.join(prefix(u) for u in upstream_changes)} changed since")
    return "; ".join(parts)


def _readers(notebook: Path | str, all_notebooks: list[Path]) -> str:
    readers = downstream(notebook, all_notebooks)
    return f" (the outputs of {', '.join(readers)}, which read them, are removed too)" if readers else ""


def refusal(out: Path, nb: Path, changes: list[str], upstream_changes: list[str], all_nbs: list[Path]) -> str:
    """The one line of a notebook that refuses to replace outputs made with other parameters."""
    return (
        f"{nb.stem}: {out} holds its outputs made with other parameters ({_what_changed(changes, upstream_changes)})"
        f"; to keep them, set out_dir to a new folder; to replace them, set overwrite = True{_readers(nb, all_nbs)}"
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
    """The one line of run_all.sh when a parameter differs from what made the folder and overwrite was not given."""
    what = "; ".join(f"{nb.stem}: {'; '.join(changes)}" for nb, changes in conflicts.items())
    return (
        f"{out} holds outputs made with other parameters ({what}); to keep them, choose a new --out; to replace "
        f"them, add -p overwrite True{_readers(next(iter(conflicts)), all_nbs)}"
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
    parameters: dict[str, object]
    given: list[str]
    started: float
    before: dict[str, tuple[int, int]]
    previous: dict | None
    upstream: dict[str, str | None]
    executed: bool  # papermill writes its executed copy into out (the pipeline, the tests)
    in_pipeline: bool
    all_notebooks: list[Path] = field(default_factory=list)


def _notebook(name: str) -> Path:
    found = notebooks([prefix(name)])
    if len(found) != 1:
        raise PipelineError(f"no single numbered notebook {name!r} in notebooks/")
    return found[0]


def _parameters(nb: Path, namespace: dict) -> tuple[dict[str, object], list[str]]:
    """The notebook's declared parameters as they are now (paths absolute), and those not at their default."""
    declared = declared_parameters([nb])
    missing = [name for name in declared if name not in namespace]
    if missing:
        raise PipelineError(f"{nb.stem}: run its parameters cell first ({', '.join(missing)} not defined)")
    values = absolute_paths({name: namespace[name] for name in declared}, Path.cwd())
    given = [n for n, p in declared.items() if n not in NOT_COMPARED and _literal(p) and values[n] != p.default]
    return values, sorted(given)


def _remove_own(out: Path, nb: Path, record: dict | None, executed: bool) -> int:
    """Delete the files a notebook's record lists (and its stale executed copy and page); how many existed."""
    removed = 0
    for rel in (record or {}).get("outputs", []):
        removed += (out / rel).is_file()
        (out / rel).unlink(missing_ok=True)
    if not executed:
        _remove_stale_copy(out, nb)
    return removed


def _remove_stale_copy(out: Path, nb: Path) -> None:
    """An executed copy (and its page) made by an earlier execution no longer shows what produced the outputs."""
    (out / nb.name).unlink(missing_ok=True)
    (out / REPORT / f"{nb.stem}.html").unlink(missing_ok=True)


def begin(name: str, namespace: dict) -> Execution:
    """Start recording a notebook's execution; refuse (one line) outputs of other parameters unless overwrite."""
    one_line_errors(PipelineError)
    schema.check(name, namespace)  # every parameter's type, range and choices, before anything is touched
    nb = _notebook(name)
    parameters, given = _parameters(nb, namespace)
    from helpers.paths import resolve

    out = resolve(str(namespace["out_dir"]))
    all_nbs = notebooks()
    check_upstream([nb], all_nbs, out)
    previous = read_record(out, nb)
    in_pipeline = os.environ.get(PIPELINE_ENV) == "1"
    changes = changed_parameters(previous, parameters)
    ups = [] if in_pipeline else changed_upstream(out, previous)  # the pipeline reran them just now, in order
    if (changes or ups) and not namespace.get("overwrite", False):
        raise OutputsInUse(refusal(out, nb, changes, ups, all_nbs))
    copy = os.environ.get(EXECUTED_COPY_ENV)
    executed = bool(copy) and Path(copy).resolve() == (out / nb.name).resolve()
    if changes or ups:
        n = _remove_own(out, nb, previous, executed)
        print(f"overwrite: removed {n} files of {nb.stem} made with other parameters ({_what_changed(changes, ups)})")
    elif not executed:
        _remove_stale_copy(out, nb)
    upstream_now = {up.stem: current_fingerprint(out, up) for up in upstream(nb, all_nbs)}
    started = time.time()
    running = dict(previous or {}, notebook=nb.stem, status="running", parameters=comparable(parameters), given=given)
    write_json(record_path(out, nb), running)
    if (changes or ups) and not in_pipeline:  # the pipeline removes (and reports) stale outputs itself
        for message in remove_stale(out, all_nbs):
            print(message)
    before = snapshot(out)
    return Execution(
        nb, out, parameters, given, started, before, previous, upstream_now, executed, in_pipeline, all_nbs
    )


def finish(execution: Execution) -> None:
    """Record what this execution wrote; outside the pipeline, remove the outputs it made stale downstream."""
    e = execution
    record = write_record(
        e.out,
        e.notebook,
        comparable(e.parameters),
        e.given,
        e.started,
        "ok",
        e.before,
        e.previous,
        e.all_notebooks,
        upstream=e.upstream,
        executed=e.executed,
    )
    if not e.in_pipeline:
        for message in remove_stale(e.out, e.all_notebooks, {e.notebook.stem}):
            print(message)
    print(f"{e.notebook.stem}: {len(record['outputs'])} output files recorded in {record_path(e.out, e.notebook)}")
