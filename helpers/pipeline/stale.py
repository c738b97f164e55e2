"""Stale outputs: a notebook whose upstream records changed since it ran loses its outputs, so an output folder and its
report never mix results of different inputs; and a selected notebook needs its upstream outputs."""

from __future__ import annotations

from pathlib import Path

from helpers.pipeline.dag import PipelineError, prefix, upstream
from helpers.pipeline.provenance import (
    REPORT,
    current_fingerprint,
    has_outputs,
    is_valid,
    kernel_log_path,
    read_record,
    record_path,
)


def remove_outputs(out: Path, notebook: Path | str, record: dict, keep: set[str]) -> None:
    """Delete a notebook's recorded outputs (not those in keep), its executed copy, HTML page and record."""
    stem = Path(notebook).stem
    for rel in record.get("outputs", []):
        if rel not in keep:
            (out / rel).unlink(missing_ok=True)
    page = out / REPORT / f"{stem}.html"
    for path in (out / f"{stem}.ipynb", page, record_path(out, stem), kernel_log_path(out, stem)):
        path.unlink(missing_ok=True)


def _newer_upstream(out: Path, nb: Path, all_notebooks: list[Path]) -> list[str]:
    """For an executed copy made before records existed: the upstream notebooks that ran after it."""
    made = (out / nb.name).stat().st_mtime
    records = {up.stem: read_record(out, up) for up in upstream(nb, all_notebooks)}
    return [stem for stem, rec in records.items() if is_valid(rec) and rec.get("finished_ts", 0) > made]


def _why(changed: list[str], ran: set[str], removed: set[str]) -> str:
    """'02 reran, 03 was removed': why each changed upstream record changed."""
    return ", ".join(
        f"{prefix(u)} reran" if u in ran else f"{prefix(u)} was removed" if u in removed else f"{prefix(u)} changed"
        for u in changed
    )


def remove_stale(out: Path, all_notebooks: list[Path], ran: set[str] = frozenset()) -> list[str]:
    """Remove the outputs of every notebook whose upstream records changed since it ran; one message per notebook.

    Works in notebook order, so a notebook removed here makes the ones that read it stale too.
    """
    removed: set[str] = set()
    messages = []
    for nb in all_notebooks:
        if not record_path(out, nb).exists() and (out / nb.name).is_file():
            # Made before records existed: its files are unknown, but an upstream that ran after it makes it stale.
            newer = _newer_upstream(out, nb, all_notebooks)
            if newer:
                remove_outputs(out, nb, {}, set())
                removed.add(nb.stem)
                messages.append(
                    f"{nb.stem}: its inputs changed ({', '.join(prefix(u) + ' reran' for u in newer)});"
                    f" its executed copy was removed: rerun it with --only {prefix(nb)}"
                )
            continue
        rec = read_record(out, nb)
        if not is_valid(rec):
            continue
        changed = [up for up, fp in rec.get("upstream", {}).items() if current_fingerprint(out, up) != fp]
        if not changed:
            continue
        others = [read_record(out, other) for other in all_notebooks if other.stem != nb.stem]
        keep = {rel for other in others if is_valid(other) for rel in other.get("outputs", [])}
        remove_outputs(out, nb, rec, keep)
        removed.add(nb.stem)
        messages.append(
            f"{nb.stem}: its inputs changed ({_why(changed, ran, removed)}); its outputs were removed: "
            f"rerun it with --only {prefix(nb)}"
        )
    return messages


def check_upstream(selected: list[Path], all_notebooks: list[Path], out: Path) -> None:
    """Every upstream notebook of a selected one is selected too or has valid outputs in out."""
    chosen = {nb.stem for nb in selected}
    for nb in selected:
        for up in upstream(nb, all_notebooks):
            if up.stem not in chosen and not has_outputs(out, up):
                raise PipelineError(
                    f"{nb.stem} needs the outputs of {up.stem} in {out}: run {prefix(up)} first, or add it to --only"
                )
