# %% [markdown]
# # 01 · Data and featurization
#
# This notebook builds the table every later notebook stands on: one row per measured alloy (and, for the default
# data, per annealing treatment), its saturation flux density **Bs** in tesla, and the 156 composition features of
# C. Nam, *Korean J. Mater. Res.* 33 (2023).
#
# **Read this first: our default data are not the paper's.** The paper trained on 622 Fe-based metallic glasses
# compiled from Lu et al. (2020) and Li et al. (2022); that table is not public. By default we use the open database
# of Wang et al. (Northwestern University): *annealed soft-magnetic ribbons*, many alloys measured after several
# annealing treatments (the section "The tidy table" counts its rows and alloys). It is a different population, so
# numbers here will not match the paper's. If you have the paper's table (or any other), save it as a CSV with columns
# `composition,bs_tesla` (optionally `anneal_temp_K,anneal_time_s`) and set `dataset` to its path: every notebook then
# runs on it.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
import pandas as pd
from IPython.display import display

from helpers import data, features, findings, plots, sources, summaries
from helpers.features import check
from helpers.outputs import OutputDir
from helpers.plots import paper_figures

plots.setup_style()

# %% tags=["parameters"]
dataset = "default"  # "default" (Wang et al. database) or your CSV: composition,bs_tesla[,anneal_temp_K,anneal_time_s]
strict = False  # True: stop at the first bad row instead of excluding and reporting it
feature_set = "auto"  # "auto", "composition" (the paper's 156 features) or "composition+process" (+ annealing)
threshold = 1.4  # Bs threshold (T) of the paper's F1 score; saved for notebooks 02 to 04
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
overwrite = False  # True: replace outputs in out_dir made with other parameters (and those that read them)

# %%
from helpers.pipeline import consistency

execution = consistency.begin("01", globals())  # checks every parameter; other values: a fork

# %% [markdown]
# ## Where the data come from
# Each file is fetched at run time, never committed: first from the project's cache (`data/raw/`), then from the
# folder named by `$BMG_DATA_MIRROR`, then from its pinned URL, and its sha256 is checked against `data/sources.json`.
# Please cite the sources, and respect their licenses: the case-study file states none, so it may be used for research
# but not redistributed.

# %%
out = OutputDir(out_dir).create()
display(sources.sources_table()[["role", "license", "citation"]])

# %% [markdown]
# ## The tidy table
# Every source is parsed into the same columns: `composition` (normalized, at.%, Fe first), `bs_tesla`,
# `anneal_temp_K`, `anneal_time_s` (empty when as-quenched), `annealed`, `fe_at_pct`, `source`, `reference` (the DOI of
# the publication the row comes from) and `source_row` (the row number in the source file, header = row 1).

# %%
ds = data.load_dataset(dataset, strict=strict, bad_rows=out.path("bad_rows"))  # stops if no row is usable
table = ds.table
print(f"{ds.file}")
for note in ds.notes:
    print("note:", note)
display(ds.summary().to_frame())
display(data.annealing_balance(table))
display(table.head())

# %% [markdown]
# The second table is the annealing-state balance. The paper's population is as-quenched (amorphous, unannealed)
# glasses; a model can only speak for the kinds of rows it was trained on:

# %%
print(findings.as_quenched_rows(table))

# %% [markdown]
# ## Rows excluded or changed
# Every input row goes through the checks listed in `helpers/validation.py` (`CHECKS`): no exact duplicate; the
# formula parses into real elements (D and T are refused, not read as hydrogen); every element has the elemental data
# the features need (none past U); the amounts sum to 100 ± 1 at.% and resolve to 0.001 at.%; Bs is a number in
# (0, 2.5] T; annealing temperature and time are empty (as-quenched) or lie in 290-1500 K and 0-30 days. A row that
# fails is excluded (or, with `strict=True`, stops the notebook) and listed here with its reason; a row that is kept
# but changed (amounts rescaled to 100 or rounded, or an "anneal" at room temperature, 300 K or below, read as
# as-quenched) is listed too. Nothing changes silently.

# %%
if ds.report.empty:  # written to tables/bad_rows.csv by load_dataset
    print("No row was excluded or changed.")
else:
    display(ds.report.drop(columns="file"))

# %% [markdown]
# ## The Bs distribution
# The paper's data span 0.3 to 1.92 T with most alloys near 1.4 T. The left panel shows ours; the right one shows the
# roughly proportional link between Fe content and Bs that the paper's Fig. 6(b) also shows.

# %%
print(table["bs_tesla"].describe().round(3).to_string())
print(f"rows with Bs >= {threshold} T: {(table['bs_tesla'] >= threshold).mean():.0%}")
fig = paper_figures.bs_distribution(table, threshold)
out.save_figure("bs_distribution", fig)

# %% [markdown]
# ## Features
# Each alloy becomes a vector of 156 numbers computed from its composition alone, as in the paper, by the matminer
# featurizer stack of `helpers.features.composition_featurizer()`. The table below is built from that stack itself: each
# featurizer, the number of features it gives (`len(featurizer.feature_labels())`) and what they describe. With
# annealing data (the default), `feature_set="auto"` adds three process features: annealing temperature (room
# temperature, 298.15 K, for as-quenched rows), log10(1 + annealing time in s) (0 when as-quenched) and an annealed
# flag. A Bs measured after annealing depends on the treatment, so leaving it out would make one alloy carry several
# different targets. Set `feature_set="composition"` for the paper's composition-only set. Features are cached in
# `data/interim/` (one parquet file per implementation and library versions, one row per composition), so a rerun does
# not featurize again.

# %%
summaries.featurizer_table(features.composition_featurizer())

# %% [markdown]
# Four of the AtomicOrbitals outputs are labels, not numbers; we encode them as follows.

# %%
pd.Series(features.CATEGORICAL_ENCODING, name="encoded as").to_frame()

# %%
X, spec, filled = features.build_features(table, feature_set)
print(
    f"feature set: {spec.feature_set}; feature matrix: {X.shape[0]} rows x {X.shape[1]} columns "
    f"({len(features.composition_feature_labels())} composition features)"
)
print("features read from cache" if X.attrs.get("from_cache") else "features computed and cached")
print(f"computed by the {features.DEFAULT_IMPLEMENTATION} implementation of the stack")
constant = X.columns[X.nunique() == 1]
print(f"{len(constant)} features are constant on this data (they carry no information here, and are harmless)")
if len(filled):
    print(
        f"{len(filled)} annealed rows give no annealing time; their time is set to the median, {spec.time_fill_s:g} s:"
    )
    display(filled[["composition", "anneal_temp_K", "anneal_time_s", "reference", "source_row"]])

# %% [markdown]
# The 156 numbers are the matminer stack's, but by default they are computed by `helpers.features.vectorized`: the
# same statistics written as array operations over a table of element properties read once from matminer's and
# pymatgen's own data, orders of magnitude faster (`benchmarks/bench_featurize.py` measures the ratio; docs/results.md
# gives it for one machine), which is what lets notebook 09 screen large grids. matminer stays the reference:
# `tests/test_features_equal.py` holds the two to 1e-9 relative (identical for counts, flags and picked values) on
# every training and case-study alloy, random grid points and random compositions. Here the two featurize (up to)
# 25 of this data's alloys side by side.

# %%
alloys = pd.Series(sorted(set(table["composition"]))).sample(min(25, table["composition"].nunique()), random_state=0)
agreement = check.deviations(
    features.composition_features(alloys.tolist(), "matminer"),
    features.composition_features(alloys.tolist(), "vectorized"),
)
print(
    f"vectorized vs matminer on {len(alloys)} alloys: {int(agreement['agrees'].sum())} of {len(agreement)} features "
    f"agree; largest relative deviation {agreement['max_relative_deviation'].max():.1e}"
)

# %% [markdown]
# ## Saved for the next notebooks
# The tidy table, the features and their spec, and the parameters later notebooks read (`data/analysis.json`: the
# threshold is declared here only).

# %%
out.write_table("dataset", table, index=True)
out.write_parquet("features", X)
spec.to_json(out.path("feature_spec"))
analysis = {"dataset": dataset, "feature_set": spec.feature_set, "threshold": threshold}
out.write_json("analysis", analysis)
out.write_table("dataset_summary", ds.summary().to_frame(), index=True)
out.listing("01")

# %%
consistency.finish(execution)  # the provenance record of this execution
