"""A user's table is read as its author meant it: known spellings and explicit units of the annealing columns are read
(and said), headers that cannot be read are refused in one line, unused columns are named; a room-temperature
"anneal" is as-quenched; the composition shown is the one computed; formula cells without values are named."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import predict, screening
from helpers.data import DataValidationError, read_user_csv
from helpers.domain import element_amounts
from helpers.screening.grid import ScreenError


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --------------------------------------------------------------------------- spellings and units


@pytest.mark.parametrize(
    ("temp_header", "time_header", "temp", "time", "note"),
    [
        ("Anneal Temp (K)", "Anneal Time (s)", "773", "3600", "column 'Anneal Temp (K)' read as anneal_temp_K"),
        ("ANNEAL_TEMP_K", "anneal_time_min", "773", "60", "read as anneal_time_s, converted (minutes x 60 = s)"),
        ("Annealing temperature (°C)", "annealing time [h]", "499.85", "1", "converted (°C + 273.15)"),
    ],
)
def test_known_spellings_and_stated_units_of_the_annealing_columns_are_read(
    write_csv, temp_header, time_header, temp, time, note
):
    ds = read_user_csv(write_csv(f"Composition,Bs (T),{temp_header},{time_header}\nFe80B20,1.6,{temp},{time}\n"))
    row = ds.table.iloc[0]
    assert row["annealed"] and row["anneal_temp_K"] == pytest.approx(773.0) and row["anneal_time_s"] == 3600.0
    assert any(note in n for n in ds.notes), ds.notes


def test_a_column_that_is_not_used_is_named_with_the_column_it_may_mean(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla,temperature_K,time_s,remarks\nFe80B20,1.6,773,3600,x\n"))
    assert not ds.table["annealed"].any()  # not read as annealing: said, not guessed
    assert (
        "columns not used: temperature_K (did you mean anneal_temp_K?), time_s (did you mean anneal_time_s?), remarks"
        in ds.notes
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "composition,annealing,,bs_tesla",
            "column 'annealing' does not say whether it holds the temperature or the "
            "time (a merged header cell over two columns?); give two columns, anneal_temp_K and anneal_time_s",
        ),
        (
            "composition,bs_tesla,Annealing temperature,anneal_time_s",
            "column 'Annealing temperature' states no unit; name it anneal_temp_K (kelvin) or anneal_temp_C",
        ),
        ("composition,bs_tesla,anneal_temp_K,anneal_time", "column 'anneal_time' states no unit"),
        (
            "composition,bs_tesla,anneal_temp_K,Anneal Temp (K),anneal_time_s",
            "columns 'anneal_temp_K' and 'Anneal Temp (K)' both give anneal_temp_K; keep one of them",
        ),
    ],
)
def test_an_annealing_header_that_cannot_be_read_is_refused_in_one_line(write_csv, header, message):
    path = write_csv(header + "\n" + ",".join(["Fe80B20", "1.6", "773", "3600", "3600"][: header.count(",") + 1]))
    with pytest.raises(DataValidationError) as refused:
        read_user_csv(path)
    assert str(refused.value).startswith(f"{path}: {message}") and "\n" not in str(refused.value)


def test_predict_reads_the_spelled_columns_and_names_the_unused_ones(tiny_run, write_csv, capsys):
    spelled = write_csv("composition,Anneal Temp (K),anneal_time_min\nFe80B20,773,60\n", "spelled.csv")
    assert predict.main(["--csv", str(spelled), "--analysis", str(tiny_run)]) == 0
    captured = capsys.readouterr()
    rows = pd.read_csv(pd.io.common.StringIO(captured.out))
    assert rows["anneal_temp_K"].tolist() == [773.0] and rows["anneal_time_s"].tolist() == [3600.0]
    assert "column 'anneal_time_min' read as anneal_time_s, converted (minutes x 60 = s)" in captured.err
    unused = write_csv("composition,temperature_K\nFe80B20,773\n", "unused.csv")
    predict.main(["--csv", str(unused), "--analysis", str(tiny_run)])
    assert "column not used: temperature_K (did you mean anneal_temp_K?)" in capsys.readouterr().err


# --------------------------------------------------------------------------- room temperature and rounding


@pytest.mark.parametrize("with_target", [True, False])  # training data, and alloys to predict (which need a time)
def test_an_anneal_at_room_temperature_is_as_quenched_and_reported(write_csv, with_target):
    text = "composition,bs_tesla,anneal_temp_K,anneal_time_s\nFe80B20,1.6,298,3600\nFe81B19,1.6,300,\n"
    ds = read_user_csv(write_csv(text + "Fe82B18,1.6,250,60\n"), with_target=with_target)
    assert not ds.table["annealed"].any() and ds.table[["anneal_temp_K", "anneal_time_s"]].isna().all().all()
    assert ds.report["action"].tolist() == ["normalized", "normalized", "excluded"]  # 250 K: below room temperature
    assert ds.report["reason"].str.contains("room temperature").all() and ds.report["value"].tolist() == [
        "298",
        "300",
        "250",
    ]


def test_the_composition_shown_is_the_one_computed(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla\nFe79.9995B20.0005,1.6\n"))
    shown = ds.table["composition"].iloc[0]
    assert shown == "Fe79.999B20.001"  # sums to 100: read back, it is these amounts
    assert element_amounts(ds.table["composition"]).iloc[0].to_dict() == pytest.approx({"Fe": 79.999, "B": 20.001})
    assert ds.table["fe_at_pct"].iloc[0] == 79.999
    assert "amounts rounded to 0.001 at.%: Fe 79.9995, B 20.0005" in ds.report["reason"].iloc[0]


# --------------------------------------------------------------------------- one line that says what to do


def test_formula_cells_without_saved_values_are_named(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["composition", "bs_tesla"])
    book.active.append(["Fe80B20", "=1.5+0.1"])
    book.save(tmp_path / "alloys.xlsx")
    with pytest.raises(DataValidationError) as refused:
        read_user_csv(tmp_path / "alloys.xlsx")
    line = _one_line(str(refused.value))
    assert "1 cell(s) of sheet 'Sheet' hold a formula without its value (first: B2 =1.5+0.1)" in line
    assert "save it (that stores the values)" in line


def test_predict_says_that_an_analysis_given_as_a_file_is_one(tmp_path, capsys):
    (tmp_path / "analysis.zip").write_bytes(b"PK")
    assert predict.main(["Fe80B20", "--analysis", str(tmp_path / "analysis.zip")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--analysis" in line and "is a file, not a folder; give the output folder of an analysis" in line


def test_a_candidate_file_with_no_usable_row_names_the_first_reason(write_csv):
    path = write_csv("composition\nFe80Xx20\nB100x\n")
    with pytest.raises(ScreenError) as refused:
        screening.plan(str(path), {}, max_candidates=10)
    line = _one_line(str(refused.value))
    assert "report of bad rows" not in line  # none is written when the screen stops here
    assert line.startswith(f"{path}: no row can be screened: all 2 rows were excluded (first: row 2, composition")
    assert line.endswith("correct or remove those rows")
