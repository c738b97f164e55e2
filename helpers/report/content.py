"""The content of a report as plain data: what the page shows, as a reader sees it, with no HTML.

`collect.report_content(out, stems)` builds a Report from an output folder; `render` turns it into index.html with the
Jinja2 template in templates/. A test can check the headline numbers and the figures here without parsing a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Missing:
    """Something the page cannot show because a notebook has not run in the output folder."""

    what: str
    notebook: str  # the notebook's stem, e.g. 06_honest_evaluation
    command: str  # the command that runs it into this folder


@dataclass
class Table:
    """A table of the page: its header and rows as displayed text, and each column's kind."""

    header: list[str]
    rows: list[list[str]]
    kinds: list[str]  # per column: "number" (right-aligned), "text" (left-aligned) or "paper" (the paper's, muted)


@dataclass
class Headline:
    """The headline numbers: the batch to make next, Table 1 beside the paper's, the honest estimate, trust in a
    prediction, baselines."""

    table1: Table | Missing
    honest: Table | Missing
    honest_summary: str  # one sentence with the honest R² and F1 of each model ("" when there are none)
    coverage: Table | Missing  # observed coverage of the 90 % intervals (all levels), or what is missing
    domain_errors: Table | None  # MAE inside and outside the applicability domain (None when coverage is Missing)
    baselines: Table | Missing
    next_batch: Table | Missing  # the batch to make next (notebook 09), shown first
    rule_evidence: list[str]  # two sentences on the ranking rule's evidence ([] without it)


@dataclass
class Figure:
    """A figure in the paper's order (FILES'), with its caption, the note made from the data, and its display size."""

    name: str  # its name in helpers.outputs FILES
    stem: str  # file name without .png
    src: str  # relative to the report folder
    file: str  # file name, shown after the caption
    title: str
    caption: str
    note: str  # a sentence made from the data at report time ("" when the entry has none)
    width: int | None  # CSS pixels (all figures at one scale), None when the image cannot be read
    height: int | None


@dataclass
class NotebookEntry:
    """A notebook: its HTML page and executed copy (relative to the report folder; empty when it ran outside the
    pipeline), when it ran and how long."""

    stem: str
    title: str
    page: str
    executed: str
    started: str
    seconds: str


@dataclass
class TableFile:
    """A CSV table of the output folder, with what it holds, the notebook that makes it and a note from the data."""

    name: str  # its name in helpers.outputs FILES
    file: str  # file name, the link's text
    href: str
    description: str
    notebook: str  # prefix
    note: str


@dataclass
class ParameterEntry:
    """A parameter as the notebooks ran with it, and whether it was given on the command line."""

    name: str
    value: str  # repr of the value
    notebooks: list[str]  # prefixes
    given: bool


@dataclass
class Report:
    """Everything index.html shows."""

    folder: str
    name: str
    generated: str
    notebooks_total: int
    headline: Headline
    figures: list[Figure] = field(default_factory=list)
    notebooks: list[NotebookEntry] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # notebooks not in the report (not run, failed or stale)
    tables: list[TableFile] = field(default_factory=list)
    parameters: list[ParameterEntry] = field(default_factory=list)
