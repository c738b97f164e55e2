"""run_all.sh runs notebooks side by side: each once the notebooks it reads have finished, up to --jobs at once; a
failure lets the running ones finish and starts nothing more; an interrupt or a killed process stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import fake_run

from helpers.pipeline import cli, consistency, kernel, provenance, scheduler
from helpers.pipeline.dag import PipelineError, named, select, upstream
from helpers.pipeline.parameters import declared_parameters

FIRST_FIVE = select(["01", "02", "03", "04", "05"])


def _defaults(notebook: Path) -> dict:
    return {name: p.default for name, p in declared_parameters([notebook]).items()}


def _fake_execute(log: Path, seconds: float, fail: str = "", killed: str = ""):
    """A stand-in for papermill: notes when each notebook ran, takes its time, records itself (or fails, or dies)."""

    def execute(notebook, target, parameters, kernel_log=None, in_pipeline=False):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text("")  # papermill has just created the executed copy
        started = time.time()
        if notebook.stem == killed:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(seconds)
        if notebook.stem == fail:  # it began recording itself, as a notebook's first cell does, then failed
            consistency.begin(notebook.stem[:2], {**_defaults(notebook), "out_dir": parameters["out_dir"]})
            raise RuntimeError("the scheduler of Dask is unreachable")
        fake_run(Path(parameters["out_dir"]), notebook.stem[:2], {})
        line = json.dumps([notebook.stem, started, time.time(), os.environ.get("TF_NUM_INTRAOP_THREADS")])
        with log.open("a") as handle:
            handle.write(line + "\n")  # one write: two processes append whole lines

    return execute


def _run(tmp_path, monkeypatch, jobs: int, selected=FIRST_FIVE, **fake) -> tuple[dict[str, list], list[str]]:
    """Run the selected notebooks (the first five) with the stand-in: when each ran (start, end, its kernel's
    threads), and the order finished() heard of them."""
    log, out, heard = tmp_path / "log.jsonl", tmp_path / "analysis", []
    for name in scheduler.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(kernel, "execute", _fake_execute(log, 0.4, **fake))
    out.mkdir()
    try:
        scheduler.run_notebooks(
            selected, out, lambda nb: {"out_dir": str(out)}, jobs, lambda nb, s, r: heard.append(nb.stem)
        )
    finally:
        ran = {stem: rest for stem, *rest in map(json.loads, log.read_text().splitlines())} if log.exists() else {}
    return ran, heard


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_notebook_starts_after_what_it_reads_and_independent_ones_overlap_only_with_two_jobs(
    tmp_path, monkeypatch, jobs
):
    ran, heard = _run(tmp_path, monkeypatch, jobs)
    assert sorted(heard) == [nb.stem for nb in FIRST_FIVE] and sorted(ran) == sorted(heard)
    for nb in FIRST_FIVE:
        for up in upstream(nb, FIRST_FIVE):
            assert ran[nb.stem][0] >= ran[up.stem][1], (nb.stem, up.stem)
    (start4, end4, _), (start5, end5, _) = ran["04_model_comparison"], ran["05_unseen_case_study"]
    assert (start4 < end5 and start5 < end4) == (jobs == 2)  # 04 and 05 read only 01-03
    assert jobs == 2 or heard == [nb.stem for nb in FIRST_FIVE]  # one at a time: in number order
    share = str(max(1, os.cpu_count() // 2)) if jobs == 2 else None  # two side by side share the cores
    assert {threads for _, _, threads in ran.values()} == {share}


def test_one_notebook_alone_keeps_every_core_whatever_jobs_says(tmp_path, monkeypatch):
    ran, heard = _run(tmp_path, monkeypatch, 2, selected=FIRST_FIVE[:1])
    assert heard == [FIRST_FIVE[0].stem] and ran[FIRST_FIVE[0].stem][2] is None  # no share of the cores set


def test_a_users_own_thread_settings_are_kept(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert scheduler.thread_limits(2, cores=8) == {"TF_NUM_INTRAOP_THREADS": "4", "TF_NUM_INTEROP_THREADS": "4"}
    assert scheduler.thread_limits(4, cores=2)["TF_NUM_INTRAOP_THREADS"] == "1" and scheduler.thread_limits(1) == {}


def test_a_failure_lets_the_running_notebook_finish_and_starts_nothing_else(tmp_path, monkeypatch):
    with pytest.raises(PipelineError) as caught:
        _run(tmp_path, monkeypatch, 2, fail="04_model_comparison")
    message = str(caught.value)
    assert message.startswith("FAILED: 04_model_comparison.ipynb") and "the scheduler of Dask is unreachable" in message
    out = tmp_path / "analysis"
    assert provenance.read_record(out, named("04"))["status"] == "failed"
    assert (out / "04_model_comparison.failed.ipynb").exists()
    assert provenance.read_record(out, named("05"))["status"] == "ok"  # it ran beside 04 and was let finish


def test_a_killed_notebook_process_is_a_failure_in_one_line(tmp_path, monkeypatch):
    with pytest.raises(PipelineError, match=r"^FAILED: 03_repeated_training.ipynb: its process ended without a result"):
        _run(tmp_path, monkeypatch, 2, killed="03_repeated_training")
    out = tmp_path / "analysis"
    assert provenance.read_record(out, named("03")) is None  # it died before it began recording
    assert (out / "03_repeated_training.failed.ipynb").exists() and not (out / "04_model_comparison.ipynb").exists()


INTERRUPTED_SIDE_BY_SIDE = """
import asyncio, os, signal, sys, time
from pathlib import Path
from helpers.pipeline import cli, kernel

def execute(notebook, target, parameters, kernel_log=None, in_pipeline=False):
    Path(target).write_text("")
    if notebook.stem.startswith("05"):
        time.sleep(0.5)
        os.kill(os.getppid(), signal.SIGTERM)  # a job scheduler ends the run while 04 and 05 are running
    asyncio.new_event_loop().run_until_complete(asyncio.sleep(60))

kernel.execute = execute
cli._fetch_data = lambda: []
sys.exit(cli.main(["--out", sys.argv[1], "--only", "04", "05"]))
"""


def test_an_interrupt_stops_every_running_notebook_and_says_so_in_one_line(tmp_path):
    out = tmp_path / "analysis"
    for number, files in (("01", {"data/dataset.csv": b"rows"}), ("02", {"data/split.csv": b"s"}), ("03", {})):
        fake_run(out, number, files)
    started = time.time()
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_SIDE_BY_SIDE, str(out)], capture_output=True, text=True)
    assert done.returncode == 130 and time.time() - started < 30, done.stderr
    assert done.stderr.startswith("interrupted:") and done.stderr.count("\n") == 1, done.stderr
    for stem in ("04_model_comparison", "05_unseen_case_study"):
        assert (out / f"{stem}.failed.ipynb").exists() and not (out / "provenance" / f"{stem}.running.ipynb").exists()


def test_jobs_must_be_a_whole_number_of_at_least_one(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--jobs", "0"])
    assert "give a whole number of notebooks to run at once" in capsys.readouterr().err
