# %% [markdown]
# # 06 · Beyond the paper: an honest estimate, simpler models, and how far to trust a prediction
#
# Three questions the paper leaves open.
#
# 1. **How good are the chosen models on alloys they have never seen?** The paper picks the best of 100 runs by
#    their test score and reports that same score. Picking the maximum of 100 noisy numbers favours runs that got lucky
#    on those particular test alloys, so the reported score is optimistic. Here the choice is made on selection
#    alloys, a share of the training alloys, and the chosen runs are then scored on outer test alloys that neither training nor
#    selection saw. Repeating this over grouped K-fold outer splits gives a mean and a spread. The paper's rule is
#    applied to the same networks, and the gap between the two is its optimism.
# 2. **Does the ANN beat simpler models?** Predict-the-mean, ridge regression, random forest and gradient boosting
#    get the same splits, features and metrics, along with the ensemble of all runs (the mean of their predictions).
# 3. **Does the spread of the runs tell us how far to trust a prediction?** If the ensemble's standard deviation were
#    a Gaussian error bar of the right size, about 68 % of measured values would fall within one standard deviation of
#    the ensemble mean and about 95 % within two.
#
# The network is the one notebook 03 trained (same layers and training settings, read from its saved parameters).
# The case-study alloys of notebook 05 are not in these data (they were chosen as compositions absent from them),
# so they stay out of everything here too.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
import time

import pandas as pd
from IPython.display import display

from helpers import evaluation, findings, metrics, plots, split, summaries
from helpers.discovery import real
from helpers.modeling.network import TrainConfig
from helpers.outputs import OutputDir
from helpers.plots import uncertainty_figures

plots.setup_style()

# %% tags=["parameters"]
n_outer_folds = 5  # grouped, Bs-stratified outer folds
selection_fraction = 0.2  # share of each fold's training alloys used only to choose the R2/F1 best runs
n_runs = 100  # networks per fold (run_all.sh -p n_runs sets 03 and 06 alike)
fold_seed = 0
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
overwrite = False  # True: replace outputs in out_dir made with other parameters (and those that read them)

# %%
from helpers.pipeline import consistency

execution = consistency.begin("06", globals())  # checks every parameter; other values: a fork

# %%
out = OutputDir(out_dir)
table = out.read_table("dataset", index_col="row_id")
X = out.read_parquet("features")
trained = out.read_json("training")  # the network and seeds notebook 03 trained with
config = TrainConfig.from_dict(trained["config"])
threshold = out.threshold  # declared in notebook 01
print(
    f"{len(table)} rows, {table['composition'].nunique()} alloys; {n_outer_folds} outer folds x {n_runs} runs; {config}"
)

# %% [markdown]
# ## Run the folds
# Per fold: the outer training alloys are split into fitting alloys and selection alloys (grouped, stratified by Bs);
# `n_runs` networks are fitted on the fitting alloys; the R2-best and F1-best runs are chosen on the selection
# alloys (honest) and on the test alloys (the paper's rule); baselines are fitted on the same fitting alloys. The
# networks of all folds train together, in one vectorized computation: each run sees only its own fold's fitting
# alloys (a mask of rows, with the scaler of those rows), so it is the network that fold would get trained alone.

# %%
start = time.time()
folds = split.grouped_folds(table, n_outer_folds, fold_seed)
results = evaluation.evaluate_folds(
    table=table,
    X=X,
    folds=folds,
    config=config,
    n_runs=n_runs,
    base_seed=trained["base_seed"],
    threshold=threshold,
    selection_fraction=selection_fraction,
    fold_seed=fold_seed,
)
for k, ((train_ids, test_ids), res) in enumerate(zip(folds, results, strict=True)):
    print(
        f"fold {k}: {len(train_ids)} training rows ({len(res.selection_ids)} for selection), {len(test_ids)} test rows"
    )
print(f"{n_outer_folds} folds x {n_runs} runs trained and scored in {time.time() - start:.0f} s")

# %% [markdown]
# ## The paper's protocol against the honest one
# Mean and fold-to-fold standard deviation of the test scores of the runs each protocol chose. The two `optimism`
# rows are the paper's protocol minus the honest one, fold by fold, then averaged: a positive R2 or F1 difference and a
# negative RMSE difference mean the paper's protocol makes the model look better than it is. Each model is optimistic
# mainly in the score it was selected by.

# %%
per_fold = pd.concat([r.protocols.assign(fold=k) for k, r in enumerate(results)], ignore_index=True)
protocols = pd.concat(
    [evaluation.summarize(per_fold, ["protocol", "model"]), evaluation.optimism(per_fold)], ignore_index=True
)
out.write_table("protocols", protocols)
shown = ["r2_mean", "r2_std", "rmse_mean", "rmse_std", "f1_mean", "f1_std"]
protocols.set_index(["protocol", "model"])[shown].round(3)

# %% [markdown]
# ## Baselines
# Every model on the same outer folds, fitted on the same alloys, sorted by mean test R2 (with its standard deviation
# over folds).

# %%
base_per_fold = pd.concat([r.baselines.assign(fold=k) for k, r in enumerate(results)], ignore_index=True)
baselines = evaluation.summarize(base_per_fold, ["model"]).sort_values("r2_mean", ascending=False)
out.write_table("baselines", baselines)
display(baselines.set_index("model")[shown].round(3))
fig = uncertainty_figures.baseline_bars(baselines)
out.save_figure("baselines_figure", fig)

# %% [markdown]
# The best ANN variant (first column) against the best other model (second column), each the best of its kind by mean
# R2, metric by metric. `ANN minus other` favours the ANN when it is positive for R2 and F1 and negative for RMSE; it
# means something only when it is larger than the `fold-to-fold spread` (the larger of the two models' standard
# deviations over folds). When it is not, the two are a tie on this data.

# %%
summaries.ann_against_baselines(baselines).round(3)

# %% [markdown]
# ## Does the ensemble spread cover the errors?
# The share of test rows whose measured Bs lies within one and two ensemble standard deviations of the ensemble mean,
# per fold and pooled over folds; a Gaussian error bar of the right size would give 0.68 and 0.95.

# %%
spread = pd.DataFrame([r.spread_coverage for r in results])
spread.index.name = "fold"
out.write_table("spread_coverage", spread, index=True)
pooled = pd.concat([r.ensemble_table.assign(fold=k) for k, r in enumerate(results)])
fig = uncertainty_figures.spread_coverage(pooled["measured"], pooled["bs_ensemble"], pooled["ensemble_std"])
out.save_figure("spread_coverage_figure", fig)
pooled_spread = metrics.spread_coverage(pooled["measured"], pooled["bs_ensemble"], pooled["ensemble_std"])
pooled_row = pd.DataFrame([pooled_spread], index=["pooled"])
pd.concat([spread, pooled_row]).round(3)

# %% [markdown]
# Read the coverage as it is: an ensemble of runs of one network on one data set captures the disagreement between
# runs (model uncertainty), not the scatter between laboratories or the effect of an unseen processing route, so it
# usually under-covers. Use it to rank predictions by trust, not as an error bar with a guaranteed confidence level.

# %% [markdown]
# ## Prediction intervals with a guaranteed coverage
# The ensemble spread is not an error bar, so every prediction of this project carries a **conformal prediction
# interval** instead (`helpers/intervals.py`, crepes): in each outer fold it is calibrated on the out-of-bag errors of
# the fitting alloys (each run's own early-stopping alloys), never on the fold's test alloys, and normalized by a
# difficulty estimate (the mean out-of-bag error of the 25 nearest fitting alloys plus the ensemble spread), so that
# harder alloys get wider intervals. Below: the share of test rows inside their interval at 80, 90 and 95 %, against
# the plain split-conformal interval (one quantile of the absolute errors for every alloy) and the ensemble mean
# ± k standard deviations with the Gaussian k of that level. Coverage first: an interval that misses its promise is
# no use however narrow; among those that keep it, narrower is better.

# %%
coverage = summaries.interval_coverage(pooled)
out.write_table("interval_coverage", coverage)
coverage[coverage["category"] == "all"].pivot(
    index="method", columns="level", values=["coverage", "mean_width_T"]
).round(3)

# %% [markdown]
# The same by annealing state and by domain. Few rows in a category (see `rows`) make its coverage noisy; the line
# below says by how much for the smallest.

# %%
print(findings.smallest_category(coverage))
coverage[(coverage["category"] != "all") & (coverage["level"] == 0.9)].pivot(
    index="category", columns="method", values=["rows", "coverage", "mean_width_T"]
).round(3)

# %%
fig = uncertainty_figures.interval_coverage(coverage[coverage["category"] == "all"])
out.save_figure("interval_coverage_figure", fig)

# %% [markdown]
# ## A domain flag that separates large errors from small
# An applicability-domain flag is useful only if predictions outside the domain are worse than those inside. The rule
# (`helpers/domain.py`) sends an alloy outside when it holds an element or an element amount the training data lack,
# when it is as-quenched while training has few as-quenched rows, or when its difficulty is above that of 80 % of the
# training alloys. The table gives the mean absolute error of the ensemble on both sides, over the outer folds (each
# fold's domain fitted on its own fitting alloys) and on the case-study alloys of notebook 05. The aim is an out/in
# ratio of at least 1.5.

# %%
case_rows = out.read_table("case_study") if out.exists("case_study") else None
domain_table = summaries.domain_error_table(pooled, case_rows)
out.write_table("domain_errors", domain_table)
domain_table.round(3)

# %%
fig = uncertainty_figures.error_against_difficulty(pooled)
out.save_figure("error_vs_difficulty", fig)

# %% [markdown]
# ## Which model to take for new alloys
# The R2 of the ensemble (the mean of all runs) and of the two single networks, chosen on the selection alloys, over
# the outer folds; and R2 and MAE on the case-study alloys of another source (notebook 05, networks of notebook 03). A
# single network picked by one score rides on its luck with the alloys it was picked on; the mean of many runs does
# not. Look for two things below: whether the three differ by more than the fold-to-fold spread over the outer folds,
# and which has the lowest error on the case-study alloys. R2 can be negative on the case study even for a good model,
# because those alloys span a narrow Bs range (MAE is the fairer measure there). **For a new alloy, take the ensemble
# with its prediction interval and read its domain notes**: that is what `python -m helpers.predict` prints first.

# %%
on_new_alloys = summaries.models_on_new_alloys(baselines, case_rows)
print(findings.models_on_new_alloys(on_new_alloys, baselines))
on_new_alloys.round(3)

# %% [markdown]
# ## Every outer test row, predicted
# One row per outer test row (`tables/outer_predictions.csv`): its fold, composition and treatment, the measured Bs,
# the ensemble mean and spread, the conformal interval at the default level, the best measured Bs of the fold's
# training rows, and the domain flag. Each row was predicted by networks that never saw its alloy. This is the table
# the discovery benchmark (`python -m helpers.discovery.real`) ranks.

# %%
outer = real.outer_predictions(pooled, table)
out.write_table("outer_predictions", outer)
print(
    f"{len(outer)} outer test rows, {outer['composition'].nunique()} alloys, "
    f"interval level {outer['interval_level'].iloc[0]:g}"
)
outer.head()

# %%
consistency.finish(execution)  # the provenance record of this execution
