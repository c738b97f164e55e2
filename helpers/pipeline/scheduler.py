"""Running the selected notebooks: each in a process of its own, up to `jobs` at once, each starting as soon as the
notebooks whose outputs it reads (helpers.pipeline.dag) have finished.

Notebooks that read nothing of each other (04, 05, 07 and 08 after 03, for instance) then run side by side, so a
kernel's start and imports, and the single-threaded parts of a notebook, overlap with another's work. A notebook's
outputs, records and executed copy are its own (helpers/outputs), so two running at once never write the same file;
the one file they share, the feature cache, is replaced atomically (a row one of them adds may have to be computed
again next time, nothing worse).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from helpers.pipeline.dag import PipelineError, upstream
from helpers.pipeline.kernel import end_unfinished, execute_and_record, quiet_shutdown, unforeseen_failure

# A forked child starts at once with the parent's modules (and, in the tests, its stand-ins); it only drives papermill.
FORK = multiprocessing.get_context("fork")
# Each kernel's share of the cores when notebooks run side by side (unless the user set them): two training notebooks
# that each spread over all cores take longer together than one after the other (docs/speed.md).
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")
GRACE_SECONDS = 60  # after an interrupt: how long a notebook's process may take to stop its kernel and record itself


@dataclass
class Running:
    """A notebook being executed in its own process: the end of the pipe its result comes through, and when it began."""

    notebook: Path
    process: multiprocessing.process.BaseProcess
    result: Connection
    started: float


def _first_signal_only(signum, frame) -> None:
    """In a notebook's process: the first Ctrl-C or SIGTERM interrupts it; later ones cannot cut its records short."""
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, signal.SIG_IGN)
    raise KeyboardInterrupt


def thread_limits(jobs: int, cores: int | None = None) -> dict[str, str]:
    """The environment that gives a kernel its share of the cores when jobs notebooks may run at once (none for 1)."""
    if jobs == 1:
        return {}
    share = str(max(1, (cores or os.cpu_count() or 1) // jobs))
    return {name: share for name in THREAD_VARIABLES if name not in os.environ}


def _execute_in_child(nb: Path, out: Path, params: dict[str, object], jobs: int, result: Connection) -> None:
    """The notebook's process: execute it and send ('ok', record), ('failed', the one line) or ('interrupted', '')."""
    os.environ.update(thread_limits(jobs))  # the kernel started from here inherits them
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, _first_signal_only)
    try:
        sent = ("ok", execute_and_record(nb, out, params))
    except PipelineError as exc:
        sent = ("failed", str(exc))
    except KeyboardInterrupt:
        sys.unraisablehook = lambda unraisable: None  # an object the interrupt left half-built says nothing on exit
        sent = ("interrupted", "")
    except Exception as exc:  # noqa: BLE001  anything unforeseen (disk, permissions), still in one line
        sent = ("failed", unforeseen_failure(nb, exc))
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, signal.SIG_IGN)
    quiet_shutdown()
    result.send(sent)


def _start(nb: Path, out: Path, params: dict[str, object], jobs: int) -> Running:
    """Start executing one notebook in a new process."""
    receiving, sending = FORK.Pipe(duplex=False)
    process = FORK.Process(target=_execute_in_child, args=(nb, out, params, jobs, sending), name=nb.stem, daemon=False)
    process.start()
    sending.close()  # the child holds its end: the pipe reports EOF if it dies without a result
    return Running(nb, process, receiving, time.time())


def _chain_lengths(selected: list[Path]) -> dict[Path, int]:
    """Each notebook's longest chain of selected notebooks that wait for it, itself included (05 -> 06 -> 10: 3)."""
    lengths: dict[Path, int] = {}
    for nb in reversed(selected):  # a notebook reads only earlier ones: every later one has its length already
        readers = [later for later in selected if nb in upstream(later, selected)]
        lengths[nb] = 1 + max((lengths[r] for r in readers), default=0)
    return lengths


def _ready(waiting: list[Path], running: list[Running], selected: list[Path], rank: dict[Path, int]) -> list[Path]:
    """The waiting notebooks none of whose upstream notebooks is still waiting or running, by rank, then number."""
    unfinished = {*waiting, *(r.notebook for r in running)}
    ready = [nb for nb in waiting if not unfinished.intersection(upstream(nb, selected))]
    return sorted(ready, key=lambda nb: (rank[nb], nb.name))


def _outcome(out: Path, r: Running) -> tuple[str, object]:
    """What a finished process sent; a process that died without a word (killed, out of memory) is a failure."""
    try:
        status, detail = r.result.recv()
    except (EOFError, OSError):
        r.process.join()
        end_unfinished(out, r.notebook, "failed")
        status = "failed"
        detail = (
            f"FAILED: {r.notebook.name}: its process ended without a result (exit code {r.process.exitcode}); "
            f"the kernel's own output is in {out / 'provenance'}"
        )
    r.process.join()
    r.result.close()
    return status, detail


def _stop(out: Path, running: list[Running]) -> None:
    """After an interrupt: interrupt every running notebook, let it stop its kernel and record itself, then go."""
    for r in running:
        if r.process.is_alive():
            os.kill(r.process.pid, signal.SIGINT)
    for r in running:
        r.process.join(GRACE_SECONDS)
        if r.process.is_alive():
            r.process.kill()
            r.process.join()
            end_unfinished(out, r.notebook, "interrupted")


def run_notebooks(
    selected: list[Path],
    out: Path,
    parameters: Callable[[Path], dict[str, object]],
    jobs: int,
    finished: Callable[[Path, float, dict], None],
) -> None:
    """Execute the selected notebooks, up to jobs at once in dependency order; call finished(notebook, seconds,
    record) for each that ran to its end. After a failure, those running finish and no other starts; then the
    failure's one line is raised. An interrupt (here or in a notebook's process) stops them all."""
    waiting, running, failure = list(selected), [], None
    jobs = min(jobs, len(selected))  # never more at once than notebooks: one notebook alone has every core
    # Side by side, the heads of the longest chains start first (they hold the others up); one at a time, number order.
    rank = {nb: -length for nb, length in _chain_lengths(selected).items()} if jobs > 1 else dict.fromkeys(selected, 0)
    try:
        while running or (waiting and failure is None):
            free = jobs - len(running) if failure is None else 0  # after a failure nothing more starts
            for nb in _ready(waiting, running, selected, rank)[: max(free, 0)]:
                waiting.remove(nb)
                running.append(_start(nb, out, parameters(nb), jobs))
            if not running:  # nothing can start: a notebook waits for one that is not selected (dag.upstream says not)
                raise PipelineError(f"cannot order {', '.join(nb.stem for nb in waiting)}: check dag.DEPENDS_ON")
            for r in [r for r in running if r.result in wait([r.result for r in running])]:
                running.remove(r)
                status, detail = _outcome(out, r)
                if status == "interrupted":
                    raise KeyboardInterrupt
                if status == "failed":
                    failure = failure or PipelineError(detail)
                    print(f"  {r.notebook.stem} failed after {time.time() - r.started:.0f} s", flush=True)
                else:
                    finished(r.notebook, time.time() - r.started, detail)
    except KeyboardInterrupt:
        _stop(out, running)
        raise
    if failure is not None:
        raise failure
