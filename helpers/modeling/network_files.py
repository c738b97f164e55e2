"""The files of trained networks: one network saved so it loads on its own, and the weights of every run."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from helpers.modeling.ensemble import Network
from helpers.modeling.network import TrainConfig, keras_network
from helpers.modeling.scaler import Scaler
from helpers.outputs import write_atomic


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
    from helpers.features import FeatureSpec

    folder = Path(folder)
    params = json.loads((folder / "params.json").read_text())
    config = TrainConfig(**params.pop("config"))
    return Network(
        [read_weights(folder / "weights.npz")],
        Scaler.from_json(folder / "scaler.json"),
        FeatureSpec.from_json(folder / "feature_spec.json"),
        config,
        params,
    )
