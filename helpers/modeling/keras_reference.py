"""The plain way: one Keras ``model.fit`` after another, the reference the vectorized trainer is checked by."""

from __future__ import annotations

import numpy as np

from helpers.modeling.adam import ADAM_EPSILON
from helpers.modeling.backend import keras_module
from helpers.modeling.network import TrainConfig, glorot_init, keras_network
from helpers.modeling.runs import RunResult, run_seed


def train_sequential(
    X: np.ndarray,
    y: np.ndarray,
    carves: list[tuple[np.ndarray, np.ndarray]],
    runs: list[int],
    base_seed: int,
    config: TrainConfig,
) -> list[RunResult]:
    """Train the runs one Keras ``model.fit`` after another (same initialization, carves and early stopping)."""
    keras = keras_module()

    results = []
    for position, (run, (fit, val)) in enumerate(zip(runs, carves, strict=True)):
        seed = run_seed(base_seed, run)
        keras.utils.set_random_seed(seed)
        net = keras_network(X.shape[1], config)
        net.set_weights(glorot_init(X.shape[1], config.hidden, seed))
        net.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=ADAM_EPSILON), loss="mse")
        stop = keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True)
        history = net.fit(
            X[fit],
            y[fit],
            validation_data=(X[val], y[val]),
            epochs=config.epochs,
            batch_size=config.batch_size,
            shuffle=True,
            callbacks=[stop],
            verbose=0,
        )
        val_loss = history.history["val_loss"]
        best = int(np.argmin(val_loss))
        weights = [w.astype(np.float32) for w in net.get_weights()]
        results.append(RunResult(run, seed, weights, len(val_loss), best + 1, float(val_loss[best]), position))
    return results
