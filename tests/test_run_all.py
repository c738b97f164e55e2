"""./run_all.sh --quick runs every notebook end to end and leaves tables, figures and the report."""
import subprocess

import pytest

from helpers.paths import PROJECT_ROOT
from helpers.pipeline import parse_value

pytestmark = pytest.mark.slow


def test_parameter_values_are_read_as_python_literals():
    assert parse_value("3") == 3 and parse_value("[16, 8]") == [16, 8] and parse_value("0.5") == 0.5
    assert parse_value("grouped") == "grouped" and parse_value("False") is False


def test_quick_run_end_to_end(tmp_path):
    out = tmp_path / "quick"
    done = subprocess.run([str(PROJECT_ROOT / "run_all.sh"), "--quick", "--out", str(out), "-p", "n_runs", "3"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for table in ("table1.csv", "case_study.csv", "runs.csv", "protocols.csv", "baselines.csv"):
        assert (out / "tables" / table).is_file()
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert {"fig2_histograms", "fig3a_boxplots", "fig3b_r2_vs_f1", "fig4_parity_residuals",
            "fig5_threshold_quadrants", "fig6_case_study", "04_threshold_sweep", "06_baselines"} <= figures
    index = (out / "report" / "index.html").read_text()
    for nb in ("01_featurize", "02_split_and_histogram", "03_repeated_training", "04_model_comparison",
               "05_unseen_case_study", "06_honest_evaluation"):
        assert f'href="{nb}.html"' in index and (out / "report" / f"{nb}.html").is_file()
    assert "report:" in done.stdout


def test_a_failing_notebook_stops_the_run_and_is_named(tmp_path):
    out = tmp_path / "broken"
    done = subprocess.run([str(PROJECT_ROOT / "run_all.sh"), "--out", str(out), "--only", "01",
                           "-p", "dataset", str(tmp_path / "missing.csv")], capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert "FAILED: 01_featurize.ipynb, cell" in done.stderr and "no such file" in done.stderr
