# %% [markdown]
# # 03 · One network, trained 100 times (paper Fig. 3)
#
# A neural network's result depends on its random start, its dropout masks and the order it sees the data. The paper
# trains the same network 100 times, scores each run on the test set with R² and with F1 (does the model put alloys
# on the right side of 1.4 T, the Bs of industrial silicon steel?), and keeps two runs: the **R2 best** and the
# **F1 best** model.
#
# The paper gives its layer sizes only in a drawing; ours are parameters below. Each run is a fully connected network
# with dropout, trained with Adam on standardized features (statistics of the training rows only) and stopped early
# when the loss on a validation share of the training alloys stops improving.
#
# **Speed.** The 100 runs are trained together, as one vectorized TensorFlow computation in which every run keeps its
# own weights, initialization, dropout, shuffling and stopping point (`helpers/training.py`). That makes this notebook
# about 30 times faster than fitting the runs one by one (`benchmarks/bench_training.py` measures it). Results are saved
# as each run finishes; rerun the notebook with the same parameters after an interruption and it trains only the runs
# that are missing.
#
# **A caution the paper does not give.** Picking the best of 100 runs by their test score and then reporting that
# same score flatters the chosen runs. Notebook 06 measures by how much.

# %%
import json
import time

import pandas as pd
from IPython.display import display

from helpers import evaluation, network, plots, repeated_training, saved_models
from helpers.features import FeatureSpec
from helpers.metrics import METRIC_COLUMNS, scores
from helpers.paths import OutputDir
from helpers.plots import paper_figures

plots.setup_style()

# %% tags=["parameters"]
n_runs = 100
hidden = [128, 64]  # nodes per hidden layer
dropout = 0.2
activation = "relu"
learning_rate = 1e-3
epochs = 500  # at most; early stopping usually ends a run long before
batch_size = 32
patience = 50  # epochs without a better validation loss before a run stops
val_fraction = 0.2  # share of the training alloys held out for early stopping (per run)
base_seed = 0  # run r uses seed base_seed + r
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)

# %%
out = OutputDir(out_dir)
table = pd.read_csv(out.data / "dataset.csv", index_col="row_id")
X = pd.read_parquet(out.data / "features.parquet")
spec = FeatureSpec.from_json(out.data / "feature_spec.json")
threshold = json.loads((out.data / "analysis.json").read_text())["threshold"]  # declared in notebook 01
side = pd.read_csv(out.data / "split.csv", index_col="row_id")["set"]
train_ids, test_ids = side.index[side == "train"], side.index[side == "test"]
config = network.TrainConfig(
    hidden=tuple(hidden),
    dropout=dropout,
    activation=activation,
    learning_rate=learning_rate,
    epochs=epochs,
    batch_size=batch_size,
    patience=patience,
    val_fraction=val_fraction,
)
print(
    f"{len(train_ids)} training rows, {len(test_ids)} test rows, {X.shape[1]} features ({spec.feature_set}); "
    f"F1 threshold {threshold:g} T"
)
print(config)

# %% [markdown]
# ## The network
# Every run trains this network (here as the Keras model that `models/*/model.keras` holds; the vectorized trainer uses the same layers): one Dense layer with dropout per entry of `hidden`, and one linear output.

# %%
network.keras_network(X.shape[1], config).summary()

# %% [markdown]
# ## Train
# A progress bar counts finished runs. Each run's test scores are computed with scikit-learn as soon as it stops.

# %%
start = time.time()
runs = repeated_training.repeated_training(
    X_train=X.loc[train_ids],
    y_train=table.loc[train_ids, "bs_tesla"],
    groups=table.loc[train_ids, "composition"].to_numpy(),
    X_test=X.loc[test_ids],
    y_test=table.loc[test_ids, "bs_tesla"],
    spec=spec,
    config=config,
    n_runs=n_runs,
    base_seed=base_seed,
    threshold=threshold,
    models_dir=out.models,
    tables_dir=out.tables,
)
print(f"{len(runs)} runs ready in {time.time() - start:.0f} s")
runs.describe().loc[["mean", "std", "min", "max"]].drop(columns=["run", "seed"]).round(3)

# %% [markdown]
# ## Fig. 3(a): how much the runs differ
# As in the paper, F1 varies far more than R² from run to run: a few alloys near 1.4 T crossing the line change F1,
# while R² averages over every alloy.

# %%
fig = paper_figures.metric_boxplots(runs)
plots.save_fig(fig, "fig3a_boxplots", out.figures)

# %% [markdown]
# ## Fig. 3(b): R² against F1, and the two chosen runs
# The R2 best run is the one with the highest test R²; the F1 best run has the highest test F1 (ties go to the higher
# R²). They are often different runs: a high R² does not guarantee the best sorting around 1.4 T.

# %%
best = evaluation.best_runs(runs)
display(runs.set_index("run").loc[list(best.values())].assign(model=list(best)).set_index("model").round(3))
fig = paper_figures.r2_f1_scatter(runs, best["R2 best"], best["F1 best"])
plots.save_fig(fig, "fig3b_r2_vs_f1", out.figures)

# %% [markdown]
# ## Save the two models
# Each goes to its own folder (`models/r2_best/`, `models/f1_best/`) with its weights (`weights.npz`, and `model.keras`
# for use with Keras alone), its scaler, its feature list and the parameters it was trained with, so notebooks 04 and
# 05, the `helpers.predict` command, or your own script can load it with `helpers.network.load_network(folder)` (or all of them at once, checked, with
# `helpers.saved_models.load_saved_models(out_dir)`).
# All runs stay in `models/runs/` as the ensemble.

# %%
scaler = network.Scaler.from_json(out.models / "scaler.json")
for name, r in best.items():
    row = runs.set_index("run").loc[r]
    meta = {
        "run": r,
        "seed": int(row["seed"]),
        "base_seed": base_seed,
        "selected_by": name,
        "threshold": threshold,
        "test_scores": row[METRIC_COLUMNS].to_dict(),
        "n_train_rows": len(train_ids),
    }
    weights = network.read_weights(out.models / "runs" / f"run_{r:03d}.npz")
    folder = network.save_network(out.models / evaluation.SELECTED_MODELS[name], weights, scaler, spec, config, meta)
    reloaded = network.load_network(folder).predict_features(X.loc[test_ids])
    check = scores(table.loc[test_ids, "bs_tesla"], reloaded, threshold)
    print(f"{name}: run {r} saved to {folder}; reloaded, it scores test R2 {check['r2']:.3f}, F1 {check['f1']:.3f}")

# %% [markdown]
# ## How far to trust a prediction: intervals and the applicability domain
# Every run held out its own validation alloys, so each training row was also predicted by the runs that never fitted
# it (about a fifth of them). Those *out-of-bag* predictions miss by a realistic amount, and their residuals calibrate a
# conformal prediction interval (crepes) around the ensemble mean: no test row is used. The interval is wider where
# predictions are harder, measured by the mean out-of-bag error of the 25 nearest training alloys plus the spread of the
# runs (`helpers/intervals.py`). The same difficulty, with the elements and element amounts of the training data and
# the number of as-quenched rows, defines the applicability domain (`helpers/domain.py`). Both are saved beside the
# models, and notebook 06 checks on untouched alloys that the intervals cover what they promise.

# %%
calibration, domain = saved_models.save_uncertainty(
    out.models, train=table.loc[train_ids], X_train=X.loc[train_ids], config=config, base_seed=base_seed
)
pd.Series(
    {
        "calibration rows (out of bag)": len(calibration.residuals),
        "difficulty limit of the domain (T)": round(domain.difficulty_limit, 3),
        "as-quenched training rows": domain.n_as_quenched,
        "elements in training": " ".join(domain.elements),
    },
    name="uncertainty",
).to_frame()
