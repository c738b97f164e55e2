"""The one writer: every file the project writes is written here, beside its target, and renamed into place.

``write_atomic(path, write)`` is the whole idea: ``write`` fills a temporary file beside ``path`` and only a complete
file is renamed into place, so a reader (or an interrupted run) never sees half a file. ``atomic(path)`` is the same
as a ``with`` block, for a file written piece by piece (``csv_stream``: the chunks of ``predict --csv``). Tables are
written spreadsheet-safe: text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) are prefixed with an apostrophe. ``log_file`` is the one file that is not atomic: a child process'
log, which must keep what was written when the process dies.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OutputProblem(ValueError):
    """An output cannot be written; the message names the file, why, and what to do."""


def temporary_path(path: Path) -> Path:
    """The temporary file beside path (one per process: workers may race); hidden, same suffix."""
    return path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """Yield the temporary path beside ``path``; rename it into place when the block ends without an error.

    On an error (or an interruption) the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = temporary_path(path)
    try:
        yield part
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call write(temporary path) and rename the result into place, so a reader never sees half a file."""
    with atomic(path) as part:
        write(part)
    return Path(path)


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text cells that a spreadsheet would run as a formula start with an apostrophe."""

    def neutral(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
            return "'" + value
        return value

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(neutral)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_csv(path: Path, frame: pd.DataFrame, index: bool = False) -> Path:
    """Write a table as CSV, spreadsheet-safe and atomically (the registry's tables and a user's report)."""
    return write_atomic(path, lambda part: safe_for_spreadsheet(frame).to_csv(part, index=index))


class CsvStream:
    """Rows appended to an open text handle as spreadsheet-safe CSV, the header with the first rows."""

    def __init__(self, handle: TextIO):
        self.handle = handle
        self.rows = 0
        self._header = True

    def write(self, frame: pd.DataFrame) -> None:
        """Append rows (the header before the first), and flush them."""
        safe_for_spreadsheet(frame).to_csv(self.handle, index=False, header=self._header)
        self.handle.flush()
        self._header = False
        self.rows += len(frame)


@contextmanager
def csv_stream(path: Path) -> Iterator[CsvStream]:
    """A CSV file written chunk by chunk (``stream.write(frame)``), renamed into place when the block ends without an
    error. The temporary file is opened at once, so a folder that cannot be written fails before any work."""
    path = Path(path)
    with atomic(path) as part:
        try:
            handle = open(part, "w", newline="", encoding="utf-8")  # noqa: SIM115  closed below
        except OSError as exc:
            raise OutputProblem(
                f"{path}: cannot be written in {path.parent} ({exc.strerror}); choose a folder you can write to"
            ) from None
        with handle:
            yield CsvStream(handle)


def log_file(path: Path) -> TextIO:
    """A log opened for writing as it happens (a child process' output); not atomic, so a crash keeps its lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w")  # noqa: SIM115  the caller closes it
