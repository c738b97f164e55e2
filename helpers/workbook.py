"""Excel workbooks: cells that hold a formula but not the value it computed.

A workbook stores a formula and, when a spreadsheet program saved it, the value it computed. Files written by
scripts (openpyxl, some exporters) hold the formula alone; pandas then reads an empty cell, which would show as a
"missing" value. Such a file is named in one line with what to do instead.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl.utils import get_column_letter


def unsaved_formulas(path: Path, sheet: str) -> str | None:
    """None, or the one line that says which cells of the sheet hold a formula without a saved value."""
    from openpyxl import load_workbook

    content = path.read_bytes()  # openpyxl opens a path by its extension only; a workbook named .csv is read too
    written = load_workbook(io.BytesIO(content), read_only=True, data_only=False)[sheet].iter_rows(values_only=True)
    saved = load_workbook(io.BytesIO(content), read_only=True, data_only=True)[sheet].iter_rows(values_only=True)
    found = [
        f"{get_column_letter(c + 1)}{r + 1} {formula}"
        for r, (formulas, values) in enumerate(zip(written, saved, strict=False))
        for c, (formula, value) in enumerate(zip(formulas, values, strict=False))
        if value is None and _is_formula(formula)
    ]
    if not found:
        return None
    return (
        f"{path}: {len(found)} cell(s) of sheet '{sheet}' hold a formula without its value (first: {found[0]}), "
        "which would read as empty; open the file in Excel or LibreOffice and save it (that stores the values), or "
        "paste the cells as values"
    )


def _is_formula(cell: object) -> bool:
    """A cell as openpyxl reads it without values: a formula is text starting with '=', or an array formula."""
    return (isinstance(cell, str) and cell.startswith("=")) or type(cell).__name__ == "ArrayFormula"
