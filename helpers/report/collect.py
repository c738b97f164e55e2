"""Build the content of an output folder's report (a content.Report): which notebooks count, their figures in the
paper's order with captions and sizes, the tables, the parameters and the headline numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image

from helpers.pipeline.provenance import valid_notebooks
from helpers.report.captions import FIGURES, TABLES, Caption
from helpers.report.content import Figure, NotebookEntry, ParameterEntry, Report, TableFile
from helpers.report.headline import headline, number

# Figures are saved at 150 dpi and shown as at 100 dpi, so that all share one scale.
DISPLAY_SCALE = 2 / 3


def _visible(rel: str, maker: str | None, hidden: set[str], makers: set[str]) -> bool:
    """Not written by a failed or interrupted notebook, and (when known) made by a notebook in the report."""
    return rel not in hidden and (maker is None or maker in makers)


def display_size(image: Path) -> tuple[int | None, int | None]:
    """Width and height in CSS pixels at which all figures share one scale; None, None when unreadable."""
    try:
        with Image.open(image) as im:
            width, height = im.size
    except OSError:
        return None, None
    return round(width * DISPLAY_SCALE), round(height * DISPLAY_SCALE)


def figures(out: Path, hidden: set[str], makers: set[str]) -> list[Figure]:
    """The figures of the notebooks in the report: the captioned ones in the paper's order, then the others."""
    pngs = {
        p.stem: p
        for p in sorted((out / "figures").glob("*.png"))
        if _visible(f"figures/{p.name}", FIGURES[p.stem].notebook if p.stem in FIGURES else None, hidden, makers)
    }
    ordered = [s for s in FIGURES if s in pngs] + sorted(s for s in pngs if s not in FIGURES)
    shown = []
    for stem in ordered:
        caption = FIGURES.get(stem, Caption("", stem, ""))
        width, height = display_size(pngs[stem])
        src = f"../figures/{pngs[stem].name}"
        shown.append(Figure(stem, src, pngs[stem].name, caption.title, caption.caption, width, height))
    return shown


def visible_tables(out: Path, hidden: set[str], makers: set[str]) -> list[Path]:
    """The CSV tables the report may show: the known ones in TABLES order, then the others."""
    tables = [
        t
        for t in sorted((out / "tables").glob("*.csv"))
        if _visible(f"tables/{t.name}", TABLES[t.name].notebook if t.name in TABLES else None, hidden, makers)
    ]
    known = sorted((t for t in tables if t.name in TABLES), key=lambda t: list(TABLES).index(t.name))
    return known + [t for t in tables if t.name not in TABLES]


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
    tables = visible_tables(out, hidden, makers)
    return Report(
        folder=str(out),
        name=out.name,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        notebooks_total=len(stems),
        headline=headline(out, tables),
        figures=figures(out, hidden, makers),
        notebooks=[notebook_entry(out, stem, record) for stem, record in shown],
        absent=[s for s in stems if s not in {stem for stem, _ in shown}],
        tables=[
            TableFile(t.name, f"../tables/{t.name}", TABLES[t.name].description if t.name in TABLES else "")
            for t in tables
        ],
        parameters=parameters(shown),
    )
