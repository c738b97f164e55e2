# %% [markdown]
# # 02 · Training and test sets (paper Fig. 2)
#
# The paper splits its 622 alloys at random into 80 % training and 20 % test data and shows, with three histograms,
# that both sets have a similar Bs distribution. We do the same, with two differences worth knowing:
#
# * **The split is grouped by alloy by default.** Our default data list many alloys several times, once per annealing
#   treatment. A row-level split would put the same alloy in both sets, and the test score would then partly measure
#   memory rather than prediction. The grouped split is also stratified by Bs, so that both sets cover the same range.
#   `split_mode="random"` gives the paper's row-level split (use it on data with one
#   row per alloy, such as the paper's).
# * **The case-study alloys are fixed here.** Notebook 05 predicts alloys from an independent compilation that are
#   not in the training database; this notebook chooses them (its `case_study_source` and `case_min_fe` parameters)
#   and saves their rows, so that notebook 05 predicts exactly these.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
import numpy as np
import pandas as pd

from helpers import data, features, plots, split, summaries
from helpers.features import FeatureSpec
from helpers.outputs import OutputDir
from helpers.plots import paper_figures

plots.setup_style()

# %% tags=["parameters"]
test_fraction = 0.2  # share of alloys (grouped) or rows (random) held out for testing
seed = 42  # seed of the split
split_mode = "grouped"  # "grouped" (no alloy on both sides) or "random" (the paper's row-level split)
case_study_source = "weonepiece"  # manifest name of the case-study compilation, or a CSV path
case_min_fe = 80.0  # the case study keeps alloys with at least this Fe content (at.%)
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
overwrite = False  # True: replace outputs in out_dir made with other parameters (and those that read them)

# %%
from helpers.pipeline import consistency

execution = consistency.begin("02", globals())  # checks every parameter; other values: a fork

# %%
out = OutputDir(out_dir)
table = out.read_table("dataset", index_col="row_id")
threshold = out.threshold  # declared in notebook 01
print(f"{len(table)} rows, {table['composition'].nunique()} alloys from notebook 01; threshold {threshold:g} T")

# %% [markdown]
# ## The case-study alloys
# The case study is every row of the case-study compilation whose normalized composition never occurs in the data of
# notebook 01 and that holds at least `case_min_fe` at.% Fe. Because they are chosen that way, no training or test
# row shares a composition with them, and nothing has to be removed from the data. Their tidy rows are saved
# (`data/case_study.csv`) for notebook 05; rows of the compilation that failed the checks of notebook 01 are listed
# below the counts.

# %%
case = data.load_dataset(case_study_source)
case_rows = data.unseen_rows(case.table, table, min_fe_at_pct=case_min_fe)
split.check_case_study(case_rows, case_study_source, case_min_fe)  # one line when no alloy is left
case_report, case_file = case.report, case.file.name
out.write_table("case_study_rows", case_rows, index=True)
out.write_table("case_study_bad_rows", case_report)
print(
    f"case study: {len(case_rows)} rows, {case_rows['composition'].nunique()} alloys with Fe >= {case_min_fe:g} at.% "
    f"from {case_file}; {len(case_report)} rows of that file excluded or changed:"
)
case_report.drop(columns="file")

# %% [markdown]
# The case-study rows' features are saved too (`data/case_study_features.parquet`), computed with the featurizer and
# the feature spec of notebook 01 (same columns, same annealing encoding), for analyses that pool both sources.

# %%
spec = FeatureSpec.from_json(out.path("feature_spec"))
case_features = features.build_features(case_rows, spec=spec, progress=False)[0] if len(case_rows) else None
if case_features is None:
    case_features = pd.DataFrame(columns=spec.columns, dtype=float, index=case_rows.index)
out.write_parquet("case_study_features", case_features)
print(f"case-study features: {case_features.shape[0]} rows x {case_features.shape[1]} features")

# %% [markdown]
# ## The split

# %%
side = split.split_rows(table, test_fraction=test_fraction, seed=seed, mode=split_mode)
train, test = table[side == "train"], table[side == "test"]
shared = set(train["composition"]) & set(test["composition"])
print(f"alloys present in both sets: {len(shared)}" + (" (expected with split_mode='random')" if shared else ""))
counts = summaries.split_counts(table, side, threshold)
counts

# %% [markdown]
# ## Fig. 2: Bs histograms of the full, training and test sets
# Shared bins make the three shapes comparable. The two-sample Kolmogorov-Smirnov statistic is the largest gap
# between the training and test cumulative distributions (0 = identical); a large p-value means no evidence that the
# two sets differ.

# %%
similarity = split.distribution_similarity(train["bs_tesla"], test["bs_tesla"])
print(f"KS statistic {similarity['ks_statistic']:.3f}, p-value {similarity['ks_pvalue']:.2f}")
bins = np.arange(0.0, 2.05, 0.1)
fig = paper_figures.split_histograms(table["bs_tesla"], train["bs_tesla"], test["bs_tesla"], bins)
fig.suptitle(
    f"{split_mode} split, seed {seed}: KS statistic {similarity['ks_statistic']:.3f} "
    f"(p = {similarity['ks_pvalue']:.2f})",
    y=1.03,
)
out.save_figure("fig2", fig)

# %% [markdown]
# ## Saved for notebooks 03 to 06
# The side of every row, the counts, and this notebook's parameters (`data/split.json`, which notebook 05 reads for the
# case-study definition).

# %%
saved = table[["composition"]].assign(set=side)
out.write_table("split", saved, index=True)
out.write_table("split_summary", pd.concat([counts, pd.DataFrame(similarity, index=["training vs test"])]), index=True)
chosen = {
    "test_fraction": test_fraction,
    "seed": seed,
    "split_mode": split_mode,
    "case_study_source": case_study_source,
    "case_study_file": case_file,
    "case_min_fe": case_min_fe,
}
out.write_json("split_parameters", chosen)
chosen

# %%
consistency.finish(execution)  # the provenance record of this execution
