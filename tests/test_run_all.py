"""./run_all.sh end to end: the quick pipeline leaves tables, figures, records and a report that resolves, with no
third-party noise; relative paths are the caller's; failures are one line; a notebook runs as JupyterLab runs it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_report import broken_links

from helpers.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

RUN_ALL = str(PROJECT_ROOT / "run_all.sh")
NOTEBOOKS = (
    "01_featurize",
    "02_split_and_histogram",
    "03_repeated_training",
    "04_model_comparison",
    "05_unseen_case_study",
    "06_honest_evaluation",
    "08_glass_formation",
    "09_screen_candidates",
    "10_discovery",
)
NOISE = (
    "Kernel is running over TCP",
    "absl::InitializeLog",
    "oneDNN",
    "cpu_feature_guard",
    "it/s]",
    "run/s]",
    "%|",
    "Traceback",
)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """./run_all.sh --quick into a new folder, once for this module: the folder and the finished process."""
    out = tmp_path_factory.mktemp("run_all") / "quick"
    done = subprocess.run(
        [RUN_ALL, "--quick", "--out", str(out), "-p", "n_runs", "3"], capture_output=True, text=True, timeout=900
    )
    return out, done


def test_quick_run_end_to_end(quick_run):
    out, done = quick_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for table in ("table1.csv", "case_study.csv", "runs.csv", "protocols.csv", "baselines.csv"):
        assert (out / "tables" / table).is_file()
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert {
        "fig2_histograms",
        "fig3a_boxplots",
        "fig3b_r2_vs_f1",
        "fig4_parity_residuals",
        "fig5_threshold_quadrants",
        "fig6_case_study",
        "04_threshold_sweep",
        "06_baselines",
    } <= figures
    index = out / "report" / "index.html"
    page = index.read_text()
    for nb in NOTEBOOKS:
        assert f'href="{nb}.html"' in page and (out / "report" / f"{nb}.html").is_file()
        record = json.loads((out / "provenance" / f"{nb}.json").read_text())
        assert record["status"] == "ok" and record["outputs"]
    assert broken_links(index) == []
    assert "0.876" in page and "honest" in page  # the paper's Table 1 and 06's estimate
    # the console: a line per notebook with seconds, the report at the end, no third-party noise
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith(f"{len(NOTEBOOKS)} notebooks ran in") and lines[-1].endswith(str(index))
    assert sum(line.strip().startswith(NOTEBOOKS) and line.endswith(" s") for line in lines) == len(NOTEBOOKS)
    assert not any(noise in done.stdout + done.stderr for noise in NOISE), done.stdout + done.stderr
    # the executed notebooks: no stderr box of third-party noise, no PosixPath echo
    for nb in NOTEBOOKS:
        executed = nbformat.read(out / f"{nb}.ipynb", as_version=4)
        outputs = [o for c in executed.cells for o in c.get("outputs", [])]
        stderr = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stderr")
        assert not any(noise in stderr for noise in NOISE), (nb, stderr[:500])
        echoes = [
            o
            for o in outputs
            if o.output_type == "execute_result" and "PosixPath(" in o.get("data", {}).get("text/plain", "")
        ]
        assert not echoes, nb


def test_every_file_the_pipeline_writes_is_named_in_the_registry(quick_run):
    from helpers.outputs import FILES, named

    out, done = quick_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = [p.relative_to(out).as_posix() for p in sorted(out.rglob("*")) if p.is_file()]
    assert [rel for rel in written if named(rel) is None] == []  # and no temporary file of the writer is left
    names = {named(rel) for rel in written}
    made = {name for name, entry in FILES.items() if entry.notebook in {nb[:2] for nb in NOTEBOOKS}}
    only_sometimes = {"discovery_best_found_hard_figure", "fork_comparison", "fork_comparison_figure"}
    assert made - names <= only_sometimes  # every entry is written (those: full size only, in a fork only)


def test_a_failing_notebook_stops_the_run_in_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,value\nx,1\n")
    out = tmp_path / "broken"
    done = subprocess.run(
        [RUN_ALL, "--out", str(out), "--only", "01", "-p", "dataset", str(bad)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "FAILED: 01_featurize.ipynb, cell" in done.stderr and "missing required column" in done.stderr
    assert json.loads((out / "provenance" / "01_featurize.json").read_text())["status"] == "failed"


def test_relative_paths_are_the_callers(tmp_path):
    caller = tmp_path / "elsewhere"
    caller.mkdir()
    (caller / "mine.csv").write_text(
        "composition,bs_tesla\nFe73.5Si13.5B9Nb3Cu1,1.24\nFe80B20,1.6\n"
        "Fe84Nb7B9,1.5\nFe78Si9B13,1.56\nFe83.3Si4B8P4Cu0.7,1.88\n"
    )
    done = subprocess.run(
        [RUN_ALL, "--out", "rel/out", "--only", "01", "-p", "dataset", "mine.csv"],
        cwd=caller,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = caller / "rel" / "out"
    assert (out / "data" / "dataset.csv").is_file() and not (PROJECT_ROOT / "rel").exists()
    assert len((out / "data" / "dataset.csv").read_text().strip().splitlines()) == 1 + 5  # our 5 rows
    record = json.loads((out / "provenance" / "01_featurize.json").read_text())
    assert record["parameters"]["dataset"] == str(caller / "mine.csv")


def test_the_venv_offers_the_python3_kernel_to_jupyterlab():
    jupyter = Path(sys.executable).parent / "jupyter"
    listing = subprocess.run(
        [str(jupyter), "kernelspec", "list", "--json"], capture_output=True, text=True, timeout=120
    )
    assert "python3" in json.loads(listing.stdout)["kernelspecs"]


def test_a_notebook_runs_top_to_bottom_as_in_jupyterlab(tiny_run, tmp_path):
    """Unmodified 04 executed with nbclient (no papermill, no injected parameters), kernel in its own folder, on the
    default output folder ../outputs/default."""
    from nbclient import NotebookClient

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "outputs").mkdir()
    shutil.copy(PROJECT_ROOT / "notebooks" / "04_model_comparison.ipynb", tmp_path / "notebooks")
    (tmp_path / "outputs" / "default").symlink_to(tiny_run, target_is_directory=True)
    (tiny_run / "tables" / "table1.csv").unlink(missing_ok=True)
    nb = nbformat.read(tmp_path / "notebooks" / "04_model_comparison.ipynb", as_version=4)
    NotebookClient(
        nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path / "notebooks")}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert (tiny_run / "tables" / "table1.csv").is_file()
