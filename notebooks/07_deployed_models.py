# %% [markdown]
# # 07 · Deployed models: learn from every public row, after measuring how well that transfers
#
# Notebooks 03 to 06 answer the paper's questions with models trained on the training side of one source's split:
# right for reproducing the paper, for Table 1 and for an honest evaluation, and wrong for someone who wants the best
# prediction for a new alloy, because the test rows and the second public Bs source are measured alloys those models
# never learn from. This notebook trains the **deployed models**: the same network, trained the same number of
# times by the same vectorized trainer, on every usable row of both Bs sources (01's dataset and the source 02 reads
# its case study from), with their own conformal calibration and domain. `python -m helpers.predict` and the screen
# of notebook 09 use them; 04, 05 and 06 keep evaluating 03's models.
#
# **The case-study alloys stay out.** Notebook 02 chose them as the alloys of the second source that are absent from
# the first; notebook 05 predicts them with models that never saw them, and 09 checks its ranking on them. No model
# of this notebook is trained, stopped early, calibrated or selected on them; they may only be test rows.
#
# **Measured before trusted.** Pooling two compilations helps only if what is learnt from one holds for the other.
# Before training the deployed models, two evaluations measure it:
#
# * *grouped cross-validation* over the pooled rows (whole alloys per fold), and
# * *leave one source out*: train on one source, test on the alloys of the other source that it lacks: the closest
#   the public data come to a new laboratory's alloys.
#
# Each compares the ensemble (the mean of all runs), the R2-best network (chosen on selection alloys, as in 06) and a
# random forest, by MAE, RMSE and R2, per annealing state and per source; the ensemble's intervals by their coverage
# at 80, 90 and 95 %; and the domain flag by the error outside it against inside.
#
# **As-quenched rows are few** (none at all in the second source), and as-quenched and annealed Bs of one alloy can
# differ a lot. The intervals of these models are therefore calibrated *by annealing state* (Mondrian conformal
# regression, `helpers/intervals.py`): each state on its own out-of-bag errors. Where a state has too few
# calibration rows for a level, its interval is the all-rows interval widened by a stated factor, and the prediction
# says `interval_calibrated = False`.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
from helpers import findings, plots
from helpers.deployment import deployed, scores, transfer
from helpers.deployment.pool import build_pool
from helpers.features import FeatureSpec
from helpers.intervals import UNCALIBRATED_WIDENING
from helpers.modeling.files import ModelFiles, load_saved_models
from helpers.modeling.network import TrainConfig
from helpers.outputs import OutputDir
from helpers.plots import transfer_figures

plots.setup_style()

# %% tags=["parameters"]
pool_sources = True  # also learn from 02's case-study source (its case-study alloys excepted); False: 01's data alone
n_runs = 100  # networks per fold and of the deployed ensemble (run_all.sh -p n_runs sets 03, 06 and 07 alike)
n_outer_folds = 5  # grouped, Bs-stratified folds of the cross-validation over the pool
selection_fraction = 0.2  # share of each fold's training alloys used only to choose the R2-best run
fold_seed = 0
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
overwrite = False  # True: replace outputs in out_dir made with other parameters (and those that read them)

# %%
from helpers.pipeline import consistency

execution = consistency.begin("07", globals())  # checks every parameter; other values: a fork

# %% [markdown]
# ## The pooled rows
# Every usable row of each source (rows that failed the checks of notebook 01 are left out, as there), with the
# features of notebook 01's spec. The counts say how many rows each source gives, how many of them are as-quenched,
# and how many rows belong to case-study alloys (test rows only).

# %%
out = OutputDir(out_dir)
threshold = out.threshold  # declared in notebook 01
trained = out.read_json("training")  # the network and seeds of notebook 03
config, base_seed = TrainConfig.from_dict(trained["config"]), trained["base_seed"]
spec = FeatureSpec.from_json(out.path("feature_spec"))
pool = build_pool(out, pool_sources)
by_state = "annealed" in spec.columns  # intervals by annealing state need the state among the features
print(f"{len(pool.table)} rows from {len(pool.sources)} source(s); {len(pool.trainable)} may be learnt from")
pool.counts()

# %% [markdown]
# ## The folds
# The cross-validation folds cut the pool by alloy; the leave-one-source-out folds train on one source and test on
# the other source's alloys that the training source lacks (with the second source as the training side, every
# as-quenched test row is an alloy whose state the training data never show).

# %%
folds = transfer.transfer_folds(pool, n_outer_folds, fold_seed)
transfer.fold_table(pool, folds)

# %% [markdown]
# ## Train and predict every fold
# All folds' runs train in one vectorized computation (each run sees only its fold's fitting alloys); each fold then
# predicts its test rows with the three models, the intervals and the domain of its own fitting alloys. The cell
# prints how many test rows each evaluation predicted.

# %%
rows = transfer.evaluate(pool, folds, config, n_runs, base_seed, threshold, selection_fraction, fold_seed, by_state)
out.write_table("transfer_predictions", rows.rename_axis("pool_row").reset_index())
rows.groupby("evaluation", sort=False).size().rename("test rows").to_frame()

# %% [markdown]
# ## How well each model transfers
# MAE, RMSE and R2 per evaluation, annealing state and source of the test rows (R2 is low or negative where the test
# rows span a narrow Bs range; MAE is the fairer measure there). For the ensemble: the share of measured values
# inside the 80, 90 and 95 % intervals, the mean width of the 90 % interval, and the share of rows whose 90 %
# interval is calibrated (below one: the state had too few calibration rows, see above).

# %%
table = scores.score_table(rows, threshold)
out.write_table("transfer_scores", table)
shown = ["rows", "alloys", "mae", "rmse", "r2", "coverage_80", "coverage_90", "coverage_95", "calibrated_90"]
table.set_index(["evaluation", "category", "model"])[shown].round(3)

# %% [markdown]
# Does the domain flag still separate large errors from small when the test alloys come from elsewhere? The ensemble's
# MAE outside and inside the domain (each fold's domain fitted on its fitting alloys) and their ratio.

# %%
domain_table = scores.domain_table(rows)
out.write_table("transfer_domain", domain_table)
domain_table.round(3)

# %% [markdown]
# ## The figure
# (a) MAE per model, evaluation and annealing state, with the goals of the deployed ensemble dashed over the
# leave-one-source-out bars; (b) the observed coverage of the ensemble's intervals against the promised coverage (the
# grey band: three points either side).

# %%
fig = transfer_figures.transfer(table)
out.save_figure("transfer_figure", fig)

# %% [markdown]
# ## The goals
# Measured on the leave-one-source-out test rows (both directions together): the ensemble's MAE on annealed and on
# as-quenched rows, and the coverage of its 90 % intervals per annealing state. Misses are printed as they are.

# %%
goals = scores.goals(table)
out.write_table("deployment_goals", goals)
print(f"as-quenched intervals without calibration rows: widened {UNCALIBRATED_WIDENING:g} times about the prediction")
goals.round(3)

# %% [markdown]
# ## The deployed models
# The network of notebook 03, trained `n_runs` times on every row the pool allows (nothing held out as a test set:
# the evaluations above stand for it). Each run's early-stopping alloys give its out-of-bag scores (which choose the
# R2-best and F1-best networks), the calibration of the intervals by annealing state and the domain. They are saved to
# `models/deployed/`, then loaded back with the checked loader that `python -m helpers.predict` uses.

# %%
files = ModelFiles(out.root, "deployed")
runs = deployed.train_deployed(pool, spec, config, n_runs, base_seed, threshold, files)
out.write_table("deployed_rows", pool.table.loc[pool.trainable].rename_axis("pool_row"), index=True)
saved = load_saved_models(out.root, "deployed")
print(findings.deployed_models(saved))
runs.describe().loc[["mean", "min", "max"], ["r2", "rmse", "mae", "epochs_trained"]].round(3)

# %%
consistency.finish(execution)  # the provenance record of this execution
