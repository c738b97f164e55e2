"""The numbered notebooks and what each one reads (from the registry of outputs): their order and upstream notebooks."""

from __future__ import annotations

from pathlib import Path

from helpers.outputs.entries import OutputFile
from helpers.outputs.registry import FILES
from helpers.paths import PROJECT_ROOT

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# The collection's own notebooks, in run order (a new notebook adds its name): run_all.sh runs these and no other, and
# a running notebook records itself under its name here, so a copy or a fork beside them (JupyterLab's -Copy1, a
# renamed 03_wider.ipynb, a copy in coursework/) is never taken for one of them.
COLLECTION = (
    "01_featurize",
    "02_split_and_histogram",
    "03_repeated_training",
    "04_model_comparison",
    "05_unseen_case_study",
    "06_honest_evaluation",
    "07_deployed_models",
    "08_glass_formation",
    "09_screen_candidates",
    "10_discovery",
)


def depends_on(files: dict[str, OutputFile]) -> dict[str, tuple[str, ...]]:
    """Notebook prefix -> the prefixes of the notebooks whose outputs it reads, directly or through a notebook it
    reads (from a registry of outputs: who writes each file and who reads it)."""
    direct: dict[str, set[str]] = {}
    for entry in files.values():
        direct.setdefault(entry.notebook, set())
        for reader in entry.read_by:
            direct.setdefault(reader, set()).add(entry.notebook)
    closed: dict[str, set[str]] = {}
    for notebook in sorted(direct):  # a notebook reads only earlier ones, so theirs are closed already
        closed[notebook] = set(direct[notebook]).union(*(closed.get(up, set()) for up in direct[notebook]))
    return {notebook: tuple(sorted(ups)) for notebook, ups in closed.items()}


# What each notebook reads: notebook prefix -> the prefixes of the notebooks whose outputs it needs (derived from
# helpers/outputs FILES). A notebook missing from this table is taken to depend on every earlier notebook.
DEPENDS_ON: dict[str, tuple[str, ...]] = depends_on(FILES)


class PipelineError(Exception):
    """A problem to report in one line (bad parameter, missing upstream outputs, a failed notebook)."""


def notebooks(only: list[str] | None = None) -> list[Path]:
    """The collection's notebooks, in order (optionally only those whose names start with the given prefixes)."""
    found = [NOTEBOOKS_DIR / f"{stem}.ipynb" for stem in COLLECTION if (NOTEBOOKS_DIR / f"{stem}.ipynb").is_file()]
    return [nb for nb in found if not only or any(nb.name.startswith(p) for p in only)]


def named(number: str) -> Path:
    """The collection's notebook of this number ('03' -> notebooks/03_repeated_training.ipynb), whatever else lies in
    notebooks/."""
    for stem in COLLECTION:
        if stem[:2] == prefix(number):
            return NOTEBOOKS_DIR / f"{stem}.ipynb"
    raise PipelineError(f"no notebook {number!r} in the collection (helpers/pipeline/dag.py COLLECTION)")


def prefix(notebook: Path | str) -> str:
    """'03' for 03_repeated_training(.ipynb)."""
    return Path(notebook).name[:2]


def upstream(notebook: Path | str, available: list[Path]) -> list[Path]:
    """The notebooks whose outputs this one reads (DEPENDS_ON; an unknown notebook depends on every earlier one)."""
    p = prefix(notebook)
    wanted = DEPENDS_ON.get(p)
    if wanted is None:
        return [nb for nb in available if prefix(nb) < p]
    return [nb for nb in available if prefix(nb) in wanted]


def select(only: list[str] | None) -> list[Path]:
    """The notebooks --only asks for; every prefix must match at least one notebook."""
    found = notebooks()
    if not found:
        raise PipelineError(f"no numbered notebooks in {NOTEBOOKS_DIR}")
    available = ", ".join(nb.stem for nb in found)
    for p in only or []:
        if not any(nb.name.startswith(p) for nb in found):
            raise PipelineError(f"--only {p} matches no notebook; available: {available}")
    return notebooks(only)
