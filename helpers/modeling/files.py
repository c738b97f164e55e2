"""The files of trained networks: one network saved so it loads on its own, and the one loader of an analysis' models.

``save_network`` / ``load_network`` write and read one network (e.g. models/r2_best) for a script of your own.
Notebook 03 writes models/: the weights of every training run (runs/run_NNN.npz, listed in tables/runs.csv), one
scaler and feature spec, training.json, the R2-best and F1-best networks (r2_best/, f1_best/) and the applicability
domain. ``load_saved_models`` reads each file once, checks that they belong together (files present, valid JSON,
weight shapes that match the feature list and the layers, finite numbers, the runs of runs.csv and no others, the
selected networks equal to their runs, the calibration of the intervals) and names what is wrong and how to fix it.
Notebook 07 writes the deployed models (models/deployed/) in the same layout, with runs.csv beside the runs;
``ModelFiles`` says where each file of either set lives, and ``load_saved_models(out, "deployed")`` loads them.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.domain import Domain
from helpers.evaluation import SELECTED_MODELS
from helpers.features import FeatureSpec
from helpers.intervals import Calibration
from helpers.modeling.ensemble import Ensemble, Network
from helpers.modeling.network import Scaler, TrainConfig, keras_network, weight_shapes
from helpers.outputs import OutputDir, write_atomic

REQUIRED = ["training", "scaler", "model_feature_spec", "domain", "calibration"]  # registry names
SELECTED_FILES = ("params.json", "weights.npz")  # in each selected network's folder
MODEL_SETS = {"evaluated": "03", "deployed": "07"}  # which models -> the notebook that trains them
DEFAULT_MODELS = "deployed"  # what helpers.predict and the screen load; 04, 05 and 06 evaluate 03's models
DEPLOYED_FOLDER = "deployed_models"  # registry name of the folder of the deployed models


class ModelFiles:
    """Where the files of one set of models live: 03's (evaluated: models/ and tables/runs.csv) or 07's (deployed:
    models/deployed/, the same names, runs.csv beside the runs)."""

    def __init__(self, output_dir: str | Path, models: str = "evaluated") -> None:
        if models not in MODEL_SETS:
            raise ValueError(f"models must be one of {', '.join(MODEL_SETS)}, not {models!r}")
        self.out, self.models = OutputDir(output_dir), models
        self.notebook = MODEL_SETS[models]

    @property
    def root(self) -> Path:
        """The output folder of the analysis."""
        return self.out.root

    def __str__(self) -> str:
        return str(self.out.root)

    @property
    def rerun(self) -> str:
        """The command that makes this set of models again."""
        after = "03 04 05 06" if self.notebook == "03" else self.notebook
        return f"./run_all.sh --only {after} --out {self.root}"

    def path(self, name: str) -> Path:
        """Where the file of registry name ``name`` (of 03's models) lives in this set."""
        if self.models == "evaluated":
            return self.out.path(name)
        relative = "runs.csv" if name == "runs" else self.out.path(name).relative_to(self.out.models).as_posix()
        return self.out.path(DEPLOYED_FOLDER) / relative

    def run_weights(self, run: int) -> Path:
        """The weights file of training run ``run``."""
        return self.path("run_weights") / f"run_{run:03d}.npz"

    def runs_on_disk(self) -> list[int]:
        """Ids of the runs whose weights file exists, in order."""
        found = (re.fullmatch(r"run_(\d+)\.npz", p.name) for p in self.path("run_weights").glob("run_*.npz"))
        return sorted(int(m.group(1)) for m in found if m)


def save_network(
    folder: Path, weights: list[np.ndarray], scaler: Scaler, spec, config: TrainConfig, meta: dict
) -> Path:
    """Save one network so it loads on its own: model.keras, weights.npz, scaler, feature spec, parameters."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "weights.npz", lambda part: np.savez(part, *weights))
    scaler.to_json(folder / "scaler.json")
    spec.to_json(folder / "feature_spec.json")
    params = json.dumps({"config": asdict(config), **meta}, indent=1, default=float)
    write_atomic(folder / "params.json", lambda part: part.write_text(params))
    net = keras_network(len(scaler.columns), config)
    net.set_weights(weights)
    write_atomic(folder / "model.keras", net.save)
    return folder


def read_weights(path: Path) -> list[np.ndarray]:
    """The weight arrays of one network saved with np.savez."""
    with np.load(path) as npz:
        return [npz[f"arr_{i}"] for i in range(len(npz.files))]


def load_network(folder: str | Path) -> Network:
    """Load one network saved by save_network (e.g. models/r2_best) for a script of your own."""

    folder = Path(folder)
    params = json.loads((folder / "params.json").read_text())
    config = TrainConfig.from_dict(params.pop("config"))
    return Network(
        [read_weights(folder / "weights.npz")],
        Scaler.from_json(folder / "scaler.json"),
        FeatureSpec.from_json(folder / "feature_spec.json"),
        config,
        params,
    )


class ModelFolderError(RuntimeError):
    """The saved models of an output folder are missing, incomplete or corrupt; the message says how to fix it."""


@dataclass
class SavedModels:
    """Everything needed to predict: the R2/F1-best networks, the ensemble of all runs, the domain."""

    folder: Path
    selected: dict[str, Network]
    ensemble: Ensemble
    domain: Domain
    calibration: Calibration
    training: dict

    @property
    def spec(self) -> FeatureSpec:
        """The feature spec every network was trained with."""
        return self.ensemble.spec

    @cached_property
    def stack(self):
        """The runs and the selected networks stacked for ``helpers.scoring`` (built once)."""
        from helpers.scoring import Stack

        return Stack.of(self)


def load_saved_models(output_dir: str | Path, models: str = "evaluated") -> SavedModels:
    """Load and check one set of models of an output folder (``MODEL_SETS``: 03's evaluated ones or 07's deployed
    ones); raise ModelFolderError naming the problem and the fix."""
    out = ModelFiles(output_dir, models)
    folder = out  # messages name its output folder and the notebook that remakes it
    _check_present(out)
    training = _json(out.path("training"), folder)
    config = _config(training, out.path("training"), folder)
    spec = FeatureSpec(**_json(out.path("model_feature_spec"), folder))
    scaler = _scaler(out.path("scaler"), spec, folder)
    run_ids = _run_ids(out, int(training.get("n_runs", -1)))
    shapes = weight_shapes(len(spec.columns), config.hidden)
    weights = {r: _weights(out.run_weights(r), shapes, folder) for r in run_ids}
    ensemble = Ensemble([weights[r] for r in run_ids], scaler, spec, config, {"runs": run_ids, **training})
    selected = {
        name: _selected(out.path(key), weights, scaler, spec, config, folder) for name, key in SELECTED_MODELS.items()
    }
    try:
        domain = Domain.load(out.path("domain"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _broken(folder, f"{out.path('domain')} cannot be read ({exc})") from None
    try:
        calibration = Calibration.load(out.path("calibration"))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise _broken(folder, f"{out.path('calibration')} cannot be read ({exc})") from None
    if calibration.X.shape[1:] != (len(spec.columns),) or not np.isfinite(calibration.residuals).all():
        raise _broken(folder, f"{out.path('calibration')} does not match the features or holds non-finite values")
    return SavedModels(out.root, selected, ensemble, domain, calibration, training)


def _broken(folder: ModelFiles, what: str) -> ModelFolderError:
    after = " and the ones after it" if folder.notebook == "03" else ""
    return ModelFolderError(
        f"{what}; the saved models in {folder} are unusable: rerun notebook {folder.notebook}{after} ({folder.rerun})"
    )


def _check_present(out: ModelFiles) -> None:
    folder = out
    if not out.root.is_dir():
        raise ModelFolderError(
            f"{folder}: no such folder; pass the output folder of an analysis (./run_all.sh writes outputs/default)"
        )
    if not out.path("training").is_file():
        raise ModelFolderError(
            f"no trained models in {folder} (missing {out.path('training')}); run ./run_all.sh first (or notebook "
            f"{out.notebook}: {out.rerun}), or pass the output folder of an analysis that has run"
            + ("" if out.models == "evaluated" else " (or use 03's models: --models evaluated)")
        )
    required = [out.path(name) for name in REQUIRED]
    required += [out.path(key) / name for key in SELECTED_MODELS.values() for name in SELECTED_FILES]
    missing = [path for path in required if not path.is_file()]
    if missing:
        raise _broken(
            folder,
            f"{missing[0]} is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
        )


def _json(path: Path, folder: ModelFiles) -> dict:
    try:
        value = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _broken(folder, f"{path} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise _broken(folder, f"{path} does not hold a JSON object")
    return value


def _config(training: dict, path: Path, folder: ModelFiles) -> TrainConfig:
    try:
        return TrainConfig.from_dict(training["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _broken(folder, f"{path}: no valid network configuration ({exc})") from None


def _scaler(path: Path, spec: FeatureSpec, folder: ModelFiles) -> Scaler:
    try:
        scaler = Scaler.from_json(path)
    except (KeyError, TypeError, ValueError) as exc:
        raise _broken(folder, f"{path}: not a scaler ({exc})") from None
    n = len(spec.columns)
    if scaler.columns != spec.columns or scaler.x_mean.shape != (n,) or scaler.x_scale.shape != (n,):
        raise _broken(folder, f"{path} does not match the {n} features of feature_spec.json")
    values = np.concatenate([scaler.x_mean, scaler.x_scale, [scaler.y_mean, scaler.y_scale]])
    if not np.isfinite(values).all() or (scaler.x_scale <= 0).any() or scaler.y_scale <= 0:
        raise _broken(folder, f"{path} holds non-finite or non-positive scales")
    return scaler


def _run_ids(out: ModelFiles, n_runs: int) -> list[int]:
    folder, runs_csv = out, out.path("runs")
    try:
        listed = sorted(int(r) for r in pd.read_csv(runs_csv)["run"])
    except (OSError, KeyError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _broken(folder, f"{runs_csv} cannot be read ({exc})") from None
    on_disk = out.runs_on_disk()
    if listed != on_disk:
        extra, absent = sorted(set(on_disk) - set(listed)), sorted(set(listed) - set(on_disk))
        raise _broken(
            folder,
            f"{out.path('run_weights')} does not hold the runs listed in {runs_csv}"
            + (f" (weights of runs {extra} are not listed)" if extra else "")
            + (f" (listed runs {absent} have no weights)" if absent else ""),
        )
    if len(listed) != n_runs or listed != list(range(n_runs)):
        raise ModelFolderError(
            f"{folder}: the training is incomplete ({len(listed)} of {n_runs} runs finished); "
            f"rerun notebook {out.notebook} to finish it"
            + (" (it resumes)" if out.notebook == "03" else "")
            + f": {out.rerun}"
        )
    return listed


def _weights(path: Path, shapes: list[tuple[int, ...]], folder: ModelFiles) -> list[np.ndarray]:
    try:
        weights = read_weights(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise _broken(folder, f"{path} cannot be read ({type(exc).__name__}: {exc})") from None
    found = [w.shape for w in weights]
    if found != shapes:
        raise _broken(folder, f"{path} holds weights of shapes {found}, the network needs {shapes}")
    if not all(np.isfinite(w).all() for w in weights):
        raise _broken(folder, f"{path} holds non-finite weights (NaN or infinity)")
    return weights


def _selected(
    path: Path,
    runs: dict[int, list[np.ndarray]],
    scaler: Scaler,
    spec: FeatureSpec,
    config: TrainConfig,
    folder: ModelFiles,
) -> Network:
    meta = _json(path / "params.json", folder)
    run = meta.get("run")
    if run not in runs:
        raise _broken(folder, f"{path / 'params.json'} names run {run!r}, which is not among the trained runs")
    weights = _weights(path / "weights.npz", [w.shape for w in runs[run]], folder)
    if not all(np.array_equal(a, b) for a, b in zip(weights, runs[run], strict=True)):
        raise _broken(folder, f"{path / 'weights.npz'} differs from run {run}, which it claims to be")
    meta = {k: v for k, v in meta.items() if k != "config"}
    return Network([weights], scaler, spec, config, meta)
