"""Nothing is deleted: outputs a rerun supersedes are moved into OUT/superseded/<time>/, where they can be restored.

Only files of an analysis folder that the registry names (FILES for a notebook's outputs, PIPELINE_FILES for its
executed copy, record, log and report page) and that the notebook wrote (its record lists them; all its registry files
when its record cannot be read) are ever moved, and never out of the analysis folder.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from helpers.outputs.registry import FILES, PIPELINE_FILES, named
from helpers.pipeline.provenance import notebook_files, read_record, record_problem

SUPERSEDED = "superseded"  # OUT/superseded/<time>/: what reruns replaced, laid out as in OUT
# A notebook's pipeline files that go with its outputs (its kernel log stays: a running kernel writes it).
MOVED_WITH_OUTPUTS = ("executed_copy", "failed_copy", "record", "notebook_page")


def owned_files(out: Path, stem: str) -> list[str]:
    """The files of out that this notebook wrote and the registry names, its pipeline files included."""
    record = read_record(out, stem)
    unreadable = record is None and record_problem(out, stem)
    listed = notebook_files(out, stem) if unreadable else (record or {}).get("outputs", [])
    own = [rel for rel in listed if (name := named(rel)) in FILES and FILES[name].notebook == stem[:2]]
    pipeline = [PIPELINE_FILES[name].format(stem=stem) for name in MOVED_WITH_OUTPUTS]
    return [rel for rel in [*own, *pipeline] if (out / rel).is_file()]


def move_aside(out: Path, files: list[str], when: str | None = None) -> Path:
    """Move these files of out (paths relative to it) into out/superseded/<when>/ (default: now); that folder."""
    folder = out / SUPERSEDED / (when or dt.datetime.now().strftime("%Y-%m-%dT%H-%M-%S"))
    for rel in files:
        source = (out / rel).resolve()
        if not source.is_relative_to(out.resolve()) or SUPERSEDED in Path(rel).parts:
            raise ValueError(f"{rel} is not a file of the analysis in {out}")
        target = folder / rel
        n = 1
        while target.exists():  # two moves in one second: keep both
            target, n = folder / f"{rel}.{n}", n + 1
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    return folder


def supersede(out: Path, stems: list[str], why: str) -> str | None:
    """Move the files of these notebooks aside; the one line that says which, why and where (None: nothing moved)."""
    files = {stem: owned_files(out, stem) for stem in stems}
    moved = [stem for stem, rels in files.items() if rels]
    if not moved:
        return None
    folder = move_aside(out, [rel for rels in files.values() for rel in rels])
    n = sum(len(rels) for rels in files.values())
    return f"{', '.join(moved)}: {why}; {n} files moved to {folder} (move them back to restore them)"
