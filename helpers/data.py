"""Datasets: one parser per source, a user-file loader, the tidy table and the bad-row report, the check command.

Every loader returns the same tidy table (columns in ``TIDY_COLUMNS``) plus a report of every row that was
excluded or changed, with the file, the row number as a spreadsheet shows it (header = row 1), the column,
the value and the reason (the checks are listed in helpers/validation.py). Run
``python -m helpers.data check FILE.csv [--strict]`` to see that report for a CSV or .xlsx file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pymatgen.core import Element

from helpers.columns import read_columns
from helpers.files import FileProblem, RawTable, iter_table, read_table
from helpers.outputs.writer import write_csv
from helpers.paths import resolve
from helpers.sources import fetch
from helpers.validation import (
    DUP_KEY_SEPARATOR,
    REPORT_COLUMNS,
    TIDY_COLUMNS,
    BadRowError,
    canonical_formula,
    validate,
)

__all__ = [
    "TIDY_COLUMNS",
    "BadRowError",
    "DataValidationError",
    "Dataset",
    "canonical_formula",
    "load_dataset",
    "iter_user_csv",
    "load_source",
    "read_user_csv",
    "unseen_rows",
]

USER_REQUIRED = ["composition", "bs_tesla"]
DEFAULT_DATASET = "wang2018"


class DataValidationError(FileProblem):
    """An input file is unusable; the message names the file and what is wrong."""


@dataclass
class Dataset:
    """A tidy table, the report of excluded or changed rows, and where it came from."""

    name: str
    file: Path
    table: pd.DataFrame
    report: pd.DataFrame
    rows_read: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.Series:
        """Counts a reader wants first: rows, distinct alloys, references, excluded rows."""
        t = self.table
        return pd.Series(
            {
                "rows read": self.rows_read,
                "rows kept": len(t),
                "rows excluded": int((self.report["action"] == "excluded").sum()),
                "rows changed (normalized)": int((self.report["action"] == "normalized").sum()),
                "distinct alloys": t["composition"].nunique(),
                "distinct references": t["reference"].nunique(),
                "annealed rows": int(t["annealed"].sum()),
                "as-quenched rows": int((~t["annealed"]).sum()),
            },
            name=self.name,
        )


# --------------------------------------------------------------------------- parsers of the two sources


def _element_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if isinstance(c, str) and Element.is_valid_symbol(c.strip())]


def _dup_keys(frame: pd.DataFrame) -> pd.Series:
    return frame.astype(str).agg(DUP_KEY_SEPARATOR.join, axis=1)


def read_wang2018(path: Path, strict: bool = False) -> Dataset:
    """Parse database_total.xlsx (sheet 'properties'): the rows that report Bs, one per alloy and treatment."""
    sheet = pd.read_excel(path, sheet_name="properties")
    elements = _element_columns(list(sheet.columns))
    required = ["magnetic saturation(T)", "Annealing temperature (K)", "Annealing time (s)", "reference doi"]
    _require_columns(sheet, required, path)
    with_bs = sheet[sheet["magnetic saturation(T)"].notna()]
    raw = pd.DataFrame(
        {
            "bs": with_bs["magnetic saturation(T)"],
            "anneal_temp": with_bs["Annealing temperature (K)"],
            "anneal_time": with_bs["Annealing time (s)"],
            "reference": with_bs["reference doi"],
            "source_row": with_bs.index + 2,
            "dup_key": _dup_keys(with_bs),
        }
    )
    raw = pd.concat([raw, with_bs[elements]], axis=1)
    table, report = validate(raw, str(path), "wang2018", strict, element_columns=elements)
    notes = [
        f"sheet 'properties' has {len(sheet)} rows; {len(sheet) - len(with_bs)} of them report no Bs "
        "(other properties only) and are not part of this dataset"
    ]
    return Dataset("wang2018", Path(path), table, report, rows_read=len(with_bs), notes=notes)


def read_weonepiece(path: Path, strict: bool = False) -> Dataset:
    """Parse Bs.csv of weonepiece/Fe-based-amorphous-alloys (every row annealed)."""
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    _require_columns(frame, ["TA", "tA", "magnetic saturation (T)"], path)
    elements = _element_columns(list(frame.columns))
    raw = pd.DataFrame(
        {
            "bs": frame["magnetic saturation (T)"],
            "anneal_temp": frame["TA"],
            "anneal_time": frame["tA"],
            "reference": "weonepiece/Fe-based-amorphous-alloys",
            "source_row": frame.index + 2,
            "dup_key": _dup_keys(frame),
        }
    )
    raw = pd.concat([raw, frame[elements]], axis=1)
    table, report = validate(raw, str(path), "weonepiece", strict, element_columns=elements)
    return Dataset("weonepiece", Path(path), table, report, rows_read=len(frame))


# --------------------------------------------------------------------------- a user's file


def read_user_csv(path: str | Path, strict: bool = False, with_target: bool = True) -> Dataset:
    """Load a user's CSV or .xlsx: columns composition (formula, at.%) and bs_tesla; optional annealing columns.

    With ``with_target=False`` (alloys to predict) only the composition column is required.
    """
    path = resolve(path)
    try:
        raw = read_table(path)
    except FileProblem as exc:
        raise DataValidationError(str(exc)) from None
    return _user_dataset(raw, path, strict, with_target)


class SeenRows(dict):
    """Digests of a file's earlier rows -> row number, shared by its chunks and never copied: pandas deep-copies
    DataFrame.attrs at every operation, which made a long file cost time quadratic in its length."""

    def __deepcopy__(self, memo: dict) -> SeenRows:
        return self


def iter_user_csv(path: str | Path, chunk_rows: int = 2000, with_target: bool = False) -> Iterator[Dataset]:
    """read_user_csv in chunks of ``chunk_rows`` rows (exact duplicates are found across chunks); bounded memory.
    The notes on the file's columns come with the first chunk."""
    path, seen = resolve(path), SeenRows()
    chunks, first = iter_table(path, chunk_rows), True
    while True:
        try:
            raw = next(chunks, None)
        except FileProblem as exc:
            raise DataValidationError(str(exc)) from None
        if raw is None:
            return
        yield _user_dataset(raw, path, False, with_target, seen, column_notes=first)
        first = False


def _user_dataset(
    raw: RawTable, path: Path, strict: bool, with_target: bool, seen: dict | None = None, column_notes: bool = True
) -> Dataset:
    try:
        named = read_columns(raw.frame, path, USER_REQUIRED if with_target else ["composition"])
    except FileProblem as exc:
        raise DataValidationError(str(exc)) from None
    ragged = pd.DataFrame(
        [
            {
                "file": str(path),
                "source_row": line,
                "column": "(whole row)",
                "value": text,
                "reason": f"{n} fields where the header has {len(raw.frame.columns)} (a stray comma, "
                "or a decimal comma? use a decimal point)",
                "action": "excluded",
            }
            for line, n, text in raw.ragged
        ],
        columns=REPORT_COLUMNS,
    )
    if strict and len(ragged):
        first = ragged.iloc[0]
        raise BadRowError(f"{path}, row {first['source_row']}: {first['reason']}")
    ds = frame_to_dataset(named.frame, path, strict, with_target, named.labels, raw.line_numbers, seen)
    ds.report = (
        pd.concat([ragged, ds.report]).sort_values("source_row", kind="stable").reset_index(drop=True)
        if len(ragged)
        else ds.report
    )
    ds.rows_read += len(raw.ragged)
    ds.notes = raw.notes + (named.notes if column_notes else [])
    return ds


def frame_to_dataset(
    frame: pd.DataFrame,
    path: Path,
    strict: bool = False,
    with_target: bool = True,
    labels: dict[str, str] | None = None,
    line_numbers: list[int] | None = None,
    seen_rows: dict | None = None,
) -> Dataset:
    """Validate a frame in the user-file layout (all cells as read) into a Dataset; ``labels`` are the user's names
    of its columns (helpers.columns), used in the report."""
    empty = pd.Series("", index=frame.index)
    reference = frame.get("reference", empty).where(
        frame.get("reference", empty).astype(str).str.strip() != "", Path(path).name
    )
    raw = pd.DataFrame(
        {
            "formula": frame["composition"],
            "bs": frame.get("bs_tesla", empty),
            "anneal_temp": frame.get("anneal_temp_K", empty),
            "anneal_time": frame.get("anneal_time_s", empty),
            "reference": reference,
            "source_row": line_numbers if line_numbers is not None else frame.index + 2,
            "dup_key": _dup_keys(frame),
        }
    )
    table, report = validate(
        raw, str(path), Path(path).stem, strict, with_target=with_target, seen_rows=seen_rows, labels=labels
    )
    return Dataset(Path(path).stem, Path(path), table, report, rows_read=len(frame))


def _require_columns(frame: pd.DataFrame, required: list[str], path: Path) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{path}: missing required column(s) {', '.join(missing)}; found: {', '.join(map(str, frame.columns))}"
        )


PARSERS = {"wang2018": read_wang2018, "weonepiece": read_weonepiece}


def load_source(name: str, strict: bool = False) -> Dataset:
    """Fetch (cache, mirror, URL; sha256-checked) and parse one manifest source."""
    return PARSERS[name](fetch(name), strict=strict)


def load_dataset(dataset: str = "default", strict: bool = False, bad_rows: Path | None = None) -> Dataset:
    """The training data: 'default' (the Wang database), a manifest source name, or a path to a user file.

    The report of excluded and changed rows is written to ``bad_rows`` when given; with no usable row left, a
    DataValidationError says so in one line (after the report is written).
    """
    if dataset == "default":
        dataset = DEFAULT_DATASET
    ds = load_source(dataset, strict=strict) if dataset in PARSERS else read_user_csv(dataset, strict=strict)
    if bad_rows is not None:
        write_csv(bad_rows, ds.report)
    if ds.table.empty:
        raise DataValidationError(no_usable_row(ds, bad_rows))
    return ds


def no_usable_row(ds: Dataset, report: Path | str | None) -> str:
    """The one line that says a file has no usable row, and where the reasons are."""
    where = f"; the reasons are in {report}" if report else ""
    return f"{ds.file}: no row is usable (all {ds.rows_read} rows were excluded){where}"


def unseen_rows(candidates: pd.DataFrame, training: pd.DataFrame, min_fe_at_pct: float = 0.0) -> pd.DataFrame:
    """Rows of ``candidates`` whose composition never occurs in ``training`` and whose Fe content is high enough."""
    new = ~candidates["composition"].isin(set(training["composition"]))
    return candidates[new & (candidates["fe_at_pct"] >= min_fe_at_pct)]


def annealing_balance(table: pd.DataFrame) -> pd.DataFrame:
    """Rows and alloys per annealing state (annealed / as-quenched): how much each kind of prediction rests on."""
    state = table["annealed"].map({True: "annealed", False: "as-quenched"})
    counts = table.groupby(state).agg(rows=("composition", "size"), alloys=("composition", "nunique"))
    counts = counts.reindex(["annealed", "as-quenched"], fill_value=0)
    counts.index.name = "annealing state"
    counts["share of rows"] = (counts["rows"] / max(len(table), 1)).round(3)
    return counts


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.data check FILE [--strict]`: print the validation report of a user CSV or .xlsx file."""
    parser = argparse.ArgumentParser(prog="python -m helpers.data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser(
        "check", help="validate a CSV (or .xlsx) with columns composition,bs_tesla[,anneal_temp_K,anneal_time_s]"
    )
    check.add_argument("file")
    check.add_argument("--strict", action="store_true", help="stop with an error at the first bad row")
    args = parser.parse_args(argv)
    try:
        ds = read_user_csv(args.file, strict=args.strict)
    except BadRowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DataValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        _print_check(ds)
    except BrokenPipeError:  # `check FILE | head`: the reader has gone; leave quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if ds.table.empty:
        print(f"error: {no_usable_row(ds, 'the report above')}", file=sys.stderr)
        return 1
    return 0


def _print_check(ds: Dataset) -> None:
    print(ds.summary().to_string())
    for note in ds.notes:
        print(f"note: {note}")
    print(annealing_balance(ds.table).to_string())
    if ds.report.empty:
        print("no row excluded or changed")
    else:
        print(ds.report.drop(columns="file").to_string(index=False))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
