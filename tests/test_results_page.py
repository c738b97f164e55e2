"""docs/results.md is regenerated from an output folder and the recorded benchmarks (helpers.report.results): every
number comes from a table, a notebook that did not finish shows nothing, what is missing names the command that makes
it, and benchmarks/record.py keeps a benchmark's output with when and where it ran."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import complete_records

from helpers.paths import PROJECT_ROOT
from helpers.report import results


def _record(out: Path, stem: str, outputs: list[str], status: str = "ok", **parameters) -> None:
    record = {
        "notebook": stem,
        "status": status,
        "parameters": parameters,
        "started": "2030-01-02T03:04:05",
        "seconds": 12.5,
        "outputs": outputs,
    }
    (out / "provenance" / f"{stem}.json").write_text(json.dumps(record))


@pytest.fixture
def analysis(tmp_path) -> Path:
    """01, 04 and 09 ran to the end; 06 failed after writing its coverage table; nothing else ran."""
    out = tmp_path / "analysis"
    for sub in ("provenance", "tables", "data"):
        (out / sub).mkdir(parents=True)
    tables = out / "tables"
    pd.DataFrame({"wang2018": [327, 15]}, index=["rows read", "as-quenched rows"]).to_csv(
        tables / "dataset_summary.csv"
    )
    pd.DataFrame({"model": ["R2 best", "F1 best"], "r2": [0.6789, 0.5], "rmse": [0.2, 0.3], "f1": [0.97, 0.99]}).to_csv(
        tables / "table1.csv", index=False
    )
    pd.DataFrame(
        {"category": ["all"], "level": [0.9], "method": ["conformal"], "rows": [10], "coverage": [0.81234]}
    ).to_csv(tables / "interval_coverage.csv", index=False)
    pd.DataFrame(
        {"candidates": ["grid of 1,234 points"], "n_candidates": [1234], "seconds": [2.46], "n_workers": [2]}
    ).to_csv(tables / "screen_summary.csv", index=False)
    pd.DataFrame({"composition": ["Fe80B20", "Fe82B18"]}).to_csv(tables / "next_experiments.csv", index=False)
    _record(out, "01_featurize", ["tables/dataset_summary.csv"])
    _record(out, "04_model_comparison", ["tables/table1.csv"])
    _record(out, "06_honest_evaluation", ["tables/interval_coverage.csv"], status="failed")
    _record(out, "09_screen_candidates", ["tables/screen_summary.csv", "tables/next_experiments.csv"], batch_size=10)
    complete_records(out)
    return out


def test_every_number_comes_from_the_folder_and_a_failed_notebook_shows_nothing(analysis):
    page = results.to_markdown(results.results(analysis, shown_as="outputs/mine"), "python -m helpers.report.results")
    assert "| rows read | 327 |" in page and "| as-quenched rows | 15 |" in page
    assert "| R² | 0.679 | 0.876 | 0.500 | 0.870 |" in page  # ours beside the paper's Table 1
    assert "0.812" not in page and "81.2%" not in page  # 06 failed: its table is not shown
    assert "grid of 1,234 points" in page and "| candidates screened | 1,234 |" in page and "| seconds | 2.5 |" in page
    assert "2 candidates of 10 asked for" in page
    assert "`./run_all.sh --out outputs/mine --only 06`" in page  # what is missing says how to make it
    assert "`./run_all.sh --out outputs/mine --only 10`" in page
    assert "from 2030-01-02 03:04:05 to 2030-01-02 03:04:05" in page and "| all notebooks |  | 37.5 |" in page
    assert "generated" in page and "CPUs" in page  # when and on what machine


def test_the_glass_section_shows_each_classifier_the_goals_and_the_chosen_pair(analysis):
    tables = analysis / "tables"
    assert "--only 08" in results.to_markdown(results.results(analysis), "cmd")  # not run: says how to make it
    rows = [
        ("gradient boosting", "uncalibrated", 0.851, 0.120, 0.041),
        ("gradient boosting", "isotonic", 0.840, 0.130, 0.060),
        ("random forest", "uncalibrated", 0.830, 0.125, 0.070),
        ("random forest", "isotonic", 0.820, 0.122, 0.048),
    ]
    scores = pd.DataFrame(rows, columns=["model", "calibration", "AUC", "Brier", "ECE"]).assign(
        subset="all", rows=100, **{"glass share": 0.7, "log loss": 0.4}
    )
    scores.to_csv(tables / "glass_scores.csv", index=False)
    check = pd.DataFrame({"alloys": ["training", "both"], "n": [5, 9], "share P(glass) >= 0.5": [1.0, 0.9123]})
    check.to_csv(tables / "glass_bs_check.csv", index=False)
    _record(analysis, "08_glass_formation", ["tables/glass_scores.csv", "tables/glass_bs_check.csv"])
    complete_records(analysis)
    page = results.to_markdown(results.results(analysis), "cmd")
    assert "| gradient boosting | uncalibrated | 0.851 | 0.120 | 0.400 | 0.041 |" in page
    assert "| random forest | isotonic | 0.820 | 0.122 | 0.400 | 0.048 |" in page  # its best: lowest Brier
    assert "Chosen: gradient boosting, uncalibrated, Brier 0.120" in page
    assert "| grouped AUC | at least 0.88 | 0.851 | False |" in page and "| ECE | at most 0.05 | 0.041 | True |" in page
    assert "| Bs alloys called glasses | at least 0.9 | 0.912 | True |" in page


def test_recorded_benchmarks_are_shown_with_their_header(analysis, tmp_path):
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "bench_x.txt").write_text(
        "# command: python benchmarks/bench_x.py\n# measured: 2030-01-02 03:04, 5 s in all\n# machine: a box\n"
        "rate: 123 things/s\n# not a header: below the output\nratio: 4.5\n"
    )
    [found] = results.read_benchmarks(bench)
    assert found.header == {
        "command": "python benchmarks/bench_x.py",
        "measured": "2030-01-02 03:04, 5 s in all",
        "machine": "a box",
    }
    assert found.output == "rate: 123 things/s\n# not a header: below the output\nratio: 4.5"
    page = results.to_markdown(results.results(analysis, bench), "cmd")
    assert "### bench_x" in page and "- machine: a box" in page and "ratio: 4.5" in page
    # the project's benchmarks not given
    assert "Not recorded for this page: `bench_discovery`, `bench_featurize`, " in page


def test_the_command_refuses_a_folder_that_is_not_an_analysis(tmp_path, capsys):
    assert results.main([str(tmp_path)]) == 2
    assert "is not the output folder of an analysis" in capsys.readouterr().err
    (tmp_path / "tables").mkdir()
    assert results.main([str(tmp_path), "--benchmarks", str(tmp_path / "none")]) == 2
    assert results.main([str(tmp_path)]) == 0 and capsys.readouterr().out.startswith("# Results")


def _record_module():
    spec = importlib.util.spec_from_file_location("record", PROJECT_ROOT / "benchmarks" / "record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_record_keeps_a_benchmarks_output_only_when_it_succeeds(tmp_path, monkeypatch, capsys):
    record = _record_module()
    monkeypatch.setattr(record, "HERE", tmp_path)
    monkeypatch.setattr(record, "RESULTS", tmp_path / "results")
    (tmp_path / "bench_ok.py").write_text("import sys\nprint('ratio: 3.0', sys.argv[1:])\n")
    (tmp_path / "bench_bad.py").write_text("print('half'); raise SystemExit(1)\n")
    assert record.main(["bench_ok", "--fast"]) == 0
    text = (tmp_path / "results" / "bench_ok.txt").read_text()
    assert text.startswith("# command: python benchmarks/bench_ok.py --fast\n# measured: ")
    assert "# machine: " in text and "# load average: " in text and text.endswith("ratio: 3.0 ['--fast']\n")
    assert record.main(["bench_bad"]) == 1 and not (tmp_path / "results" / "bench_bad.txt").exists()
    assert record.main(["bench_none"]) == 2 and "no benchmark 'bench_none'" in capsys.readouterr().err
