"""docs/results.md: the measured figures of one analysis and of the benchmarks, with when and on what machine.

    python -m helpers.report.results outputs/default --benchmarks benchmarks/results > docs/results.md

Every number on the page is read from the tables of an output folder (only those of notebooks that ran to the end,
as the report shows them) and from the benchmarks' recorded output (``python benchmarks/record.py NAME``); the prose
around them is in ``templates/results.md.j2``. Nothing here is typed by hand, so the page is regenerated, not edited.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import findings, summaries
from helpers.outputs import FILES
from helpers.paths import PROJECT_ROOT
from helpers.pipeline.provenance import PROVENANCE, valid_notebooks
from helpers.report import headline as hl
from helpers.report.content import Missing, Table

TEMPLATE = "results.md.j2"
SCREEN_FIGURES = {
    "n_candidates": "candidates screened",
    "seconds": "seconds",
    "n_workers": "workers",
    "candidates_per_s": "candidates per second",
    "n_in_domain": "inside the domain",
    "n_above_threshold": "predicted at or above the threshold",
    "n_in_domain_above_threshold": "both",
}


@dataclass
class Benchmark:
    """One benchmark's recorded output: its name, the header lines (command, when, machine, load), what it printed."""

    name: str
    header: dict[str, str]
    output: str


@dataclass
class Results:
    """Everything the results page shows, as text and Tables (no markdown)."""

    folder: str
    generated: str
    machine: str
    ran: str
    tables: dict[str, Table | Missing] = field(default_factory=dict)
    sentences: dict[str, str] = field(default_factory=dict)
    benchmarks: list[Benchmark] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)  # the project's benchmarks with no recorded output


def machine() -> str:
    """This machine in one line: system, CPU count and model, memory."""
    model = ""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB memory"
    except (ValueError, OSError, AttributeError):
        memory = ""
    cpus = f"{os.cpu_count()} CPUs" + (f" ({model})" if model else "")
    return f"{platform.system()} {platform.machine()}, {cpus}{memory}, Python {platform.python_version()}"


def _frame(rows: list[list[str]], header: list[str], kinds: list[str] | None = None) -> Table:
    return Table(header, rows, kinds or ["text"] + ["number"] * (len(header) - 1))


def _cell(value: object, digits: int) -> str:
    """A table cell: whole numbers with thousands separators, other numbers with fixed digits, the rest as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return hl.number(value, digits)


def as_table(frame: pd.DataFrame, digits: int = 3) -> Table:
    """A DataFrame as a Table (a named index first), numbers with fixed digits; numeric columns right-aligned."""
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    rows = [[_cell(v, digits) for v in row] for row in frame.itertuples(index=False)]
    kinds = ["number" if pd.api.types.is_numeric_dtype(frame[c]) else "text" for c in frame.columns]
    header = ["" if str(c).startswith("Unnamed") or c == "index" else str(c) for c in frame.columns]
    return _frame(rows, header, kinds)


class Folder:
    """The tables of an output folder that the page may show: not those of a notebook that failed or was stopped."""

    def __init__(self, out: Path, shown_as: str | None = None):
        self.out = out
        self.shown_as = Path(shown_as or out)  # the folder as the reader gave it, for the commands the page shows
        stems = sorted(
            {p.stem for p in (out / PROVENANCE).glob("[0-9][0-9]_*.json")}
            | {p.stem for p in out.glob("[0-9][0-9]_*.ipynb")}
        )
        self.records, self.hidden = valid_notebooks(out, stems)

    def read(self, name: str) -> pd.DataFrame | None:
        """The CSV file called name in FILES, or None when it is missing, hidden or unreadable."""
        rel = FILES[name].path
        try:
            return None if rel in self.hidden else pd.read_csv(self.out / rel)
        except (OSError, ValueError):
            return None

    def missing(self, what: str, notebook: str) -> Missing:
        """What cannot be shown, and the command that makes it."""
        return hl.missing(what, notebook, self.shown_as)

    def parameter(self, writer_of: str, name: str) -> object:
        """A parameter as the notebook that wrote the file called writer_of ran with it (None when unknown)."""
        rel = FILES[writer_of].path
        records = (r for _, r in self.records if r and rel in r.get("outputs", []))
        return next((r.get("parameters", {}).get(name) for r in records), None)


def timings(folder: Folder) -> tuple[Table, str]:
    """Seconds per notebook from the provenance records, and when the analysis ran."""
    rows, starts, total = [], [], 0.0
    for stem, record in folder.records:
        if record and record.get("started"):
            starts.append(record["started"])
            total += float(record.get("seconds") or 0.0)
            rows.append([stem, record["started"].replace("T", " "), hl.number(record.get("seconds"), 1)])
    rows.append(["all notebooks", "", hl.number(total, 1)])
    ran = f"from {min(starts).replace('T', ' ')} to {max(starts).replace('T', ' ')}" if starts else "at an unknown time"
    return _frame(rows, ["notebook", "started", "seconds"], ["text", "text", "number"]), ran


def data_tables(folder: Folder) -> dict[str, Table | Missing]:
    """The data (01), the split (02) and the case study (02)."""
    tables: dict[str, Table | Missing] = {}
    summary, split = folder.read("dataset_summary"), folder.read("split_summary")
    tables["data"] = (
        as_table(summary.set_index(summary.columns[0]))
        if summary is not None
        else folder.missing("The data (tables/dataset_summary.csv)", "01_featurize")
    )
    tables["split"] = (
        as_table(split.set_index(split.columns[0]))
        if split is not None
        else folder.missing("The split (tables/split_summary.csv)", "02_split_and_histogram")
    )
    return tables


def case_study_sentence(folder: Folder) -> str:
    """The case-study rows in one line: rows, alloys, Fe range, measured Bs range."""
    rows = folder.read("case_study_rows")
    if rows is None or rows.empty:
        return ""
    return (
        f"{len(rows)} rows, {rows['composition'].nunique()} alloys, Fe {rows['fe_at_pct'].min():g} to "
        f"{rows['fe_at_pct'].max():g} at.%, measured Bs {rows['bs_tesla'].min():.2f} to {rows['bs_tesla'].max():.2f} T."
    )


def evaluation_tables(folder: Folder) -> tuple[dict[str, Table | Missing], dict[str, str]]:
    """Table 1 (04), the case study (05) and the honest evaluation (06), as the report's headline shows them."""
    read = folder.read
    honest, honest_summary = hl.honest(read, folder.shown_as)
    coverage, domain = hl.trust(read, folder.shown_as)
    tables = {"table1": hl.table1(read, folder.shown_as), "honest": honest}
    tables["baselines"] = hl.baselines(read, folder.shown_as)
    tables["coverage"], sentences = coverage, {"honest": honest_summary}
    if domain is not None:
        tables["domain"] = domain
    by_category = folder.read("interval_coverage")
    if by_category is not None:
        part = by_category[(by_category["category"] != "all") & (by_category["level"] == 0.9)]
        tables["coverage_by_category"] = as_table(part.drop(columns="level").set_index("category"))
        sentences["smallest"] = findings.smallest_category(by_category)
    case, baselines = folder.read("case_study_summary"), folder.read("baselines")
    if case is not None:
        tables["case_study"] = as_table(case.set_index("subset"))
    if baselines is not None:
        on_new = summaries.models_on_new_alloys(baselines, folder.read("case_study"))
        tables["new_alloys"] = as_table(on_new)
        sentences["new_alloys"] = findings.models_on_new_alloys(on_new, baselines)
    return tables, sentences


def glass_tables(folder: Folder) -> tuple[dict[str, Table | Missing], dict[str, str]]:
    """Glass formation (08): each classifier's best calibration, the goals, the chosen pair and the other cuts."""
    from helpers.glass import checks, comparison

    scores, bs_check, spread = (folder.read(name) for name in ("glass_scores", "glass_bs_check", "glass_split_spread"))
    if scores is None or bs_check is None:
        return {"glass": folder.missing("Glass formation (tables/glass_scores.csv)", "08_glass_formation")}, {}
    chosen = comparison.choose(scores)
    best = comparison.best_per_model(scores)[["model", "calibration", "AUC", "Brier", "log loss", "ECE"]]
    goals = checks.goals_of(scores, chosen, bs_check).set_index("goal")
    tables: dict[str, Table | Missing] = {"glass": as_table(best), "glass_goals": as_table(goals)}
    sentences = {"glass_chosen": checks.chosen(scores, chosen)}
    if spread is not None:
        sentences["glass_spread"] = checks.spread_sentence(spread)
    return tables, sentences


def screen_tables(folder: Folder) -> tuple[dict[str, Table | Missing], dict[str, str]]:
    """The screen (09): its size and speed, the batch it proposed, and its retrospective check."""
    summary, batch, retro = (
        folder.read("screen_summary"),
        folder.read("next_experiments"),
        folder.read("screen_retrospective"),
    )
    if summary is None:
        return {"screen": folder.missing("The screen (tables/screen_summary.csv)", "09_screen_candidates")}, {}
    row = summary.iloc[0]
    rows = [[label, _cell(round(float(row[key]), 1), 1)] for key, label in SCREEN_FIGURES.items() if key in row]
    tables: dict[str, Table | Missing] = {"screen": _frame(rows, ["", "value"])}
    sentences = {"screened": str(row.get("candidates", ""))}
    if batch is not None:
        asked = folder.parameter("next_experiments", "batch_size")
        sentences["batch"] = f"{len(batch)} candidates" + (f" of {asked} asked for" if asked else "")
    if retro is not None:
        keep = [
            "rule",
            "chosen",
            "n_high",
            "high_in_top",
            "expected_random",
            "enrichment",
            "max_enrichment",
            "spearman",
        ]
        tables["retrospective"] = as_table(retro[[c for c in keep if c in retro]].set_index("rule"), 2)
    return tables, sentences


def discovery_tables(folder: Folder) -> dict[str, Table | Missing]:
    """Which alloy next (10): the evidence per rule, and the simulated campaigns."""
    from helpers.discovery.simulation import evidence

    bench, sim, pool = (
        folder.read("discovery_benchmark"),
        folder.read("discovery_simulation"),
        folder.read("discovery_pool"),
    )
    if bench is None or sim is None:
        return {"evidence": folder.missing("The discovery benchmark (tables/discovery_*.csv)", "10_discovery")}
    tables: dict[str, Table | Missing] = {
        "evidence": as_table(evidence(bench, sim, float(bench["high_bs_T"].min())), 2)
    }
    shown = [
        "start",
        "rule",
        "goal",
        "experiments",
        "experiments_low",
        "experiments_high",
        "acceleration",
        "acceleration_low",
        "acceleration_high",
        "censored",
    ]
    tables["simulation"] = as_table(sim[[c for c in shown if c in sim]].set_index("start"), 2)
    if pool is not None:
        tables["pool"] = as_table(pool, 2)
    return tables


def read_benchmarks(folder: Path | None) -> list[Benchmark]:
    """The recorded benchmark outputs of folder (``benchmarks/record.py`` writes them): header and output apart."""
    if folder is None or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        n = next((i for i, line in enumerate(lines) if not (line.startswith("# ") and ": " in line)), len(lines))
        header = dict(line[2:].split(": ", 1) for line in lines[:n])
        found.append(Benchmark(path.stem, header, "\n".join(lines[n:]).strip()))
    return found


def results(out: Path, benchmarks: Path | None = None, shown_as: str | None = None) -> Results:
    """The content of the results page of the output folder out (and of the recorded benchmarks)."""
    folder = Folder(Path(out).resolve(), shown_as)
    timing, ran = timings(folder)
    page = Results(str(folder.shown_as), dt.datetime.now().strftime("%Y-%m-%d %H:%M"), machine(), ran)
    page.tables.update(data_tables(folder))
    evaluation, sentences = evaluation_tables(folder)
    screen, screened = screen_tables(folder)
    glass, glass_sentences = glass_tables(folder)
    page.tables.update({**evaluation, **glass, **screen, **discovery_tables(folder), "timings": timing})
    page.sentences.update({**sentences, **glass_sentences, **screened, "case_study": case_study_sentence(folder)})
    page.benchmarks = read_benchmarks(benchmarks)
    recorded = {b.name for b in page.benchmarks}
    page.unrecorded = sorted(p.stem for p in (PROJECT_ROOT / "benchmarks").glob("bench_*.py") if p.stem not in recorded)
    return page


def to_markdown(page: Results, command: str) -> str:
    """The text of docs/results.md for this content."""
    from helpers.report.render import environment

    env = environment()
    env.autoescape = False
    env.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    return env.get_template(TEMPLATE).render(page=page, command=command)


def main(argv: list[str] | None = None) -> int:
    """Print the results page of an output folder (errors in one line)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m helpers.report.results", description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the output folder of an analysis, e.g. outputs/default")
    parser.add_argument("--benchmarks", help="the folder of recorded benchmark outputs, e.g. benchmarks/results")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if not (out / "tables").is_dir():
        print(f"results: {out} is not the output folder of an analysis (no tables/ in it)", file=sys.stderr)
        return 2
    bench = Path(args.benchmarks) if args.benchmarks else None
    if bench is not None and not bench.is_dir():
        print(
            f"results: {bench}: no such folder of recorded benchmarks (python benchmarks/record.py NAME)",
            file=sys.stderr,
        )
        return 2
    command = "python -m helpers.report.results " + " ".join(argv if argv is not None else sys.argv[1:])
    sys.stdout.write(to_markdown(results(out, bench, args.out), command.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
