"""What an entry of the registry (helpers.outputs.registry.FILES) says about a file: OutputFile, and one constructor
per kind (data, table, figure) with ``made_by`` for a notebook's block."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class OutputFile:
    """One file (or folder) of an output folder: where it lives, which notebook writes it, what it holds, which
    notebooks read it; a figure's title and caption in the report; a note the report derives from the data."""

    path: str
    holds: str
    notebook: str = ""
    read_by: tuple[str, ...] = ()
    title: str = ""
    caption: str = ""
    note: str = ""

    @property
    def kind(self) -> str:
        """'figure' (a PNG the report shows), 'table' (a CSV table the report links) or 'data'."""
        if self.path.startswith("figures/") and self.path.endswith(".png"):
            return "figure"
        return "table" if self.path.startswith("tables/") and self.path.endswith(".csv") else "data"


def data(path: str, holds: str, read_by: tuple[str, ...] = ()) -> OutputFile:
    """A file (or folder) that notebooks read and the report does not show."""
    return OutputFile(path, holds, read_by=read_by)


def table(path: str, holds: str, read_by: tuple[str, ...] = (), note: str = "") -> OutputFile:
    """A CSV table; the report links it with what it holds (and the note, when given)."""
    return OutputFile(path, holds, read_by=read_by, note=note)


def figure(path: str, holds: str, title: str, caption: str, note: str = "") -> OutputFile:
    """A PNG figure; the report shows it under its title, with its caption (and the note, when given)."""
    return OutputFile(path, holds, title=title, caption=caption, note=note)


def made_by(notebook: str, entries: dict[str, OutputFile]) -> dict[str, OutputFile]:
    """The entries of one notebook (its prefix, e.g. "03"), in the order the report shows them."""
    return {name: replace(entry, notebook=notebook) for name, entry in entries.items()}
