"""The ANN: a fully connected regression network, trained many times at once, saved and loaded.

Two trainers give the same networks:

* ``train_sequential`` fits one Keras model after another (the plain way, about 20 s a run here);
* ``train_vectorized`` trains every run in one TensorFlow computation. Each run keeps its own weights (stacked
  along a leading run axis and multiplied with batched einsum), its own Glorot initialization, dropout masks,
  shuffling, validation carve, Adam state and early-stopping point. A finished run stops updating at once, and
  finished runs are dropped from the computation as their number grows.

Run r's randomness depends only on (base seed, r), never on which other runs share the computation, so a resumed
training reproduces the runs an uninterrupted one would have made.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from helpers.split import validation_carve

if TYPE_CHECKING:
    from helpers.features import FeatureSpec

ACTIVATIONS = ("relu", "elu", "tanh", "sigmoid", "selu", "softplus")
ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # Keras' defaults


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


@dataclass
class Scaler:
    """Standardization of features and target, with statistics of the training rows only."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    columns: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, X: pd.DataFrame, y: np.ndarray) -> "Scaler":
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
        Path(path).write_text(json.dumps({"x_mean": self.x_mean.tolist(), "x_scale": self.x_scale.tolist(),
                                          "y_mean": self.y_mean, "y_scale": self.y_scale,
                                          "columns": self.columns}))

    @classmethod
    def from_json(cls, path: Path) -> "Scaler":
        """Read what to_json wrote."""
        d = json.loads(Path(path).read_text())
        return cls(np.array(d["x_mean"]), np.array(d["x_scale"]), d["y_mean"], d["y_scale"], d["columns"])


@dataclass
class RunResult:
    """One trained network: its best weights (restored at the best validation epoch) and how it got there."""

    run: int
    seed: int
    weights: list[np.ndarray]
    epochs_trained: int
    best_epoch: int
    best_val_loss: float


def run_seed(base_seed: int, run: int) -> int:
    """The seed of run ``run``."""
    return int(base_seed) + int(run)


def glorot_init(n_in: int, hidden: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Keras' default initialization (Glorot uniform weights, zero biases) from a numpy seed."""
    rng = np.random.default_rng([seed, 0])
    sizes = [n_in, *hidden, 1]
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        weights += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
                    np.zeros(fan_out, np.float32)]
    return weights


def _activation_np(name: str) -> Callable[[np.ndarray], np.ndarray]:
    return {"relu": lambda a: np.maximum(a, 0), "tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
            "softplus": lambda a: np.logaddexp(0, a),
            "elu": lambda a: np.where(a > 0, a, np.expm1(np.minimum(a, 0))),
            "selu": lambda a: 1.0507009873554805 * np.where(a > 0, a, 1.6732632423543772 * np.expm1(np.minimum(a, 0)))
            }[name]


def predict_scaled(weights: list[list[np.ndarray]], X_scaled: np.ndarray, activation: str) -> np.ndarray:
    """Predictions (runs x rows, scaled target) of several networks at once, with dropout off."""
    act = _activation_np(activation)
    h = np.broadcast_to(X_scaled, (len(weights), *X_scaled.shape))
    n_layers = len(weights[0]) // 2
    for layer in range(n_layers):
        W = np.stack([w[2 * layer] for w in weights])
        b = np.stack([w[2 * layer + 1] for w in weights])
        h = np.einsum("rnf,rfh->rnh", h, W) + b[:, None, :]
        if layer < n_layers - 1:
            h = act(h)
    return h[..., 0]


# --------------------------------------------------------------------------- the plain way: one Keras fit per run

def keras_network(n_in: int, config: TrainConfig):
    """The network as a Keras Sequential model: Dense+Dropout per hidden layer, one linear output."""
    import keras

    layers = [keras.Input((n_in,))]
    for width in config.hidden:
        layers += [keras.layers.Dense(width, activation=config.activation), keras.layers.Dropout(config.dropout)]
    layers.append(keras.layers.Dense(1))
    return keras.Sequential(layers)


def train_sequential(X: np.ndarray, y: np.ndarray, carves: list[tuple[np.ndarray, np.ndarray]], runs: list[int],
                     base_seed: int, config: TrainConfig) -> list[RunResult]:
    """Train the runs one Keras ``model.fit`` after another (the reference the vectorized trainer is checked against)."""
    import keras

    results = []
    for run, (fit, val) in zip(runs, carves):
        seed = run_seed(base_seed, run)
        keras.utils.set_random_seed(seed)
        net = keras_network(X.shape[1], config)
        net.set_weights(glorot_init(X.shape[1], config.hidden, seed))
        net.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=ADAM_EPSILON), loss="mse")
        stop = keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True)
        history = net.fit(X[fit], y[fit], validation_data=(X[val], y[val]), epochs=config.epochs,
                          batch_size=config.batch_size, shuffle=True, callbacks=[stop], verbose=0)
        val_loss = history.history["val_loss"]
        best = int(np.argmin(val_loss))
        results.append(RunResult(run, seed, [w.astype(np.float32) for w in net.get_weights()], len(val_loss),
                                 best + 1, float(val_loss[best])))
    return results


# --------------------------------------------------------------------------- the fast way: all runs at once

def train_vectorized(X: np.ndarray, y: np.ndarray, carves: list[tuple[np.ndarray, np.ndarray]], runs: list[int],
                     base_seed: int, config: TrainConfig, n_total_runs: int | None = None,
                     on_finish: Callable[[RunResult], None] | None = None, progress: bool = False
                     ) -> list[RunResult]:
    """Train every run in one batched TensorFlow computation; call ``on_finish`` as each run stops."""
    import tensorflow as tf

    n_total = int(n_total_runs or max(runs) + 1)
    n_rows, n_in = X.shape
    n_layers = len(config.hidden) + 1
    batch = int(config.batch_size)
    act = {"relu": tf.nn.relu, "elu": tf.nn.elu, "tanh": tf.tanh, "sigmoid": tf.sigmoid, "selu": tf.nn.selu,
           "softplus": tf.nn.softplus}[config.activation]
    rate = float(config.dropout)
    lr = float(config.learning_rate)

    X_tf = tf.constant(X, tf.float32)
    y_tf = tf.constant(y, tf.float32)
    seeds = [run_seed(base_seed, r) for r in runs]
    shufflers = [np.random.default_rng([s, 1]) for s in seeds]
    fit_sets = [np.asarray(c[0]) for c in carves]
    val_mask = np.zeros((len(runs), n_rows), np.float32)
    for i, (_, val) in enumerate(carves):
        val_mask[i, val] = 1.0
    steps = max(math.ceil(len(f) / batch) for f in fit_sets)
    dropout_seed = np.int64(base_seed) % (2**31 - 1)

    def forward(params, h, masks=None):
        # h: (R, B, F); params: [W (R, in, out), b (R, out)] per layer; masks: per hidden layer (R, B, H) or None
        for layer in range(n_layers):
            h = tf.einsum("rbf,rfh->rbh", h, params[2 * layer]) + params[2 * layer + 1][:, None, :]
            if layer < n_layers - 1:
                h = act(h)
                if masks is not None:
                    h = h * masks[layer]
        return h[..., 0]

    spec_params = [tf.TensorSpec([None, *w.shape], tf.float32) for w in glorot_init(n_in, config.hidden, 0)]

    @tf.function(input_signature=[spec_params, spec_params, spec_params, tf.TensorSpec([None], tf.float32),
                                  tf.TensorSpec([None], tf.int32), tf.TensorSpec([None], tf.float32),
                                  tf.TensorSpec([None, steps, batch], tf.int32),
                                  tf.TensorSpec([None, steps, batch], tf.float32), tf.TensorSpec([], tf.int64)],
                 reduce_retracing=True)
    def epoch(params, m, v, t, run_ids, active, idx, wts, step0):
        for s in tf.range(steps):
            xb = tf.gather(X_tf, idx[:, s])
            yb = tf.gather(y_tf, idx[:, s])
            wb = wts[:, s]
            masks = None
            if rate > 0:
                masks = []
                for layer, width in enumerate(config.hidden):
                    # one stream per (step, layer) for all n_total runs; each run reads its own row of it
                    u = tf.random.stateless_uniform([n_total, batch, width],
                                                    seed=tf.stack([dropout_seed, (step0 + tf.cast(s, tf.int64)) * 16 + layer]))
                    keep = tf.cast(tf.gather(u, run_ids) >= rate, tf.float32)
                    masks.append(keep / (1.0 - rate))
            with tf.GradientTape() as tape:
                tape.watch(params)
                err = (forward(params, xb, masks) - yb) ** 2 * wb
                count = tf.reduce_sum(wb, axis=1)
                loss = tf.reduce_sum(tf.reduce_sum(err, axis=1) / tf.maximum(count, 1.0))
            grads = tape.gradient(loss, params)
            stepping = active * tf.cast(count > 0, tf.float32)
            t = t + stepping
            tt = tf.maximum(t, 1.0)
            alpha = lr * tf.sqrt(1 - ADAM_BETA_2 ** tt) / (1 - ADAM_BETA_1 ** tt)
            new_p, new_m, new_v = [], [], []
            for p, g, mi, vi in zip(params, grads, m, v):
                shape = tf.concat([tf.shape(stepping), tf.ones([tf.rank(p) - 1], tf.int32)], 0)
                on = tf.reshape(stepping, shape)
                mi = mi + on * (1 - ADAM_BETA_1) * (g - mi)
                vi = vi + on * (1 - ADAM_BETA_2) * (g * g - vi)
                p = p - on * tf.reshape(alpha, shape) * mi / (tf.sqrt(vi) + ADAM_EPSILON)
                new_p.append(p)
                new_m.append(mi)
                new_v.append(vi)
            params, m, v = new_p, new_m, new_v
        return params, m, v, t

    @tf.function(input_signature=[spec_params, tf.TensorSpec([None, n_rows], tf.float32)], reduce_retracing=True)
    def validation_loss(params, vmask):
        pred = forward(params, tf.broadcast_to(X_tf[None], [tf.shape(vmask)[0], n_rows, n_in]))
        return tf.reduce_sum(vmask * (pred - y_tf) ** 2, axis=1) / tf.maximum(tf.reduce_sum(vmask, axis=1), 1.0)

    init = [glorot_init(n_in, config.hidden, s) for s in seeds]
    params = [np.stack([w[k] for w in init]) for k in range(2 * n_layers)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = np.zeros(len(runs), np.float32)
    best_params = [p.copy() for p in params]
    best_loss = np.full(len(runs), np.inf)
    best_epoch = np.zeros(len(runs), int)
    wait = np.zeros(len(runs), int)
    alive = list(range(len(runs)))      # positions (into runs) still training, in the order of the arrays
    results: dict[int, RunResult] = {}

    def finish(pos: int, epochs_trained: int) -> None:
        res = RunResult(runs[pos], seeds[pos], [bp[pos].copy() for bp in best_params], epochs_trained,
                        int(best_epoch[pos]) + 1, float(best_loss[pos]))
        results[runs[pos]] = res
        if on_finish is not None:
            on_finish(res)

    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(runs), desc="runs finished", unit="run", mininterval=2.0)
    for ep in range(config.epochs):
        idx = np.zeros((len(alive), steps * batch), np.int32)
        wts = np.zeros((len(alive), steps * batch), np.float32)
        for i, pos in enumerate(alive):
            order = shufflers[pos].permutation(fit_sets[pos])
            idx[i, :len(order)] = order
            wts[i, :len(order)] = 1.0
        live = np.array(alive)
        out = epoch([p[live] for p in params], [x[live] for x in m], [x[live] for x in v], t[live],
                    np.array(runs, np.int32)[live], np.ones(len(alive), np.float32),
                    idx.reshape(len(alive), steps, batch), wts.reshape(len(alive), steps, batch),
                    np.int64(ep * steps))
        new_params, new_m, new_v, new_t = [[a.numpy() for a in group] for group in out[:3]] + [out[3].numpy()]
        for k in range(len(params)):
            params[k][live], m[k][live], v[k][live] = new_params[k], new_m[k], new_v[k]
        t[live] = new_t
        losses = validation_loss(new_params, val_mask[live]).numpy()
        stopped = []
        for i, pos in enumerate(alive):
            if losses[i] < best_loss[pos]:
                best_loss[pos], best_epoch[pos], wait[pos] = losses[i], ep, 0
                for k in range(len(params)):
                    best_params[k][pos] = new_params[k][i]
            else:
                wait[pos] += 1
                if wait[pos] >= config.patience:
                    stopped.append(pos)
        for pos in stopped:
            finish(pos, ep + 1)
        alive = [pos for pos in alive if pos not in stopped]
        if bar is not None and stopped:
            bar.update(len(stopped))
        if not alive:
            break
    for pos in alive:
        finish(pos, config.epochs)
    if bar is not None:
        bar.update(len(alive))
        bar.close()
    return [results[r] for r in runs]


# --------------------------------------------------------------------------- saved networks

@dataclass
class Network:
    """One or more trained networks with everything needed to predict: scaler, feature spec, parameters."""

    weights: list[list[np.ndarray]]
    scaler: Scaler
    spec: "FeatureSpec"
    config: TrainConfig
    meta: dict

    def predict_features(self, X: pd.DataFrame) -> np.ndarray:
        """Bs (T) per network and row (runs x rows) from a feature matrix."""
        return self.scaler.y_back(predict_scaled(self.weights, self.scaler.x(X), self.config.activation))

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Bs (T) per row of a tidy table (composition and annealing columns); the mean over networks."""
        from helpers.features import build_features

        X, _, _ = build_features(table, spec=self.spec, progress=False)
        return self.predict_features(X).mean(axis=0)


def save_network(folder: Path, weights: list[np.ndarray], scaler: Scaler, spec, config: TrainConfig,
                 meta: dict) -> Path:
    """Save one network so it loads on its own: model.keras, weights.npz, scaler, feature spec, parameters."""
    import keras

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
    """Load a network saved by save_network (models/r2_best, models/f1_best)."""
    from helpers.features import FeatureSpec

    folder = Path(folder)
    params = json.loads((folder / "params.json").read_text())
    config = TrainConfig(**params.pop("config"))
    return Network([read_weights(folder / "weights.npz")], Scaler.from_json(folder / "scaler.json"),
                   FeatureSpec.from_json(folder / "feature_spec.json"), config, params)


def load_ensemble(models_dir: str | Path) -> Network:
    """All runs of a repeated training (models/runs/*.npz) as one Network whose predictions are per run."""
    from helpers.features import FeatureSpec

    models_dir = Path(models_dir)
    state = json.loads((models_dir / "training.json").read_text())
    files = sorted((models_dir / "runs").glob("run_*.npz"))
    if not files:
        raise FileNotFoundError(f"{models_dir / 'runs'}: no trained runs")
    return Network([read_weights(f) for f in files], Scaler.from_json(models_dir / "scaler.json"),
                   FeatureSpec.from_json(models_dir / "feature_spec.json"), TrainConfig(**state["config"]),
                   {"runs": [int(f.stem.split("_")[1]) for f in files], **state})


# --------------------------------------------------------------------------- repeated training with resume

def repeated_training(X_train: pd.DataFrame, y_train: pd.Series, groups: np.ndarray, X_test: pd.DataFrame,
                      y_test: pd.Series, spec, config: TrainConfig, n_runs: int, base_seed: int,
                      threshold: float, models_dir: Path, tables_dir: Path, progress: bool = True) -> pd.DataFrame:
    """Train n_runs networks, score each on the test set, save as each finishes; resume finished runs on rerun.

    Writes models_dir/runs/run_NNN.npz, models_dir/{scaler,feature_spec}.json, models_dir/training.json,
    tables_dir/runs.csv (one row per run) and tables_dir/test_predictions.csv (one row per run and test row).
    """
    from helpers.metrics import scores

    models_dir, tables_dir = Path(models_dir), Path(tables_dir)
    runs_dir = models_dir / "runs"
    runs_csv, preds_csv = tables_dir / "runs.csv", tables_dir / "test_predictions.csv"
    scaler = Scaler.fit(X_train, y_train.to_numpy())
    fingerprint = _fingerprint(X_train, y_train, X_test, y_test, config, n_runs, base_seed, threshold)
    state_file = models_dir / "training.json"
    done: set[int] = set()
    if state_file.is_file() and json.loads(state_file.read_text()).get("fingerprint") == fingerprint \
            and runs_csv.is_file():
        done = {int(r) for r in pd.read_csv(runs_csv)["run"] if (runs_dir / f"run_{int(r):03d}.npz").is_file()}
    else:
        for stale in [runs_csv, preds_csv, *runs_dir.glob("run_*.npz")]:
            stale.unlink(missing_ok=True)
    runs_dir.mkdir(parents=True, exist_ok=True)
    tables_dir.mkdir(parents=True, exist_ok=True)
    scaler.to_json(models_dir / "scaler.json")
    spec.to_json(models_dir / "feature_spec.json")
    state_file.write_text(json.dumps({"fingerprint": fingerprint, "config": asdict(config), "n_runs": n_runs,
                                      "base_seed": base_seed, "threshold": threshold}, indent=1))
    if done and runs_csv.is_file():  # keep only rows of runs whose weights exist
        kept = pd.read_csv(runs_csv)
        kept[kept["run"].isin(done)].to_csv(runs_csv, index=False)
        if preds_csv.is_file():
            p = pd.read_csv(preds_csv)
            p[p["run"].isin(done)].to_csv(preds_csv, index=False)
    todo = [r for r in range(n_runs) if r not in done]
    print(f"{len(done)} of {n_runs} runs already finished with these parameters; training {len(todo)}.")

    X_fit = scaler.x(X_train)
    y_fit = scaler.y(y_train.to_numpy())
    X_eval = scaler.x(X_test)

    def record(res: RunResult) -> None:
        np.savez(runs_dir / f"run_{res.run:03d}.npz", *res.weights)
        predicted = scaler.y_back(predict_scaled([res.weights], X_eval, config.activation)[0])
        row = {"run": res.run, "seed": res.seed, **scores(y_test.to_numpy(), predicted, threshold),
               "epochs_trained": res.epochs_trained, "best_epoch": res.best_epoch}
        pd.DataFrame([row]).to_csv(runs_csv, mode="a", header=not runs_csv.is_file(), index=False)
        pd.DataFrame({"run": res.run, "row_id": X_test.index, "measured": y_test.to_numpy(),
                      "predicted": predicted}).to_csv(preds_csv, mode="a", header=not preds_csv.is_file(),
                                                      index=False)

    if todo:
        carves = [validation_carve(groups, config.val_fraction, run_seed(base_seed, r)) for r in todo]
        train_vectorized(X_fit, y_fit, carves, todo, base_seed, config, n_total_runs=n_runs,
                         on_finish=record, progress=progress)
    return pd.read_csv(runs_csv).sort_values("run").reset_index(drop=True)


def _fingerprint(X_train, y_train, X_test, y_test, config, n_runs, base_seed, threshold) -> str:
    import hashlib

    digest = hashlib.sha256()
    for frame in (X_train, y_train, X_test, y_test):
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(json.dumps([asdict(config), n_runs, base_seed, threshold, list(X_train.columns)]).encode())
    return digest.hexdigest()[:20]


def pick_best(scores: pd.DataFrame) -> dict[str, int]:
    """Positions (0-based, in table order) of the R2-best and F1-best runs; F1 ties go to the higher R2, then the first."""
    order = np.arange(len(scores))
    r2_best = int(np.lexsort((order, -scores["r2"].to_numpy()))[0])
    f1_best = int(np.lexsort((order, -scores["r2"].to_numpy(), -scores["f1"].to_numpy()))[0])
    return {"R2 best": r2_best, "F1 best": f1_best}


def best_runs(runs: pd.DataFrame) -> dict[str, int]:
    """Run ids of the 'R2 best' (highest test R2) and 'F1 best' (highest test F1, ties by R2) runs of runs.csv."""
    ordered = runs.sort_values("run").reset_index(drop=True)
    return {name: int(ordered.loc[pos, "run"]) for name, pos in pick_best(ordered).items()}
