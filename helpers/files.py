"""Reading a user's table file, and where an output may go.

Reading: a comma-separated text file (UTF-8, or UTF-16 with its byte-order mark) or an Excel workbook (.xlsx, read
directly), whole or in chunks (``iter_table``). Anything else gets a one-line error that says what the file looks
like and what to do (UTF-32, another separator, a column named twice). Rows with more fields than the header are
reported by their line number; a trailing empty column (a comma at the end of every row) is accepted.

Where an output may go (``check_output_path``): never onto an input, never into an analysis' managed folders, never
onto an existing file unless asked. Writing it is the one writer's job (``helpers.outputs.writer``: atomic and
spreadsheet-safe).
"""

from __future__ import annotations

import codecs
import csv
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.paths import analysis_of
from helpers.workbook import unsaved_formulas

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
HEAD_BYTES = 4096  # what is read to tell a workbook, UTF-16/32 or binary data from CSV text


class FileProblem(ValueError):
    """A file cannot be used as it is; the message names the file, what it looks like and what to do."""


@dataclass
class RawTable:
    """The cells of a table file as text, with the line numbers of rows that could not be aligned."""

    frame: pd.DataFrame  # one row per data line, all cells str ("" when empty)
    line_numbers: list[int]  # line number of each frame row as a spreadsheet shows it
    ragged: list[tuple[int, int, str]] = field(default_factory=list)  # (line, fields, text) of misaligned rows
    notes: list[str] = field(default_factory=list)


def read_table(path: Path) -> RawTable:
    """Read a CSV or .xlsx file into text cells; raise FileProblem with a one-line reason when it cannot be."""
    chunks = list(iter_table(path, chunk_rows=None))
    if len(chunks) == 1:
        return chunks[0]
    return RawTable(
        pd.concat([c.frame for c in chunks], ignore_index=True),
        [n for c in chunks for n in c.line_numbers],
        [r for c in chunks for r in c.ragged],
        chunks[0].notes,
    )


def iter_table(path: Path, chunk_rows: int | None = 2000) -> Iterator[RawTable]:
    """Read a table file in chunks of ``chunk_rows`` data rows (all at once for None), checked before any is given.

    A CSV file is read line by line (its encoding is checked in one pass first, so a bad byte deep in the file
    stops the work before it starts); a workbook is read whole (openpyxl has no streaming reader for pandas).
    """
    head = _read_head(path)
    if head.startswith(XLSX_MAGIC):
        table = _read_xlsx(path)
        yield from _slices(table, chunk_rows)
        return
    if head.startswith(XLS_MAGIC):
        raise FileProblem(f"{path}: looks like an old Excel .xls workbook: save it as CSV (comma-separated) or .xlsx")
    encoding, notes = _encoding(head, path)
    with open(path, encoding=encoding, newline="") as handle:
        lines = _numbered(csv.reader(handle))
        header = _header(lines, path)
        first = next(lines, None)
        if first is None:
            raise FileProblem(f"{path}: the file has a header but no data rows")
        yield from _chunks(itertools.chain([first], lines), header, chunk_rows, notes)


def count_data_lines(path: Path) -> int:
    """Lines after the first of a text file (an upper bound of its data rows; for a progress bar), or 0."""
    if _read_head(path).startswith((XLSX_MAGIC, XLS_MAGIC)):
        return 0
    with open(path, "rb") as handle:
        return max(sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)


def _read_head(path: Path) -> bytes:
    if path.is_dir():
        raise FileProblem(f"{path}: is a folder, not a file; give the path of the CSV file inside it")
    if not path.exists():
        raise FileProblem(f"{path}: no such file")
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except PermissionError:
        raise FileProblem(f"{path}: cannot be read (permission denied); check the file's permissions") from None
    except OSError as exc:
        raise FileProblem(f"{path}: cannot be read ({exc.strerror})") from None


def _encoding(head: bytes, path: Path) -> tuple[str, list[str]]:
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) or _looks_utf32(head):
        raise FileProblem(f"{path}: is UTF-32 text, which this project does not read; save it as 'CSV UTF-8'")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", [f"{path.name} is UTF-16 text; read as such"]
    if b"\x00" in head:
        raise FileProblem(f"{path}: is not a text file (it holds NUL bytes); save your table as CSV (comma-separated)")
    _check_utf8(path)
    return "utf-8-sig", []


def _looks_utf32(head: bytes) -> bool:
    """UTF-32 without a byte-order mark: in every 4 bytes, three NUL bytes around one ASCII byte."""
    quads = [head[i : i + 4] for i in range(0, len(head) - len(head) % 4, 4)]
    return bool(quads) and all(q.count(0) == 3 for q in quads)


def _check_utf8(path: Path) -> None:
    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block, final=len(block) < 1 << 20)
            except UnicodeDecodeError as exc:
                line += exc.object[: exc.start].count(b"\n")
                raise FileProblem(
                    f"{path}: is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line}, e.g. Latin-1 or "
                    "Windows-1252); save it from your spreadsheet as 'CSV UTF-8'"
                ) from None
            line += block.count(b"\n")


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with their row number as a spreadsheet shows it (one per record, header = 1)."""
    return ((n, cells) for n, cells in enumerate(reader, start=1) if any(c.strip() for c in cells))


def _header(lines: Iterator[tuple[int, list[str]]], path: Path) -> list[str]:
    first = next(lines, None)
    if first is None:
        raise FileProblem(f"{path}: the file is empty")
    header = [h.strip() for h in first[1]]
    _check_separator(",".join(first[1]), header, path)
    while header and not header[-1]:
        header.pop()  # a trailing empty column, as spreadsheets export
    _check_unique(header, path)
    return header


def _chunks(
    lines: Iterator[tuple[int, list[str]]], header: list[str], chunk_rows: int | None, notes: list[str]
) -> Iterator[RawTable]:
    kept, numbers, ragged = [], [], []
    for line, cells in lines:
        if [c for c in cells[len(header) :] if c.strip()]:
            ragged.append((line, len(cells), ",".join(cells)))
        else:
            kept.append([c.strip() for c in cells[: len(header)]] + [""] * (len(header) - len(cells)))
            numbers.append(line)
        if chunk_rows and len(kept) + len(ragged) >= chunk_rows:
            yield RawTable(pd.DataFrame(kept, columns=header, dtype=str), numbers, ragged, notes)
            kept, numbers, ragged, notes = [], [], [], []
    if kept or ragged or chunk_rows is None:
        frame = pd.DataFrame(kept, columns=header, dtype=str) if kept else pd.DataFrame(columns=header, dtype=str)
        yield RawTable(frame, numbers, ragged, notes)


def _slices(table: RawTable, chunk_rows: int | None) -> Iterator[RawTable]:
    step = chunk_rows or max(len(table.frame), 1)
    for start in range(0, max(len(table.frame), 1), step):
        part = table.frame.iloc[start : start + step].reset_index(drop=True)
        notes = table.notes if start == 0 else []
        yield RawTable(part, table.line_numbers[start : start + step], [], notes)


def _check_separator(header_line: str, header: list[str], path: Path) -> None:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    if best != "," and counts[best] > counts[","]:
        shown = "tab" if best == "\t" else repr(best)
        raise FileProblem(
            f"{path}: the separator looks like {shown}, not a comma; save the table as CSV "
            "(comma-separated, with decimal points) and try again"
        )


def _check_unique(header: list[str], path: Path) -> None:
    named = [h for h in header if h]
    repeated = sorted({h for h in named if named.count(h) > 1}, key=named.index)
    if repeated:
        where = ", ".join(
            f"'{h}' (columns {', '.join(str(i + 1) for i, c in enumerate(header) if c == h)})" for h in repeated
        )
        raise FileProblem(f"{path}: the header names a column more than once: {where}; keep one column of each name")


def _read_xlsx(path: Path) -> RawTable:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, header=None)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise FileProblem(
            f"{path}: looks like an Excel workbook but cannot be read ({type(exc).__name__}); "
            "open it and save it again, or save the sheet as CSV"
        ) from None
    name, sheet = next(iter(sheets.items()))
    if problem := unsaved_formulas(path, name):
        raise FileProblem(problem)
    sheet = sheet.dropna(how="all")
    if sheet.empty:
        raise FileProblem(f"{path}: the first sheet ('{name}') is empty")
    header = [("" if pd.isna(c) else str(c)).strip() for c in sheet.iloc[0]]
    _check_unique(header, path)
    frame = sheet.iloc[1:].fillna("").set_axis(header, axis=1)
    frame = frame.loc[:, [bool(c) for c in header]]
    if frame.empty:
        raise FileProblem(f"{path}: the first sheet ('{name}') has a header but no data rows")
    notes = [
        f"read sheet '{name}' of the Excel workbook {path.name}"
        + (f" (the other {len(sheets) - 1} sheet(s) are ignored)" if len(sheets) > 1 else "")
    ]
    frame = frame.apply(lambda col: col.astype(str).str.strip())
    return RawTable(frame.reset_index(drop=True), [int(i) + 1 for i in frame.index], [], notes)


# --------------------------------------------------------------------------- where an output may go


def check_output_path(out: Path, inputs: list[Path], force: bool = False, analysis: Path | None = None) -> None:
    """Refuse an output path that is an input, lies in an analysis' managed folders, or exists (unless ``force``)."""
    for given in inputs:
        if out.resolve() == given.resolve() or (out.exists() and given.exists() and os.path.samefile(out, given)):
            raise FileProblem(f"{out}: is the input file; choose another output path (the input is never replaced)")
    if out.is_dir():
        raise FileProblem(f"{out}: is a folder; give a file name for the output")
    if (folder := managed_folder(out, analysis)) is not None:
        raise FileProblem(
            f"{out}: lies in the analysis folder {folder}, which only its notebooks write (--force never replaces its "
            f"files or writes there); write the output outside it, e.g. {folder.parent / out.name}"
        )
    if out.exists() and not force:
        raise FileProblem(f"{out}: already exists; choose another path, or add --force to replace it")
    if not out.parent.is_dir():
        raise FileProblem(f"{out}: the folder {out.parent} does not exist")


def managed_folder(path: Path, analysis: Path | None = None) -> Path | None:
    """The analysis folder that ``path`` lies in: the --analysis folder, or one laid out as one (helpers.paths)."""
    path = Path(path).resolve()
    if analysis is not None and path.is_relative_to(Path(analysis).resolve()):
        return Path(analysis).resolve()
    return analysis_of(path.parent)
