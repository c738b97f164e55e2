"""Reading a user's table file and writing outputs, safely.

Reading: a comma-separated text file (UTF-8, or UTF-16 with its byte-order mark) or an Excel workbook (.xlsx, read
directly). Anything else gets a one-line error that says what the file looks like and what to do. Rows with more
fields than the header are reported by their line number; a trailing empty column (a comma at the end of every
row, as spreadsheets export) is accepted.

Writing: an output never replaces an input, never replaces an existing file unless asked, is written beside its
target and renamed into place (so an interruption leaves no half file), and text cells that a spreadsheet would
run as a formula (starting with =, +, -, @, a tab or a carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    raw = _read_bytes(path)
    if raw.startswith(XLSX_MAGIC):
        return _read_xlsx(path)
    if raw.startswith(XLS_MAGIC):
        raise FileProblem(f"{path}: looks like an old Excel .xls workbook: save it as CSV (comma-separated) or .xlsx")
    text, notes = _decode(raw, path)
    if not text.strip():
        raise FileProblem(f"{path}: the file is empty")
    _check_separator(text, path)
    return _parse_csv(text, path, notes)


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise FileProblem(f"{path}: is a folder, not a file; give the path of the CSV file inside it")
    if not path.exists():
        raise FileProblem(f"{path}: no such file")
    try:
        return path.read_bytes()
    except PermissionError:
        raise FileProblem(f"{path}: cannot be read (permission denied); check the file's permissions") from None
    except OSError as exc:
        raise FileProblem(f"{path}: cannot be read ({exc.strerror})") from None


def _decode(raw: bytes, path: Path) -> tuple[str, list[str]]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), [f"{path.name} is UTF-16 text; read as such"]
    if b"\x00" in raw[:4096]:
        raise FileProblem(f"{path}: is not a text file (it holds NUL bytes); save your table as CSV (comma-separated)")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblem(
            f"{path}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}, e.g. Latin-1 or "
            "Windows-1252); save it from your spreadsheet as 'CSV UTF-8'"
        ) from None


def _check_separator(text: str, path: Path) -> None:
    header = text.lstrip().splitlines()[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    if best != "," and counts[best] > counts[","]:
        shown = "tab" if best == "\t" else repr(best)
        raise FileProblem(
            f"{path}: the separator looks like {shown}, not a comma; save the table as CSV "
            "(comma-separated, with decimal points) and try again"
        )


def _parse_csv(text: str, path: Path, notes: list[str]) -> RawTable:
    lines = list(csv.reader(io.StringIO(text, newline="")))
    numbered = [(n, cells) for n, cells in enumerate(lines, start=1) if any(c.strip() for c in cells)]
    (_header_line, header), body = numbered[0], numbered[1:]
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()  # a trailing empty column, as spreadsheets export
    if not body:
        raise FileProblem(f"{path}: the file has a header but no data rows")
    kept, numbers, ragged = [], [], []
    for line, cells in body:
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            ragged.append((line, len(cells), ",".join(cells)))
            continue
        kept.append([c.strip() for c in cells[: len(header)]] + [""] * (len(header) - len(cells)))
        numbers.append(line)
    frame = pd.DataFrame(kept, columns=header, dtype=str) if kept else pd.DataFrame(columns=header, dtype=str)
    return RawTable(frame, numbers, ragged, notes)


def _read_xlsx(path: Path) -> RawTable:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, header=0)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise FileProblem(
            f"{path}: looks like an Excel workbook but cannot be read ({type(exc).__name__}); "
            "open it and save it again, or save the sheet as CSV"
        ) from None
    name, frame = next(iter(sheets.items()))
    frame = frame.dropna(how="all").fillna("")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.loc[:, [c for c in frame.columns if not c.startswith("Unnamed:")]]
    if frame.empty:
        raise FileProblem(f"{path}: the first sheet ('{name}') has a header but no data rows")
    notes = [
        f"read sheet '{name}' of the Excel workbook {path.name}"
        + (f" (the other {len(sheets) - 1} sheet(s) are ignored)" if len(sheets) > 1 else "")
    ]
    frame = frame.apply(lambda col: col.astype(str).str.strip())
    return RawTable(frame.reset_index(drop=True), [int(i) + 2 for i in frame.index], [], notes)


# --------------------------------------------------------------------------- writing


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


def check_output_path(out: Path, inputs: list[Path], force: bool = False) -> None:
    """Refuse an output path that is one of the inputs, or an existing file unless ``force``."""
    for given in inputs:
        if out.resolve() == given.resolve() or (out.exists() and given.exists() and os.path.samefile(out, given)):
            raise FileProblem(f"{out}: is the input file; choose another output path (the input is never replaced)")
    if out.is_dir():
        raise FileProblem(f"{out}: is a folder; give a file name for the output")
    if out.exists() and not force:
        raise FileProblem(f"{out}: already exists; choose another path, or add --force to replace it")
    if not out.parent.is_dir():
        raise FileProblem(f"{out}: the folder {out.parent} does not exist")


def write_csv(frame: pd.DataFrame, path: Path, index: bool = False) -> Path:
    """Write a table as CSV, safe for spreadsheets, through a temporary file renamed into place."""
    path = Path(path)
    part = path.with_name(f".{path.name}.part")
    try:
        safe_for_spreadsheet(frame).to_csv(part, index=index)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return path
