"""The glass-formation data: two public sources, their formula checks, the melt-spun reports and one label per
composition, the Fe-based ones (judged) apart from the other alloy families (learnt from only).

Sources (data/sources.json): ``ward2018`` (Ward et al. 2018: each alloy a melt-spun ribbon glass, a bulk glass, or
no glass) and ``dmref`` (the UW DMREF database: one row per reported synthesis, amorphous or crystalline). Every row
that mentions Fe goes through the checks of every other input (helpers/validation.py); bad rows are reported with
file, row, column, value and reason, and DMREF rows without an amorphous / crystalline label are reported the same way.
Kept: every composition of Ward's, and of DMREF the melt-spun reports. The Fe-based ones (at least ``MIN_FE_AT_PCT``
at.% Fe) are what the classifiers are judged on; the other families (Co-, Ni-, Zr-, Cu-, Pd-based ...) are rows a
classifier may learn from, as glass formation follows rules shared across families (size mismatch, mixing enthalpy,
deep eutectics).

The label rule (``label_compositions``): a composition is a glass (1) when every report of it, from either source,
says glass (a ribbon or a bulk glass; DMREF 'AM'); one report of a crystalline or partly crystalline ribbon (DMREF
'CR', 'AC' amorphous + crystalline, 'QC', or Ward's "no glass") makes it not a glass (0): a composition that some
laboratory could not quench to a glass is no safe ribbon to make.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.sources import fetch
from helpers.validation import DUP_KEY_SEPARATOR, REPORT_COLUMNS, validate

SOURCES = ("ward2018", "dmref")
MIN_FE_AT_PCT = 50.0  # Fe-based: at least this at.% Fe
MELT_SPUN = "Melt Spinning"  # DMREF's Casting value kept
GLASS_CODES = {"AM"}  # DMREF: amorphous
CRYSTAL_CODES = {"CR", "AC", "QC"}  # DMREF: crystalline, amorphous + crystalline, quasicrystal
WARD_GLASS = {"Ribbon": "ribbon glass", "BMG": "bulk glass"}  # Ward's gfa_type; empty means no glass
REPORT_COLUMNS_GLASS = ["composition", "fe_at_pct", "source", "reference", "source_row", "reported", "glass"]
FE_BASED = "fe_based"  # the column that says whether a labelled composition is Fe-based (judged) or of another family


@dataclass
class GlassReports:
    """One source's kept reports (one row per reported synthesis), its bad-row report and what was left out."""

    name: str
    reports: pd.DataFrame
    bad_rows: pd.DataFrame
    rows_read: int
    notes: list[str] = field(default_factory=list)
    path: str = ""  # the file read
    composition_column: str = "composition"  # its column of formulas


def _dup_keys(frame: pd.DataFrame) -> pd.Series:
    return frame.astype(str).agg(DUP_KEY_SEPARATOR.join, axis=1)


def _raw(formula: pd.Series, reference: pd.Series, rows: pd.Index, dup: pd.DataFrame) -> pd.DataFrame:
    """The input of helpers.validation.validate for compositions only (no Bs, no annealing)."""
    return pd.DataFrame(
        {
            "formula": formula.astype(str).where(formula.notna(), ""),
            "bs": np.nan,
            "anneal_temp": "",
            "anneal_time": "",
            "reference": reference,
            "source_row": rows + 2,
            "dup_key": _dup_keys(dup),
        }
    )


def _checked(raw: pd.DataFrame, path: str, name: str, glass: pd.Series, said: pd.Series) -> pd.DataFrame:
    """Validate the rows, then join each kept row's label back (by source row)."""
    table, bad = validate(raw, path, name, with_target=False)
    by_row = pd.DataFrame({"glass": glass.to_numpy(), "reported": said.to_numpy()}, index=raw["source_row"])
    table = table.join(by_row, on="source_row")
    return table[REPORT_COLUMNS_GLASS].reset_index(drop=True), bad


def read_ward(path: str) -> GlassReports:
    """Ward et al. 2018: glass as a ribbon or a bulk glass (1) or no glass (0), one row per alloy."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    said = frame["gfa_type"].map(lambda t: WARD_GLASS.get(t.strip(), "no glass"))
    glass = frame["gfa_type"].str.strip().isin(WARD_GLASS).astype(int)
    raw = _raw(frame["composition"], "Ward et al. 2018", frame.index, frame.drop(columns="material_id"))
    reports, bad = _checked(raw, str(path), "ward2018", glass, said)
    return GlassReports("ward2018", reports, bad, len(frame), [], str(path), "composition")


def dmref_codes(label: object) -> set[str]:
    """The codes of DMREF's Is_Amorphous? cell: 'AM' -> {'AM'}; "['AM' 'CR']" -> {'AM', 'CR'}; empty -> set()."""
    return set(re.findall(r"[A-Z]{2}", label)) if isinstance(label, str) else set()


def dmref_label(codes: set[str]) -> float:
    """1 for amorphous only, 0 when any code is crystalline or partly so, NaN when neither (empty, 'OT' other)."""
    if codes & CRYSTAL_CODES:
        return 0.0
    return 1.0 if codes and codes <= GLASS_CODES else np.nan


def read_dmref(path: str) -> GlassReports:
    """The UW DMREF database: melt-spun reports, amorphous (1) or crystalline / partly crystalline (0)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    spun = frame[frame["Casting"].str.strip() == MELT_SPUN]
    label = spun["Is_Amorphous?"].map(lambda c: dmref_label(dmref_codes(c)))
    reference = spun["DOI"].where(spun["DOI"].str.strip() != "", spun["Reference"])
    raw = _raw(spun["Composition"], reference, spun.index, spun.drop(columns="_id"))
    unlabelled = label.isna().to_numpy()
    keep = raw[~unlabelled]
    said = spun["Is_Amorphous?"][~unlabelled]
    reports, bad = _checked(keep, str(path), "dmref", label[~unlabelled].astype(int), said)
    no_label = pd.DataFrame(
        {
            "file": str(path),
            "source_row": raw["source_row"][unlabelled].to_numpy(),
            "column": "Is_Amorphous?",
            "value": spun["Is_Amorphous?"][unlabelled].to_numpy(),
            "reason": "neither amorphous nor crystalline (empty or 'OT' other): no glass label",
            "action": "excluded",
        }
    )
    bad = pd.concat([bad, no_label], ignore_index=True).sort_values("source_row", kind="stable")
    notes = [f"{len(frame) - len(spun)} rows were not made by melt spinning ('{MELT_SPUN}') and are not read"]
    bad = bad[REPORT_COLUMNS].reset_index(drop=True)
    return GlassReports("dmref", reports, bad, len(frame), notes, str(path), "Composition")


READERS = {"ward2018": read_ward, "dmref": read_dmref}


def load_glass_sources() -> list[GlassReports]:
    """Fetch (cache, mirror, pinned URL; sha256-checked) and read both glass-formation sources."""
    return [READERS[name](str(fetch(name))) for name in SOURCES]


def chemical_system(composition: str) -> str:
    """The sorted element set of a formula, e.g. 'B-Fe-Si': the group of grouped cross-validation."""
    return "-".join(sorted(set(re.findall(r"[A-Z][a-z]?", composition))))


def label_compositions(reports: pd.DataFrame) -> pd.DataFrame:
    """One row per composition: glass (1) only when every report says glass; counts, sources, any conflict, and
    whether it is Fe-based (FE_BASED)."""
    grouped = reports.groupby("composition", sort=True)
    labelled = pd.DataFrame(
        {
            "fe_at_pct": grouped["fe_at_pct"].first(),
            "n_reports": grouped.size(),
            "n_glass_reports": grouped["glass"].sum().astype(int),
            "source": grouped["source"].agg(lambda s: "+".join(sorted(set(s)))),
        }
    )
    labelled["label"] = (labelled["n_glass_reports"] == labelled["n_reports"]).astype(int)
    labelled["conflicting"] = labelled["n_glass_reports"].between(1, labelled["n_reports"] - 1)
    labelled[FE_BASED] = labelled["fe_at_pct"] >= MIN_FE_AT_PCT - 1e-9
    labelled = labelled.reset_index()
    labelled.insert(1, "chemical_system", labelled["composition"].map(chemical_system))
    return labelled


def all_reports(sources: list[GlassReports]) -> pd.DataFrame:
    """The kept reports of every source, one table."""
    return pd.concat([s.reports for s in sources], ignore_index=True)


def all_bad_rows(sources: list[GlassReports], featureless: dict[str, str] | None = None) -> pd.DataFrame:
    """The bad-row reports of every source, one table, with a line for every report of a composition whose features
    are undefined (``featureless``: composition -> why, from helpers.features.featurize_where_defined)."""
    featureless = featureless or {}
    lines = [s.bad_rows for s in sources]
    for s in sources:
        hit = s.reports[s.reports["composition"].isin(featureless)]
        why = hit["composition"].map(featureless)
        lines.append(
            pd.DataFrame(
                {
                    "file": s.path,
                    "source_row": hit["source_row"].to_numpy(),
                    "column": s.composition_column,
                    "value": hit["composition"].to_numpy(),
                    "reason": ("composition features undefined: " + why).to_numpy(),
                    "action": "excluded",
                }
            )
        )
    return pd.concat(lines, ignore_index=True)


def without(labelled: pd.DataFrame, compositions: dict[str, str] | set[str]) -> pd.DataFrame:
    """The labelled compositions but those given (e.g. the ones whose features are undefined)."""
    return labelled[~labelled["composition"].isin(compositions)].reset_index(drop=True)


def fe_based(labelled: pd.DataFrame) -> pd.DataFrame:
    """The Fe-based labelled compositions (at least MIN_FE_AT_PCT at.% Fe): those the classifiers are judged on."""
    return labelled[labelled[FE_BASED]].reset_index(drop=True)
