"""The one way a prediction is scored: the networks' outputs in, one column schema out.

Every table of predictions (``python -m helpers.predict``, the screen of 09, the case study of 05, the outer folds of
06, the campaigns of 10) takes its numbers from here and its column names from ``OUTPUT_COLUMNS``: ``bs_r2_best``,
``bs_f1_best``, ``bs_ensemble`` (the mean of all runs), ``ensemble_std``, ``bs_lower`` and ``bs_upper`` (the
conformal interval at ``interval_level``), ``interval_clipped``, ``interval_calibrated``, ``in_domain``,
``domain_notes``, ``difficulty`` and ``status`` ('ok' or 'refused: <reason>').

``Stack`` runs the ensemble's runs and the selected networks in one forward pass over blocks of rows (optionally
with the features constant over the rows folded into the first layer's bias); ``ensemble_interval`` turns the runs'
predictions into the mean, spread, difficulty and interval (helpers/intervals.py); ``score_features`` adds the
domain flag (``Domain.outside``, helpers/domain.py) and the refusal rule (``FE_BASED_MIN_AT_PCT`` and the physical
range) as masks; ``output_frame`` writes the texts from those same masks, only for the rows that need them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.formulas import DECIMALS
from helpers.intervals import interval_calibrated
from helpers.validation import BS_MAX_TESLA

SELECTED_MODELS = {"R2 best": "r2_best", "F1 best": "f1_best"}  # name -> folder and column key, the one mapping
FE_BASED_MIN_AT_PCT = 50.0  # the models were trained on Fe-based alloys only; below this Fe is not the base
PREDICTED_COLUMNS = [f"bs_{key}" for key in SELECTED_MODELS.values()] + ["bs_ensemble"]
INTERVAL_COLUMNS = ["bs_lower", "bs_upper"]
TREATMENT_COLUMNS = ["source_row", "composition", "anneal_temp_K", "anneal_time_s"]
OUTPUT_COLUMNS = [
    *TREATMENT_COLUMNS,
    *PREDICTED_COLUMNS,
    "ensemble_std",
    *INTERVAL_COLUMNS,
    "interval_level",
    "interval_clipped",
    "interval_calibrated",
    "in_domain",
    "domain_notes",
    "difficulty",
    "status",
]
REFUSED_BLANK = [*PREDICTED_COLUMNS, "ensemble_std", *INTERVAL_COLUMNS, "interval_clipped"]  # no number when refused
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
        from helpers.modeling.ensemble import stack_weights

        weights = [*saved.ensemble.weights, *(net.weights[0] for net in saved.selected.values())]
        return cls(
            stack_weights(weights), len(saved.ensemble.weights), list(saved.selected), saved.ensemble.config.activation
        )

    def flops_per_row(self, n_inputs: int | None = None) -> int:
        """Floating-point operations of all the stacked networks for one candidate (2 per multiply-add), with
        ``n_inputs`` features entering the first layer (default: all of them)."""
        shapes = [w.shape for w in self.params[0::2]]
        n_in = shapes[0][1] if n_inputs is None else n_inputs
        return int(2 * shapes[0][0] * (n_in * shapes[0][2] + sum(s[1] * s[2] for s in shapes[1:])))

    def folded(self, X_scaled: np.ndarray) -> tuple[list, np.ndarray]:
        """The weights with the features constant over these rows folded into the first layer's bias (the same
        sums, fewer products; equal to 1e-6 T), and the columns that vary."""
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

    def predict_scaled(self, X_scaled: np.ndarray, fold: bool = True) -> tuple[np.ndarray, float]:
        """Outputs (networks x rows, scaled target) of every stacked network and the floating-point operations done;
        ``fold``: fold the features constant over the rows into the first layer (the screen's grid chunks)."""
        from helpers.modeling.ensemble import predict_scaled

        params, varying = self.folded(X_scaled) if fold else (self.params, np.arange(X_scaled.shape[1]))
        out = predict_scaled(params, X_scaled[:, varying], self.activation, BLOCK_ROWS)
        return out, float(self.flops_per_row(len(varying))) * len(X_scaled)


def ensemble_interval(
    per_run: np.ndarray, X_scaled: np.ndarray, calibration, level: float, annealed: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """From the runs' predictions (runs x rows, T): bs_ensemble, ensemble_std, difficulty, bs_lower and bs_upper
    (``annealed``: the rows' states, which a calibration by annealing state needs)."""
    mean, spread = per_run.mean(axis=0), per_run.std(axis=0)
    difficulty = calibration.difficulty(X_scaled, spread)
    bounds = calibration.interval(mean, difficulty, level, annealed=annealed)
    return {
        "bs_ensemble": mean,
        "ensemble_std": spread,
        "difficulty": difficulty,
        "bs_lower": bounds[:, 0],
        "bs_upper": bounds[:, 1],
    }


def fe_based(fe_at_pct: np.ndarray) -> np.ndarray:
    """The one Fe-based rule: Fe (at.%, to the project's 0.001) at least FE_BASED_MIN_AT_PCT."""
    return np.round(np.asarray(fe_at_pct, float), DECIMALS) >= FE_BASED_MIN_AT_PCT


def physically_possible(predicted: dict[str, np.ndarray]) -> np.ndarray:
    """Per row: every model's Bs lies in (0, BS_MAX_TESLA]."""
    return np.all([(v > 0) & (v <= BS_MAX_TESLA) for v in predicted.values()], axis=0)


@dataclass
class Scores:
    """Per row: the predictions, spread, interval, difficulty, domain masks and the refusal rule's inputs, as arrays."""

    predicted: dict[str, np.ndarray]  # bs_r2_best, bs_f1_best, bs_ensemble (T)
    ensemble_std: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    difficulty: np.ndarray
    outside: dict[str, np.ndarray]  # Domain.outside: one mask per reason
    in_domain: np.ndarray
    fe_at_pct: np.ndarray  # to 0.001 at.%
    level: float
    calibrated: np.ndarray  # whether the row's annealing state has enough calibration rows for the level
    networks_s: float = 0.0  # seconds of the stacked forward pass alone
    flops: float = 0.0  # its floating-point operations
    p_glass: np.ndarray | None = None  # calibrated P(glass) (helpers.screening.glass; NaN without a glass model)
    in_glass_domain: np.ndarray | None = None  # inside the domain of the labelled glass-formation compositions

    @property
    def ok(self) -> np.ndarray:
        """Not refused: Fe-based and a physically possible prediction from every model."""
        return fe_based(self.fe_at_pct) & physically_possible(self.predicted)

    def rows(self, idx: np.ndarray) -> pd.DataFrame:
        """The numbers of some rows, named as in OUTPUT_COLUMNS."""
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

    def domain_notes(self, idx: np.ndarray, amounts: pd.DataFrame, domain) -> np.ndarray:
        """The domain notes of some rows from the masks of ``outside``; ``amounts`` (at.%) of all the rows."""
        masks = {reason: mask[idx] for reason, mask in self.outside.items()}
        return domain.notes_of(masks, amounts.iloc[idx], self.difficulty[idx])

    def status(self, idx: np.ndarray) -> np.ndarray:
        """'ok', or 'refused: <reason>' per row of ``idx`` (the reasons of ``ok`` in words)."""
        texts = np.full(len(idx), "ok", dtype=object)
        not_fe = ~fe_based(self.fe_at_pct[idx])
        for k in np.flatnonzero(not_fe):
            texts[k] = (
                f"refused: not an Fe-based alloy (Fe {self.fe_at_pct[idx[k]]:g} at.% < {FE_BASED_MIN_AT_PCT:g}); the "
                "models were trained on Fe-based alloys only"
            )
        for k in np.flatnonzero(~physically_possible({c: v[idx] for c, v in self.predicted.items()}) & ~not_fe):
            shown = ", ".join(
                f"{c} = {v[idx[k]]:.2f} T" for c, v in self.predicted.items() if not 0 < v[idx[k]] <= BS_MAX_TESLA
            )
            texts[k] = (
                f"refused: physically impossible prediction ({shown}; Bs lies in 0 to {BS_MAX_TESLA:g} T): the "
                "alloy is far outside what the models learned"
            )
        return texts


def score_features(
    X: pd.DataFrame, amounts: pd.DataFrame, annealed: np.ndarray, saved, stack: Stack, level: float, fold: bool = True
) -> Scores:
    """Scores of the rows of a feature matrix; ``amounts`` holds their at.% per element, ``annealed`` their state;
    ``fold`` as in ``Stack.predict_scaled``."""
    scaler = saved.ensemble.scaler
    X_scaled = scaler.x(X)
    t0 = time.perf_counter()
    outputs, flops = stack.predict_scaled(X_scaled, fold)
    per_network = scaler.y_back(outputs)
    networks_s = time.perf_counter() - t0
    predicted = {f"bs_{SELECTED_MODELS[name]}": per_network[stack.n_runs + i] for i, name in enumerate(stack.selected)}
    annealed = np.asarray(annealed, bool)
    numbers = ensemble_interval(per_network[: stack.n_runs], X_scaled, saved.calibration, level, annealed)
    predicted["bs_ensemble"] = numbers["bs_ensemble"]
    outside = saved.domain.outside(amounts, annealed, numbers["difficulty"])
    state = pd.DataFrame({"annealed": annealed.astype(float)})
    return Scores(
        predicted,
        numbers["ensemble_std"],
        numbers["bs_lower"],
        numbers["bs_upper"],
        numbers["difficulty"],
        outside,
        saved.domain.inside_of(outside),
        np.round(amounts["Fe"].to_numpy(float), DECIMALS) if "Fe" in amounts else np.zeros(len(amounts)),
        level,
        interval_calibrated(saved.calibration, scaler, state, level),
        networks_s,
        flops,
    )


def clipped_bounds(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Per interval, which bound was cut to the physical range 0 to 2.5 T: 'no', 'lower', 'upper' or 'both'."""
    low, high = np.asarray(lower) <= 0.0, np.asarray(upper) >= BS_MAX_TESLA
    return np.select([low & high, low, high], ["both", "lower", "upper"], "no").astype(object)


def output_frame(table: pd.DataFrame, scores: Scores, amounts: pd.DataFrame, domain) -> pd.DataFrame:
    """The OUTPUT_COLUMNS table of a tidy table's rows (composition and annealing) and their scores: the numbers,
    the domain notes and the status written from the scores' masks; a refused row shows no number."""
    everything = np.arange(len(table))
    out = pd.concat(
        [table.reindex(columns=TREATMENT_COLUMNS), scores.rows(everything).set_axis(table.index, axis=0)], axis=1
    )
    out["interval_clipped"] = clipped_bounds(scores.lower, scores.upper)
    out["domain_notes"] = scores.domain_notes(everything, amounts, domain)
    out["status"] = scores.status(everything)
    out.loc[~scores.ok, REFUSED_BLANK] = np.nan
    return out[OUTPUT_COLUMNS]
