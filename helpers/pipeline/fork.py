"""Forks: a notebook run with parameters other than those that made its outputs in out_dir (a student's "try a wider
network") writes to an output folder of its own, beside the analysis it was forked from, and leaves that analysis
untouched. The fork's folder is named after the analysis, the notebook and the changed parameters
(outputs/default-03-hidden-256-128); the outputs of the notebooks it reads (01's features, 02's split) are copied
into it from the analysis, and OUT/provenance/fork.json says where it came from (``parent``), so notebook 04 run on
the fork compares the two (helpers.summaries.fork_comparison).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from helpers.outputs import write_atomic
from helpers.outputs.registry import PIPELINE_FILES
from helpers.pipeline.dag import PipelineError
from helpers.pipeline.provenance import PROVENANCE, notebook_files, read_record, write_json

FORK_RECORD = "fork.json"  # OUT/provenance/fork.json: the analysis a fork was made from, and what it changed
LONGEST_NAME = 80  # a longer folder name ends in a digest of the parameters instead


def _slug(value: object) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", json.dumps(value)).strip("-")


def differences(record: dict | None, parameters: dict[str, object]) -> dict[str, object]:
    """The parameters whose values differ from those the record ran with (name -> value now)."""
    before = (record or {}).get("parameters", {})
    now = json.loads(json.dumps(parameters, default=str))
    return {name: now[name] for name in sorted(before) if name in now and before[name] != now[name]}


def folder_for(out: Path, number: str, changed: dict[str, object]) -> Path:
    """The fork's folder: beside out, named after out, the notebook and the changed parameters."""
    name = f"{out.name}-{number}-" + "-".join(f"{k}-{_slug(v)}" for k, v in changed.items())
    if len(name) > LONGEST_NAME:
        digest = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:10]
        name = f"{out.name}-{number}-fork-{digest}"
    return out.parent / name


def parent(out: Path) -> Path | None:
    """The analysis this folder was forked from, or None (not a fork, or that analysis is gone)."""
    try:
        forked_from = Path(json.loads((Path(out) / PROVENANCE / FORK_RECORD).read_text())["forked_from"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return forked_from if forked_from.is_dir() else None


def copy_outputs(source: Path, target: Path, stems: list[str]) -> None:
    """Copy these notebooks' files, records and executed copies from one analysis into another (never a move)."""
    for stem in stems:
        own = [PIPELINE_FILES[name].format(stem=stem) for name in ("executed_copy", "record", "notebook_page")]
        for rel in [*notebook_files(source, stem), *own]:
            if (source / rel).is_file():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target / rel, lambda part, rel=rel: shutil.copy2(source / rel, part))


def start(out: Path, nb: Path, parameters: dict[str, object], upstream_stems: list[str]) -> Path:
    """Make (or reuse) the fork's folder for this run of nb, its upstream outputs copied from out; print where."""
    from helpers.pipeline.stale import states

    changed = differences(read_record(out, nb), {k: v for k, v in parameters.items() if k != "out_dir"})
    target = folder_for(out, nb.stem[:2], changed)
    known, here = states(out), states(target) if target.is_dir() else {}
    missing = [s for s in upstream_stems if not (here.get(s) and here[s].ok)]
    for stem in missing:
        if not known[stem].ok:
            raise PipelineError(f"{nb.stem}: cannot fork {out}: {stem} {known[stem].why}; rerun it there first")
    copy_outputs(out, target, missing)
    record = {"forked_from": str(out), "notebook": nb.stem, "changed": changed}
    write_json(target / PROVENANCE / FORK_RECORD, record)
    shown = "; ".join(f"{k} {v!r}" for k, v in changed.items())
    copied = f"; the outputs of {', '.join(s[:2] for s in missing)} copied from there" if missing else ""
    print(
        f"{nb.stem}: parameters other than those of the analysis in {out} ({shown}): a fork; its outputs go to "
        f"{target}{copied}"
    )
    return target


def fork_for_pipeline(
    out: Path, selected: list[Path], params: dict[str, object], conflicts: dict[Path, list[str]]
) -> tuple[Path, list[Path]]:
    """run_all.sh --fork: the fork's folder for -p values other than those of the analysis in out, with the outputs
    of the notebooks these values do not change copied into it; the folder and the notebooks to run there."""
    from helpers.pipeline.stale import states, upstream_stems

    changed: dict[str, object] = {}
    for nb in conflicts:
        changed.update(differences(read_record(out, nb), params))
    first = min(nb.stem for nb in conflicts)
    target = folder_for(out, first[:2], changed)
    to_run = [nb for nb in selected if nb.stem >= first]
    needed = sorted({up for nb in to_run for up in upstream_stems(nb.stem)} - {nb.stem for nb in to_run})
    known, here = states(out), states(target) if target.is_dir() else {}
    missing = [s for s in needed if not (here.get(s) and here[s].ok)]
    for stem in missing:
        if not known[stem].ok:
            raise PipelineError(f"--fork: {stem} in {out}: {known[stem].why}; rerun it there first")
    copy_outputs(out, target, missing)
    write_json(target / PROVENANCE / FORK_RECORD, {"forked_from": str(out), "notebook": first, "changed": changed})
    copied = f"; the outputs of {', '.join(s[:2] for s in missing)} copied from there" if missing else ""
    print(f"a fork of the analysis in {out}; its outputs go to {target}{copied}")
    return target, to_run
