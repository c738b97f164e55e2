"""Provenance records, OUT/provenance/NN_name.json: the one reader and writer, used by the pipeline and the report.

After each notebook, its record holds its parameters, the files it wrote and their fingerprint, and the fingerprints
of its upstream notebooks' records. A notebook counts (its outputs are trusted and shown) when its record says "ok";
an output folder made before records existed counts an executed copy without a record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path

from helpers.outputs import write_atomic
from helpers.pipeline.dag import upstream as _up
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
    """The notebook's record; None when there is none or it cannot be read."""
    try:
        record = json.loads(record_path(out, notebook).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_valid(record: dict | None) -> bool:
    """The record of a notebook that ran to the end."""
    return bool(record) and record.get("status") == "ok"


def has_outputs(out: Path, notebook: Path | str) -> bool:
    """A valid record, or (a folder made before records existed) an executed copy without any record."""
    stem = Path(notebook).stem
    if record_path(out, stem).exists():
        return is_valid(read_record(out, stem))
    return (out / f"{stem}.ipynb").is_file()


def valid_notebooks(out: Path, notebook_stems: list[str]) -> tuple[list[tuple[str, dict | None]], set[str]]:
    """The notebooks whose outputs count, with their records (None: run before records existed), and the output
    files of notebooks without a valid record (failed or interrupted), which must not be shown."""
    shown, hidden = [], set()
    for stem in notebook_stems:
        executed = (out / f"{stem}.ipynb").is_file()
        if record_path(out, stem).exists():
            record = read_record(out, stem) or {}
            if is_valid(record) and (executed or not record.get("executed")):
                shown.append((stem, record))
            else:
                hidden.update(record.get("outputs", []))
        elif executed:
            shown.append((stem, None))
    return shown, hidden


def disagreeing(out: Path, shown: list[tuple[str, dict | None]]) -> list[tuple[str, str]]:
    """(notebook, upstream notebook) pairs among the shown notebooks whose recorded upstream fingerprint is not the
    upstream's fingerprint now: outputs of two different upstream results, which must not be shown together."""
    return [
        (stem, up)
        for stem, record in shown
        for up, fp in (record or {}).get("upstream", {}).items()
        if current_fingerprint(out, up) != fp
    ]


def current_fingerprint(out: Path, notebook: Path | str) -> str | None:
    """The fingerprint of a notebook's valid record; None for an executed copy made before records existed;
    "missing" or "invalid" otherwise (so it never equals a recorded fingerprint)."""
    stem = Path(notebook).stem
    if not record_path(out, stem).exists():
        return None if (out / f"{stem}.ipynb").is_file() else "missing"
    rec = read_record(out, stem)
    return rec.get("fingerprint") if is_valid(rec) else "invalid"


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every output file under out (not the executed copies, records or report)."""
    files: dict[str, tuple[int, int]] = {}
    if not out.is_dir():
        return files
    for path in out.rglob("*"):
        rel = path.relative_to(out)
        if rel.parts[0] in (PROVENANCE, REPORT) or (len(rel.parts) == 1 and path.suffix == ".ipynb"):
            continue
        if path.is_file():
            st = path.stat()
            files[rel.as_posix()] = (st.st_size, st.st_mtime_ns)
    return files


def fingerprint(out: Path, files: list[str]) -> str:
    """One sha256 over the contents of a notebook's output files (of zip files' members: save times do not count)."""
    h = hashlib.sha256()
    for rel in sorted(files):
        path = out / rel
        h.update(f"{rel}\0{sha256_of(path, zip_members=True) if path.is_file() else '-'}\n".encode())
    return h.hexdigest()


def write_record(
    out: Path,
    notebook: Path,
    parameters: dict[str, object],
    given: list[str],
    started: float,
    status: str,
    before: dict[str, tuple[int, int]],
    previous: dict | None,
    all_notebooks: list[Path],
    upstream: dict[str, str | None] | None = None,
    executed: bool = True,
) -> dict:
    """Record what this execution of a notebook produced, and from which upstream records (those it read at its
    start; by default their fingerprints now); executed: whether its executed copy lies in out."""
    after = snapshot(out)
    changed = [rel for rel, stat in after.items() if before.get(rel) != stat]
    kept = [rel for rel in (previous or {}).get("outputs", []) if rel in after]  # e.g. runs resumed, not rewritten
    outputs = sorted(set(changed) | set(kept))
    ups = (
        upstream
        if upstream is not None
        else {up.stem: current_fingerprint(out, up) for up in _up(notebook, all_notebooks)}
    )
    record = {
        "notebook": notebook.stem,
        "status": status,
        "parameters": {k: v for k, v in parameters.items() if k != "out_dir"},
        "given": sorted(k for k in given if k != "out_dir"),
        "started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "seconds": round(time.time() - started, 1),
        "finished_ts": time.time(),
        "executed": f"{notebook.stem}.ipynb" if executed else None,
        "outputs": outputs,
        "fingerprint": fingerprint(out, outputs),
        "upstream": ups,
    }
    write_json(record_path(out, notebook), record)
    return record


def mark_ended(out: Path, notebook: Path, status: str) -> dict | None:
    """A notebook that began (its record says running) and did not finish: its record says failed or interrupted, so
    nothing downstream trusts its outputs. Returns the record."""
    record = read_record(out, notebook)
    if record and record.get("status") == "running":
        record = dict(record, status=status, finished_ts=time.time())
        write_json(record_path(out, notebook), record)
    return record


def write_json(path: Path, record: dict) -> None:
    """A record as indented JSON, its folder created."""
    write_atomic(path, lambda part: part.write_text(json.dumps(record, indent=1, default=str)))
