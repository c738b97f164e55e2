"""Scoring a chunk of candidates at matrix speed: every network at once, the interval and the domain as arrays.

The numbers are those of ``helpers.predict.predictions`` (a test holds the two to 1e-6 T with identical domain
flags and notes): the 100-run ensemble and the R2-best and F1-best networks are stacked into one set of weights and
run through the project's one forward pass (``helpers.modeling.network.forward``) on blocks of ``BLOCK_ROWS``
rows, the feature matrix broadcast over the networks (no copy per network). Features constant over a chunk (the
annealing of grid candidates, many element statistics) are folded into the first layer's bias once per chunk: the
same sums with about a quarter fewer products on the default grid (equal to 1e-6 T). The difficulty (mean
out-of-bag error of the nearest training alloys, plus the spread) comes from ``Calibration.difficulty`` and the
domain flag from ``Domain.inside``, both array operations over the chunk. Texts (domain notes, refusal reasons) are
written only for the rows that leave a worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.evaluation import SELECTED_MODELS
from helpers.intervals import interval_calibrated
from helpers.predict import FE_BASED_MIN_AT_PCT
from helpers.validation import BS_MAX_TESLA

BLOCK_ROWS = 2048  # rows per forward pass: 102 networks x 2048 rows x 128 floats is about 100 MB of activations


@dataclass
class Stack:
    """The weights of the ensemble's runs followed by the selected networks, stacked per layer (TensorFlow)."""

    params: list  # [W (networks, in, out), b (networks, out)] per layer, float32 constants
    n_runs: int
    selected: list[str]  # names of the networks after the runs, in order
    activation: str

    @classmethod
    def of(cls, saved) -> Stack:
        """Stack the runs of ``saved.ensemble`` and its selected networks (all share one scaler)."""
        from helpers.modeling.network import tensorflow

        tf = tensorflow()
        weights = [*saved.ensemble.weights, *(net.weights[0] for net in saved.selected.values())]
        params = [tf.constant(np.stack([w[k] for w in weights]), tf.float32) for k in range(len(weights[0]))]
        return cls(params, len(saved.ensemble.weights), list(saved.selected), saved.ensemble.config.activation)

    def flops_per_row(self, n_inputs: int | None = None) -> int:
        """Floating-point operations of all the stacked networks for one candidate (2 per multiply-add), with
        ``n_inputs`` features entering the first layer (default: all of them)."""
        shapes = [w.shape for w in self.params[0::2]]
        n_in = shapes[0][1] if n_inputs is None else n_inputs
        return int(2 * shapes[0][0] * (n_in * shapes[0][2] + sum(s[1] * s[2] for s in shapes[1:])))

    def folded(self, X_scaled: np.ndarray) -> tuple[list, np.ndarray]:
        """The weights with the features constant over these rows folded into the first layer's bias (the same
        sums, fewer products), and the columns that vary."""
        from helpers.modeling.network import tensorflow

        tf = tensorflow()
        constant = (X_scaled == X_scaled[:1]).all(axis=0) if len(X_scaled) > 1 else np.zeros(X_scaled.shape[1], bool)
        if not constant.any():
            return self.params, np.arange(X_scaled.shape[1])
        W1, b1 = self.params[0], self.params[1]
        fixed = tf.broadcast_to(tf.constant(X_scaled[None, :1, constant]), [W1.shape[0], 1, int(constant.sum())])
        bias = b1 + tf.matmul(fixed, tf.gather(W1, np.flatnonzero(constant), axis=1))[:, 0, :]
        varying = np.flatnonzero(~constant)
        return [tf.gather(W1, varying, axis=1), bias, *self.params[2:]], varying

    def predict_scaled(self, X_scaled: np.ndarray, block_rows: int = BLOCK_ROWS) -> tuple[np.ndarray, float]:
        """Outputs (networks x rows, scaled target) of every stacked network, block by block of rows, and the
        floating-point operations done."""
        from helpers.modeling.network import activation, forward, tensorflow

        tf, act = tensorflow(), activation(self.activation)
        params, varying = self.folded(X_scaled)
        X_varying = np.ascontiguousarray(X_scaled[:, varying])
        out = np.empty((int(self.params[0].shape[0]), len(X_scaled)), np.float32)
        for start in range(0, len(X_scaled), block_rows):
            h = tf.constant(X_varying[None, start : start + block_rows], tf.float32)
            out[:, start : start + block_rows] = forward(params, h, act).numpy()
        return out, float(self.flops_per_row(len(varying))) * len(X_scaled)


@dataclass
class Scores:
    """Per candidate of a chunk: the predictions, spread, interval, difficulty, domain flag and status, as arrays."""

    predicted: dict[str, np.ndarray]  # bs_r2_best, bs_f1_best, bs_ensemble (T)
    ensemble_std: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    difficulty: np.ndarray
    in_domain: np.ndarray
    ok: np.ndarray  # False: refused (not Fe-based, or a prediction outside 0 to 2.5 T)
    level: float
    calibrated: np.ndarray  # whether the row's annealing state has enough calibration rows for the level
    networks_s: float = 0.0  # seconds of the stacked forward pass alone
    flops: float = 0.0  # its floating-point operations
    p_glass: np.ndarray | None = None  # calibrated P(glass) (helpers.screening.glass; NaN without a glass model)
    in_glass_domain: np.ndarray | None = None  # inside the domain of the labelled glass-formation compositions

    def rows(self, idx: np.ndarray) -> pd.DataFrame:
        """The numbers of some rows, with the column names of helpers.predict's output."""
        return pd.DataFrame(
            {
                **{name: values[idx] for name, values in self.predicted.items()},
                "ensemble_std": self.ensemble_std[idx],
                "bs_lower": self.lower[idx],
                "bs_upper": self.upper[idx],
                "interval_level": self.level,
                "interval_calibrated": self.calibrated[idx],
                "in_domain": self.in_domain[idx],
                "difficulty": self.difficulty[idx],
                "p_glass": np.nan if self.p_glass is None else self.p_glass[idx],
                "in_glass_domain": False if self.in_glass_domain is None else self.in_glass_domain[idx],
            }
        )


def score_features(
    X: pd.DataFrame, amounts: pd.DataFrame, annealed: np.ndarray, saved, stack: Stack, level: float
) -> Scores:
    """Scores of the rows of a feature matrix; ``amounts`` holds their at.% per element, ``annealed`` their state."""
    scaler = saved.ensemble.scaler
    X_scaled = scaler.x(X)
    t0 = time.perf_counter()
    outputs, flops = stack.predict_scaled(X_scaled)
    per_network = scaler.y_back(outputs)
    networks_s = time.perf_counter() - t0
    per_run = per_network[: stack.n_runs]
    predicted = {f"bs_{SELECTED_MODELS[name]}": per_network[stack.n_runs + i] for i, name in enumerate(stack.selected)}
    predicted["bs_ensemble"] = per_run.mean(axis=0)
    spread = per_run.std(axis=0)
    difficulty = saved.calibration.difficulty(X_scaled, spread)
    bounds = saved.calibration.interval(predicted["bs_ensemble"], difficulty, level)
    fe = amounts["Fe"].to_numpy() if "Fe" in amounts else np.zeros(len(amounts))
    possible = np.all([(v > 0) & (v <= BS_MAX_TESLA) for v in predicted.values()], axis=0)
    return Scores(
        predicted,
        spread,
        bounds[:, 0],
        bounds[:, 1],
        difficulty,
        saved.domain.inside(amounts, annealed, difficulty),
        (np.round(fe, 3) >= FE_BASED_MIN_AT_PCT) & possible,
        level,
        interval_calibrated(saved.calibration, scaler, pd.DataFrame({"annealed": annealed.astype(float)}), level),
        networks_s,
        flops,
    )


def output_frame(table: pd.DataFrame, scores: Scores, saved) -> pd.DataFrame:
    """The output table of helpers.predict.predictions for a tidy table and its scores (notes and reasons per row)."""
    from helpers.predict import OUTPUT_COLUMNS, PREDICTED_COLUMNS, clipped_bounds, refusal

    everything = np.arange(len(table))
    numbers = scores.rows(everything).set_axis(table.index, axis=0)
    out = pd.concat(
        [table.reindex(columns=["source_row", "composition", "anneal_temp_K", "anneal_time_s"]), numbers], axis=1
    )
    out["interval_clipped"] = clipped_bounds(scores.lower, scores.upper)
    out["domain_notes"] = saved.domain.check(table, scores.difficulty)["domain_notes"]
    out["status"] = "ok"
    refused = ~scores.ok
    out.loc[refused, "status"] = [
        refusal(row, fe) for (_, row), fe in zip(out[refused].iterrows(), table.loc[refused, "fe_at_pct"], strict=True)
    ]
    out.loc[refused, [*PREDICTED_COLUMNS, "ensemble_std", "bs_lower", "bs_upper", "interval_clipped"]] = np.nan
    return out[OUTPUT_COLUMNS]
