"""What the project's text may say: nothing about how the work was organised, and no measured number typed into prose
(a number that a rerun or other data changes is printed by a cell, or by docs/results.md, from the data it describes).
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import tokenize
from pathlib import Path

import jupytext
import pytest

from helpers.paths import PROJECT_ROOT

ROOTS = ("helpers", "notebooks", "tests", "benchmarks", "docs", "data", ".ci", "README.md", "run_all.sh")
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".j2", ".css", ".sh", ".json", ".toml", ".yml", ".txt", ""}
THIS_FILE = Path(__file__).resolve()
GENERATED = {PROJECT_ROOT / "docs" / "results.md"}  # regenerated from an output folder: dated figures live there


def tracked_files() -> list[Path]:
    """The project's text files under ROOTS: git's tracked files when git knows them, else every file there."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", *ROOTS], cwd=PROJECT_ROOT, capture_output=True, timeout=60, check=True
        ).stdout.decode()
        files = [PROJECT_ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        files = [p for root in ROOTS for p in sorted((PROJECT_ROOT / root).rglob("*")) if p.is_file()]
        files += [PROJECT_ROOT / r for r in ROOTS if (PROJECT_ROOT / r).is_file()]
    return [p for p in files if p.is_file() and p.suffix in TEXT_SUFFIXES and p.resolve() != THIS_FILE]


# Words about how the work was organised, in the sense of a tracker or a meeting. A pytest fixture's
# scope="session" is pytest's word for one test run, and stays.
ORGANISATION = re.compile(
    r"\b(issues?|tickets?|sessions?|sprints?|backlog|milestones?|engineers?|pull requests?)\b", re.IGNORECASE
)
ALLOWED_ORGANISATION = ('scope="session"',)


def organisation_words(text: str) -> list[str]:
    """Each line of text that speaks of issues, tickets, sessions and the like (allowed phrases removed first)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for phrase in ALLOWED_ORGANISATION:
            line = line.replace(phrase, "")
        if ORGANISATION.search(line):
            found.append(f"{number}: {line.strip()[:120]}")
    return found


def test_the_word_check_finds_what_it_should():
    assert organisation_words("the issue's size") and organisation_words("Issue 15 (reliability II)")
    assert organisation_words("in a Python session") and organisation_words("see ticket 4")
    assert not organisation_words('@pytest.fixture(scope="session")\nissued = 1\nreissue()')


def test_no_word_about_how_the_work_was_organised():
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for path in tracked_files()
        for line in organisation_words(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not found, "words about how the work was organised (say what the code does instead):\n" + "\n".join(found)


# --------------------------------------------------------------------------- measured numbers

NOTEBOOK_SCRIPTS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.py"))

# A number with a unit in a notebook's markdown: "0.13 T", "15 as-quenched rows" is caught as "15 ... rows" only
# when the unit follows the number, so the pattern takes the unit right after it (or after a range "1.0 to 1.8 T").
NUMBER_WITH_UNIT = re.compile(
    r"(?<![\w.\-])\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:-|to)\s?\d(?:[\d,]*\d)?(?:\.\d+)?)?\s?"
    r"(?:at\.\s?%|%|(?:T|K|s|ms|rows?|alloys?|times|x|runs?|points|networks|epochs|folds?|days|minutes|seconds|hours?"
    r"|features|candidates)\b)"
)
# Constants of the method and of the paper, which no rerun and no other data change. Anything else with a unit is
# measured and is printed by a cell from the data it describes (or given in docs/results.md).
CONSTANTS = {
    "622 alloys": "the paper's data set",
    "0.3 to 1.92 T": "the paper's Bs range",
    "85 at.%": "the Fe content of the paper's largest case-study errors",
    "1.4 T": "the paper's F1 threshold (the default of `threshold`)",
    "100 runs": "the paper's repeated training (the default of `n_runs`)",
    "100 times": "the same",
    "156 features": "the paper's composition features",
    "80 %": "the paper's split, a level of the intervals, the domain's difficulty percentile",
    "20 %": "the paper's split, a top share of the discovery benchmark",
    "68 %": "a Gaussian's share within one standard deviation",
    "90 %": "the default interval level",
    "95 %": "an interval level, bootstrap intervals",
    "10 %": "a top share of the discovery benchmark, the campaigns' start",
    "5 %": "the share of the pool that counts as good in the campaigns",
    "1.7 T": "the Bs counted as high in the discovery benchmark and the retrospective (HIGH_BS_T)",
    "1.0 to 1.8 T": "the range of 04's threshold sweep",
    "2 at.%": "the smallest distance between two alloys of a batch (batch.MIN_DISTANCE_AT_PCT)",
    "0.001 at.%": "the resolution of compositions",
    "1 at.%": "the tolerance of the sum of amounts (100 ± 1 at.%)",
    "290-1500 K": "the plausible annealing temperatures",
    "0-30 days": "the plausible annealing times",
    "298.15 K": "room temperature, the temperature feature of as-quenched rows",
    "300 K": "the highest 'anneal' read as room temperature, so as-quenched (annealing.ROOM_TEMPERATURE_MAX_K)",
    "773 K": "the default annealing of grid candidates (`anneal_temp_K`)",
    "100 epochs": "the simulation network's longest training",
    "3 networks": "members per ensemble of the small simulation",
    "5 networks": "members per ensemble of the full simulation",
    "5 alloys": "alloys made per round of a campaign",
    "50 at.%": "the least Fe of a Fe-based glass-formation composition (helpers.glass.data.MIN_FE_AT_PCT)",
    "80 at.%": "the Fe-rich subset of the glass-formation scores (helpers.glass.evaluation.FE_RICH_AT_PCT)",
}
DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")
# In docstrings, comments, README and docs/ (not in docs/results.md, which a script regenerates): a date, a speed, a
# time something took, "N times faster", a score with its value. Each is a measurement of one run on one machine.
MEASUREMENTS = (
    DATE,
    re.compile(r"\d[\d,.]*\s?(?:rows|compositions|candidates|runs|alloys)?/s\b"),
    re.compile(r"\d[\d,.]*\s?(?:ms|CPU s|GFLOP/s|MFLOP)\b"),
    re.compile(r"\b(?:took|takes|take|in|about|within)\s+\d[\d,.]*\s?(?:s|seconds|minutes|min|hours)\b"),
    re.compile(r"\b\d[\d,.]*\s?(?:x|times)\s(?:faster|slower|the|as)\b"),
    re.compile(
        r"\b(?:MAE|RMSE|R2|R²|F1|coverage|enrichment|acceleration|speed-?up|Spearman)\s*(?:of|is|was|=|:)?\s*-?\d*\.\d+"
    ),
)


def measured_in_markdown(text: str) -> list[str]:
    """Numbers with a unit that are not constants of the method, and dates, in a notebook's markdown."""
    found = [m.group(0) for m in NUMBER_WITH_UNIT.finditer(text) if m.group(0) not in CONSTANTS]
    return found + [m.group(0) for m in DATE.finditer(text)]


def measured_in_text(text: str) -> list[str]:
    """Dates and measurements (speeds, times taken, ratios, scores with their values) in prose."""
    return [m.group(0) for pattern in MEASUREMENTS for m in pattern.finditer(text)]


def prose_of(path: Path) -> list[str]:
    """The prose of a file: a Python file's docstrings and comments, the whole of a markdown file."""
    source = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return [source]
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = [ast.get_docstring(n, clean=False) for n in ast.walk(ast.parse(source)) if isinstance(n, nodes)]
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [d for d in docstrings if d] + [t.string for t in tokens if t.type == tokenize.COMMENT]


def test_the_number_checks_find_what_they_should():
    assert measured_in_markdown("measured 2026-11-28: MAE 0.13 T") == ["0.13 T", "2026-11-28"]
    assert measured_in_markdown("the default data hold only 15 rows; 844,375 points") == ["15 rows", "844,375 points"]
    assert not measured_in_markdown("F1 at 1.4 T, the 90 % interval, 100 runs, 0.001 at.%")
    assert measured_in_text("took 236 s (2026-12-02); 1,000 rows/s, 0.13 of sgemm, about 30 times faster")
    assert measured_in_text("coverage 0.893 at 90 %") and measured_in_text("MAE 0.13 T against 0.10 T")
    assert not measured_in_text("a bound cut to 0 to 2.5 T; 9 at 90 %, 19 at 95 %; annealed at 773 K for 3600 s")


@pytest.mark.parametrize("script", NOTEBOOK_SCRIPTS, ids=lambda p: p.stem)
def test_notebook_markdown_holds_no_measured_number(script):
    cells = [c.source for c in jupytext.read(script).cells if c.cell_type == "markdown"]
    found = [hit for source in cells for hit in measured_in_markdown(source)]
    assert not found, (
        f"{script.name}: numbers in markdown that a rerun or other data change: {found}. Print them from the data "
        "in a cell (helpers/findings.py), or, for a constant of the method, add it to CONSTANTS with its reason."
    )


def test_prose_holds_no_measured_figure():
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {hit}"
        for path in tracked_files()
        if path.suffix in {".py", ".md"}
        and path not in GENERATED
        and not path.is_relative_to(PROJECT_ROOT / "notebooks")
        for text in prose_of(path)
        for hit in measured_in_text(text)
    ]
    assert not found, (
        "measured figures in prose (they belong in docs/results.md, which python -m helpers.report.results "
        "regenerates, or in a cell that prints them):\n" + "\n".join(found)
    )


# --------------------------------------------------------------------------- the front door and its links

README_MAX_LINES = 150
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_one_page_and_every_link_of_the_docs_resolves():
    readme = PROJECT_ROOT / "README.md"
    assert len(readme.read_text(encoding="utf-8").splitlines()) <= README_MAX_LINES, "details belong in docs/"
    pages = [readme, *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    broken = [
        f"{page.relative_to(PROJECT_ROOT)}: {target}"
        for page in pages
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)


def test_the_readme_table_names_every_notebook():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        p.stem for p in sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if f"`{p.stem}`" not in readme
    ]
    assert not missing, f"README.md's table of notebooks lacks {missing}"
