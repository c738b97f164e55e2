"""Whether a notebook's outputs in an output folder are current, decided in one place from what is on disk.

A notebook's record holds the fingerprints of its inputs as it read them: its upstream notebooks' files and the input
files its parameters name (01's dataset). Every check recomputes them from the files now: a notebook is current when
it finished, its own files are those it recorded, its inputs are those it read and its upstream notebooks are current.
A record that cannot be read is named in one line; it is never a reason to move anything. The pipeline and a notebook
refuse to run on inputs that are not current (``check_upstream``); a rerun whose outputs differ from what its readers
read moves their outputs aside (``supersede_stale``, helpers.pipeline.superseded).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.pipeline.dag import COLLECTION, DEPENDS_ON, PipelineError, prefix
from helpers.pipeline.parameters import PATH_PARAMETERS
from helpers.pipeline.provenance import (
    current_fingerprint,
    file_hashes,
    notebook_files,
    read_record,
    record_path,
    record_problem,
)
from helpers.pipeline.superseded import supersede
from helpers.sources import sha256_of


@dataclass(frozen=True)
class State:
    """Whether a notebook's outputs are current: kind is ok, missing, unreadable, unfinished, edited, stale, or blocked
    (an upstream record cannot be read)."""

    kind: str
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def inputs_now(out: Path, stem: str, parameters: dict[str, object]) -> dict[str, str]:
    """The fingerprints of a notebook's inputs as they are on disk now: upstream notebooks' files, input files."""
    found = {up: current_fingerprint(out, up) for up in upstream_stems(stem)}
    for name in PATH_PARAMETERS:
        value = parameters.get(name)
        if isinstance(value, str) and Path(value).is_absolute() and Path(value).is_file():
            found[f"file:{value}"] = sha256_of(Path(value))
    return found


def upstream_stems(stem: str) -> list[str]:
    wanted = DEPENDS_ON.get(stem[:2])
    return [s for s in COLLECTION if s[:2] < stem[:2] and (wanted is None or s[:2] in wanted)]


def _changed_inputs(out: Path, record: dict) -> list[str]:
    """What differs between the inputs a record read and the same inputs now ('the outputs of 02', 'the file X')."""
    changed = []
    for key, fp in (record.get("inputs") or {}).items():
        if key.startswith("file:"):
            path = Path(key[5:])
            if not path.is_file() or sha256_of(path) != fp:
                changed.append(f"the file {path}")
        elif current_fingerprint(out, key) != fp:
            changed.append(f"the outputs of {key[:2]}")
    return changed


def state(out: Path, stem: str, upstream: dict[str, State] | None = None) -> State:
    """Whether this notebook's outputs in out are current (upstream: the states of earlier notebooks, if known)."""
    if problem := record_problem(out, stem):
        return State("unreadable", f"its record {record_path(out, stem)} {problem}")
    record = read_record(out, stem)
    if record is None:
        return State("missing", "it has not run there")
    if record.get("status") != "ok":
        return State("unfinished", f"its last run did not finish ({record.get('status')})")
    if "inputs" not in record or "files" not in record:
        return State("stale", "it ran before its inputs were recorded")
    now = file_hashes(out, sorted(set(record["files"]) | set(notebook_files(out, stem))))
    edited = [rel for rel, digest in now.items() if record["files"].get(rel) != digest]
    if edited:
        return State("edited", f"its outputs changed since it ran ({', '.join(edited[:3])})")
    if changed := _changed_inputs(out, record):
        return State("stale", f"{' and '.join(changed)} changed since it ran")
    for up in upstream_stems(stem):
        up_state = (upstream or {}).get(up) or state(out, up)
        if up_state.kind in ("unreadable", "blocked"):  # never a reason to move anything
            return State("blocked", up_state.why if up_state.kind == "blocked" else f"{up[:2]}'s {up_state.why[4:]}")
        if up_state.kind in ("unfinished", "edited", "stale"):  # one that has not run here: its fingerprint says so
            return State("stale", f"{up[:2]} is not current")
    return State("ok")


def states(out: Path, stems: list[str] | None = None) -> dict[str, State]:
    """The state of every notebook of the collection (or of these), each computed once."""
    found: dict[str, State] = {}
    for stem in sorted(set(COLLECTION) | set(stems or [])):
        found[stem] = state(out, stem, found)
    return {stem: found[stem] for stem in (stems or COLLECTION)}


def check_upstream(selected: list[Path], all_notebooks: list[Path], out: Path) -> None:
    """Every upstream notebook of a selected one is selected too or current in out; else one line that says what to
    run."""
    chosen = {nb.stem for nb in selected}
    known = states(out)
    for nb in selected:
        for up in upstream_stems(nb.stem):
            if up in chosen or known[up].ok:
                continue
            needed = _needed(nb.stem)
            first = next(s for s in COLLECTION if s[:2] in needed and s not in chosen and not known[s].ok)
            rerun = sorted({s[:2] for s in chosen} | {n for n in needed if first[:2] <= n <= nb.stem[:2]})
            raise PipelineError(
                f"{nb.stem} needs the outputs of {up} in {out}, but {known[up].why}: run {' '.join(rerun)} "
                f"(--only {' '.join(rerun)}){'; nothing was moved' if known[up].kind == 'unreadable' else ''}"
            )


def _needed(stem: str) -> set[str]:
    return {s[:2] for s in upstream_stems(stem)} | {stem[:2]}


def supersede_stale(out: Path, after: str) -> str | None:
    """After a notebook ran: move aside the outputs of the notebooks that read other outputs of it (or of a notebook
    moved here) than the folder now holds; the one line that says so."""
    known = states(out)
    stale = [s for s in COLLECTION if s[:2] > after[:2] and known[s].kind == "stale"]
    if not stale:
        return None
    return supersede(
        out, stale, f"made from earlier outputs of {prefix(after)}; rerun with --only {' '.join(s[:2] for s in stale)}"
    )
