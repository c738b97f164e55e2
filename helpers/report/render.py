"""Write the report: index.html from the Jinja2 template and a Report, and one HTML page per executed notebook."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from helpers.outputs import write_atomic
from helpers.pipeline.dag import PipelineError
from helpers.pipeline.provenance import PROVENANCE, REPORT
from helpers.pipeline.superseded import move_aside
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
    check_consistent(out, stems)  # a refused rebuild leaves the report as it was
    folder.mkdir(parents=True, exist_ok=True)
    report = report_content(out, stems)
    shown = {nb.stem for nb in report.notebooks if nb.page}
    old = [p for p in folder.glob("*.html") if p.name != "index.html" and p.stem not in shown]
    if old:  # pages of notebooks that are no longer current or have no executed copy
        move_aside(out, [p.relative_to(out).as_posix() for p in old])
    for stem in shown:
        write_notebook_page(out, stem)
    return write_atomic(index, lambda part: part.write_text(to_html(report), encoding="utf-8"))


class MixedOutputs(PipelineError):
    """The folder holds outputs made from two different results of one notebook; the report refuses to mix them."""


def check_consistent(out: Path, stems: list[str]) -> None:
    """Refuse, in one line, a report of notebooks whose outputs or inputs changed since they ran (helpers.pipeline.
    stale decides); the report as it was stays."""
    from helpers.pipeline.stale import states

    changed = {stem: st for stem, st in states(out, stems).items() if st.kind in ("stale", "edited")}
    if changed:
        made = "; ".join(f"{stem[:2]}: {st.why}" for stem, st in changed.items())
        rerun = " ".join(stem[:2] for stem in changed)
        raise MixedOutputs(
            f"report: {out}: {made}; the report is not rebuilt: rerun {rerun} (./run_all.sh --out {out} --only "
            f"{rerun}), which first moves the old outputs to {out}/superseded/"
        )
