"""Trained networks that predict Bs: an ensemble of runs, or one network (R2 best, F1 best).

``predict_tesla`` is the one place where weights, a scaler and features become Bs per network; everything that
predicts (the ensemble, one network, scoring runs, evaluation) goes through it, and ``predict_scaled`` is the one
way networks are stacked for it. Two names, two shapes: ``per_network`` gives networks x rows (on an ensemble and
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


def predict_scaled(weights: list[list[np.ndarray]], X_scaled: np.ndarray, activation_name: str) -> np.ndarray:
    """Predictions (networks x rows, scaled target) of several networks at once, with dropout off."""
    tf = tensorflow()
    params = [tf.constant(np.stack([w[k] for w in weights]), tf.float32) for k in range(len(weights[0]))]
    h = tf.broadcast_to(tf.constant(X_scaled, tf.float32)[None], [len(weights), *X_scaled.shape])
    return forward(params, h, activation(activation_name)).numpy()


def predict_tesla(weights: list[list[np.ndarray]], scaler: Scaler, X: pd.DataFrame, activation_name: str) -> np.ndarray:
    """Bs (T) per network and row (networks x rows) of networks sharing one scaler, from a feature matrix."""
    return scaler.y_back(predict_scaled(weights, scaler.x(X), activation_name))


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
