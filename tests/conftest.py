"""Shared fixtures: the data mirror, small CSV writers, and a papermill runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.paths import PROJECT_ROOT
from helpers.sources import MIRROR_ENV

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_SHARED_MIRROR = PROJECT_ROOT.parent / "shared" / "data" / "raw"
if MIRROR_ENV not in os.environ and _SHARED_MIRROR.is_dir():
    os.environ[MIRROR_ENV] = str(_SHARED_MIRROR)


# The fast subset (`./run_all.sh --test fast`, i.e. `pytest -m fast`): every test that is not marked slow and runs
# no notebook (the fixtures below execute notebooks with papermill), plus the trainer's equality with Keras.
NOTEBOOK_FIXTURES = {"tiny_run"}
FAST_ANYWAY = {"test_without_dropout_and_with_full_batches_it_reproduces_keras_exactly"}
NOT_FAST = {  # the longest of the rest; their modules keep a quicker test in the subset
    "test_ctrl_c_and_sigterm_print_one_line_and_keep_the_executed_copy": "runs the pipeline in a subprocess",
    "test_a_parameter_of_a_notebook_that_is_not_selected_is_refused": "runs run_all.sh in a subprocess",
    "test_an_interrupted_training_leaves_a_consistent_folder_that_resumes": "trains the runs three times",
    "test_folds_trained_together_give_each_fold_what_it_gets_alone": "trains every fold twice",
    "test_outer_predictions_give_every_row_once_with_its_fold_and_its_folds_best_training_bs": "trains 3 folds",
}


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the fast subset (see NOTEBOOK_FIXTURES, NOT_FAST)."""
    for item in items:
        runs_notebooks = NOTEBOOK_FIXTURES & set(getattr(item, "fixturenames", ()))
        quick = "slow" not in item.keywords and not runs_notebooks and item.originalname not in NOT_FAST
        if item.originalname in FAST_ANYWAY or quick:
            item.add_marker(pytest.mark.fast)


def pytest_terminal_summary(terminalreporter, config) -> None:
    """With -m fast: name every module of helpers/ the subset did not import (it should touch them all)."""
    import sys

    if config.getoption("markexpr", "") != "fast":
        return
    names = {
        ".".join(p.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (PROJECT_ROOT / "helpers").rglob("*.py")
    }
    untouched = sorted(n for n in names if n not in sys.modules and not n.endswith("__main__"))
    terminalreporter.write_line(f"fast subset: helpers modules not imported: {', '.join(untouched) or 'none'}")


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write text to a CSV file in a temporary folder and return its path."""

    def _write(text: str, name: str = "alloys.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write


def run_notebook(name: str, out_dir: Path, **parameters) -> Path:
    """Execute notebooks/<name> with papermill into out_dir and return the executed copy."""
    from helpers.pipeline import NOTEBOOKS_DIR, execute

    return execute(NOTEBOOKS_DIR / name, out_dir / name, {"out_dir": str(out_dir), **parameters})


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """Notebooks 01 to 03 and 07 (the deployed models that predict and the screen load) executed once with tiny
    parameters; later tests build on this run."""
    out = tmp_path_factory.mktemp("run")
    run_notebook("01_featurize.ipynb", out)
    run_notebook("02_split_and_histogram.ipynb", out)
    run_notebook("03_repeated_training.ipynb", out, n_runs=3, epochs=8, patience=3, hidden=[16])
    run_notebook("07_deployed_models.ipynb", out, n_outer_folds=2, n_runs=3)
    return out


def fake_run(out: Path, number: str, files: dict[str, bytes], **parameters) -> dict:
    """Pretend notebook `number` ran in out, as it records itself (begin, its files, finish): outside the pipeline."""
    from helpers.pipeline import consistency, provenance
    from helpers.pipeline.dag import named
    from helpers.pipeline.parameters import declared_parameters

    defaults = {name: p.default for name, p in declared_parameters([named(number)]).items()}
    execution = consistency.begin(number, {**defaults, "out_dir": str(out), **parameters})
    for rel, content in files.items():
        (execution.out / rel).parent.mkdir(parents=True, exist_ok=True)
        (execution.out / rel).write_bytes(content)
    consistency.finish(execution)
    return provenance.read_record(execution.out, named(number))


def complete_records(out: Path) -> None:
    """Complete hand-written records of notebooks that finished as they record themselves: their files, inputs."""
    import json

    from helpers.pipeline import provenance
    from helpers.pipeline.stale import upstream_stems

    for path in sorted((out / "provenance").glob("*.json")):
        record = json.loads(path.read_text())
        if record["status"] == "ok":
            files = provenance.file_hashes(out, provenance.notebook_files(out, path.stem))
            inputs = {up: provenance.current_fingerprint(out, up) for up in upstream_stems(path.stem)}
            path.write_text(json.dumps(dict(record, files=files, inputs=inputs)))
