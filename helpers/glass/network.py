"""The project's network as a glass-formation classifier: the vectorized trainer with a logistic output.

An ensemble of ``n_runs`` networks (the trainer's ``output="logistic"``: binary cross-entropy on the output read as a
logit, early stopping on it), each from its own seed; the score of a composition is the mean over the networks of
the sigmoid of their outputs. ``network_split_scores`` trains every split's runs in one call of the trainer (a row mask
per run, as notebook 06 does), so the long tail of epochs is paid once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from helpers.glass.evaluation import Split
from helpers.modeling.ensemble import predict_scaled, stack_weights
from helpers.modeling.network import Scaler, TrainConfig
from helpers.modeling.trainer import fit_networks

# Batches of 128: the classifier learns from every family (thousands of compositions), and 128 took a third of the time
# of 32 at the same grouped AUC and calibration error
NETWORK = TrainConfig(hidden=(64, 32), dropout=0.2, learning_rate=1e-3, epochs=300, batch_size=128, patience=30)


def network_config(epochs: int) -> TrainConfig:
    """The classifier's network with at most ``epochs`` epochs (patience at most a tenth of them, at least 5)."""
    return TrainConfig(**{**vars(NETWORK), "epochs": epochs, "patience": max(5, min(NETWORK.patience, epochs // 10))})


@dataclass
class NetworkScorer:
    """An ensemble of logistic-output networks as a scorer: fit on 0/1 labels, score = mean sigmoid output."""

    n_runs: int = 10
    epochs: int = NETWORK.epochs
    base_seed: int = 0
    weights: list[list[np.ndarray]] = field(default_factory=list)
    scaler: Scaler | None = None

    @property
    def config(self) -> TrainConfig:
        """The network and training settings."""
        return network_config(self.epochs)

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> NetworkScorer:
        """Train the runs on every row (groups keep a chemical system on one side of the early-stopping carve)."""
        runs = fit_networks(X, y, groups, self.config, list(range(self.n_runs)), self.base_seed, output="logistic")
        self.weights, self.scaler = [r.weights for r in runs], runs[0].scaler
        return self

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated probability of glass per row: the mean over the networks of the sigmoid of their outputs."""
        return expit(predict_scaled(stack_weights(self.weights), self.scaler.x(X), self.config.activation)).mean(axis=0)


def network_split_scores(
    X: pd.DataFrame, y: np.ndarray, groups: np.ndarray, splits: list[Split], n_runs: int, epochs: int, seed: int
) -> list[np.ndarray]:
    """Every split's test scores by its own ``n_runs`` networks, all splits' networks trained in one call."""
    mask = np.repeat(np.stack([s.train for s in splits]), n_runs, axis=0)
    runs = [r for _ in splits for r in range(n_runs)]
    results = fit_networks(X, y, groups, network_config(epochs), runs, seed, row_mask=mask, output="logistic")
    scores = []
    for i, split in enumerate(splits):
        mine = results[i * n_runs : (i + 1) * n_runs]
        scorer = NetworkScorer(n_runs, epochs, seed, [r.weights for r in mine], mine[0].scaler)
        scores.append(scorer.score(X[split.test]))
    return scores
