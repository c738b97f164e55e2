"""One analysis per output folder: a notebook records its own provenance however it runs and
refuses parameters other than those that made the folder unless overwrite; the pipeline and the report refuse mixing;
an interrupt leaves no stale report. (Every notebook's parameter values: tests/test_parameters.py.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.pipeline import cli, consistency, provenance
from helpers.pipeline.dag import notebooks
from helpers.pipeline.parameters import declared_parameters
from helpers.report import render

NBS = notebooks()
NB = {nb.name[:2]: nb for nb in NBS}


def _defaults(prefix: str) -> dict:
    return {name: p.default for name, p in declared_parameters([NB[prefix]]).items()}


def _fake(out: Path, prefix: str, files: dict[str, bytes], **parameters) -> dict:
    """Pretend notebook `prefix` ran in out (outside the pipeline: no executed copy) with these parameters."""
    before = provenance.snapshot(out)
    for rel, content in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(content)
    params = consistency.comparable({**_defaults(prefix), **parameters})
    return provenance.write_record(out, NB[prefix], params, [], 0.0, "ok", before, None, NBS, executed=False)


@pytest.fixture
def trained(tmp_path) -> Path:
    """A folder in which 01 to 04 ran (03 with its default 100 runs), as fake records and files."""
    out = tmp_path / "analysis"
    _fake(out, "01", {"data/dataset.csv": b"rows"})
    _fake(out, "02", {"data/split.csv": b"split"})
    _fake(out, "03", {"tables/runs.csv": b"100 runs", "models/runs/run_000.npz": b"w"})
    _fake(out, "04", {"tables/table1.csv": b"R2 0.70"})
    return out


def _namespace(out: Path, prefix: str, **changes) -> dict:
    return {**_defaults(prefix), "out_dir": str(out), "overwrite": False, **changes}


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_other_parameters_are_refused_in_one_line_before_anything_is_touched(trained):
    before = _files(trained)
    with pytest.raises(consistency.OutputsInUse) as refused:
        consistency.begin("03", _namespace(trained, "03", n_runs=3, epochs=5))
    message = str(refused.value)
    assert "\n" not in message and message.startswith("03_repeated_training: ")
    assert "n_runs 100, now 3" in message and "epochs 500, now 5" in message and "patience" not in message
    assert "set out_dir to a new folder" in message and "overwrite = True" in message
    assert "the outputs of 04, 05, 06, 09, 10, which read them, are removed too" in message
    assert _files(trained) == before


def test_overwrite_replaces_the_outputs_and_removes_those_that_read_them(trained, capsys):
    execution = consistency.begin("03", _namespace(trained, "03", n_runs=3, epochs=5, overwrite=True))
    printed = capsys.readouterr().out
    assert "overwrite: removed 2 files of 03_repeated_training" in printed
    assert "04_model_comparison: its inputs changed" in printed
    for gone in (
        "tables/runs.csv",
        "models/runs/run_000.npz",
        "tables/table1.csv",
        "provenance/04_model_comparison.json",
    ):
        assert not (trained / gone).exists(), gone
    assert provenance.read_record(trained, NB["03"])["status"] == "running"  # an interruption now leaves it invalid
    (trained / "tables" / "runs.csv").write_bytes(b"3 runs")
    consistency.finish(execution)
    record = provenance.read_record(trained, NB["03"])
    assert record["status"] == "ok" and record["parameters"]["n_runs"] == 3 and record["outputs"] == ["tables/runs.csv"]
    assert record["executed"] is None and not (trained / NB["03"].name).exists()  # not the pipeline: no stale copy
    consistency.finish(consistency.begin("03", _namespace(trained, "03", n_runs=3, epochs=5)))  # same: no refusal


def test_a_rerun_with_the_same_parameters_keeps_the_outputs_it_does_not_rewrite(trained):
    execution = consistency.begin("03", _namespace(trained, "03"))
    consistency.finish(execution)
    record = provenance.read_record(trained, NB["03"])
    assert record["outputs"] == ["models/runs/run_000.npz", "tables/runs.csv"]
    assert (trained / "tables" / "table1.csv").exists()  # the same outputs: 04 is not stale


def test_a_notebook_whose_upstream_changed_since_is_refused_too(trained):
    (trained / "tables" / "runs.csv").write_bytes(b"another training")  # 03's outputs no longer what 04 read
    provenance.write_record(trained, NB["03"], {}, [], 0.0, "ok", {}, provenance.read_record(trained, NB["03"]), NBS)
    with pytest.raises(consistency.OutputsInUse, match="the outputs of 03 changed since"):
        consistency.begin("04", _namespace(trained, "04"))


def test_the_pipeline_refuses_a_changed_parameter_unless_overwrite(trained, capsys):
    before = _files(trained)
    code = cli.main(["--out", str(trained), "--only", "03", "-p", "n_runs", "3"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "03_repeated_training: n_runs 100, now 3" in err and "add -p overwrite True" in err
    assert "choose a new --out" in err and _files(trained) == before
    conflicts = consistency.pipeline_conflicts(trained, [NB["03"], NB["04"]], {"n_runs": 3, "overwrite": True})
    assert conflicts == {NB["03"]: ["n_runs 100, now 3"]}
    assert consistency.pipeline_conflicts(trained, [NB["03"], NB["04"]], {"out_dir": "x"}) == {}  # a plain rerun


def test_the_report_refuses_outputs_of_two_different_upstream_results(trained):
    index = trained / "report" / "index.html"
    index.parent.mkdir()
    index.write_text("an old report")
    (trained / "tables" / "runs.csv").write_bytes(b"another training")
    provenance.write_record(trained, NB["03"], {}, [], 0.0, "ok", {}, provenance.read_record(trained, NB["03"]), NBS)
    with pytest.raises(render.MixedOutputs) as refused:
        render.build_report(trained, NBS)
    assert "\n" not in str(refused.value) and "04 was made from other outputs of 03 than it holds now" in str(
        refused.value
    )
    assert not index.exists()
    done = subprocess.run([sys.executable, "-m", "helpers.report", str(trained)], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_an_interrupted_report_leaves_none_and_the_pipeline_says_one_line(trained, capsys, monkeypatch):
    shutil.rmtree(trained / "report", ignore_errors=True)
    render.build_report(trained, NBS)
    index = trained / "report" / "index.html"
    assert index.exists() and "04_model_comparison" in index.read_text()
    assert "ran outside the pipeline (no executed copy)" in index.read_text()

    def interrupted(report):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "to_html", interrupted)
    monkeypatch.setattr(cli, "_run", lambda *args: None)
    code = cli.main(["--out", str(trained), "--only", "04"])
    captured = capsys.readouterr()
    assert code == 130 and captured.err.count("\n") == 1 and captured.err.startswith("interrupted")
    assert "report: None" not in captured.out and not index.exists()
    assert not list((trained / "report").glob(".index*"))  # no part file left


def test_every_notebook_records_its_own_provenance_and_can_overwrite():
    for nb in NBS:
        cells = json.loads(nb.read_text())["cells"]
        sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert any(f'consistency.begin("{nb.name[:2]}", globals())' in s for s in sources), nb.name
        assert sources[-1].startswith("consistency.finish(execution)"), nb.name
        assert _defaults(nb.name[:2])["overwrite"] is False, nb.name


INTERRUPTED_PIPELINE = """
import asyncio, os, signal, sys
from helpers.pipeline import cli, kernel

def execute(notebook, target, parameters, kernel_log=None, in_pipeline=False):
    # like nbclient: a cell's task on an event loop, and Ctrl-C while it runs (the task is abandoned)
    loop = asyncio.new_event_loop()

    async def cell():
        await asyncio.sleep(0.2)
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(30)

    loop.run_until_complete(asyncio.gather(loop.create_task(cell()), return_exceptions=False))

kernel.execute = execute
sys.exit(cli.main(["--out", sys.argv[1], "--only", "01"]))
"""


def test_ctrl_c_during_a_notebook_prints_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_PIPELINE, str(tmp_path / "out")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.startswith("interrupted:") and done.stderr.count("\n") == 1, done.stderr
    assert "report: None" not in done.stdout


def _papermill_elsewhere(out: Path, target: Path, **parameters) -> None:
    """As a user runs a notebook outside the pipeline: papermill from notebooks/, the copy written elsewhere."""
    import papermill as pm

    pm.execute_notebook(
        str(NB["03"]),
        str(target),
        parameters={"out_dir": str(out), **parameters},
        cwd=str(NB["03"].parent),
        kernel_name="python3",
        progress_bar=False,
    )


@pytest.mark.slow
def test_running_03_elsewhere_with_other_parameters_loses_nothing(tiny_run, tmp_path):
    import papermill as pm

    out = tmp_path / "copy"
    shutil.copytree(tiny_run, out)
    runs, models = _files(out / "tables"), _files(out / "models")
    with pytest.raises(pm.PapermillExecutionError) as refused:
        _papermill_elsewhere(out, tmp_path / "x.ipynb", n_runs=2, epochs=3)
    assert refused.value.ename == "OutputsInUse" and "n_runs 3, now 2" in refused.value.evalue
    assert len(refused.value.traceback) == 1  # the cell shows one line, no traceback
    assert refused.value.traceback[0].startswith("OutputsInUse: 03_repeated_training: ")
    assert _files(out / "tables") == runs and _files(out / "models") == models

    _papermill_elsewhere(out, tmp_path / "x.ipynb", n_runs=2, epochs=3, patience=3, hidden=[16], overwrite=True)
    record = provenance.read_record(out, NB["03"])
    assert record["status"] == "ok" and record["parameters"]["n_runs"] == 2 and record["executed"] is None
    assert sorted(pd_runs(out)) == [0, 1]
    assert not (out / NB["03"].name).exists()  # the pipeline's executed copy no longer showed these outputs
    for reader in ("04", "05", "06", "09"):
        assert provenance.read_record(out, NB[reader]) is None, reader
    render.build_report(out, NBS)  # consistent again


def pd_runs(out: Path) -> list[int]:
    import pandas as pd

    return pd.read_csv(out / "tables" / "runs.csv")["run"].tolist()
