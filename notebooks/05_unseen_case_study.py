# %% [markdown]
# # 05 · Unseen Fe-rich alloys (paper Fig. 6)
#
# The paper's last test: 27 recently reported Fe-rich, high-Bs alloys that were in neither its training nor its test
# data. Our equivalent comes from an independent public compilation (weonepiece/Fe-based-amorphous-alloys): its rows
# whose normalized composition does not occur anywhere in our training database and that hold at least
# `case_min_fe` at.% Fe. Notebook 02 chose those rows (its `case_study_source` and `case_min_fe` parameters) and saved
# them; this notebook reads them. Their compositions are absent from the training data, so they never took part in
# training, early stopping or model selection.
#
# Every row is predicted with its own annealing conditions (the compilation lists the annealing temperature and
# time of every measurement), so one alloy can appear several times. The first cell below also says how many rows are
# as-quenched, beside the as-quenched rows the models learned from: where those are few, an as-quenched prediction
# says so in its domain notes.
#
# Beyond the paper, each row gets three predictions: the R2 best and F1 best networks, and the **ensemble** (the mean
# of all runs of notebook 03), with the ensemble's 90 % conformal prediction interval and the applicability-domain
# flag. On alloys from another source the single networks picked by a test score can generalize far worse than the
# ensemble; the tables below show by how much.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
import pandas as pd

from helpers import evaluation, findings, plots, predict, summaries
from helpers.outputs import OutputDir
from helpers.plots import paper_figures

plots.setup_style()

# %% tags=["parameters"]
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
overwrite = False  # True: replace outputs in out_dir made with other parameters (and those that read them)

# %%
from helpers.pipeline import consistency

execution = consistency.begin("05", globals())  # checks every parameter; other values: a fork

# %%
out = OutputDir(out_dir)
training = out.read_table("dataset", index_col="row_id")
cases = out.read_table("case_study_rows", index_col="row_id")  # chosen by notebook 02
chosen = out.read_json("split_parameters")
print(
    f"case study from {chosen['case_study_file']} ({chosen['case_study_source']}), Fe >= {chosen['case_min_fe']:g} "
    f"at.%: {len(cases)} rows, {cases['composition'].nunique()} alloys, Fe {cases['fe_at_pct'].min():g} to "
    f"{cases['fe_at_pct'].max():g} at.%, measured Bs {cases['bs_tesla'].min():.2f} to {cases['bs_tesla'].max():.2f} T"
)
print(findings.case_study_states(cases, training))

# %% [markdown]
# ## Predictions

# %%
models = list(evaluation.MODEL_KEYS)  # ensemble, R2 best, F1 best
predicted = predict.predict_table(cases, out.root, models="evaluated")  # predict's code, with 03's models
result = summaries.case_study_table(cases, predicted)
out.write_table("case_study", result)
result.head(10).round(3)

# %% [markdown]
# ## Inside or outside the training domain, and inside the interval?
# Each row carries the ensemble's 90 % prediction interval and an applicability-domain flag with its reasons
# (`helpers/domain.py`: an element or element amount the training data lack, an as-quenched alloy when training has
# few, or a difficulty above that of 80 % of the training alloys). Two checks on alloys nothing was fitted on: the
# share of measured values inside their intervals (90 % promised), and whether rows outside the domain have larger
# errors than rows inside.

# %%
pd.concat(
    {
        "interval": summaries.interval_check(result),
        "domain": evaluation.domain_errors(result),
    },
    axis=1,
).round(3)

# %% [markdown]
# The alloys outside the domain, and why:

# %%
summaries.outside_domain(result)

# %% [markdown]
# ## Fig. 6
# (a) Measured and predicted Bs of every case-study alloy, ordered by Fe content, with the ensemble's 90 % interval;
# (b) measured Bs against Fe content for the whole training database, the case-study alloys on top; (c) the percentage
# errors of the three models.

# %%
fig = paper_figures.case_study(result, training, models)
out.save_figure("fig6", fig)

# %% [markdown]
# ## What the numbers say
# The mean absolute error (MAE) of each model on the case-study rows: first on all of them, then split three ways, each
# into its two sides: inside or outside the applicability domain, Fe content inside or outside the training range, and
# Fe contents that do or do not occur in the training data (the paper saw its largest errors at 85 at.% Fe, a content
# absent from its training data). `rows` says how many rows each number rests on; an empty side shows NaN, and then that
# effect cannot be tested here. Compare the two sides of one comparison, and mind `rows`: a small difference between
# sides that rest on few alloys is noise. The mean signed error is positive when a model over-predicts; the lower MAE in
# the first row says which model does better on these alloys.

# %%
errors = summaries.case_study_errors(result, training, models)
out.write_table("case_study_summary", errors, index=True)
errors.round(3)

# %%
consistency.finish(execution)  # the provenance record of this execution
