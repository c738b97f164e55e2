"""Write the report: index.html from the Jinja2 template and a Report, and one HTML page per executed notebook."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from helpers.pipeline.provenance import REPORT
from helpers.report.collect import report_content
from helpers.report.content import Missing, Report

TEMPLATE = "index.html.j2"


def environment() -> jinja2.Environment:
    """The templates of this package, HTML-escaped, with a test for what is missing ({% if x is missing %})."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("helpers.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.tests["missing"] = lambda value: isinstance(value, Missing)
    return env


def to_html(report: Report) -> str:
    """The text of index.html for this content."""
    return environment().get_template(TEMPLATE).render(report=report)


def _external_scripts_removed(page: str) -> str:
    """nbconvert links require.js and MathJax from a CDN; the report must work offline (our notebooks need neither)."""
    return re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", page)


def write_notebook_page(out: Path, stem: str) -> Path:
    """OUT/report/<stem>.html from the executed notebook (reused while it is newer)."""
    source = out / f"{stem}.ipynb"
    page = out / REPORT / f"{stem}.html"
    if not page.is_file() or page.stat().st_mtime < source.stat().st_mtime:
        import nbformat
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nbformat.read(source, as_version=4))
        page.write_text(_external_scripts_removed(body), encoding="utf-8")
    return page


def build_report(out: Path, notebooks: list[Path] | list[str] | None = None) -> Path:
    """Write OUT/report/index.html (and one HTML page per executed notebook); return its path."""
    out = Path(out)
    if notebooks is None:
        stems = sorted(p.stem for p in out.glob("[0-9][0-9]_*.ipynb"))
    else:
        stems = [Path(nb).stem for nb in notebooks]
    folder = out / REPORT
    folder.mkdir(parents=True, exist_ok=True)
    report = report_content(out, stems)
    shown = {nb.stem for nb in report.notebooks}
    for page in folder.glob("*.html"):  # pages of notebooks that are no longer valid
        if page.name != "index.html" and page.stem not in shown:
            page.unlink()
    for stem in shown:
        write_notebook_page(out, stem)
    index = folder / "index.html"
    index.write_text(to_html(report), encoding="utf-8")
    return index
