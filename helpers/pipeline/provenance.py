"""Provenance records, OUT/provenance/NN_name.json: the one reader and writer, used by the pipeline and the report.

After each notebook, its record holds its parameters, the files it wrote (only files the registry says it writes),
their hashes and fingerprint, and the fingerprints of its inputs as it read them (upstream notebooks' files and input
files, recomputed from disk: helpers.pipeline.stale decides from them whether a notebook is current).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path

from helpers.outputs import write_atomic
from helpers.outputs.registry import FILES
from helpers.sources import sha256_of

PROVENANCE = "provenance"  # OUT/provenance/: the records and the kernels' logs
REPORT = "report"  # OUT/report/: index.html and one page per executed notebook


def record_path(out: Path, notebook: Path | str) -> Path:
    """OUT/provenance/NN_name.json."""
    return out / PROVENANCE / f"{Path(notebook).stem}.json"


def kernel_log_path(out: Path, notebook: Path | str) -> Path:
    """OUT/provenance/NN_name.kernel.log: what the kernel process printed outside the notebook."""
    return out / PROVENANCE / f"{Path(notebook).stem}.kernel.log"


def read_record(out: Path, notebook: Path | str) -> dict | None:
    """The notebook's record; None when there is none or it cannot be read (record_problem says which)."""
    try:
        record = json.loads(record_path(out, notebook).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def record_problem(out: Path, notebook: Path | str) -> str | None:
    """Why a record that exists cannot be read ('not JSON', 'no status'), or None (readable, or no record)."""
    path = record_path(out, notebook)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    except ValueError as exc:
        return f"cannot be read (not JSON: {exc})"
    return None if isinstance(record, dict) and "status" in record else "cannot be read (no status)"


def is_valid(record: dict | None) -> bool:
    """The record of a notebook that ran to the end."""
    return bool(record) and record.get("status") == "ok"


def valid_notebooks(out: Path, notebook_stems: list[str]) -> tuple[list[tuple[str, dict | None]], set[str]]:
    """The notebooks whose outputs count (current, helpers.pipeline.stale), with their records, and the output files of
    the others (failed, interrupted, stale), which must not be shown."""
    from helpers.pipeline.stale import states

    shown, hidden = [], set()
    for stem, state in states(out, notebook_stems).items():
        record = read_record(out, stem) or {}
        if state.ok and ((out / f"{stem}.ipynb").is_file() or not record.get("executed")):
            shown.append((stem, record))
        else:
            hidden.update(record.get("outputs", []))
    return shown, hidden


def notebook_files(out: Path, notebook: Path | str) -> list[str]:
    """The files of out that the registry (FILES) says this notebook writes and that exist, relative to out."""
    number = Path(notebook).name[:2]
    found = []
    for entry in FILES.values():
        path = out / entry.path
        if entry.notebook != number or not path.exists():
            continue
        found += [p.relative_to(out).as_posix() for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()]
    return sorted(found)


def file_hashes(out: Path, files: list[str]) -> dict[str, str]:
    """The sha256 of every file (of zip files' members: save times do not count); '-' for one that is missing."""
    return {rel: sha256_of(out / rel, zip_members=True) if (out / rel).is_file() else "-" for rel in sorted(files)}


def fingerprint(out: Path, files: list[str], hashes: dict[str, str] | None = None) -> str:
    """One sha256 over the contents of a notebook's output files."""
    h = hashlib.sha256()
    for rel, digest in (hashes or file_hashes(out, files)).items():
        h.update(f"{rel}\0{digest}\n".encode())
    return h.hexdigest()


def current_fingerprint(out: Path, notebook: Path | str) -> str:
    """The fingerprint of a notebook's files as they are on disk now (recomputed, never read from a record)."""
    return fingerprint(out, notebook_files(out, notebook))


def snapshot(out: Path, notebook: Path | str) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file the registry says this notebook writes."""
    return {rel: ((st := (out / rel).stat()).st_size, st.st_mtime_ns) for rel in notebook_files(out, notebook)}


def write_record(
    out: Path, notebook: Path, run: dict, before: dict[str, tuple[int, int]], previous: dict | None
) -> dict:
    """Record what this execution of a notebook produced: its registry files written now (or kept from its previous
    run, e.g. training runs resumed), their hashes and fingerprint; run holds parameters, given, started, inputs,
    executed."""
    after = snapshot(out, notebook)
    changed = [rel for rel, stat in after.items() if before.get(rel) != stat]
    kept = [rel for rel in (previous or {}).get("outputs", []) if rel in after]
    hashes = file_hashes(out, list(after))
    record = {
        "notebook": notebook.stem,
        "status": "ok",
        **run,
        "started": dt.datetime.fromtimestamp(run["started"]).isoformat(timespec="seconds"),
        "seconds": round(time.time() - run["started"], 1),
        "finished_ts": time.time(),
        "outputs": sorted(set(changed) | set(kept)),
        "files": hashes,
        "fingerprint": fingerprint(out, list(after), hashes),
    }
    write_json(record_path(out, notebook), record)
    return record


def mark_ended(out: Path, notebook: Path, status: str) -> dict | None:
    """A notebook that began (its record says running) and did not finish: when its files are still those of its
    previous successful run, that run's record stands again; otherwise its record says failed or interrupted, so
    nothing downstream trusts its outputs. Returns the record."""
    record = read_record(out, notebook)
    if record and record.get("status") == "running":
        previous = record.get("previous")
        if is_valid(previous) and previous.get("fingerprint") == current_fingerprint(out, notebook):
            record = previous
        else:
            record = dict(record, status=status, finished_ts=time.time(), previous=None)
        write_json(record_path(out, notebook), record)
    return record


def write_json(path: Path, record: dict) -> None:
    """A record as indented JSON, its folder created."""
    write_atomic(path, lambda part: part.write_text(json.dumps(record, indent=1, default=str)))
