"""Fork a notebook, change a parameter, and nothing breaks: a copy anywhere runs as itself, writes to a folder of its
own beside the analysis it came from (whose files stay byte for byte), reads that analysis' features and split, and 04
compares the two; the pipeline refuses other values without --fork and runs them as a new analysis with it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import papermill as pm
import pytest

from helpers.pipeline import cli, fork, provenance
from helpers.pipeline.dag import named

TINY = {"n_runs": 2, "epochs": 3, "patience": 3}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_fork_folder_is_named_after_the_analysis_the_notebook_and_the_changes(tmp_path):
    assert fork.folder_for(tmp_path / "default", "03", {"hidden": [256, 128]}) == tmp_path / "default-03-hidden-256-128"
    long = fork.folder_for(tmp_path / "default", "03", {"hidden": list(range(40))})
    assert long.name.startswith("default-03-fork-") and len(long.name) <= fork.LONGEST_NAME
    assert fork.parent(tmp_path) is None


@pytest.mark.slow
def test_a_renamed_copy_in_coursework_runs_as_a_fork_and_04_compares_it(tiny_run, tmp_path, monkeypatch):
    default = tmp_path / "outputs" / "default"
    shutil.copytree(tiny_run, default)
    before = _files(default)
    coursework = tmp_path / "coursework"
    coursework.mkdir()
    shutil.copy(named("03"), coursework / "03_wider.ipynb")  # a student's renamed copy, in a folder of its own
    pm.execute_notebook(
        str(coursework / "03_wider.ipynb"),
        str(coursework / "03_wider.out.ipynb"),
        parameters={"out_dir": "../outputs/default", "hidden": [24], **TINY},
        cwd=str(coursework),
        kernel_name="python3",
        progress_bar=False,
    )
    forked = tmp_path / "outputs" / "default-03-epochs-3-hidden-24-n_runs-2"
    assert _files(default) == before  # the analysis it came from, byte for byte
    printed = json.loads((coursework / "03_wider.out.ipynb").read_text())["cells"]
    text = "".join("".join(o.get("text", "")) for c in printed if c["cell_type"] == "code" for o in c["outputs"])
    assert f"a fork; its outputs go to {forked}; the outputs of 01, 02 copied from there" in text
    record = provenance.read_record(forked, "03_repeated_training")
    assert record["status"] == "ok" and record["parameters"]["hidden"] == [24]
    assert (forked / "data" / "split.csv").read_bytes() == (default / "data" / "split.csv").read_bytes()
    assert fork.parent(forked) == default

    from conftest import run_notebook

    run_notebook("04_model_comparison.ipynb", forked)
    comparison = pd.read_csv(forked / "tables" / "04_fork_comparison.csv", index_col="model")
    assert list(comparison.index) == ["R2 best", "F1 best", "ensemble"]
    assert {"r2 (fork)", "rmse (forked from)", "f1 (fork minus forked from)"} <= set(comparison.columns)
    assert (forked / "figures" / "04_fork_comparison.png").is_file() and (forked / "tables" / "table1.csv").is_file()
    assert _files(default) == before

    monkeypatch.setattr(cli, "_fetch_data", lambda: [])
    argv = ["--out", str(default), "--only", "03", "-p", "hidden", "[256, 128]"]
    assert cli.main(argv) == 2  # an analysis is replaced only on request
    tiny = [word for name, value in TINY.items() for word in ("-p", name, str(value))]
    assert cli.main([*argv[:4], "-p", "hidden", "[12]", *tiny, "--fork"]) == 0
    pipeline_fork = tmp_path / "outputs" / "default-03-epochs-3-hidden-12-n_runs-2"
    assert provenance.read_record(pipeline_fork, "03_repeated_training")["status"] == "ok"
    assert (pipeline_fork / "03_repeated_training.ipynb").is_file() and _files(default) == before


def test_the_pipeline_names_the_one_word_way_to_run_other_values_as_a_new_analysis(tmp_path, capsys):
    from conftest import fake_run

    out = tmp_path / "default"
    fake_run(out, "01", {"data/dataset.csv": b"rows"})
    fake_run(out, "02", {"data/split.csv": b"split"})
    fake_run(out, "03", {"tables/runs.csv": b"runs"})
    before = _files(out)
    assert cli.main(["--out", str(out), "-p", "hidden", "[256, 128]"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hidden [128, 64], now [256, 128]" in err and "add --fork" in err
    assert _files(out) == before


def test_every_notebook_says_at_the_end_of_its_first_cell_how_to_fork_it():
    from helpers.pipeline.dag import notebooks

    for nb in notebooks():
        first = json.loads(nb.read_text())["cells"][0]
        lines = "".join(first["source"]).strip().splitlines()
        assert first["cell_type"] == "markdown" and lines[-2].startswith("**To fork it:**"), nb.name
        assert "Run All" in lines[-2] and "a new folder beside it" in lines[-1], nb.name
