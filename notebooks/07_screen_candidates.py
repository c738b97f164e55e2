# %% [markdown]
# # 07 · Screening new alloys
#
# The paper's point is alloy design without trial-and-error melting: find compositions with a high Bs before anyone
# makes them. This notebook takes that step with the models of notebook 03. It enumerates a grid of compositions (or
# reads a CSV of candidates), sends them in chunks to Dask workers, and scores each candidate with the ensemble of all
# training runs, the R2-best and F1-best networks, the 90 % conformal prediction interval and the applicability-domain
# flag, exactly as `python -m helpers.predict` does (the same featurizer code as training). Candidates are **ranked by
# the interval's lower bound**, not by the prediction: a candidate the models are unsure about should not rank first.
#
# **Candidates outside the training domain are guesses.** An element amount outside the training range, an
# as-quenched state (the training data are annealed ribbons), or a hard-to-predict region each put a candidate outside;
# their numbers are extrapolations that no test in this collection supports.

# %%
import logging

from helpers import plots, screening
from helpers.outputs import OutputDir
from helpers.plots import screening_figures
from helpers.retrospective import retrospective

plots.setup_style()

# %% tags=["parameters"]
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
candidates = "grid"  # "grid", or a CSV path with a composition column (optional anneal_temp_K, anneal_time_s)
grid = {
    "Fe": [78, 86],
    "Si": [0, 10],
    "B": [4, 14],
    "P": [0, 8],
    "C": [0, 4],
    "Cu": [0, 1.5],
    "Nb": [0, 3],
    "step": 0.5,
    "balance": "Fe",
}  # at.%, step, and the balance element (100 minus the others), as screening.DEFAULT_GRID
anneal_temp_K = 773.0  # annealing of grid candidates (K), 0 or None for as-quenched
anneal_time_s = 3600.0  # annealing time of grid candidates (s)
max_candidates = 1000000  # at most this many candidates: the whole default grid; a larger grid is sampled (seeded)
top_k = 50  # rows of tables/screen_top.csv
dask_scheduler = "local"  # "local" starts a LocalCluster; or the address of a running scheduler, tcp://host:8786
n_workers = 2  # worker processes of a local cluster (one thread each)
chunk_size = 20000  # candidates per task

# %% [markdown]
# ## What is screened
# The threshold is declared once, in notebook 01 (`data/analysis.json`); the screen counts candidates above it. The
# default grid is a FINEMET/NANOPERM-like Fe-Si-B-P-C-Cu-Nb space of 844,375 points, and the default screens all of
# them: features come straight from the grid's amounts as array operations and all 102 networks run as a few large
# matrix products, so a candidate costs tens of microseconds (the README gives the measured speed). A grid larger than
# `max_candidates` is screened through a seeded uniform sample; the line below says which share is screened. Grid
# candidates are annealed at `anneal_temp_K` for `anneal_time_s` (by default
# 773 K for one hour, near the median treatment of the training rows): as-quenched candidates are all outside the
# domain, because the training data hold only a handful of as-quenched rows.

# %%
out = OutputDir(out_dir)
threshold = out.threshold  # declared in notebook 01
training = out.read_table("dataset", index_col="row_id")
todo = screening.plan(candidates, grid, anneal_temp_K, anneal_time_s, max_candidates, chunk_size)
print(f"{todo.description}; {todo.n_chunks} chunks of up to {chunk_size:,}; threshold {threshold:g} T")
todo.report

# %% [markdown]
# Rows of a candidate CSV that cannot be read are listed above with the reason and left out; the rest are screened
# with their amounts as checked (to 0.001 at.%, the resolution of every table here).

# %% [markdown]
# ## Dask
# `dask_scheduler = "local"` starts a `distributed.LocalCluster` of `n_workers` processes with one thread each; an
# address connects to a running cluster instead (the README says how to start one, also on SLURM or PBS). Each worker
# loads the models once, before the chunks arrive. For a local cluster, the dashboard address below shows the tasks
# while they run.

# %%
logging.getLogger("distributed").setLevel(logging.ERROR)
client = screening.open_client(dask_scheduler, n_workers)
load_seconds = screening.preload(client, out.root)
print(
    f"{screening.n_workers_of(client)} workers; models loaded in {max(load_seconds.values()):.1f} s per worker"
    + (f"; dashboard: {client.dashboard_link}" if dask_scheduler == "local" else "")
)

# %% [markdown]
# ## The screen
# Chunks are generated one at a time and at most a few per worker are in flight, so the candidates never sit in this
# notebook's memory. Each worker returns only what is needed: the chunk's best `top_k` rows by lower bound, its Pareto
# set, histogram counts and counts in the domain and above the threshold.

# %%
result = screening.screen(todo, out.root, client, top_k=top_k, threshold=threshold)
summary = screening.summary_row(result, threshold, todo.description)
out.write_table("screen_summary", summary)
summary.T

# %% [markdown]
# ## The best candidates
# Ranked by the lower bound of the 90 % interval: the Bs a candidate reaches with 90 % confidence (if it lies inside
# the domain). `in_domain` False marks a guess; `domain_notes` says why.

# %%
top = result.top
out.write_table("screen_top", top)
print(f"{top['in_domain'].sum()} of the top {len(top)} are inside the training domain")
top.head(15).round(3)

# %% [markdown]
# ## Predicted Bs against Fe content
# Every screened candidate (density of the ensemble prediction) with the measured training data on top: where the
# screen moves beyond what was measured, the numbers become extrapolations.

# %%
fig = screening_figures.plot_density(result, training, threshold)
out.save_figure("screen_density", fig)

# %% [markdown]
# ## The trade-off: Bs against metalloid content
# More metalloid (B + Si + P + C) usually makes a glass easier to form, and lowers Bs. The Pareto front is the highest
# lower-bound Bs for each metalloid content: moving right along it, every step buys glass-forming ability with Bs. Open
# circles are outside the domain (guesses).

# %%
out.write_table("screen_pareto", result.pareto.round(3))
fig = screening_figures.plot_pareto(result, threshold)
out.save_figure("screen_pareto_figure", fig)

# %% [markdown]
# ## A map over two elements
# The mean predicted Bs over the first two grid elements, averaged over all other elements: where in that plane the
# high-Bs candidates sit.

# %%
fig = screening_figures.plot_map(result)
out.save_figure("screen_map", fig)

# %% [markdown]
# ## Would the screen have found them? A retrospective check
# The case-study alloys of notebook 05 were never used for training or model selection, and their Bs was measured. We
# score them as if they were candidates and rank them by the lower bound. If the screen works, the alloys measured at
# 1.7 T or more should gather in the top fifth: the enrichment factor is how many of them land there divided by how
# many a random ranking would put there (1 = no better than chance; `max_enrichment` is the best possible). The rank
# correlation (Spearman) of predicted and measured Bs says how well the order holds overall. The case study is small
# and Fe-rich (a narrow Bs range), so both numbers are rough.

# %%
cases, measured, bad_rows = screening.case_study_candidates(out.path("case_study"))  # checked as every candidate
scored = screening.score_on(client, cases, out.root)
retro, ranked = retrospective(scored, measured)
if len(bad_rows):
    print(f"{len(bad_rows)} case-study rows excluded or changed by the candidate checks:\n{bad_rows.to_string()}")
out.write_table("screen_retrospective", retro)
retro.T

# %% [markdown]
# Done: close the cluster (a connected, external cluster keeps running).

# %%
screening.close_client(client)
print(
    f"screened {result.counts['n']:,} candidates ({result.counts['n'] / todo.n_available:.1%} of {todo.n_available:,}) "
    f"in {result.seconds:.1f} s on {result.n_workers} workers: {result.counts['n'] / result.seconds:,.0f} per second"
)
