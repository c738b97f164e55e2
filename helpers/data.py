"""Data sources: the manifest, sha256-checked fetching, one parser per source, a user-CSV loader and validation.

Every loader returns the same tidy table (columns in ``TIDY_COLUMNS``) plus a report of every row that was
excluded or changed, with the file, the row number as a spreadsheet shows it (header = row 1), the column,
the value and the reason.  Run ``python -m helpers.data check FILE.csv [--strict]`` to see that report for a CSV.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pymatgen.core import Composition, Element

from helpers.paths import DATA_DIR, DOWNLOAD_CACHE, resolve

MIRROR_ENV = "BMG_DATA_MIRROR"
MANIFEST = DATA_DIR / "sources.json"
TIDY_COLUMNS = ["composition", "bs_tesla", "anneal_temp_K", "anneal_time_s", "annealed", "fe_at_pct",
                "source", "reference", "source_row"]
REPORT_COLUMNS = ["file", "source_row", "column", "value", "reason", "action"]
USER_REQUIRED = ["composition", "bs_tesla"]
USER_OPTIONAL = ["anneal_temp_K", "anneal_time_s", "reference"]
BS_MAX_TESLA = 2.5
SUM_TOLERANCE_AT_PCT = 1.0
DEFAULT_DATASET = "wang2018"
CASE_STUDY_SOURCE = "weonepiece"


class DataFetchError(RuntimeError):
    """A source file could not be found anywhere with the pinned sha256."""


class DataValidationError(ValueError):
    """An input file is unusable; the message names the file and what is wrong."""


class BadRowError(DataValidationError):
    """Strict mode: a row is unusable; the message names the file, the row, the column and the value."""


@dataclass(frozen=True)
class Source:
    """One entry of data/sources.json."""

    name: str
    role: str
    title: str
    file: str
    mirror_dir: str
    url: str
    sha256: str
    license: str
    citation: str


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
        return pd.Series({
            "rows read": self.rows_read,
            "rows kept": len(t),
            "rows excluded": int((self.report["action"] == "excluded").sum()),
            "rows changed (normalized)": int((self.report["action"] == "normalized").sum()),
            "distinct alloys": t["composition"].nunique(),
            "distinct references": t["reference"].nunique(),
            "annealed rows": int(t["annealed"].sum()),
        }, name=self.name)


# --------------------------------------------------------------------------- manifest and fetching

def load_manifest(path: Path = MANIFEST) -> dict[str, Source]:
    """Read data/sources.json into Source records keyed by name."""
    entries = json.loads(Path(path).read_text())
    return {name: Source(name=name, **entry) for name, entry in entries.items()}


def sources_table() -> pd.DataFrame:
    """The manifest as a table for display: role, license, citation, pinned URL."""
    rows = [{"source": s.name, "role": s.role, "file": s.file, "license": s.license, "citation": s.citation,
             "sha256": s.sha256[:12] + "...", "url": s.url} for s in load_manifest().values()]
    return pd.DataFrame(rows).set_index("source")


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(name: str, cache_dir: Path = DOWNLOAD_CACHE, mirror: str | Path | None = None,
          download: bool = True) -> Path:
    """Return a verified local copy of a source: project cache, then the mirror folder, then the pinned URL."""
    src = load_manifest()[name]
    cached = Path(cache_dir) / src.mirror_dir / src.file
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV)
    looked: list[str] = []

    def accept(candidate: Path, place: str) -> bool:
        if not candidate.is_file():
            looked.append(f"{place} {candidate}: not found")
            return False
        actual = sha256_of(candidate)
        if actual != src.sha256:
            looked.append(f"{place} {candidate}: sha256 mismatch, expected {src.sha256}, actual {actual}")
            return False
        return True

    if accept(cached, "project cache"):
        return cached
    if mirror:
        found = Path(mirror) / src.mirror_dir / src.file
        if accept(found, f"mirror (${MIRROR_ENV})"):
            return _copy_into_cache(found, cached)
    else:
        looked.append(f"mirror: ${MIRROR_ENV} is not set")
    if download:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                part = Path(tmp) / src.file
                with urllib.request.urlopen(src.url, timeout=60) as response, open(part, "wb") as out:
                    shutil.copyfileobj(response, out)
                if accept(part, "download of"):
                    return _copy_into_cache(part, cached)
                looked[-1] = looked[-1].replace(str(part), src.url)
        except OSError as exc:
            looked.append(f"pinned URL {src.url}: {exc}")
    else:
        looked.append("pinned URL: not tried (download=False)")
    raise DataFetchError(f"{src.file} (source '{name}'): no copy with sha256 {src.sha256}. Looked in:\n  - "
                         + "\n  - ".join(looked))


def _copy_into_cache(found: Path, cached: Path) -> Path:
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(found, cached)
    return cached


# --------------------------------------------------------------------------- compositions

def canonical_formula(amounts: dict[str, float]) -> str:
    """Formula in at.% (sum 100, 3 decimals), Fe first, then by decreasing amount: 'Fe73.5Si13.5B9Nb3Cu1'."""
    total = sum(amounts.values())
    pct = {el: round(100.0 * v / total, 3) for el, v in amounts.items() if v > 0}
    order = sorted(pct, key=lambda el: (el != "Fe", -pct[el], el))
    return "".join(f"{el}{pct[el]:g}" for el in order)


def _amounts_from_formula(text: object) -> tuple[dict[str, float] | None, str | None]:
    if not isinstance(text, str) or not text.strip():
        return None, "missing composition"
    try:
        comp = Composition(text.strip())
    except Exception as exc:  # pymatgen raises ValueError, KeyError or its own errors
        return None, f"unparsable formula or unknown element ({exc})"
    if len(comp) == 0:
        return None, "unparsable formula (no elements)"
    bad = [getattr(el, "symbol", str(el)) for el in comp.elements if not isinstance(el, Element)]
    if bad:
        return None, f"unknown element(s) {', '.join(bad)}"
    return {str(el): float(amt) for el, amt in comp.get_el_amt_dict().items()}, None


def _amounts_from_columns(row: pd.Series, element_columns: list[str]) -> tuple[dict[str, float] | None, str, str | None]:
    amounts = {}
    for el in element_columns:
        value = row[el]
        if pd.isna(value):
            continue  # an empty cell in a wide element table means none of that element
        number = pd.to_numeric(value, errors="coerce")
        if pd.isna(number):
            return None, el, f"non-numeric amount of {el}"
        if number < 0:
            return None, el, f"negative amount of {el}"
        amounts[el] = float(number)
    if not any(v > 0 for v in amounts.values()):
        return None, "composition", "no element present"
    return amounts, "composition", None


def _number(value: object) -> tuple[float, str | None]:
    """(float or NaN, None) or (NaN, 'non-numeric') for one raw cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan, None
    if isinstance(value, str) and not value.strip():
        return math.nan, None
    number = pd.to_numeric(value, errors="coerce")
    if pd.isna(number):
        return math.nan, "non-numeric"
    return float(number), None


# --------------------------------------------------------------------------- validation into the tidy table

def tidy(raw: pd.DataFrame, file: Path | str, source: str, strict: bool = False,
         element_columns: list[str] | None = None, with_target: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate raw rows into the tidy table; return it with the report of excluded and changed rows.

    ``raw`` has columns bs, anneal_temp, anneal_time, reference, source_row, dup_key and either ``formula``
    (strings) or the element columns named in ``element_columns`` (at.%). With ``with_target=False`` (alloys to
    predict) there is no Bs to check and ``bs_tesla`` stays empty.
    """
    file = str(file)
    kept, report = [], []
    first_seen: dict[str, int] = {}

    def flag(row_no: int, column: str, value: object, reason: str, action: str = "excluded") -> None:
        if strict and action == "excluded":
            raise BadRowError(f"{file}, row {row_no}: column '{column}' = {value!r}: {reason}")
        report.append({"file": file, "source_row": row_no, "column": column, "value": value,
                       "reason": reason, "action": action})

    for _, row in raw.iterrows():
        row_no = int(row["source_row"])
        if row["dup_key"] in first_seen:
            flag(row_no, "(whole row)", "", f"exact duplicate of row {first_seen[row['dup_key']]}")
            continue
        first_seen[row["dup_key"]] = row_no

        if element_columns is None:
            amounts, problem = _amounts_from_formula(row["formula"])
            column, value = "composition", row["formula"]
        else:
            amounts, column, problem = _amounts_from_columns(row, element_columns)
            value = row[column] if column in row.index else ""
        if problem:
            flag(row_no, column, value, problem)
            continue
        total = sum(amounts.values())
        written = value if element_columns is None else _plain(amounts)
        if abs(total - 100.0) > SUM_TOLERANCE_AT_PCT:
            flag(row_no, "composition", written,
                 f"element amounts sum to {total:.6g} at.%, more than {SUM_TOLERANCE_AT_PCT:g} from 100")
            continue

        bs, problem = _number(row["bs"]) if with_target else (math.nan, None)
        if with_target and (problem or math.isnan(bs) or bs <= 0 or bs > BS_MAX_TESLA):
            reason = ("non-numeric Bs" if problem else "missing Bs" if math.isnan(bs)
                      else "non-positive Bs" if bs <= 0 else f"Bs above {BS_MAX_TESLA:g} T")
            flag(row_no, "bs_tesla", row["bs"], reason)
            continue

        anneal = {}
        for key, label in (("anneal_temp", "anneal_temp_K"), ("anneal_time", "anneal_time_s")):
            anneal[key], problem = _number(row[key])
            if problem or anneal[key] < 0:
                flag(row_no, label, row[key], f"{'non-numeric' if problem else 'negative'} annealing value")
                break
        else:
            if math.isnan(anneal["anneal_temp"]) and not math.isnan(anneal["anneal_time"]):
                flag(row_no, "anneal_temp_K", row["anneal_temp"], "annealing time given without a temperature")
                continue
            if abs(total - 100.0) > 1e-6:
                flag(row_no, "composition", written,
                     f"element amounts sum to {total:.6g} at.%; rescaled to 100", action="normalized")
            fe = 100.0 * amounts.get("Fe", 0.0) / total
            kept.append({"composition": canonical_formula(amounts), "bs_tesla": bs,
                         "anneal_temp_K": anneal["anneal_temp"], "anneal_time_s": anneal["anneal_time"],
                         "annealed": not math.isnan(anneal["anneal_temp"]), "fe_at_pct": round(fe, 3),
                         "source": source, "reference": row["reference"], "source_row": row_no})
    table = pd.DataFrame(kept, columns=TIDY_COLUMNS)
    table["annealed"] = table["annealed"].astype(bool)
    table.index.name = "row_id"
    return table, pd.DataFrame(report, columns=REPORT_COLUMNS)


def _plain(amounts: dict[str, float]) -> str:
    return "".join(f"{el}{v:g}" for el, v in amounts.items() if v > 0)


def _dup_keys(frame: pd.DataFrame) -> pd.Series:
    return frame.astype(str).agg("\x1f".join, axis=1)


# --------------------------------------------------------------------------- parsers

def _element_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if isinstance(c, str) and Element.is_valid_symbol(c.strip())]


def read_wang2018(path: Path, strict: bool = False) -> Dataset:
    """Parse database_total.xlsx (sheet 'properties'): the rows that report Bs, one per alloy and treatment."""
    sheet = pd.read_excel(path, sheet_name="properties")
    elements = _element_columns(list(sheet.columns))
    required = ["magnetic saturation(T)", "Annealing temperature (K)", "Annealing time (s)", "reference doi"]
    _require_columns(sheet, required, path)
    with_bs = sheet[sheet["magnetic saturation(T)"].notna()]
    raw = pd.DataFrame({
        "bs": with_bs["magnetic saturation(T)"], "anneal_temp": with_bs["Annealing temperature (K)"],
        "anneal_time": with_bs["Annealing time (s)"], "reference": with_bs["reference doi"],
        "source_row": with_bs.index + 2, "dup_key": _dup_keys(with_bs)})
    raw = pd.concat([raw, with_bs[elements]], axis=1)
    table, report = tidy(raw, path, "wang2018", strict, element_columns=elements)
    notes = [f"sheet 'properties' has {len(sheet)} rows; {len(sheet) - len(with_bs)} of them report no Bs "
             "(other properties only) and are not part of this dataset"]
    return Dataset("wang2018", Path(path), table, report, rows_read=len(with_bs), notes=notes)


def read_weonepiece(path: Path, strict: bool = False) -> Dataset:
    """Parse Bs.csv of weonepiece/Fe-based-amorphous-alloys (every row annealed)."""
    frame = _read_csv(path)
    _require_columns(frame, ["TA", "tA", "magnetic saturation (T)"], path)
    elements = _element_columns(list(frame.columns))
    raw = pd.DataFrame({
        "bs": frame["magnetic saturation (T)"], "anneal_temp": frame["TA"], "anneal_time": frame["tA"],
        "reference": "weonepiece/Fe-based-amorphous-alloys", "source_row": frame.index + 2,
        "dup_key": _dup_keys(frame)})
    raw = pd.concat([raw, frame[elements]], axis=1)
    table, report = tidy(raw, path, "weonepiece", strict, element_columns=elements)
    return Dataset("weonepiece", Path(path), table, report, rows_read=len(frame))


def read_user_csv(path: str | Path, strict: bool = False, with_target: bool = True) -> Dataset:
    """Load a user's CSV: columns composition (formula, at.%) and bs_tesla; optional anneal_temp_K, anneal_time_s.

    With ``with_target=False`` (alloys to predict) only the composition column is required.
    """
    path = resolve(path)
    frame = _read_csv(path)
    required = USER_REQUIRED if with_target else ["composition"]
    _require_columns(frame, required, path)
    return frame_to_dataset(frame, path, strict=strict, with_target=with_target,
                            ignored=[c for c in frame.columns if c not in USER_REQUIRED + USER_OPTIONAL])


def frame_to_dataset(frame: pd.DataFrame, path: Path, strict: bool = False, with_target: bool = True,
                     ignored: list[str] | None = None) -> Dataset:
    """Validate a frame in the user-CSV layout (all cells as read) into a Dataset."""
    nan = pd.Series(math.nan, index=frame.index)
    raw = pd.DataFrame({
        "formula": frame["composition"], "bs": frame.get("bs_tesla", nan),
        "anneal_temp": frame.get("anneal_temp_K", nan), "anneal_time": frame.get("anneal_time_s", nan),
        "reference": frame.get("reference", pd.Series(Path(path).name, index=frame.index)).fillna(Path(path).name),
        "source_row": frame.index + 2, "dup_key": _dup_keys(frame)})
    table, report = tidy(raw, path, Path(path).stem, strict, with_target=with_target)
    notes = [f"columns not used: {', '.join(ignored)}"] if ignored else []
    return Dataset(Path(path).stem, Path(path), table, report, rows_read=len(frame), notes=notes)


def _read_csv(path: Path) -> pd.DataFrame:
    if not Path(path).is_file():
        raise DataValidationError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataValidationError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"{path}: cannot be read as CSV ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataValidationError(f"{path}: the file has a header but no data rows")
    return frame


def _require_columns(frame: pd.DataFrame, required: list[str], path: Path) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{path}: missing required column(s) {', '.join(missing)}; "
                                  f"found: {', '.join(map(str, frame.columns))}")


PARSERS = {"wang2018": read_wang2018, "weonepiece": read_weonepiece}


def load_source(name: str, strict: bool = False) -> Dataset:
    """Fetch (cache, mirror, URL; sha256-checked) and parse one manifest source."""
    return PARSERS[name](fetch(name), strict=strict)


def load_dataset(dataset: str = "default", strict: bool = False) -> Dataset:
    """The training data: 'default' (the Wang database), a manifest source name, or a path to a user CSV."""
    if dataset == "default":
        dataset = DEFAULT_DATASET
    if dataset in PARSERS:
        return load_source(dataset, strict=strict)
    return read_user_csv(dataset, strict=strict)


def unseen_rows(candidates: pd.DataFrame, training: pd.DataFrame, min_fe_at_pct: float = 0.0) -> pd.DataFrame:
    """Rows of ``candidates`` whose composition never occurs in ``training`` and whose Fe content is high enough."""
    new = ~candidates["composition"].isin(set(training["composition"]))
    return candidates[new & (candidates["fe_at_pct"] >= min_fe_at_pct)]


# --------------------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.data check FILE.csv [--strict]`: print the validation report of a user CSV."""
    parser = argparse.ArgumentParser(prog="python -m helpers.data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate a CSV with columns composition,bs_tesla[,anneal_temp_K,anneal_time_s]")
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
    print(ds.summary().to_string())
    for note in ds.notes:
        print(f"note: {note}")
    if ds.report.empty:
        print("no row excluded or changed")
    else:
        print(ds.report.drop(columns="file").to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
