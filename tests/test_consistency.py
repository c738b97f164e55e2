"""One analysis per output folder, and nothing the collection does deletes what it did not make: a notebook records its
own provenance however it runs; other parameters fork (a notebook) or are refused (the pipeline) unless overwrite,
which moves the old outputs to superseded/; staleness is recomputed from disk; a record that cannot be read moves
nothing. (Every notebook's parameter values: tests/test_parameters.py; forks: tests/test_forks.py.)"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import fake_run

from helpers.paths import PROJECT_ROOT
from helpers.pipeline import cli, consistency, provenance, stale
from helpers.pipeline.dag import PipelineError, named, notebooks
from helpers.pipeline.parameters import declared_parameters
from helpers.report import render

NBS = notebooks()
GOOD_COPY = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _defaults(number: str) -> dict:
    return {name: p.default for name, p in declared_parameters([named(number)]).items()}


@pytest.fixture
def trained(tmp_path) -> Path:
    """A folder in which 01 to 04 ran (03 with its default 100 runs), as fake files and real records."""
    out = tmp_path / "analysis"
    fake_run(out, "01", {"data/dataset.csv": b"rows"})
    fake_run(out, "02", {"data/split.csv": b"split"})
    fake_run(out, "03", {"tables/runs.csv": b"100 runs", "models/runs/run_000.npz": b"w"})
    fake_run(out, "04", {"tables/table1.csv": b"R2 0.70"})
    return out


def _namespace(out: Path, number: str, **changes) -> dict:
    return {**_defaults(number), "out_dir": str(out), "overwrite": False, **changes}


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_overwrite_moves_the_outputs_and_those_that_read_them_aside_with_one_line(trained, capsys):
    (trained / "tables" / "mynotes.txt").write_text("mine")  # a user's file among the outputs
    (trained / "mine.csv").write_text("mine")
    capsys.readouterr()
    execution = consistency.begin("03", _namespace(trained, "03", n_runs=3, epochs=5, overwrite=True))
    moved = capsys.readouterr().out
    assert "03_repeated_training: made with other parameters (n_runs 100, now 3; epochs 500, now 5)" in moved
    assert "moved to" in moved and "superseded" in moved
    aside = next((trained / "superseded").iterdir())
    assert (aside / "tables" / "runs.csv").read_bytes() == b"100 runs" and (aside / "models/runs/run_000.npz").exists()
    (trained / "tables" / "runs.csv").write_bytes(b"3 runs")
    consistency.finish(execution)
    printed = capsys.readouterr().out
    assert "04_model_comparison: made from earlier outputs of 03; rerun with --only 04" in printed
    assert len([line for line in printed.splitlines() if "moved to" in line]) == 1
    assert list((trained / "superseded").rglob("table1.csv")) and not (trained / "tables" / "table1.csv").exists()
    assert (trained / "tables" / "mynotes.txt").read_text() == "mine" and (trained / "mine.csv").exists()
    record = provenance.read_record(trained, named("03"))
    assert record["status"] == "ok" and record["parameters"]["n_runs"] == 3 and record["outputs"] == ["tables/runs.csv"]


def test_a_rerun_with_the_same_parameters_and_inputs_keeps_and_moves_nothing(trained):
    before = _files(trained)
    consistency.finish(consistency.begin("03", _namespace(trained, "03")))
    assert provenance.read_record(trained, named("03"))["outputs"] == ["models/runs/run_000.npz", "tables/runs.csv"]
    assert not (trained / "superseded").exists()
    assert {k: v for k, v in _files(trained).items() if "provenance" not in k} == {
        k: v for k, v in before.items() if "provenance" not in k
    }


def test_a_users_file_written_during_a_run_is_not_an_output(trained):
    execution = consistency.begin("04", _namespace(trained, "04"))
    (trained / "tables" / "mynotes.txt").write_text("mine")
    (trained / "tables" / "table1.csv").write_bytes(b"R2 0.71")
    consistency.finish(execution)
    assert provenance.read_record(trained, named("04"))["outputs"] == ["tables/table1.csv"]


def test_a_damaged_record_is_named_in_one_line_and_moves_nothing(trained, capsys):
    (trained / "provenance" / "01_featurize.json").write_text('{"notebook": "01_featurize", "status": "ok"')
    before = _files(trained)
    code = cli.main(["--out", str(trained), "--only", "04"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "01_featurize.json cannot be read" in err and "nothing was moved" in err and "--only 01" in err
    assert _files(trained) == before
    with pytest.raises(PipelineError, match="cannot be read"):
        consistency.begin("04", _namespace(trained, "04"))
    assert _files(trained) == before


def test_an_edited_output_or_dataset_file_is_noticed_from_disk(trained, tmp_path):
    (trained / "data" / "dataset.csv").write_bytes(b"edited rows")
    with pytest.raises(PipelineError, match=r"01_featurize in .*its outputs changed since it ran \(data/dataset.csv\)"):
        stale.check_upstream([named("04")], NBS, trained)
    own = tmp_path / "mine.csv"
    own.write_text("composition,bs_tesla\nFe80B20,1.6\n")
    out = tmp_path / "own"
    fake_run(out, "01", {"data/dataset.csv": b"rows"}, dataset=str(own))
    fake_run(out, "02", {"data/split.csv": b"split"})
    stale.check_upstream([named("03")], NBS, out)  # current
    own.write_text("composition,bs_tesla\nFe80B20,1.7\n")
    with pytest.raises(PipelineError, match=f"the file {own} changed since it ran: run 01 02"):
        stale.check_upstream([named("03")], NBS, out)


def test_the_pipeline_refuses_a_changed_parameter_unless_fork_or_overwrite(trained, capsys):
    before = _files(trained)
    code = cli.main(["--out", str(trained), "--only", "03", "-p", "n_runs", "3"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "03_repeated_training: n_runs 100, now 3" in err and "add -p overwrite True" in err
    assert "add --fork" in err and _files(trained) == before
    conflicts = consistency.pipeline_conflicts(trained, [named("03"), named("04")], {"n_runs": 3, "overwrite": True})
    assert conflicts == {named("03"): ["n_runs 100, now 3"]}
    assert consistency.pipeline_conflicts(trained, [named("03"), named("04")], {"out_dir": "x"}) == {}


@pytest.mark.parametrize("folder", ["notebooks", ".", "/", "~", "FILE", "FULL"])
def test_an_output_folder_must_be_an_analysis_or_new_or_empty(tmp_path, capsys, folder):
    (tmp_path / "FILE").write_text("a file")
    (tmp_path / "FULL").mkdir()
    (tmp_path / "FULL" / "thesis.docx").write_text("mine")
    given = str(PROJECT_ROOT / folder) if folder in ("notebooks", ".") else folder
    given = str(tmp_path / folder) if folder in ("FILE", "FULL") else given
    before = _files(tmp_path) | {nb.name: nb.read_bytes() for nb in (PROJECT_ROOT / "notebooks").glob("*")}
    assert cli.main(["--out", given, "--only", "01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("run_all.sh: --out") and "give a new folder" in err
    assert before == _files(tmp_path) | {nb.name: nb.read_bytes() for nb in (PROJECT_ROOT / "notebooks").glob("*")}
    with pytest.raises(PipelineError, match="out_dir = .*give a new folder"):
        consistency.begin("01", _namespace(Path(given).expanduser(), "01"))


def test_the_report_refuses_changed_outputs_and_keeps_the_old_report(trained):
    render.build_report(trained, NBS)
    index = trained / "report" / "index.html"
    old = index.read_bytes()
    (trained / "tables" / "runs.csv").write_bytes(b"another training")
    with pytest.raises(render.MixedOutputs) as refused:
        render.build_report(trained, NBS)
    assert "\n" not in str(refused.value) and "03: its outputs changed since it ran (tables/runs.csv)" in str(
        refused.value
    )
    assert index.read_bytes() == old
    done = subprocess.run([sys.executable, "-m", "helpers.report", str(trained)], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_every_notebook_records_its_own_provenance_and_can_overwrite():
    for nb in NBS:
        cells = json.loads(nb.read_text())["cells"]
        sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert any(f'consistency.begin("{nb.name[:2]}", globals())' in s for s in sources), nb.name
        assert sources[-1].startswith("consistency.finish(execution)"), nb.name
        assert _defaults(nb.name[:2])["overwrite"] is False, nb.name


FAILING_PIPELINE = """
import sys
from pathlib import Path
from helpers.pipeline import cli, kernel

def execute(notebook, target, parameters, kernel_log=None, in_pipeline=False):
    Path(target).write_text('{"half": ')  # papermill has begun the executed copy
    raise RuntimeError("scheduler unreachable")

kernel.execute = execute
cli._fetch_data = lambda: []  # no download in a test of the machinery
sys.exit(cli.main(["--out", sys.argv[1], "--only", "04"]))
"""


def test_a_failed_run_keeps_the_executed_copy_and_report_and_keeps_its_own_beside(trained):
    (trained / "04_model_comparison.ipynb").write_text(GOOD_COPY)
    render.build_report(trained, NBS)
    report = (trained / "report" / "index.html").read_bytes()
    done = subprocess.run([sys.executable, "-c", FAILING_PIPELINE, str(trained)], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "scheduler unreachable" in done.stderr
    assert "04_model_comparison.failed.ipynb" in done.stderr
    assert (trained / "04_model_comparison.ipynb").read_text() == GOOD_COPY
    assert (trained / "04_model_comparison.failed.ipynb").read_text() == '{"half": '
    assert (trained / "report" / "index.html").read_bytes() == report


INTERRUPTED_PIPELINE = """
import asyncio, os, signal, sys
from pathlib import Path
from helpers.pipeline import cli, kernel

def execute(notebook, target, parameters, kernel_log=None, in_pipeline=False):
    Path(target).write_text("")  # papermill has just created the executed copy
    loop = asyncio.new_event_loop()

    async def cell():
        await asyncio.sleep(0.2)
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))
        await asyncio.sleep(30)

    loop.run_until_complete(asyncio.gather(loop.create_task(cell()), return_exceptions=False))

kernel.execute = execute
cli._fetch_data = lambda: []  # no download in a test of the machinery
sys.exit(cli.main(["--out", sys.argv[1], "--only", "04"]))
"""


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_ctrl_c_and_sigterm_print_one_line_and_keep_the_executed_copy(trained, signal_name):
    (trained / "04_model_comparison.ipynb").write_text(GOOD_COPY)
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_PIPELINE, str(trained), signal_name],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.startswith("interrupted:") and done.stderr.count("\n") == 1, done.stderr
    assert (trained / "04_model_comparison.ipynb").read_text() == GOOD_COPY
    assert (trained / "04_model_comparison.failed.ipynb").exists()
    assert provenance.read_record(trained, named("04"))["status"] == "ok"  # its files are those of the good run


def test_no_code_in_helpers_deletes_a_file_of_an_analysis():
    allowed = {"helpers/outputs/writer.py"}  # its own part file, never an analysis' file
    for path in (PROJECT_ROOT / "helpers").rglob("*.py"):
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        text = path.read_text()
        for call in (".unlink(", "rmtree(", "os.remove(", ".rmdir("):
            assert rel in allowed or call not in text, f"{rel} calls {call}"


def test_a_signal_handler_is_installed_before_anything_runs(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "pipeline", lambda args: seen.append(signal.getsignal(signal.SIGTERM)) or 0)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert cli.main([]) == 0 and seen[0] is cli._interrupt
    finally:
        signal.signal(signal.SIGTERM, previous)
    time.sleep(0)


def test_a_notebook_run_by_hand_rebuilds_the_report_of_its_folder(trained):
    render.build_report(trained, NBS)
    index = trained / "report" / "index.html"
    assert 'href="../tables/table1.csv"' in index.read_text()
    fake_run(trained, "03", {"tables/runs.csv": b"3 runs"}, n_runs=3, overwrite=True)  # 04 moved aside
    page = index.read_text()
    assert 'href="../tables/table1.csv"' not in page and "04_model_comparison has not run here" in page
