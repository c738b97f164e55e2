"""The project's network as a campaign's fitting step: every model of a round in one vectorized training.

``network_fit_predict(groups, config)`` returns an ``ensemble.FitPredict`` built on
``helpers.modeling.trainer.fit_networks(..., row_mask=...)``: model ``i`` is one training run whose rows are those of
``train_masks[i]`` (its scaler, its early-stopping carve of whole alloys and its fitting rows all come from those rows
only), with seed ``seeds[i]``. All models of a round (every rule, campaign and member) train in one call, so the
trainer batches them; each then predicts every row of the pool.

The simulation's network is smaller and shorter-trained than notebook 03's (``SIMULATION_CONFIG``): one hidden layer
of 32 nodes, no dropout, batches of 64, at most 100 epochs with a patience of 10, a learning rate of 5e-3. A campaign
trains 30 rounds of hundreds of networks, far too many for the full network on a small machine. Against a longer
training (150 epochs, patience 15, batches of 32, dropout 0.1) on small random training sets, this one took a little
over half the CPU time and ranked the unmeasured alloys about as well (Spearman correlation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.discovery.ensemble import FitPredict
from helpers.modeling.ensemble import predict_scaled, stack_weights
from helpers.modeling.network import RunResult, TrainConfig

SIMULATION_CONFIG = TrainConfig(
    hidden=(32,), dropout=0.0, activation="relu", learning_rate=5e-3, epochs=100, batch_size=64, patience=10
)
PREDICT_CHUNK = 64  # networks predicted at once (each with its own scaled copy of the pool's features)


def network_fit_predict(groups: np.ndarray, config: TrainConfig = SIMULATION_CONFIG) -> FitPredict:
    """A FitPredict training the project's network once per mask; groups (the alloy of each row) keep carves whole."""
    groups = np.asarray(groups)

    def fit_predict(X: np.ndarray, y: np.ndarray, train_masks: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        from helpers.modeling.trainer import fit_networks

        frame = pd.DataFrame(np.asarray(X, float), columns=[f"x{j}" for j in range(np.shape(X)[1])])
        masks = np.asarray(train_masks, bool)
        runs = [int(s) for s in seeds]
        results = fit_networks(frame, np.asarray(y, float), groups, config, runs, 0, row_mask=masks)
        return predict_runs(results, frame, config.activation)

    return fit_predict


def predict_runs(results: list[RunResult], X: pd.DataFrame, activation_name: str) -> np.ndarray:
    """Bs (T) of every run on every row (runs x rows), each run with its own scaler, dropout off."""
    out = np.empty((len(results), len(X)))
    values = X[results[0].scaler.columns].to_numpy(float)  # every run's scaler has the pool's columns
    for start in range(0, len(results), PREDICT_CHUNK):
        part = results[start : start + PREDICT_CHUNK]
        scaled = predict_scaled(
            stack_weights([r.weights for r in part]),
            np.stack([r.scaler.x_values(values) for r in part]),
            activation_name,
        )
        out[start : start + len(part)] = [r.scaler.y_back(row) for r, row in zip(part, scaled, strict=True)]
    return out
