"""The pipeline (helpers.pipeline package): parameter and --only checks, upstream checks, provenance and stale outputs,
quiet kernels. Fast unless marked slow."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import fake_run

from helpers.paths import PROJECT_ROOT
from helpers.pipeline import cli, dag, kernel, parameters, provenance, stale
from helpers.pipeline.dag import PipelineError, notebooks
from helpers.pipeline.parameters import check_parameters, declared_parameters, parse_value


@pytest.fixture(scope="module")
def declared():
    return declared_parameters(notebooks())


def test_parameter_values_are_read_as_python_literals():
    assert parse_value("3") == 3 and parse_value("[16, 8]") == [16, 8] and parse_value("0.5") == 0.5
    assert parse_value("grouped") == "grouped" and parse_value("False") is False and parse_value("") == ""


def test_good_parameters_pass_with_their_types(declared):
    got = check_parameters(
        [
            ("n_runs", "3"),
            ("hidden", "[32]"),
            ("learning_rate", "1"),
            ("strict", "True"),
            ("dataset", "2024.csv"),
            ("split_mode", "random"),
        ],
        declared,
    )
    assert got == {
        "n_runs": 3,
        "hidden": [32],
        "learning_rate": 1.0,
        "strict": True,
        "dataset": "2024.csv",
        "split_mode": "random",
    }
    assert isinstance(got["learning_rate"], float)


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("n_rnus", "3", "-p n_rnus: no notebook has this parameter; did you mean n_runs? valid names: "),
        (
            "val_fraction",
            "0.2",
            "-p val_fraction: no notebook has this parameter; it is now called stopping_fraction; ",
        ),
        ("n_runs", "abc", "-p n_runs expects an integer like 100, got abc"),
        ("n_runs", "2.5", "-p n_runs expects an integer like 100, got 2.5"),
        ("hidden", "32", "-p hidden expects a list like [128, 64], got 32"),
        ("hidden", "[32.5]", "-p hidden expects a list of integers like [128, 64], got [32.5]"),
        ("dropout", "high", "-p dropout expects a number like 0.2, got high"),
        ("strict", "1", "-p strict expects True or False, got 1"),
        ("out_dir", "x", "use --out DIR"),
    ],
)
def test_bad_parameters_are_refused_in_one_line(declared, name, value, expected):
    with pytest.raises(PipelineError) as err:
        check_parameters([(name, value)], declared)
    assert str(err.value).startswith(expected) and "\n" not in str(err.value)


def test_unknown_name_lists_the_valid_ones(declared):
    with pytest.raises(PipelineError, match="valid names: .*activation.*n_runs") as err:
        check_parameters([("zzz", "1")], declared)
    assert "did you mean" not in str(err.value) and "out_dir" not in str(err.value)


def test_upstream_table_and_unknown_notebooks(tmp_path):
    nbs = [Path(f"{p}_x.ipynb") for p in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")]
    assert [nb.name[:2] for nb in dag.upstream(Path("05_unseen_case_study.ipynb"), nbs)] == ["01", "02", "03"]
    assert [nb.name[:2] for nb in dag.upstream(Path("02_x.ipynb"), nbs)] == ["01"]
    assert [nb.name[:2] for nb in dag.upstream(Path("08_x.ipynb"), nbs)] == ["01", "02"]
    assert [nb.name[:2] for nb in dag.upstream(Path("09_x.ipynb"), nbs)] == ["01", "02", "03", "05", "07", "08"]
    assert [nb.name[:2] for nb in dag.upstream(Path("10_x.ipynb"), nbs)] == ["01", "02", "03", "05", "06"]
    assert len(dag.upstream(Path("11_future.ipynb"), nbs)) == 10  # unknown: all earlier ones


def test_path_parameters_resolve_against_the_callers_folder(tmp_path):
    (tmp_path / "mine.csv").write_text("composition,bs_tesla\n")
    got = parameters.absolute_paths(
        {"dataset": "mine.csv", "case_study_source": "weonepiece", "split_mode": "random", "n_runs": 3}, tmp_path
    )
    assert got == {
        "dataset": str(tmp_path / "mine.csv"),
        "case_study_source": "weonepiece",
        "split_mode": "random",
        "n_runs": 3,
    }
    assert parameters.absolute_paths({"dataset": "default"}, tmp_path) == {"dataset": "default"}
    got = parameters.absolute_paths({"dataset": "sub/none.csv"}, tmp_path)
    assert got == {"dataset": str(tmp_path / "sub/none.csv")}


def _main(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_command_line_errors_are_one_line_without_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(parameters.CALLER_CWD_ENV, str(tmp_path))
    code, _, err = _main(capsys, "--out", "new", "-p", "n_rnus", "3")
    assert code == 2 and err.count("\n") == 1 and "did you mean n_runs?" in err
    code, _, err = _main(capsys, "--out", "new", "--only", "99")
    assert code == 2 and err.strip() == (
        "run_all.sh: --only 99 matches no notebook; available: " + ", ".join(nb.stem for nb in notebooks())
    )
    code, _, err = _main(capsys, "--out", "new", "--only", "01", "03")
    assert code == 2 and err.strip() == (
        f"run_all.sh: 03_repeated_training needs the outputs of "
        f"02_split_and_histogram in {tmp_path / 'new'}, but it has not run there: run 01 02 03 (--only 01 02 03)"
    )
    assert not (tmp_path / "new").exists()  # nothing ran, nothing was created


# --------------------------------------------------------------------------- provenance and stale outputs


def test_a_rerun_upstream_notebook_moves_the_outputs_made_from_its_old_ones_aside(tmp_path, capsys):
    fake_run(tmp_path, "01", {"data/dataset.csv": b"x"})
    fake_run(tmp_path, "02", {"data/split.csv": b"train"})
    rec3 = fake_run(tmp_path, "03", {"models/runs/run_000.npz": b"w", "figures/fig3a_boxplots.png": b"png"})
    fake_run(tmp_path, "04", {"tables/table1.csv": b"t"})
    assert rec3["outputs"] == ["figures/fig3a_boxplots.png", "models/runs/run_000.npz"]
    assert rec3["inputs"] == {
        "01_featurize": provenance.read_record(tmp_path, "01_featurize")["fingerprint"],
        "02_split_and_histogram": provenance.read_record(tmp_path, "02_split_and_histogram")["fingerprint"],
    }
    assert all(st.ok for stem, st in stale.states(tmp_path).items() if stem < "05")
    fake_run(tmp_path, "01", {"data/dataset.csv": b"x"})  # rerun, same content: nothing is stale
    assert not (tmp_path / "superseded").exists() and stale.states(tmp_path)["04_model_comparison"].ok
    capsys.readouterr()
    fake_run(tmp_path, "02", {"data/split.csv": b"other split"}, seed=7, overwrite=True)  # another result
    printed = capsys.readouterr().out
    assert "03_repeated_training, 04_model_comparison: made from earlier outputs of 02; rerun with --only 03 04" in (
        printed
    )
    for gone in ("models/runs/run_000.npz", "figures/fig3a_boxplots.png", "provenance/03_repeated_training.json"):
        assert not (tmp_path / gone).exists() and list((tmp_path / "superseded").glob(f"*/{gone}")), gone
    for kept in ("data/dataset.csv", "data/split.csv", "provenance/02_split_and_histogram.json"):
        assert (tmp_path / kept).exists(), kept
    with pytest.raises(PipelineError, match="04_model_comparison needs the outputs of 03_repeated_training in .*: run"):
        stale.check_upstream([dag.named("04")], notebooks(), tmp_path)


def test_fingerprints_ignore_zip_save_times(tmp_path):
    np.savez(tmp_path / "a.npz", w=np.arange(5.0))
    first = provenance.fingerprint(tmp_path, ["a.npz"])
    os.utime(tmp_path / "a.npz", (1, 1))
    import time

    time.sleep(2.1)  # zip entries carry a 2-second resolution time stamp
    np.savez(tmp_path / "a.npz", w=np.arange(5.0))
    assert provenance.fingerprint(tmp_path, ["a.npz"]) == first
    np.savez(tmp_path / "a.npz", w=np.arange(6.0))
    assert provenance.fingerprint(tmp_path, ["a.npz"]) != first


def test_a_failed_upstream_is_refused(tmp_path):
    fake_run(tmp_path, "01", {"data/dataset.csv": b"x"})
    fake_run(tmp_path, "02", {"data/split.csv": b"train"})
    stale.check_upstream([dag.named("03")], notebooks(), tmp_path)  # no error
    (tmp_path / "provenance" / "02_split_and_histogram.json").write_text(json.dumps({"status": "failed"}))
    with pytest.raises(PipelineError, match="needs the outputs of 02_split_and_histogram .* did not finish"):
        stale.check_upstream([dag.named("03")], notebooks(), tmp_path)


# --------------------------------------------------------------------------- quiet kernels

NOISE = ("Kernel is running over TCP", "absl::InitializeLog", "oneDNN", "it/s]", "%|")


def _probe_notebook(path: Path, *cells: str) -> Path:
    """A notebook of a parameters cell and these code cells, written to path."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("out_dir = ''", metadata={"tags": ["parameters"]}),
            *(nbformat.v4.new_code_cell(c) for c in cells),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_kernels_are_quiet_and_progress_bars_are_off(tmp_path):
    source = _probe_notebook(
        tmp_path / "99_probe.ipynb",
        "import os\nos.write(2, b'C-level noise\\n')\nprint(os.environ['TQDM_DISABLE'])",
        "from tqdm import tqdm\nfor _ in tqdm(range(3)): pass",
    )
    done = nbformat.read(kernel.execute(source, tmp_path / "out" / source.name, {}), as_version=4)
    streams = [o for c in done.cells for o in c.get("outputs", []) if o.output_type == "stream"]
    assert [o.text for o in streams] == ["1\n"]  # no stderr box: no fd noise, no progress bar
    log = (tmp_path / "out" / "provenance" / "99_probe.kernel.log").read_text()
    assert "C-level noise" in log and "without encryption" not in log


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow  # a Dask cluster's start: 8 s
def test_a_kernel_stopped_at_once_after_a_failure_leaves_no_dask_worker_behind(tmp_path):
    pids = tmp_path / "worker_pids.json"
    opening = (
        "import json, os\nfrom helpers import screening\nclient = screening.open_client('local', 2)\n"
        f"pids = client.run(os.getpid)\njson.dump(list(pids.values()), open({str(pids)!r}, 'w'))"
    )
    source = _probe_notebook(
        tmp_path / "99_cluster.ipynb",
        f"import os\nos.chdir({str(PROJECT_ROOT)!r})\n" + opening,
        "raise ValueError('a failure while the cluster is open')",
    )
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError):
        kernel.execute(source, tmp_path / "out" / source.name, {})
    workers = json.loads(pids.read_text())
    assert len(workers) == 2
    for _ in range(100):  # the workers see their parent gone and exit within moments
        if not any(_alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


# --------------------------------------------------------------------------- end to end, small


@pytest.mark.slow
def test_a_rerun_upstream_notebook_moves_stale_downstream_outputs_aside(tiny_run, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(tiny_run, out)
    run_all = str(PROJECT_ROOT / "run_all.sh")
    retrain = [
        run_all,
        "--out",
        str(out),
        "--only",
        "03",
        "-p",
        "n_runs",
        "2",
        "-p",
        "epochs",
        "3",
        "-p",
        "hidden",
        "[8]",
    ]
    done = subprocess.run(retrain, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "-p overwrite True" in done.stderr and done.stderr.count("\n") == 1
    assert "add --fork" in done.stderr
    done = subprocess.run([*retrain, "-p", "overwrite", "True"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    owned = json.loads((out / "provenance" / "03_repeated_training.json").read_text())["outputs"]
    assert "tables/runs.csv" in owned and "models/r2_best/weights.npz" in owned
    done = subprocess.run(
        [run_all, "--out", str(out), "--only", "02", "-p", "seed", "7", "-p", "overwrite", "True"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    moved = re.search(r"^(.*): made from earlier outputs of 02; rerun with --only 03\b", done.stdout, re.M)
    assert moved and moved.group(1).strip().split(", ")[0] == "03_repeated_training", done.stdout  # 08 may follow
    assert not (out / "tables" / "runs.csv").exists() and not (out / "models" / "r2_best" / "weights.npz").exists()
    assert list((out / "superseded").glob("*/tables/runs.csv"))
    assert not (out / "03_repeated_training.ipynb").exists() and (out / "data" / "split.csv").exists()
    index = (out / "report" / "index.html").read_text()
    assert 'href="02_split_and_histogram.html"' in index and "03_repeated_training.html" not in index
    assert "fig3a_boxplots" not in index
    done = subprocess.run([run_all, "--out", str(out), "--only", "04"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "04_model_comparison needs the outputs of 03_repeated_training" in done.stderr


def test_a_parameter_of_a_notebook_that_is_not_selected_is_refused(tmp_path):
    import subprocess

    from helpers.paths import PROJECT_ROOT

    done = subprocess.run(
        [str(PROJECT_ROOT / "run_all.sh"), "--out", str(tmp_path / "o"), "--only", "03", "-p", "threshold", "1.5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "declared by 01_featurize, which --only does not select; add 01 to --only" in done.stderr


def test_the_parameters_cell_is_read_as_papermill_reads_it():
    import papermill as pm

    from helpers.pipeline.parameters import parameters_cell

    for nb in notebooks():
        inspected = {name: info["default"] for name, info in pm.inspect_notebook(str(nb)).items()}
        assert parameters_cell(nb) == inspected, nb.name


def test_the_collection_is_the_paired_numbered_notebooks_and_a_copy_is_not_one(tmp_path, monkeypatch):
    paired = sorted(p.stem for p in dag.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py") if p.with_suffix(".ipynb").is_file())
    assert list(dag.COLLECTION) == paired  # a new notebook adds its name to dag.COLLECTION
    for name in ("03_repeated_training-Copy1.ipynb", "03_wider.ipynb", "01_featurize.ipynb"):
        shutil.copy(dag.named("03"), tmp_path / name)
    (tmp_path / "03_wider.py").write_text("# a fork's twin")
    monkeypatch.setattr(dag, "NOTEBOOKS_DIR", tmp_path)
    assert [nb.name for nb in dag.notebooks()] == ["01_featurize.ipynb"]
    assert dag.named("03") == tmp_path / "03_repeated_training.ipynb"
