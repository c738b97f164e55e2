"""The network: its definition (one forward pass, one activation table), its scaler, and its files.

A network is a fully connected regression network (Dense + Dropout per hidden layer, one linear output). The
forward pass is written once, in TensorFlow, for a stack of networks at once (weights with a leading network
axis); the trainer, the predictions and the Keras model saved beside every network all use the activation of
``keras.activations.get``, so no activation is written by hand anywhere.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from helpers.features import FeatureSpec

ACTIVATIONS = ("relu", "elu", "tanh", "sigmoid", "selu", "softplus")


def tensorflow():
    """TensorFlow, imported once with its C++ start-up lines (oneDNN, CPU features) kept off the console.

    TensorFlow writes them to file descriptor 2 while it loads, whatever TF_CPP_MIN_LOG_LEVEL says; they are not
    for a reader. Every module imports TensorFlow (and Keras, which loads it) through here.
    """
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        sys.stderr.flush()
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
    return sys.modules["tensorflow"]


def keras_module():
    """Keras, after a quiet TensorFlow import."""
    tensorflow()
    import keras

    return keras


@dataclass
class TrainConfig:
    """Network and training parameters of every run."""

    hidden: tuple[int, ...] = (128, 64)
    dropout: float = 0.2
    activation: str = "relu"
    learning_rate: float = 1e-3
    epochs: int = 500
    batch_size: int = 32
    patience: int = 50
    val_fraction: float = 0.2

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, not {self.activation!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout}")
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden must list at least one layer of at least one node, not {self.hidden}")


@dataclass
class Scaler:
    """Standardization of features and target, with statistics of the training rows only."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    columns: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, X: pd.DataFrame, y: np.ndarray) -> Scaler:
        """Fit on training rows (constant features get scale 1, as in scikit-learn's StandardScaler)."""
        from sklearn.preprocessing import StandardScaler

        sk = StandardScaler().fit(X.to_numpy(float))
        return cls(sk.mean_, sk.scale_, float(np.mean(y)), float(np.std(y)), list(X.columns))

    def x(self, X: pd.DataFrame) -> np.ndarray:
        """Scaled features as float32, columns in training order."""
        return ((X[self.columns].to_numpy(float) - self.x_mean) / self.x_scale).astype(np.float32)

    def y(self, y: np.ndarray) -> np.ndarray:
        """Scaled target."""
        return ((np.asarray(y, float) - self.y_mean) / self.y_scale).astype(np.float32)

    def y_back(self, y_scaled: np.ndarray) -> np.ndarray:
        """Target back in tesla."""
        return np.asarray(y_scaled) * self.y_scale + self.y_mean

    def to_json(self, path: Path) -> None:
        """Write as JSON."""
        Path(path).write_text(
            json.dumps(
                {
                    "x_mean": self.x_mean.tolist(),
                    "x_scale": self.x_scale.tolist(),
                    "y_mean": self.y_mean,
                    "y_scale": self.y_scale,
                    "columns": self.columns,
                }
            )
        )

    @classmethod
    def from_json(cls, path: Path) -> Scaler:
        """Read what to_json wrote."""
        d = json.loads(Path(path).read_text())
        return cls(
            np.array(d["x_mean"], float),
            np.array(d["x_scale"], float),
            float(d["y_mean"]),
            float(d["y_scale"]),
            list(d["columns"]),
        )


def glorot_init(n_in: int, hidden: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Keras' default initialization (Glorot uniform weights, zero biases) from a numpy seed."""
    rng = np.random.default_rng([seed, 0])
    sizes = [n_in, *hidden, 1]
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        weights += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32), np.zeros(fan_out, np.float32)]
    return weights


def weight_shapes(n_in: int, hidden: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Shapes of the weight arrays of one network, in order (W, b per layer)."""
    sizes = [n_in, *hidden, 1]
    return [shape for a, b in zip(sizes[:-1], sizes[1:], strict=True) for shape in ((a, b), (b,))]


def activation(name: str):
    """The activation function of that name, from Keras (the one table every part of the project uses)."""
    return keras_module().activations.get(name)


def forward(params, h, act, masks=None):
    """Outputs (networks x rows) of a stack of networks: params [W (N, in, out), b (N, out)] per layer, h (N, rows, in).

    ``masks`` (one per hidden layer, N x rows x width, already scaled by 1 / keep probability) applies dropout.
    """
    tf = tensorflow()
    n_layers = len(params) // 2
    for layer in range(n_layers):
        h = tf.matmul(h, params[2 * layer]) + params[2 * layer + 1][:, None, :]
        if layer < n_layers - 1:
            h = act(h)
            if masks is not None:
                h = h * masks[layer]
    return h[..., 0]


def predict_scaled(weights: list[list[np.ndarray]], X_scaled: np.ndarray, activation_name: str) -> np.ndarray:
    """Predictions (networks x rows, scaled target) of several networks at once, with dropout off."""
    tf = tensorflow()
    params = [tf.constant(np.stack([w[k] for w in weights]), tf.float32) for k in range(len(weights[0]))]
    h = tf.broadcast_to(tf.constant(X_scaled, tf.float32)[None], [len(weights), *X_scaled.shape])
    return forward(params, h, activation(activation_name)).numpy()


def keras_network(n_in: int, config: TrainConfig):
    """The network as a Keras Sequential model: Dense+Dropout per hidden layer, one linear output."""
    keras = keras_module()
    layers = [keras.Input((n_in,))]
    for width in config.hidden:
        layers += [keras.layers.Dense(width, activation=config.activation), keras.layers.Dropout(config.dropout)]
    layers.append(keras.layers.Dense(1))
    return keras.Sequential(layers)


# --------------------------------------------------------------------------- trained networks


@dataclass
class Ensemble:
    """Several trained networks with one scaler, feature spec and configuration; predicts per network."""

    weights: list[list[np.ndarray]]
    scaler: Scaler
    spec: FeatureSpec
    config: TrainConfig
    meta: dict

    def per_network(self, X: pd.DataFrame) -> np.ndarray:
        """Bs (T) per network and row (networks x rows) from a feature matrix."""
        return self.scaler.y_back(predict_scaled(self.weights, self.scaler.x(X), self.config.activation))

    def predict_features(self, X: pd.DataFrame) -> np.ndarray:
        """Bs (T) per network and row (networks x rows) from a feature matrix."""
        return self.per_network(X)

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Bs (T) per row of a tidy table (composition and annealing columns): the mean over the networks."""
        from helpers.features import build_features

        X, _, _ = build_features(table, spec=self.spec, progress=False)
        return self.per_network(X).mean(axis=0)


@dataclass
class Network(Ensemble):
    """One trained network (an ensemble of one): R2 best or F1 best."""

    def predict_features(self, X: pd.DataFrame) -> np.ndarray:
        """Bs (T) per row from a feature matrix."""
        return self.per_network(X)[0]


def save_network(
    folder: Path, weights: list[np.ndarray], scaler: Scaler, spec, config: TrainConfig, meta: dict
) -> Path:
    """Save one network so it loads on its own: model.keras, weights.npz, scaler, feature spec, parameters."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "weights.npz", *weights)
    scaler.to_json(folder / "scaler.json")
    spec.to_json(folder / "feature_spec.json")
    (folder / "params.json").write_text(json.dumps({"config": asdict(config), **meta}, indent=1, default=float))
    net = keras_network(len(scaler.columns), config)
    net.set_weights(weights)
    net.save(folder / "model.keras")
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
