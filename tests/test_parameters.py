"""Every notebook parameter is checked by one schema (helpers/pipeline/schema.py) before anything runs or is moved:
in the pipeline and at the notebook's first cell; a bad value is one line naming the parameter, its value and what to
give. A name means one thing in every notebook that declares it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import fake_run

from helpers import data, split
from helpers.paths import PROJECT_ROOT
from helpers.pipeline import cli, consistency, parameters, schema
from helpers.pipeline.dag import PipelineError, notebooks, prefix
from helpers.pipeline.parameters import declared_parameters
from helpers.screening.grid import DEFAULT_GRID

NBS = notebooks()
NB = {prefix(nb): nb for nb in NBS}


@pytest.fixture(scope="module")
def declared():
    return declared_parameters(NBS)


def _defaults(nb: str) -> dict:
    return {name: p.default for name, p in declared_parameters([NB[nb]]).items()}


def _never(*args, **kwargs):
    raise AssertionError("the pipeline went on past a bad parameter")


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- the schema covers every parameters cell


def test_every_parameter_of_every_parameters_cell_has_one_schema_entry(declared):
    missing = sorted(set(declared) - set(schema.PARAMETERS))
    assert not missing, f"no entry in helpers/pipeline/schema.py for {missing}"
    for name, parameter in declared.items():
        # a second notebook that declares a name must be listed by its entry: one name, one meaning
        assert sorted(prefix(nb) for nb in parameter.notebooks) == sorted(schema.PARAMETERS[name].notebooks), name
    assert not set(schema.PARAMETERS) - set(declared), "entries for parameters no notebook declares"


def test_every_default_passes_the_schema():
    for nb in NB:
        schema.check(nb, _defaults(nb))


def test_one_name_is_never_two_things_in_two_notebooks(declared):
    assert declared["batch_size"].notebooks == ["03_repeated_training"]  # the mini-batch
    assert declared["n_next"].notebooks == ["09_screen_candidates"]  # the alloys proposed next
    source = (PROJECT_ROOT / "notebooks" / "09_screen_candidates.py").read_text()
    assert "batch_size" not in source
    assert declared["n_runs"].notebooks == [  # networks trained, in all three
        "03_repeated_training",
        "06_honest_evaluation",
        "07_deployed_models",
    ]


# --------------------------------------------------------------------------- one line per bad value


@pytest.mark.parametrize(
    ("nb", "name", "value", "expected"),
    [
        ("02", "test_fraction", 1.5, "test_fraction = 1.5: give a number above 0 and below 1"),
        ("02", "test_fraction", -0.2, "test_fraction = -0.2: give a number above 0 and below 1"),
        ("02", "test_fraction", 0.0, "test_fraction = 0.0: give a number above 0 and below 1"),
        ("01", "threshold", float("inf"), "threshold = inf: give a number above 0 and of at most 2.5"),
        ("03", "learning_rate", -1.0, "learning_rate = -1.0: give a number above 0 and of at most 1"),
        ("03", "n_runs", 0, "n_runs = 0: give a whole number of at least 1"),
        ("03", "epochs", 0, "epochs = 0: give a whole number of at least 1"),
        ("03", "hidden", [64, 0], "hidden = [64, 0]: give a non-empty list of whole numbers, each of at least 1"),
        ("03", "activation", "relu6", "activation = 'relu6': give one of 'relu', 'elu'"),
        ("03", "stopping_fraction", 0, "stopping_fraction = 0: give a number above 0 and below 1"),
        ("06", "n_outer_folds", 1, "n_outer_folds = 1: give a whole number of at least 2"),
        ("10", "n_boot", -5, "n_boot = -5: give a whole number of at least 40"),
        ("10", "high_bs", [], "high_bs = []: give a non-empty list of numbers, each above 0 and of at most 2.5"),
        ("10", "simulation_size", "huge", "simulation_size = 'huge': give one of 'full', 'small', 'tiny'"),
        ("02", "seed", -1, "seed = -1: give a whole number from 0 to 4,294,967,295"),
        ("01", "dataset", "", "dataset = '': give 'default', 'wang2018' or 'weonepiece', or the path of your CSV"),
        ("01", "dataset", "nothere.csv", "dataset = 'nothere.csv': no such file"),
        ("01", "feature_set", "all", "feature_set = 'all': give one of 'auto', 'composition'"),
        ("01", "strict", "yes", "strict = 'yes': give True or False"),
        ("09", "rank_by", "foo", "rank_by = 'foo': give one of 'mean', 'lower', 'upper', 'ei', 'probability'"),
        ("09", "n_next", 0, "n_next = 0: give a whole number from 1 to 1,000"),
    ],
)
def test_a_bad_value_is_refused_in_one_line(nb, name, value, expected):
    with pytest.raises(schema.ParameterError) as refused:
        schema.check(nb, {**_defaults(nb), name: value})
    assert str(refused.value).startswith(expected) and "\n" not in str(refused.value)


def test_a_source_without_a_bs_table_is_refused_as_a_dataset(monkeypatch):
    from helpers import sources

    manifest = sources.load_manifest()
    glass = next(iter(manifest.values())).__class__(**{**vars(next(iter(manifest.values()))), "role": "glass"})
    monkeypatch.setattr(sources, "load_manifest", lambda *a: {**manifest, "ward": glass})
    with pytest.raises(schema.ParameterError, match=r"dataset = 'ward': ward in data/sources.json holds no Bs table"):
        schema.check("01", {**_defaults("01"), "dataset": "ward"})


def test_training_on_the_case_study_source_is_refused_before_anything_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_fetch_data", _never)
    code = cli.main(["--out", str(tmp_path / "new"), "-p", "dataset", "weonepiece"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and not (tmp_path / "new").exists()
    assert err.startswith("run_all.sh: dataset = 'weonepiece' and case_study_source = 'weonepiece' are the same data")
    assert "give case_study_source another source or file (wang2018" in err
    with pytest.raises(schema.ParameterError, match="'default' and case_study_source = 'wang2018' are the same data"):
        schema.check_across({"dataset": "default", "case_study_source": "wang2018"}, ["01", "02"])
    schema.check_across({"dataset": "weonepiece", "case_study_source": "wang2018"}, ["01", "02"])
    schema.check_across({"dataset": "weonepiece", "case_study_source": "weonepiece"}, ["02"])  # 01 ran before


def test_a_case_study_with_no_alloy_left_is_refused_in_one_line():
    """-p dataset weonepiece trains on the case-study compilation: 02 says so before 05 fails on 0 rows."""
    weonepiece = data.load_source("weonepiece").table
    rows = data.unseen_rows(weonepiece, weonepiece, min_fe_at_pct=80)
    with pytest.raises(PipelineError) as refused:
        split.check_case_study(rows, "weonepiece", 80.0)
    line = str(refused.value)
    assert "\n" not in line and "the case study is empty" in line and "give case_study_source another" in line
    split.check_case_study(pd.DataFrame({"composition": ["Fe80B20"]}), "weonepiece", 80.0)


# --------------------------------------------------------------------------- 09's own checks, folded in

SCREEN = {
    "candidates": "grid",
    "grid": DEFAULT_GRID,
    "anneal_temp_K": 773.0,
    "anneal_time_s": 3600.0,
    "max_candidates": 20000,
    "top_k": 50,
    "dask_scheduler": "local",
    "n_workers": 2,
    "chunk_size": 500,
    "rank_by": "mean",
    "n_next": 10,
}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("n_workers", 0, "n_workers = 0: give a whole number from 1 to"),
        ("n_workers", 2.5, "n_workers = 2.5: give a whole number"),
        ("top_k", -1, "top_k = -1: give a whole number from 1 to 100,000"),
        ("chunk_size", 0, "chunk_size = 0: give a whole number from 1"),
        ("max_candidates", True, "max_candidates = True: give a whole number of at least 1"),
        ("anneal_temp_K", 5000.0, "anneal_temp_K = 5000.0: give a number above 300 and up to 1,500 K"),
        ("anneal_temp_K", -1, "anneal_temp_K = -1: give a number above 300 and up to 1,500 K"),
        ("anneal_temp_K", 298.0, "anneal_temp_K = 298.0: give a number above 300 and up to 1,500 K (or 0 or None"),
        ("anneal_time_s", None, "anneal_time_s = None: an annealed candidate needs a time"),
        ("anneal_time_s", -5.0, "anneal_time_s = -5.0: give a number from 0 to 2,592,000 s"),
        ("dask_scheduler", "my-laptop", "dask_scheduler = 'my-laptop': give 'local' or an address"),
        ("grid", {**DEFAULT_GRID, "Og": [0, 1]}, "grid: 'Og': has no elemental data (atomic orbitals)"),
        ("grid", {**DEFAULT_GRID, "D": [0, 1]}, "grid: 'D': 'D' is deuterium, read as hydrogen"),
        ("grid", {**DEFAULT_GRID, "Xx": [0, 1]}, "grid: 'Xx': unknown element(s) Xx"),
        ("grid", {**DEFAULT_GRID, "Si": [0]}, "grid: Si: [0] is not a range; give [low, high]"),
        ("grid", {**DEFAULT_GRID, "step": "half"}, "grid: step 'half': give a positive number that divides 100"),
        ("candidates", "", "candidates = '': give 'grid', or the path of a CSV"),
    ],
)
def test_every_parameter_of_09_is_checked_in_one_line(name, value, expected):
    with pytest.raises(schema.ParameterError) as refused:
        schema.check("09", {**SCREEN, name: value})
    assert str(refused.value).startswith(expected) and "\n" not in str(refused.value)


def test_good_parameters_of_09_pass():
    schema.check("09", SCREEN)
    schema.check("09", {**SCREEN, "anneal_temp_K": 0, "anneal_time_s": None})  # as-quenched
    schema.check("09", {**SCREEN, "anneal_temp_K": None, "dask_scheduler": "tcp://host:8786", "n_workers": 0})


def test_09_checks_its_parameters_before_a_cluster_starts():
    source = (PROJECT_ROOT / "notebooks" / "09_screen_candidates.py").read_text()
    assert source.index('consistency.begin("09", globals())') < source.index("open_client(")


# --------------------------------------------------------------------------- before anything is moved


@pytest.fixture
def analysis(tmp_path) -> Path:
    """A folder in which 01 to 09 ran, as records and files."""
    out = tmp_path / "analysis"
    for nb, files in {
        "01": {"data/dataset.csv": b"rows"},
        "02": {"data/split.csv": b"split"},
        "03": {"tables/runs.csv": b"100 runs", "models/runs/run_000.npz": b"w"},
        "04": {"tables/table1.csv": b"R2 0.70"},
        "05": {"tables/case_study.csv": b"cases"},
        "06": {"tables/outer_predictions.csv": b"outer"},
        "07": {"tables/transfer_scores.csv": b"transfer", "models/deployed/runs/run_000.npz": b"w"},
        "08": {"tables/glass_out_of_fold.csv": b"oof", "models/glass_model.joblib": b"model"},
        "09": {"tables/screen_top.csv": b"top"},
    }.items():
        fake_run(out, nb, files)
    return out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--only", "09", "-p", "rank_by", "foo"], "rank_by = 'foo': give one of"),
        (["--only", "03", "-p", "n_runs", "0"], "n_runs = 0: give a whole number of at least 1"),
        (["--only", "03", "-p", "epochs", "0"], "epochs = 0: give a whole number of at least 1"),
        (["--only", "03", "-p", "learning_rate", "-1"], "learning_rate = -1.0: give a number above 0"),
        (["--only", "02", "-p", "test_fraction", "1.5"], "test_fraction = 1.5: give a number above 0 and below 1"),
        (["--only", "02", "-p", "test_fraction", "0"], "test_fraction = 0.0: give a number above 0 and below 1"),
        (["--only", "01", "-p", "threshold", "1e999"], "threshold = inf: give a number above 0"),
        (["--only", "01", "-p", "dataset", ""], "dataset = '': give 'default'"),
        (["--only", "10", "-p", "n_boot", "-5"], "n_boot = -5: give a whole number of at least 40"),
        (["--only", "10", "-p", "high_bs", "[]"], "high_bs = []: give a non-empty list of numbers"),
        (["--only", "10", "-p", "simulation_size", "huge"], "simulation_size = 'huge': give one of"),
        (["--only", "09", "-p", "n_workers", "0"], "n_workers = 0: give a whole number from 1 to"),
    ],
)
def test_the_pipeline_refuses_a_bad_value_before_anything_is_moved(analysis, capsys, monkeypatch, argv, expected):
    monkeypatch.setattr(cli, "_fetch_data", _never)
    monkeypatch.setattr(cli, "_run", _never)
    before = _files(analysis)
    code = cli.main(["--out", str(analysis), *argv, "-p", "overwrite", "True"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"run_all.sh: {expected}"), err
    assert _files(analysis) == before


def test_a_notebook_refuses_a_bad_value_at_its_first_cell_before_anything_is_touched(analysis):
    before = _files(analysis)
    namespace = {**_defaults("03"), "out_dir": str(analysis), "n_runs": 0, "overwrite": True}
    with pytest.raises(schema.ParameterError, match=r"^n_runs = 0: give a whole number of at least 1"):
        consistency.begin("03", namespace)
    assert _files(analysis) == before


def test_the_output_folder_cannot_be_a_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_fetch_data", _never)
    monkeypatch.setenv(parameters.CALLER_CWD_ENV, str(tmp_path))
    (tmp_path / "notes.txt").write_text("mine")
    code = cli.main(["--out", "notes.txt", "--only", "01"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("run_all.sh: --out 'notes.txt': is a file, not a folder; give a new folder")
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(schema.ParameterError, match="out_dir = .*: is a file, not a folder"):
        consistency.begin("04", {**_defaults("04"), "out_dir": str(tmp_path / "notes.txt")})
