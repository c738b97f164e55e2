"""The numbered notebooks and what each one reads (from the registry of outputs): their order and upstream notebooks."""

from __future__ import annotations

from pathlib import Path

from helpers.outputs.entries import OutputFile
from helpers.outputs.registry import FILES
from helpers.paths import PROJECT_ROOT

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"


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
    """The numbered notebooks, in order (optionally only those whose names start with the given prefixes)."""
    found = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    return [nb for nb in found if not only or any(nb.name.startswith(p) for p in only)]


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
