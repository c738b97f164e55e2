"""No output replaces an analysis' files, a file with no usable row says so, repeated
columns and UTF-32 are named, nothing is normalized or clipped without a word, and predict --csv streams."""

from __future__ import annotations

import io
import os
import stat

import pandas as pd
import pytest

from helpers import data, files, predict, scoring, validation
from helpers.data import DataValidationError, read_user_csv
from helpers.outputs import writer


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ----------------------------------------------------------------- 2: --force never replaces an analysis' files


def test_force_never_replaces_a_file_an_analysis_depends_on(tiny_run, tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("composition\nFe80B20\n")
    runs = tiny_run / "tables" / "runs.csv"
    before = runs.read_bytes()
    code = predict.main(["--csv", str(src), "--analysis", str(tiny_run), "--out", str(runs), "--force"])
    assert code == 2 and runs.read_bytes() == before
    assert "--force never replaces" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("target", ["report/index.html", "04_model_comparison.ipynb", "new.csv", "superseded/x.csv"])
def test_predict_never_writes_into_an_analysis_folder(tmp_path, capsys, target):
    analysis = tmp_path / "A"
    (analysis / "provenance").mkdir(parents=True)
    (analysis / "report").mkdir()
    (analysis / "report" / "index.html").write_text("the report")
    (analysis / "04_model_comparison.ipynb").write_text("{}")
    before = {p: p.read_bytes() for p in analysis.rglob("*") if p.is_file()}
    with pytest.raises(files.FileProblem, match=r"lies in the analysis folder .*A, which only its notebooks write"):
        files.check_output_path(analysis / target, [tmp_path / "in.csv"], force=True)
    assert before == {p: p.read_bytes() for p in analysis.rglob("*") if p.is_file()}


@pytest.mark.parametrize("sub", ["models", "data", "tables", "figures", "provenance"])
def test_any_output_folder_is_recognized_by_its_layout(tmp_path, sub):
    analysis = tmp_path / "elsewhere"
    for name in ("data", "figures", "tables", "models"):
        (analysis / name).mkdir(parents=True)
    (analysis / sub).mkdir(exist_ok=True)
    (analysis / sub / "x.csv").write_text("keep")
    with pytest.raises(files.FileProblem, match="only its notebooks write"):
        files.check_output_path(analysis / sub / "x.csv", [tmp_path / "in.csv"], force=True)
    files.check_output_path(tmp_path / "mine.csv", [tmp_path / "in.csv"], force=True)  # beside it is fine


def test_a_users_folder_named_data_is_not_an_analysis(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "old.csv").write_text("old")
    files.check_output_path(tmp_path / "data" / "old.csv", [tmp_path / "in.csv"], force=True)


# ----------------------------------------------------------------- 3: no usable row


@pytest.mark.parametrize(
    "rows", ["Fe80D20,1.6\nFe80Xx20,1.6\n", "Fe80B20,x\nFe75Si15B10,9\n", "Fe80D20,1.6\nFe80B20,-1\n"]
)
def test_check_says_in_one_line_that_no_row_is_usable(write_csv, capsys, rows):
    path = write_csv("composition,bs_tesla\n" + rows)
    assert data.main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    line = _one_line(captured.err)
    assert "no row is usable" in line and str(path) in line
    assert "source_row" in captured.out and "excluded" in captured.out  # the report is shown


def test_loading_training_data_with_no_usable_row_writes_the_report_and_stops(write_csv, tmp_path):
    path = write_csv("composition,bs_tesla\nFe80D20,1.6\nFe80Xx20,1.6\n")
    report = tmp_path / "bad_rows.csv"
    with pytest.raises(DataValidationError, match="no row is usable") as err:
        data.load_dataset(str(path), bad_rows=report)
    assert "\n" not in str(err.value) and str(report) in str(err.value)
    assert pd.read_csv(report)["source_row"].tolist() == [2, 3]


def test_every_check_accepts_a_table_with_no_row_left():
    work = pd.DataFrame(columns=["bs", "anneal_temp", "anneal_time", "amounts", "formula", "source_row", "dup_key"])
    for check in validation.CHECKS:
        assert check(work).empty


# ----------------------------------------------------------------- 4: a column named twice


def test_a_repeated_column_is_named_in_check_and_predict(write_csv, tmp_path, capsys):
    path = write_csv("composition,bs_tesla,bs_tesla\nFe80B20,1.6,1.5\n")
    assert data.main(["check", str(path)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert str(path) in line and "'bs_tesla'" in line and "more than once" in line
    assert predict.main(["--csv", str(path), "--analysis", str(tmp_path / "none")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert str(path) in line and "'bs_tesla'" in line


def test_a_repeated_column_in_a_workbook_is_named(tmp_path):
    book = tmp_path / "book.xlsx"
    pd.DataFrame([["Fe80B20", 1.6, 1.5]], columns=["composition", "bs_tesla", "x"]).rename(
        columns={"x": "bs_tesla"}
    ).to_excel(book, index=False, engine="openpyxl")
    with pytest.raises(DataValidationError, match="'bs_tesla' \\(columns 2, 3\\)"):
        read_user_csv(book)


# ----------------------------------------------------------------- 5: an output folder that cannot be written


def test_an_output_that_cannot_be_written_fails_before_any_prediction(tmp_path, monkeypatch, capsys):
    src = tmp_path / "a.csv"
    src.write_text("composition\nFe80B20\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.access(locked, os.W_OK):  # root writes anywhere: make the folder refuse as a read-only one would

        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(writer, "open", refuse, raising=False)

    def never(*args, **kwargs):
        raise AssertionError("predicted before checking the output")

    monkeypatch.setattr(predict, "predict_table", never)
    code = predict.main(["--csv", str(src), "--out", str(locked / "p.csv"), "--analysis", str(tmp_path / "no")])
    locked.chmod(stat.S_IRWXU)
    assert code == 2
    line = _one_line(capsys.readouterr().err)
    assert "cannot be written" in line and "Permission denied" in line


# ----------------------------------------------------------------- 8: UTF-32, duplicates, missing compositions


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_gets_a_clear_message(tmp_path, encoding):
    path = tmp_path / "u32.csv"
    path.write_text("composition,bs_tesla\nFe80B20,1.6\n", encoding=encoding)
    with pytest.raises(DataValidationError) as err:
        read_user_csv(path)
    assert "UTF-32" in str(err.value) and "CSV UTF-8" in str(err.value) and "\n" not in str(err.value)


def test_an_exact_duplicate_shows_the_row(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla\nFe80B20,1.6\nFe80B20,1.6\n"))
    bad = ds.report.iloc[0]
    assert bad["value"] == "Fe80B20,1.6" and bad["reason"] == "exact duplicate of row 2"


@pytest.mark.parametrize("spelling", ["NaN", "nan", "NA", "N/A", "#N/A", "null", "None", "-"])
def test_a_spelling_of_an_empty_cell_is_a_missing_composition(write_csv, spelling):
    ds = read_user_csv(write_csv(f"composition,bs_tesla\nFe80B20,1.6\n{spelling},1.5\n"))
    bad = ds.report.iloc[0]
    assert bad["source_row"] == 3 and bad["reason"].startswith("missing composition") and "sums" not in bad["reason"]


def test_sodium_alone_is_still_a_formula():
    assert validation.formula_problem("Na") is None


# ----------------------------------------------------------------- 9: temperature without time, the same everywhere


def test_a_temperature_without_time_is_refused_for_prediction_in_a_csv_as_on_the_command_line(write_csv, capsys):
    ds = read_user_csv(write_csv("composition,anneal_temp_K,anneal_time_s\nFe80B20,700,\n"), with_target=False)
    assert ds.table.empty and ds.report.iloc[0]["reason"] == validation.TEMP_WITHOUT_TIME
    assert predict.main(["Fe80B20", "--anneal-temp", "700", "--analysis", "/nowhere"]) == 2
    assert validation.TEMP_WITHOUT_TIME in _one_line(capsys.readouterr().err)


def test_training_rows_with_a_temperature_and_no_time_are_still_kept(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla,anneal_temp_K,anneal_time_s\nFe80B20,1.6,700,\n"))
    assert len(ds.table) == 1  # notebook 01 fills the median time and lists those rows


# ----------------------------------------------------------------- 10 and 11: levels, clipped bounds, normalized


def test_the_level_is_printed_as_given_and_a_clipped_bound_is_said(tiny_run, capsys):
    assert predict.main(["Fe80B20", "--level", "0.999", "--analysis", str(tiny_run)]) == 0
    captured = capsys.readouterr()
    assert "99.9% interval" in captured.out and "100% interval" not in captured.out
    assert "cut to the physical range 0 to 2.5 T" in captured.err
    assert predict.level_text(0.9) == "90%" and predict.level_text(0.95) == "95%"


def test_clipped_bounds_are_named_per_row():
    assert scoring.clipped_bounds([0.0, 0.5, 0.0, 0.3], [2.5, 2.5, 1.0, 1.0]).tolist() == [
        "both",
        "upper",
        "lower",
        "no",
    ]


def test_a_rescaled_formula_on_the_command_line_is_said_to_be_normalized(tiny_run, capsys):
    assert predict.main(["Fe80B20.9", "--analysis", str(tiny_run)]) == 0
    err = capsys.readouterr().err
    assert "Fe80B20.9 was normalized to Fe79.286B20.714" in err and "rescaled to 100" in err


# ----------------------------------------------------------------- 12: predict --csv streams


def _alloys(n: int) -> str:
    return "composition\n" + "".join(f"Fe{80 - i * 0.01:.2f}B{20 + i * 0.01:.2f}\n" for i in range(n))


def test_a_file_is_read_in_chunks_with_its_row_numbers_and_duplicates_across_chunks(write_csv):
    path = write_csv(_alloys(5) + "Fe80.00B20.00\n\nFe79.99B20.01\n")
    chunks = list(data.iter_user_csv(path, chunk_rows=2))
    assert [len(c.table) for c in chunks] == [2, 2, 1, 0]
    assert [r for c in chunks for r in c.table["source_row"]] == [2, 3, 4, 5, 6]
    report = pd.concat([c.report for c in chunks])
    assert report["source_row"].tolist() == [7, 9] and report["reason"].tolist() == [
        "exact duplicate of row 2",
        "exact duplicate of row 3",
    ]


def test_predict_csv_works_chunk_by_chunk_and_writes_the_same_table(tiny_run, tmp_path, monkeypatch, capsys):
    src, out = tmp_path / "a.csv", tmp_path / "p.csv"
    src.write_text(_alloys(7))
    sizes = []
    real = predict.predict_table
    monkeypatch.setattr(predict, "predict_table", lambda table, **kw: sizes.append(len(table)) or real(table, **kw))
    monkeypatch.setattr(predict, "CHUNK_ROWS", 3)
    assert predict.main(["--csv", str(src), "--out", str(out), "--analysis", str(tiny_run)]) == 0
    assert sizes == [3, 3, 1]
    whole = real(read_user_csv(src, with_target=False).table, analysis=tiny_run).round(predict.ROUNDED)
    written = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert written["source_row"].tolist() == list(range(2, 9))
    pd.testing.assert_frame_equal(
        written[["bs_ensemble", "bs_lower"]], whole[["bs_ensemble", "bs_lower"]].reset_index(drop=True).astype(float)
    )
    assert "interval_clipped" in written.columns


def test_progress_shows_for_long_files_only_and_obeys_tqdm_disable(tiny_run, tmp_path, monkeypatch, capsys):
    src = tmp_path / "a.csv"
    src.write_text(_alloys(4))
    args = ["--csv", str(src), "--out", str(tmp_path / "p.csv"), "--analysis", str(tiny_run)]
    assert predict.main(args) == 0
    assert "predicting" not in capsys.readouterr().err
    monkeypatch.setattr(predict, "PROGRESS_MIN_ROWS", 2)
    assert predict.main([*args, "--force"]) == 0
    err = capsys.readouterr().err
    assert "predicting" in err and "4/4" in err
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert predict.main([*args, "--force"]) == 0
    assert "predicting" not in capsys.readouterr().err


def test_an_interrupted_stream_leaves_no_output_and_no_part_file(tiny_run, tmp_path, monkeypatch, capsys):
    src, out = tmp_path / "a.csv", tmp_path / "p.csv"
    src.write_text(_alloys(5))
    real, calls = predict.predict_table, []

    def interrupt_second(table, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(table, **kw)

    monkeypatch.setattr(predict, "predict_table", interrupt_second)
    monkeypatch.setattr(predict, "CHUNK_ROWS", 2)
    assert predict.main(["--csv", str(src), "--out", str(out), "--analysis", str(tiny_run)]) == 130
    assert not out.exists() and not list(tmp_path.glob(".*.part"))
    assert "interrupted" in _one_line(capsys.readouterr().err)


def test_the_benchmark_runs_on_a_small_file(tiny_run, capsys):
    import importlib.util

    from helpers.paths import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location("bench_predict", PROJECT_ROOT / "benchmarks" / "bench_predict.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--rows", "20", "--analysis", str(tiny_run)]) == 0
    out = capsys.readouterr().out
    assert "rows_per_s:" in out and "peak_memory_mb:" in out


def test_predicted_rows_on_standard_output_stay_a_clean_csv(tiny_run, tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("composition\nFe80B20\nFe80D20\nFe75Si15B10\n")
    assert predict.main(["--csv", str(src), "--analysis", str(tiny_run)]) == predict.EXIT_BAD_ROWS
    captured = capsys.readouterr()
    assert pd.read_csv(io.StringIO(captured.out))["source_row"].tolist() == [2, 4]
    assert "row 3" in captured.err and "deuterium" in captured.err


def test_the_duplicate_digests_of_a_long_file_are_shared_by_its_chunks_not_copied():
    """pandas deep-copies DataFrame.attrs at every operation; a copied digest dict made predict --csv quadratic."""
    import copy

    from helpers.data import SeenRows

    seen = SeenRows({b"digest": 2})
    assert copy.deepcopy(seen) is seen
    frame = pd.DataFrame({"a": [1]})
    frame.attrs["seen_rows"] = seen
    assert frame.copy().attrs["seen_rows"] is seen
