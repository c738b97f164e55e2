"""Trained networks that predict Bs: an ensemble of runs, or one network (R2 best, F1 best).

``stack_weights`` is the one way networks are stacked and ``predict_scaled`` the one way stacked networks predict
(blocks of rows, dropout off); ``predict_tesla`` turns weights, a scaler and features into Bs per network. The
ensemble, one network, the runs of 03 and of a campaign, and ``helpers.scoring.Stack`` go through them.
Two names, two shapes: ``per_network`` gives networks x rows (on an ensemble and
on one network alike), ``predict_features`` (one network only) and ``predict`` give one value per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.modeling.network import Scaler, TrainConfig, activation, forward, tensorflow

if TYPE_CHECKING:
    from helpers.features import FeatureSpec


def stack_weights(weights: list[list[np.ndarray]]) -> list:
    """The weights of several networks stacked per layer along a leading network axis (float32 constants)."""
    tf = tensorflow()
    return [tf.constant(np.stack([w[k] for w in weights]), tf.float32) for k in range(len(weights[0]))]


def predict_scaled(
    params: list, X_scaled: np.ndarray, activation_name: str, block_rows: int | None = None
) -> np.ndarray:
    """Outputs (networks x rows, scaled target) of stacked networks (``stack_weights``), with dropout off, over blocks
    of ``block_rows`` rows (default all at once): ``X_scaled`` is (rows x features), shared by every network, or
    (networks x rows x features), one scaled copy per network."""
    tf, act = tensorflow(), activation(activation_name)
    X_scaled = np.asarray(X_scaled, np.float32)
    shared = X_scaled.ndim == 2
    n_rows = X_scaled.shape[-2]
    block = block_rows or max(n_rows, 1)
    out = np.empty((int(params[0].shape[0]), n_rows), np.float32)
    for start in range(0, n_rows, block):
        part = X_scaled[None, start : start + block] if shared else X_scaled[:, start : start + block]
        out[:, start : start + block] = forward(params, tf.constant(part), act).numpy()
    return out


def predict_tesla(weights: list[list[np.ndarray]], scaler: Scaler, X: pd.DataFrame, activation_name: str) -> np.ndarray:
    """Bs (T) per network and row (networks x rows) of networks sharing one scaler, from a feature matrix."""
    return scaler.y_back(predict_scaled(stack_weights(weights), scaler.x(X), activation_name))


@dataclass
class Ensemble:
    """Several trained networks with one scaler, feature spec and configuration."""

    weights: list[list[np.ndarray]]
    scaler: Scaler
    spec: FeatureSpec | None  # None for networks that only ever see a feature matrix (no ``predict`` of a table)
    config: TrainConfig
    meta: dict

    def per_network(self, X: pd.DataFrame) -> np.ndarray:
        """Bs (T) per network and row (networks x rows) from a feature matrix."""
        return predict_tesla(self.weights, self.scaler, X, self.config.activation)

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
