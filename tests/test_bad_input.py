"""Every class of bad input gets a one-line error or a reported exclusion: files, formulas, annealing, outputs,
saved models, interruptions. Nothing is overwritten, changed silently, or presented as an impossible result."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import data, files, predict, scoring, validation
from helpers.data import DataValidationError, read_user_csv
from helpers.outputs import writer
from helpers.paths import PROJECT_ROOT

HEADER = "composition,bs_tesla,anneal_temp_K,anneal_time_s\n"


# ----------------------------------------------------------------- files a spreadsheet exports


def test_a_trailing_comma_on_every_row_is_accepted(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla,\nFe80B20,1.6,\nFe75Si15B10,1.45,\n"))
    assert ds.table["composition"].tolist() == ["Fe80B20", "Fe75Si15B10"] and ds.report.empty


def test_a_row_with_an_extra_field_is_reported_by_its_line_and_the_rest_kept(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla\nFe80B20,1.6\nFe75Si15B10,1,45\nFe85B15,1.7\n"))
    assert ds.table["composition"].tolist() == ["Fe80B20", "Fe85B15"]
    bad = ds.report.iloc[0]
    assert bad["source_row"] == 3 and bad["action"] == "excluded" and "decimal comma" in bad["reason"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"composition;bs_tesla\nFe80B20;1,6\n", "separator looks like ';'"),
        (b"composition\tbs_tesla\nFe80B20\t1.6\n", "separator looks like tab"),
        ("composition,bs_tesla,reference\nFe80B20,1.6,Müller\n".encode("latin-1"), "is not UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel .xls workbook"),
        (b"composition,bs_tesla\x00\x00\x00", "not a text file"),
    ],
)
def test_unreadable_formats_say_what_the_file_looks_like_and_what_to_do(tmp_path, content, message):
    path = tmp_path / "alloys.csv"
    path.write_bytes(content)
    with pytest.raises(DataValidationError) as err:
        read_user_csv(path)
    assert message in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_utf16_text_and_an_xlsx_named_csv_are_read(tmp_path):
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("composition,bs_tesla\nFe80B20,1.6\n", encoding="utf-16")
    assert read_user_csv(utf16).table["composition"].tolist() == ["Fe80B20"]
    workbook = tmp_path / "workbook.csv"
    pd.DataFrame({"composition": ["Fe80B20", "Fe75Si15B10"], "bs_tesla": [1.6, 1.45]}).to_excel(
        workbook, index=False, engine="openpyxl"
    )
    ds = read_user_csv(workbook)
    assert ds.table["composition"].tolist() == ["Fe80B20", "Fe75Si15B10"]
    assert any("Excel workbook" in n for n in ds.notes)


def test_a_folder_and_an_unreadable_file_are_named_as_such(tmp_path, monkeypatch):
    with pytest.raises(DataValidationError, match="is a folder, not a file"):
        read_user_csv(tmp_path)
    locked = tmp_path / "locked.csv"
    locked.write_text(HEADER)

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)  # root may read any file: the refusal is simulated
    with pytest.raises(DataValidationError, match="permission denied"):
        read_user_csv(locked)


def test_check_piped_into_head_exits_quietly(write_csv):
    path = write_csv(HEADER + "".join(f"Fe{80 - i * 0.1:.1f}B{20 + i * 0.1:.1f},1.5,,\n" for i in range(200)))
    done = subprocess.run(
        f"{sys.executable} -m helpers.data check {path} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_relative_paths_resolve_against_the_callers_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "mine.csv").write_text("composition,bs_tesla\nFe80B20,1.6\n")
    monkeypatch.chdir(tmp_path)
    assert data.main(["check", "mine.csv"]) == 0
    assert "rows kept" in capsys.readouterr().out


# ----------------------------------------------------------------- nothing changed without a word


@pytest.mark.parametrize(
    "formula, reason",
    [
        ("Fe80D20", "deuterium"),
        ("Fe80T20", "tritium"),
        ("Fe80B20Q0", "unknown element(s) Q"),
        ("Fe80Np20", "no elemental data"),
        ("Fe80Og20", "no elemental data"),
        ("Fe80B19.9999Cu0.0001", "below 0.001 at.%"),
    ],
)
def test_formulas_that_would_change_silently_are_refused(write_csv, formula, reason):
    ds = read_user_csv(write_csv(f"composition,bs_tesla\nFe75Si15B10,1.45\n{formula},1.5\n"))
    assert len(ds.table) == 1
    bad = ds.report[ds.report["action"] == "excluded"].iloc[0]
    assert bad["source_row"] == 3 and reason in bad["reason"]


def test_rounding_and_zero_amounts_are_kept_but_reported(write_csv):
    ds = read_user_csv(write_csv("composition,bs_tesla\nFe80.00004B19.99996,1.6\nFe80B20Cu0,1.61\n"))
    assert ds.table["composition"].tolist() == ["Fe80B20", "Fe80B20"]
    reasons = ds.report.set_index("source_row")["reason"]
    assert "rounded to 0.001 at.%" in reasons[2] and "Cu with amount 0 left out" in reasons[3]
    assert (ds.report["action"] == "normalized").all()


@pytest.mark.parametrize(
    "temp, time, reason",
    [
        ("inf", "600", "non-finite"),
        ("1e9", "600", "plausible range 290 to 1500 K"),
        ("100", "600", "plausible range 290 to 1500 K"),
        ("700", "1e20", "plausible range 0 to 2.592e+06 s"),
        ("700", "nan", "non-numeric"),
    ],
)
def test_impossible_annealing_conditions_are_refused(write_csv, temp, time, reason):
    ds = read_user_csv(write_csv(HEADER + f"Fe75Si15B10,1.45,,\nFe80B20,1.5,{temp},{time}\n"))
    assert len(ds.table) == 1 and reason in ds.report.iloc[0]["reason"]


def test_every_check_has_a_name_a_reader_can_list():
    names = [c.__name__ for c in validation.CHECKS]
    assert names[0] == "exact_duplicates" and "annealing_plausible" in names and "elements_have_data" in names
    assert all(c.__doc__ for c in validation.CHECKS)


# ----------------------------------------------------------------- outputs


def test_text_that_a_spreadsheet_would_run_is_neutralized(tmp_path):
    frame = pd.DataFrame(
        {"reference": ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "doi:10.1/x", "-1.2"], "value": [1, 2, 3, 4, 5]}
    )
    out = writer.write_csv(tmp_path / "t.csv", frame)
    back = pd.read_csv(out, dtype=str)["reference"].tolist()
    assert back == ['\'=HYPERLINK("http://x")', "'+1+1", "'@SUM(A1)", "doi:10.1/x", "-1.2"]


def test_an_output_never_replaces_an_input_or_an_existing_file(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("composition\nFe80B20\n")
    for out, force, message in (
        (source, True, "is the input file"),
        (tmp_path / "." / "a.csv", True, "input"),
        (tmp_path / "exists.csv", False, "already exists"),
    ):
        (tmp_path / "exists.csv").write_text("keep me")
        with pytest.raises(files.FileProblem, match=message):
            files.check_output_path(out, [source], force=force)
    files.check_output_path(tmp_path / "exists.csv", [source], force=True)


def test_predict_refuses_to_overwrite_its_input_and_keeps_it(tiny_run, tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("composition\nFe80B20\n")
    assert predict.main(["--csv", str(src), "--out", str(src), "--analysis", str(tiny_run)]) == 2
    assert src.read_text() == "composition\nFe80B20\n"
    assert "is the input file" in capsys.readouterr().err
    other = tmp_path / "b.csv"
    other.write_text("old")
    assert predict.main(["--csv", str(src), "--out", str(other), "--analysis", str(tiny_run)]) == 2
    assert other.read_text() == "old"
    assert predict.main(["--csv", str(src), "--out", str(other), "--force", "--analysis", str(tiny_run)]) == 0
    assert "bs_ensemble" in other.read_text() and not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    "args",
    [
        ["--anneal-temp", "1e9", "--anneal-time", "1e20"],
        ["--anneal-temp", "inf", "--anneal-time", "600"],
        ["--anneal-temp", "700"],
    ],
)
def test_predict_refuses_impossible_annealing(tiny_run, capsys, args):
    assert predict.main(["Fe80B20", *args, "--analysis", str(tiny_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error:")


@pytest.mark.parametrize("formula", ["B100", "Ni80P20"])
def test_predict_never_prints_a_number_for_alloys_it_cannot_speak_for(tiny_run, capsys, formula):
    assert predict.main([formula, "--analysis", str(tiny_run)]) == predict.EXIT_REFUSED
    captured = capsys.readouterr()
    assert captured.out == "" and "refused" in captured.err


def test_an_impossible_prediction_is_refused_not_shown():
    predicted = {"bs_r2_best": np.array([6.7, 1.4]), "bs_f1_best": np.array([1.5, 1.5]), "bs_ensemble": np.ones(2)}
    scores = scoring.Scores(predicted, *[np.zeros(2)] * 4, {}, np.ones(2, bool), np.array([80.0, 80.0]), 0.9, None)
    status = scores.status(np.arange(2))
    assert status[0].startswith("refused: physically impossible") and "bs_r2_best = 6.70 T" in status[0]
    assert status[1] == "ok" and scores.ok.tolist() == [False, True]


def test_the_fe_based_rule_reads_fe_to_the_projects_resolution():
    """One rule for predict and the screen: Fe 49.9996 at.% is 50.000 to 0.001 at.%, Fe-based; 49.9994 is not."""
    assert scoring.fe_based(np.array([49.9996, 49.9994, 50.0, 80.0])).tolist() == [True, False, True, True]


def test_composition_only_models_say_they_ignore_annealing():
    table = pd.DataFrame({"annealed": [True, False]})
    assert "ignored" in predict.ignored_annealing_note(table, "composition")
    assert predict.ignored_annealing_note(table, "composition+process") is None


# ----------------------------------------------------------------- saved models


def _copy_analysis(tiny_run: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "analysis"
    for sub in ("models", "tables"):
        shutil.copytree(tiny_run / sub, folder / sub)
    return folder


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _wrong_shape(path: Path) -> None:
    np.savez(path, np.zeros((3, 3), np.float32))


def _nan_run(path: Path) -> None:
    from helpers.modeling.files import read_weights

    weights = read_weights(path)
    weights[0][0, 0] = np.nan
    np.savez(path, *weights)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda m: (m / "scaler.json").unlink(), "scaler.json is missing"),
        (lambda m: _truncate(m / "runs" / "run_001.npz"), "run_001.npz cannot be read"),
        (lambda m: (m / "training.json").write_text("{not json"), "not valid JSON"),
        (lambda m: _wrong_shape(m / "runs" / "run_000.npz"), "holds weights of shapes"),
        (lambda m: shutil.copy(m / "runs" / "run_000.npz", m / "runs" / "run_007.npz"), "runs [7] are not listed"),
        (lambda m: _nan_run(m / "runs" / "run_002.npz"), "non-finite weights"),
        (lambda m: _wrong_shape(m / "r2_best" / "weights.npz"), "r2_best/weights.npz holds weights of shapes"),
    ],
)
def test_a_damaged_model_folder_is_named_with_the_fix(tiny_run, tmp_path, capsys, damage, message):
    folder = _copy_analysis(tiny_run, tmp_path)
    damage(folder / "models")  # 03's models
    assert predict.main(["Fe80B20", "--analysis", str(folder), "--models", "evaluated"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "rerun notebook 03" in err


def test_an_unfinished_training_is_named_with_the_fix(tiny_run, tmp_path, capsys):
    folder = _copy_analysis(tiny_run, tmp_path)
    state = json.loads((folder / "models" / "training.json").read_text())
    (folder / "models" / "training.json").write_text(json.dumps({**state, "n_runs": 10}))
    assert predict.main(["Fe80B20", "--analysis", str(folder), "--models", "evaluated"]) == 2
    assert "incomplete (3 of 10 runs finished)" in capsys.readouterr().err


# ----------------------------------------------------------------- interruptions


def test_an_interrupted_training_leaves_a_consistent_folder_that_resumes(tmp_path, monkeypatch):
    from helpers.features import FeatureSpec
    from helpers.modeling import repeated
    from helpers.modeling.network import TrainConfig
    from helpers.outputs import OutputDir

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 4)), columns=list("abcd"))
    y = pd.Series(1.4 + 0.1 * X["a"], name="bs_tesla")
    groups = np.repeat(np.arange(60), 2)
    args = (
        X[:100],
        y[:100],
        groups[:100],
        X[100:],
        y[100:],
        FeatureSpec("composition", list("abcd"), np.nan),
        TrainConfig(hidden=(8,), epochs=20, patience=3),
        4,
        0,
        1.4,
        OutputDir(tmp_path),
    )
    (tmp_path / "models" / "r2_best").mkdir(parents=True)  # chosen from an older training
    calls = {"n": 0}
    real_save = OutputDir.save_weights

    def save_then_interrupt(self, run, weights):
        real_save(self, run, weights)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(OutputDir, "save_weights", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        repeated.repeated_training(*args, progress=False)
    assert (tmp_path / "models" / "r2_best").exists()  # nothing deleted: 03's record says it did not finish
    listed = set(pd.read_csv(tmp_path / "tables" / "runs.csv")["run"])
    assert len(listed) == 1
    monkeypatch.setattr(OutputDir, "save_weights", real_save)
    resumed = repeated.repeated_training(*args, progress=False).runs
    assert sorted(resumed["run"]) == [0, 1, 2, 3]
    assert sorted(int(p.stem[4:]) for p in (tmp_path / "models" / "runs").glob("run_*.npz")) == [0, 1, 2, 3]
    other = (*args[:6], TrainConfig(hidden=(4,), epochs=2, patience=1), 1, *args[8:])
    repeated.repeated_training(*other, progress=False)  # another training: the old runs are moved aside
    assert len(list((tmp_path / "superseded").glob("*/models/runs/run_*.npz"))) == 4
