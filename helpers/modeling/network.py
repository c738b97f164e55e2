"""The network: its configuration and its one forward pass (for a stack of networks), and the same as Keras layers.

A network is a fully connected regression network (Dense + Dropout per hidden layer, one linear output). The
forward pass is written once, in TensorFlow, for a stack of networks at once (weights with a leading network
axis); the trainer, the predictions and the Keras model saved beside every network all use the activation of
``keras.activations.get``, so no activation is written by hand anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from helpers.modeling.backend import keras_module, tensorflow

ACTIVATIONS = ("relu", "elu", "tanh", "sigmoid", "selu", "softplus")


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
