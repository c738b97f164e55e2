"""Write the report: index.html from the Jinja2 template and a Report, and one HTML page per executed notebook."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from helpers.outputs import write_atomic
from helpers.pipeline.dag import PipelineError
from helpers.pipeline.provenance import PROVENANCE, REPORT, disagreeing, valid_notebooks
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
        write_atomic(page, lambda part: part.write_text(_external_scripts_removed(body), encoding="utf-8"))
    return page


def build_report(out: Path, notebooks: list[Path] | list[str] | None = None) -> Path:
    """Write OUT/report/index.html (and one HTML page per executed notebook); return its path."""
    out = Path(out)
    if notebooks is None:  # the project's notebooks, and any other that left an executed copy or a record here
        from helpers.pipeline.dag import notebooks as project_notebooks

        found = [*project_notebooks(), *out.glob("[0-9][0-9]_*.ipynb"), *(out / PROVENANCE).glob("[0-9][0-9]_*.json")]
        stems = sorted({p.stem for p in found})
    else:
        stems = [Path(nb).stem for nb in notebooks]
    folder = out / REPORT
    index = folder / "index.html"
    index.unlink(missing_ok=True)  # an interrupted or refused rebuild leaves no report that mismatches its tables
    check_consistent(out, stems)
    folder.mkdir(parents=True, exist_ok=True)
    report = report_content(out, stems)
    shown = {nb.stem for nb in report.notebooks if nb.page}
    for page in folder.glob("*.html"):  # pages of notebooks that are no longer valid or have no executed copy
        if page.name != "index.html" and page.stem not in shown:
            page.unlink()
    for stem in shown:
        write_notebook_page(out, stem)
    return write_atomic(index, lambda part: part.write_text(to_html(report), encoding="utf-8"))


class MixedOutputs(PipelineError):
    """The folder holds outputs made from two different results of one notebook; the report refuses to mix them."""


def check_consistent(out: Path, stems: list[str]) -> None:
    """Refuse, in one line, a report of notebooks whose outputs were made from other upstream outputs than the
    folder holds (the pipeline removes such stale outputs before it builds the report)."""
    pairs = disagreeing(out, valid_notebooks(out, stems)[0])
    if pairs:
        made = "; ".join(f"{stem[:2]} was made from other outputs of {up[:2]} than it holds now" for stem, up in pairs)
        rerun = " ".join(sorted({stem[:2] for stem, _ in pairs}))
        raise MixedOutputs(
            f"report: {out}: {made}; no report is written: rerun {rerun} (./run_all.sh --out {out} --only {rerun}),"
            " which first removes the stale outputs"
        )
