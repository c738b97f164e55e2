"""Build the content of an output folder's report (a content.Report): which notebooks count, their figures and tables
found through the registry (helpers.outputs FILES, in its order) with captions, notes and sizes, the parameters and
the headline numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image

from helpers.outputs import FILES, OutputDir, OutputFile
from helpers.pipeline.provenance import valid_notebooks
from helpers.report.content import Figure, NotebookEntry, ParameterEntry, Report, TableFile
from helpers.report.headline import headline, number
from helpers.report.notes import note

# Figures are saved at 150 dpi and shown as at 100 dpi, so that all share one scale.
DISPLAY_SCALE = 2 / 3


def shown_files(out: Path, kind: str, hidden: set[str], makers: set[str]) -> list[tuple[str, OutputFile]]:
    """(name, entry) of the FILES of a kind ("figure", "table") that the folder holds, in FILES' order, made by a
    notebook in the report and not by a failed or interrupted run."""
    return [
        (name, entry)
        for name, entry in FILES.items()
        if entry.kind == kind and entry.notebook in makers and entry.path not in hidden and (out / entry.path).is_file()
    ]


def display_size(image: Path) -> tuple[int | None, int | None]:
    """Width and height in CSS pixels at which all figures share one scale; None, None when unreadable."""
    try:
        with Image.open(image) as im:
            width, height = im.size
    except OSError:
        return None, None
    return round(width * DISPLAY_SCALE), round(height * DISPLAY_SCALE)


def figures(out: Path, hidden: set[str], makers: set[str]) -> list[Figure]:
    """The figures of the notebooks in the report, in FILES' order (the paper's), with titles, captions and notes."""
    shown = []
    for name, entry in shown_files(out, "figure", hidden, makers):
        path = out / entry.path
        width, height = display_size(path)
        sentence = note(OutputDir(out), entry.note)
        shown.append(
            Figure(name, path.stem, f"../{entry.path}", path.name, entry.title, entry.caption, sentence, width, height)
        )
    return shown


def tables(out: Path, hidden: set[str], makers: set[str]) -> list[TableFile]:
    """The tables of the notebooks in the report, in FILES' order, with what each holds."""
    return [
        TableFile(
            name,
            Path(entry.path).name,
            f"../{entry.path}",
            entry.holds,
            entry.notebook,
            note(OutputDir(out), entry.note),
        )
        for name, entry in shown_files(out, "table", hidden, makers)
    ]


def notebook_title(executed: Path) -> str:
    """The first line of the notebook's first markdown cell, without the '#'."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    texts = (c.source.strip() for c in nb.cells if c.cell_type == "markdown" and c.source.strip())
    return next((text.splitlines()[0].lstrip("# ").strip() for text in texts), executed.stem)


def notebook_entry(out: Path, stem: str, record: dict | None) -> NotebookEntry:
    """One notebook of the report, with when it ran and for how long (unknown without a record); without links when
    it ran outside the pipeline (JupyterLab, papermill elsewhere), which leaves no executed copy in the folder."""
    from helpers.pipeline.dag import NOTEBOOKS_DIR

    record = record or {}
    copy = out / f"{stem}.ipynb"
    has_copy = copy.is_file()
    return NotebookEntry(
        stem=stem,
        title=notebook_title(copy if has_copy else NOTEBOOKS_DIR / f"{stem}.ipynb"),
        page=f"{stem}.html" if has_copy else "",
        executed=f"../{stem}.ipynb" if has_copy else "",
        started=record.get("started", "").replace("T", " "),
        seconds=number(record.get("seconds", float("nan")), 0),
    )


def parameters(shown: list[tuple[str, dict | None]]) -> list[ParameterEntry]:
    """Every parameter as the notebooks ran with it (the last notebook's value), marked when given."""
    entries: dict[str, ParameterEntry] = {}
    for stem, record in shown:
        for name, value in (record or {}).get("parameters", {}).items():
            entry = entries.setdefault(name, ParameterEntry(name, "", [], False))
            entry.value = repr(value)
            entry.notebooks.append(stem[:2])
            entry.given = entry.given or name in record.get("given", [])
    return list(entries.values())


def report_content(out: Path, stems: list[str]) -> Report:
    """The content of OUT/report/index.html for these notebooks, from their provenance records and files."""
    shown, hidden = valid_notebooks(out, stems)
    makers = {stem[:2] for stem, _ in shown}
    listed = tables(out, hidden, makers)
    return Report(
        folder=str(out),
        name=out.name,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        notebooks_total=len(stems),
        headline=headline(out, {t.name: out / t.href.removeprefix("../") for t in listed}),
        figures=figures(out, hidden, makers),
        notebooks=[notebook_entry(out, stem, record) for stem, record in shown],
        absent=[s for s in stems if s not in {stem for stem, _ in shown}],
        tables=listed,
        parameters=parameters(shown),
    )
