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
