"""The network: TensorFlow imported quietly, its configuration, its one forward pass, its Keras layers, its scaler.

A network is a fully connected regression network (Dense + Dropout per hidden layer, one linear output). The
forward pass is written once, in TensorFlow, for a stack of networks at once (weights with a leading network
axis); the trainer, the predictions and the Keras model saved beside every network all use the activation of
``keras.activations.get``, so no activation is written by hand anywhere. Every network is trained on, and predicts
from, features and target standardized by a ``Scaler`` with statistics of the training rows only. A training run
(``run_seed``, ``RunResult``) is one network trained from one seed.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.outputs import write_atomic

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
        sys.modules["tensorflow"].get_logger().addFilter(_expected_retracing)
    return sys.modules["tensorflow"]


def _expected_retracing(record) -> bool:
    """Drop TensorFlow's retracing warning: the trainer's epoch function (``reduce_retracing``) is traced about three
    times while its shapes generalize (rows, runs, steps), then never again; the warning is not for a reader."""
    return "triggered tf.function retracing" not in record.getMessage()


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
    stopping_fraction: float = 0.2

    @classmethod
    def from_dict(cls, saved: dict) -> TrainConfig:
        """The configuration a training.json or params.json holds (older saved models name stopping_fraction
        "val_fraction")."""
        saved = dict(saved)
        if "val_fraction" in saved:
            saved["stopping_fraction"] = saved.pop("val_fraction")
        return cls(**saved)

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, not {self.activation!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout}")
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden must list at least one layer of at least one node, not {self.hidden}")


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


def keras_network(n_in: int, config: TrainConfig):
    """The network as a Keras Sequential model: Dense+Dropout per hidden layer, one linear output."""
    keras = keras_module()
    layers = [keras.Input((n_in,))]
    for width in config.hidden:
        layers += [keras.layers.Dense(width, activation=config.activation), keras.layers.Dropout(config.dropout)]
    layers.append(keras.layers.Dense(1))
    return keras.Sequential(layers)


@dataclass
class Scaler:
    """Standardization of features and target, with statistics of the training rows only."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    columns: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, X: pd.DataFrame, y: np.ndarray, scale_y: bool = True) -> Scaler:
        """Fit on training rows (constant features get scale 1, as in scikit-learn's StandardScaler); without
        ``scale_y`` the target is left as it is (0/1 labels of a classifier)."""
        return cls.fit_values(X.to_numpy(float), y, list(X.columns), scale_y)

    @classmethod
    def fit_values(cls, values: np.ndarray, y: np.ndarray, columns: list[str], scale_y: bool = True) -> Scaler:
        """Fit on training rows given as an array (columns named by ``columns``)."""
        from sklearn.preprocessing import StandardScaler

        sk = StandardScaler().fit(values)
        y_mean, y_scale = (float(np.mean(y)), float(np.std(y))) if scale_y else (0.0, 1.0)
        return cls(sk.mean_, sk.scale_, y_mean, y_scale, list(columns))

    def x(self, X: pd.DataFrame) -> np.ndarray:
        """Scaled features as float32, columns in training order."""
        return self.x_values(X[self.columns].to_numpy(float))

    def x_values(self, values: np.ndarray) -> np.ndarray:
        """Scaled features as float32 of an array whose columns are already in training order."""
        return ((values - self.x_mean) / self.x_scale).astype(np.float32)

    def y(self, y: np.ndarray) -> np.ndarray:
        """Scaled target."""
        return ((np.asarray(y, float) - self.y_mean) / self.y_scale).astype(np.float32)

    def y_back(self, y_scaled: np.ndarray) -> np.ndarray:
        """Target back in tesla."""
        return np.asarray(y_scaled) * self.y_scale + self.y_mean

    def to_json(self, path: Path) -> None:
        """Write as JSON."""
        fields = {
            "x_mean": self.x_mean.tolist(),
            "x_scale": self.x_scale.tolist(),
            "y_mean": self.y_mean,
            "y_scale": self.y_scale,
            "columns": self.columns,
        }
        write_atomic(Path(path), lambda part: part.write_text(json.dumps(fields)))

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


@dataclass
class RunResult:
    """One trained network: its best weights (restored at the best early-stopping epoch) and how it got there.

    ``position`` is the run's place in the list of runs of its training call (run numbers may repeat there, e.g.
    run r of every fold); ``scaler`` is the scaler its rows were standardized with (set by ``fit_networks``).
    """

    run: int
    seed: int
    weights: list[np.ndarray]
    epochs_trained: int
    best_epoch: int
    best_stopping_loss: float
    position: int = -1
    scaler: Scaler | None = None


def run_seed(base_seed: int, run: int) -> int:
    """The seed of run ``run``."""
    return int(base_seed) + int(run)
