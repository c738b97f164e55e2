"""The data layer: fetching with sha256, the two real sources, every class of bad input, the check command."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers import data, sources
from helpers.data import BadRowError, DataValidationError, read_user_csv
from helpers.sources import DataFetchError

GOOD = "composition,bs_tesla,anneal_temp_K,anneal_time_s\nFe73.5Si13.5B9Nb3Cu1,1.24,813,3600\nFe80B20,1.6,,\n"


# ----------------------------------------------------------------- the real files


def test_training_database_parses_to_its_measured_counts():
    ds = data.load_source("wang2018")
    assert ds.rows_read == 327
    assert len(ds.table) == 327
    assert ds.table["composition"].nunique() == 125
    assert ds.table["reference"].nunique() == 43
    assert (~ds.table["annealed"]).sum() == 21  # 15 without a temperature, and 6 "annealed" at 298 K
    assert ds.table["bs_tesla"].between(0.189, 1.94).all()
    assert set(ds.report["action"]) <= {"normalized"}  # four rows summing to 100.1..101 at.% are rescaled, reported
    room = ds.report[ds.report["reason"].str.contains("room temperature")]
    assert len(room) == 6 and (room["column"] == "anneal_temp_K").all() and (room["value"] == 298).all()
    as_quenched = ds.table.set_index("source_row").loc[room["source_row"]]
    assert as_quenched["anneal_temp_K"].isna().all() and as_quenched["anneal_time_s"].isna().all()
    assert list(ds.table.columns) == data.TIDY_COLUMNS


def test_case_study_file_parses_to_its_measured_counts_and_reports_its_duplicates():
    ds = data.load_source("weonepiece")
    assert ds.rows_read == 367
    assert ds.table["composition"].nunique() == 114
    dup = ds.report[ds.report["reason"].str.startswith("exact duplicate")]
    assert len(dup) == 4 and len(ds.table) == 363
    assert ds.table["annealed"].all()


def test_sixty_case_study_alloys_are_not_in_the_training_database():
    train, case = data.load_source("wang2018").table, data.load_source("weonepiece").table
    unseen = data.unseen_rows(case, train)
    assert unseen["composition"].nunique() == 60
    assert not set(unseen["composition"]) & set(train["composition"])


def test_canonical_formula_puts_fe_first_and_normalizes_to_100():
    assert data.canonical_formula({"B": 9, "Cu": 1, "Fe": 73.5, "Nb": 3, "Si": 13.5}) == "Fe73.5Si13.5B9Nb3Cu1"
    assert data.canonical_formula({"Fe": 0.8, "B": 0.2}) == "Fe80B20"


# ----------------------------------------------------------------- fetching


def _fake_mirror(tmp_path: Path, name: str, content: bytes) -> Path:
    src = sources.load_manifest()[name]
    path = tmp_path / "mirror" / src.mirror_dir / src.file
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    return tmp_path / "mirror"


def test_a_file_with_the_wrong_sha256_is_refused_with_every_place_named(tmp_path):
    mirror = _fake_mirror(tmp_path, "weonepiece", b"Fe,Bs\n80,1.6\n")
    with pytest.raises(DataFetchError) as err:
        sources.fetch("weonepiece", cache_dir=tmp_path / "cache", mirror=mirror, download=False)
    msg = str(err.value)
    expected = sources.load_manifest()["weonepiece"].sha256
    actual = hashlib.sha256(b"Fe,Bs\n80,1.6\n").hexdigest()
    assert "Bs.csv" in msg and expected in msg and actual in msg
    assert "project cache" in msg and str(mirror) in msg and "pinned URL" in msg


def test_fetch_copies_a_verified_mirror_file_into_the_cache_and_uses_it_next_time(tmp_path):
    real = sources.fetch("weonepiece")
    mirror = _fake_mirror(tmp_path, "weonepiece", real.read_bytes())
    first = sources.fetch("weonepiece", cache_dir=tmp_path / "cache", mirror=mirror, download=False)
    assert first.is_relative_to(tmp_path / "cache")
    second = sources.fetch("weonepiece", cache_dir=tmp_path / "cache", mirror=tmp_path / "nowhere", download=False)
    assert second == first


def test_a_corrupted_cache_copy_is_not_used(tmp_path):
    src = sources.load_manifest()["weonepiece"]
    bad = tmp_path / "cache" / src.mirror_dir / src.file
    bad.parent.mkdir(parents=True)
    bad.write_text("corrupted")
    with pytest.raises(DataFetchError, match="sha256 mismatch"):
        sources.fetch("weonepiece", cache_dir=tmp_path / "cache", mirror=tmp_path / "none", download=False)


# ----------------------------------------------------------------- bad input, one class at a time


@pytest.mark.parametrize(
    "row, column, reason",
    [
        ("Fe80(B20,1.5", "composition", "unparsable formula"),
        ("Fe80Xq20,1.5", "composition", "unknown element(s) Xq"),
        ("Fe80B20junk,1.5", "composition", "unparsable formula"),
        ("Fe80Xx20,1.5", "composition", "unknown element"),
        ("Fe70B20,1.5", "composition", "sum to 90 at.%"),
        ("Fe0.8B0.2,1.5", "composition", "sum to 1 at.%"),
        (",1.5", "composition", "missing composition"),
        ("Fe80B20,", "bs_tesla", "missing Bs"),
        ("Fe80B20,abc", "bs_tesla", "non-numeric Bs"),
        ("Fe80B20,0", "bs_tesla", "non-positive Bs"),
        ("Fe80B20,-1.2", "bs_tesla", "non-positive Bs"),
        ("Fe80B20,2.7", "bs_tesla", "above 2.5 T"),
        ("Fe80B20,1.5,-10,60", "anneal_temp_K", "negative annealing value"),
        ("Fe80B20,1.5,700,-60", "anneal_time_s", "negative annealing value"),
        ("Fe80B20,1.5,hot,60", "anneal_temp_K", "non-numeric annealing value"),
    ],
)
def test_each_bad_row_is_excluded_and_reported_with_row_column_value_and_reason(write_csv, row, column, reason):
    path = write_csv("composition,bs_tesla,anneal_temp_K,anneal_time_s\nFe75Si15B10,1.45,,\n" + row + "\n")
    ds = read_user_csv(path)
    assert len(ds.table) == 1 and ds.table["composition"].tolist() == ["Fe75Si15B10"]
    assert len(ds.report) == 1
    bad = ds.report.iloc[0]
    assert bad["source_row"] == 3 and bad["column"] == column and reason in bad["reason"]
    assert bad["action"] == "excluded" and bad["file"] == str(path)


def test_strict_mode_raises_on_the_first_bad_row_naming_file_row_and_value(write_csv):
    path = write_csv("composition,bs_tesla\nFe80B20,1.6\nFe80B20,abc\nFe80Xx20,1.5\n")
    with pytest.raises(BadRowError) as err:
        read_user_csv(path, strict=True)
    assert str(path) in str(err.value) and "row 3" in str(err.value) and "'abc'" in str(err.value)


def test_exact_duplicate_rows_are_excluded_and_point_at_the_first(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla\nFe80B20,1.6\nFe80B20,1.6\nFe80B20,1.61\n"))
    assert len(ds.table) == 2
    assert ds.report["reason"].tolist() == ["exact duplicate of row 2"]


def test_small_sum_deviations_are_kept_rescaled_and_reported(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla\nFe80.5B20,1.6\n"))
    assert ds.table["composition"].tolist() == ["Fe80.1B19.9"]
    assert ds.report["action"].tolist() == ["normalized"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty"),
        ("composition,bs_tesla\n", "header but no data rows"),
        ("formula,Bs\nFe80B20,1.6\n", "missing required column(s) composition, bs_tesla"),
        ("composition\nFe80B20\n", "missing required column(s) bs_tesla"),
    ],
)
def test_unusable_files_raise_a_clear_error_naming_the_file(write_csv, text, message):
    path = write_csv(text)
    with pytest.raises(DataValidationError) as err:
        read_user_csv(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_a_good_user_csv_gives_the_tidy_table(write_csv):
    ds = read_user_csv(write_csv(GOOD))
    t = ds.table
    assert t["composition"].tolist() == ["Fe73.5Si13.5B9Nb3Cu1", "Fe80B20"]
    assert t["annealed"].tolist() == [True, False]
    assert t["fe_at_pct"].tolist() == [73.5, 80.0]
    assert ds.report.empty and list(t.columns) == data.TIDY_COLUMNS


# ----------------------------------------------------------------- the check command


def test_check_command_prints_the_report_and_exits_zero(write_csv, capsys):
    path = write_csv(GOOD + "Fe80B20,abc\n")
    assert data.main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "non-numeric Bs" in out and "rows excluded" in out


def test_check_command_strict_exits_non_zero_on_a_bad_row(write_csv, capsys):
    path = write_csv(GOOD + "Fe80B20,abc\n")
    assert data.main(["check", str(path), "--strict"]) == 1
    assert "row 4" in capsys.readouterr().err


def test_check_command_exits_non_zero_when_the_file_cannot_be_read(tmp_path, capsys):
    assert data.main(["check", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
