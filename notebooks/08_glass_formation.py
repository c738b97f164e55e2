# %% [markdown]
# # 08 · Beyond the paper: will it form a glass?
#
# A Bs prediction is worth something only for an alloy that solidifies as a glass. Every row of our Bs data is a
# melt-spun ribbon that came out amorphous (and was then, mostly, annealed), so the Bs models never saw an alloy that
# failed to form a glass. Yet the Fe-rich corner where Bs is highest (much Fe, around a tenth or more of B, little Si,
# P or Cu) is exactly where melt spinning starts to give crystalline ribbons. The literature screens with a
# formability condition beside Bs (Lu et al., npj Comput. Mater. 2020; Ward et al., Acta Mater. 2018; Schultz et al.,
# Comput. Mater. Sci. 2022). This notebook builds that condition: a classifier of **P(glass as a melt-spun ribbon)**
# from the same 156 features, judged on chemical systems it has never seen, with probabilities that mean what they
# say. The screen of notebook 09 can then rank candidates by Bs and by the chance that they can be made at all.
#
# Two public sources label compositions glass or not (data/sources.json): Ward et al. 2018 (each alloy a melt-spun
# ribbon glass, a bulk glass or no glass) and the UW DMREF database (one row per reported synthesis, amorphous or
# crystalline, with its route). Of DMREF only the melt-spun reports are kept. The classifiers are judged on the
# Fe-based compositions (at least 50 at.% Fe) alone, but they learn from every alloy family of both sources: glass
# formation follows rules that hold across families (atomic size mismatch, mixing enthalpy, deep eutectics), and the
# table in "The classifiers" measures what the other families add.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
from IPython.display import display

from helpers import plots
from helpers.features import featurize_where_defined
from helpers.glass import checks, comparison, evaluation
from helpers.glass import data as glass_data
from helpers.glass import model as glass_model
from helpers.outputs import OutputDir
from helpers.plots import glass_figures

plots.setup_style()

# %% tags=["parameters"]
glass_folds = 5  # cross-validation folds, grouped by chemical system
glass_trees = 100  # trees of the random forest, iterations of the gradient boosting
glass_runs = 10  # networks of the classifier ensemble (per fold, and for the final model)
glass_epochs = 300  # the most epochs a classifier network trains (early stopping ends most runs sooner)
glass_seed = 0
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
overwrite = False  # True: replace outputs in out_dir made with other parameters (and those that read them)

# %%
from helpers.pipeline import consistency

execution = consistency.begin("08", globals())  # checks every parameter; other values: a fork

# %% [markdown]
# ## The data
# Both files are fetched by pinned URL and sha256 (or from the offline mirror) and read through the checks every
# input gets (helpers/validation.py). A row that fails one is listed with its file, row, column, value and reason in
# `tables/glass_bad_rows.csv`; nothing is dropped without a line there or a note below.

# %%
out = OutputDir(out_dir)
sources = glass_data.load_glass_sources()
for source in sources:
    print(f"{source.name}: {source.rows_read} rows read, {len(source.reports)} reports kept")
    for note in source.notes:
        print(f"  {note}")

# %% [markdown]
# A composition is often reported more than once (both sources, several papers). The label rule: a composition is a
# **glass** when every report of it says glass (a ribbon or a bulk glass; DMREF's amorphous), and **not a glass** as
# soon as one report says crystalline, amorphous + crystalline, or no glass. A composition that some laboratory could
# not quench to a glass is no safe ribbon to make. Each composition then gets the 156 features (from the feature
# cache); one whose features are undefined (a composition that fills every atomic orbital has no LUMO, in matminer as
# here) is reported as a bad row too.

# %%
reports = glass_data.all_reports(sources)
every_family = glass_data.label_compositions(reports)
X_every, featureless = featurize_where_defined(every_family["composition"])
every_family = glass_data.without(every_family, featureless)
bad_rows = glass_data.all_bad_rows(sources, featureless)
out.write_table("glass_bad_rows", bad_rows)
bad_rows.groupby(["file", "action"]).size().rename("rows").to_frame().rename(index=lambda p: str(p).split("/")[-1])

# %% [markdown]
# The Fe-based compositions, the ones the classifiers are judged on and the ones shown from here on:

# %%
labelled = glass_data.fe_based(every_family)
out.write_table("glass_labelled", labelled)
print(checks.label_balance(labelled))
print(checks.overlap(labelled, reports))

# %% [markdown]
# The compositions whose reports disagree:

# %%
labelled[labelled["conflicting"]]

# %% [markdown]
# Where in composition the labels lie, beside the alloys of the Bs sources (the training data of notebook 01 and the
# case study of notebook 02): how far Fe content and the metalloids (B, Si, P, C) alone separate glasses from
# non-glasses, and where the Bs alloys sit among them.

# %%
bs_alloys = checks.bs_alloys(out)
fig = glass_figures.plot_glass_data(labelled, bs_alloys["composition"])
out.save_figure("glass_data_figure", fig)

# %% [markdown]
# ## The classifiers
# Three classifiers get the same 156 features and the same folds: a **random forest** and **gradient boosting**
# (scikit-learn), and the project's **network** as a classifier (an ensemble of runs of the vectorized trainer with a
# logistic output: binary cross-entropy, early stopping on it). The folds are grouped by chemical system: all
# compositions of one set of elements lie in one fold, so a score says how a classifier does on a system it has never
# seen. A composition of another family goes with its chemical system: held out with the Fe-based compositions of its
# system, and learnt from in every fold when no Fe-based composition shares it. The calibration is judged the way the
# final model is built (nested): within each fold's training rows, inner folds (again grouped by system) give
# out-of-fold scores, a calibrator (isotonic regression or Platt's sigmoid, scikit-learn) is fitted on them, and it maps
# the held-out fold's scores. The classifier's own probability (`uncalibrated`) stays in the comparison: a calibration
# learned on other chemical systems need not carry over to a new one, and the table shows whether it does. A fourth
# candidate is the mean of the gradient boosting's and the network's scores on the same splits: two classifiers that err
# differently, averaged, may rank better than either.

# %%
X = X_every.loc[every_family["composition"]]
folds = evaluation.family_folds(every_family["chemical_system"], evaluation.judged_rows(every_family), glass_folds)
print(checks.other_families(every_family, folds))
settings = glass_model.Settings(glass_trees, glass_runs, glass_epochs, glass_seed)
result = comparison.compare(every_family, X, folds, settings)
for model, seconds in result.seconds.items():
    print(f"{model}: {glass_folds} folds in {seconds:.0f} s")

# %% [markdown]
# What the other families add, on the same folds: the forest and the gradient boosting (their own probabilities),
# learning from the Fe-based compositions alone and from every family, scored on the Fe-based ones.

# %%
comparison.family_gain(result, every_family, X, folds, settings).round(3)

# %% [markdown]
# AUC (how well glasses rank above non-glasses), Brier score and log loss (both lower is better; they reward ranking
# and honest probabilities at once) and the expected calibration error (ECE: the mean gap between stated probability
# and observed share of glasses over ten probability bins, weighted by the rows of each), over all Fe-based
# compositions and over the Fe-rich ones (at least 80 at.% Fe), where the Bs candidates lie.

# %%
out.write_table("glass_scores", result.scores)
shown = ["rows", "glass share", "AUC", "Brier", "log loss", "ECE"]
result.scores.set_index(["subset", "model", "calibration"])[shown].sort_index().round(3)

# %% [markdown]
# The reliability diagram: for each classifier with the calibration that suits it best (lowest Brier score), the
# observed share of glasses against the stated probability, bin by bin.

# %%
best = comparison.best_per_model(result.scores)
columns = {f"{r.model} ({r.calibration})": comparison.column(r.model, r.calibration) for r in best.itertuples()}
fig = glass_figures.plot_reliability(result.oof, columns)
out.save_figure("glass_reliability_figure", fig)

# %% [markdown]
# ## The chosen model
# The classifier and calibration with the lowest Brier score are chosen. The chosen classifier is then fitted on every
# labelled composition and its calibration (if any) fitted on its own out-of-fold scores; that model is saved for the
# screen, together with its out-of-fold probabilities (`tables/glass_out_of_fold.csv`), on which a ranking rule can be
# measured on held-out systems.

# %%
print(checks.chosen(result.scores, result.chosen))
name, calibration = result.chosen
final = glass_model.fit_glass_model(
    name,
    calibration,
    X,
    every_family["label"].to_numpy(),
    every_family["chemical_system"].to_numpy(),
    result.raw_scores(name),
    settings,
    oof_labels=result.oof["label"].to_numpy(),
)
glass_model.save_glass_model(out, final)
out_of_fold = result.out_of_fold()
out.write_table("glass_out_of_fold", out_of_fold)
out_of_fold.head()

# %% [markdown]
# ## The check no fold sees
# Every alloy of the Bs sources was made as a glassy ribbon (the precursor of an annealed nanocrystalline ribbon is
# amorphous), so a good model calls nearly all of them glasses. The table gives the share of them with P(glass) of at
# least one half, for all of them and for those absent from the glass-formation data (for those, the check is a true
# test).

# %%
bs_check = checks.bs_alloys_check(final, bs_alloys, labelled)
out.write_table("glass_bs_check", bs_check)
bs_check.round(3)

# %% [markdown]
# ## The glass-formation domain
# Which compositions are far from every labelled Fe-based one, said the way the Bs domain says it (helpers/domain.py):
# an element no labelled composition holds, or an amount outside the labelled range, puts a candidate outside. Here
# the domain of the Bs alloys themselves:

# %%
domain = glass_model.glass_domain(labelled)
domain.save(out.path("glass_domain"))
flags = glass_model.glass_domain_flags(domain, bs_alloys["composition"])
print(f"{int(flags['in_domain'].sum())} of {len(flags)} Bs alloys lie inside the glass-formation domain.")
flags.loc[~flags["in_domain"], "domain_notes"].value_counts().head()

# %% [markdown]
# ## How much the cut into folds moves the scores
# The folds above are one way to cut the chemical systems into groups; another cut puts other systems together and
# gives another AUC and ECE. The chosen classifier, uncalibrated, on the notebook's folds and on a few shuffled cuts of
# the same systems into as many folds. A network trained anew for every cut would take too long, so when the chosen
# classifier holds one, the classifier named in the table stands in for it (the forest for the network, the gradient
# boosting for their mean):

# %%
spread = comparison.split_spread(result, every_family, X, glass_folds, settings)
out.write_table("glass_split_spread", spread)
print(checks.spread_sentence(spread))
spread.round(3)

# %% [markdown]
# ## The goals
# Grouped AUC at least 0.88, expected calibration error at most 0.05, and at least 90 % of the Bs sources' alloys given
# P(glass) of at least one half. The AUC is that of the chosen classifier's uncalibrated out-of-fold scores (one
# calibration of the final model does not change its ranking); the calibration error is that of its calibrated
# out-of-fold probabilities.

# %%
goals = checks.goals_of(result.scores, result.chosen, bs_check)
display(goals)
print(f"Goals met: {int(goals['met'].sum())} of {len(goals)}.")

# %%
consistency.finish(execution)  # the provenance record of this execution
