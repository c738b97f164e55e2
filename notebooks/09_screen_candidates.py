# %% [markdown]
# # 09 · Screening new alloys
#
# The paper's point is alloy design without trial-and-error melting: find compositions with a high Bs before anyone
# makes them. This notebook takes that step with the deployed models of notebook 07. It enumerates a grid of
# compositions (or reads a CSV of candidates), sends them in chunks to Dask workers, and scores each candidate with the
# ensemble of all training runs, the R2-best and F1-best networks, the 90 % conformal prediction interval and the
# applicability-domain flag, exactly as `python -m helpers.predict` does (the same featurizer code as training), and
# beside them the probability that the composition solidifies as a glass when melt-spun (notebook 08's model): a Bs is
# worth something only for an alloy that can be made as a glassy ribbon. Candidates are ranked by the rule `rank_by`,
# chosen by what the section "Which rule" measures, and the notebook ends with a diverse batch of `n_next` alloys to
# make next.
#
# **Candidates outside the training domain are guesses.** An element amount outside the training range, an
# as-quenched state (the training data are annealed ribbons), or a hard-to-predict region each put a candidate outside;
# their numbers are extrapolations that no test in this collection supports.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
import logging

from helpers import findings, plots, screening
from helpers.discovery import batch, glass_rules
from helpers.discovery.benchmark import HIGH_BS_T
from helpers.outputs import OutputDir
from helpers.plots import screening_figures
from helpers.retrospective import retrospective

plots.setup_style()

# %% tags=["parameters"]
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
overwrite = False  # True: replace outputs in out_dir made with other parameters (and those that read them)
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
rank_by = "glass_mean"  # "glass_mean", "expected" (Bs with P(glass)); "mean", "upper", "lower", "ei", "probability"
glass_threshold = 0.7  # the least P(glass) of a candidate ranked by "glass_mean"
n_next = 10  # alloys proposed in tables/next_experiments.csv

# %%
from helpers.pipeline import consistency

execution = consistency.begin("09", globals())  # checks every parameter; other values: a fork

# %% [markdown]
# ## What is screened
# The threshold is declared once, in notebook 01 (`data/analysis.json`); the screen counts candidates above it. The
# default grid is a FINEMET/NANOPERM-like Fe-Si-B-P-C-Cu-Nb space (the line below counts its points), and the default
# screens all of it: features come straight from the grid's amounts as array operations and every network (the runs
# of 07 and the two selected ones) runs as a few large matrix products, so a candidate is cheap (the screen's summary
# below gives candidates per second; docs/results.md the measured speed on one machine). A grid larger than
# `max_candidates` is screened through a seeded uniform sample; the line below says which share is screened. Grid
# candidates are annealed at `anneal_temp_K` for `anneal_time_s` (by default 773 K for one hour, near the median
# treatment of the default training rows; the second line below gives this data's). As-quenched candidates are
# outside the domain when the training data hold few as-quenched rows (`helpers/domain.py`).

# %%
out = OutputDir(out_dir)
threshold = out.threshold  # declared in notebook 01
training = out.read_table("dataset", index_col="row_id")
todo = screening.plan(candidates, grid, anneal_temp_K, anneal_time_s, max_candidates, chunk_size)
print(f"{todo.description}; {todo.n_chunks} chunks of up to {chunk_size:,}; threshold {threshold:g} T")
print(findings.median_treatment(training))
todo.report

# %% [markdown]
# Rows of a candidate CSV that cannot be read are listed above with the reason and left out; the rest are screened
# with their amounts as checked (to 0.001 at.%, the resolution of every table here).

# %% [markdown]
# ## Dask
# `dask_scheduler = "local"` starts a `distributed.LocalCluster` of `n_workers` processes with one thread each; an
# address connects to a running cluster instead (docs/screening.md says how to start one, also on SLURM or PBS). Each
# worker loads the models once, before the chunks arrive. For a local cluster, the dashboard address below shows the
# tasks while they run.

# %%
logging.getLogger("distributed").setLevel(logging.ERROR)
client = screening.open_client(dask_scheduler, n_workers)
load_seconds = screening.preload(client, out.root)
print(
    f"{screening.n_workers_of(client)} workers; models loaded in {max(load_seconds.values()):.1f} s per worker"
    + (f"; dashboard: {client.dashboard_link}" if dask_scheduler == "local" else "")
)

# %% [markdown]
# ## Which rule: Bs alone, or Bs with glass formation
# The Fe-rich corner where Bs is highest is where melt spinning starts to give crystalline ribbons, so the candidate
# with the highest predicted Bs may be one that cannot be made. Notebook 08 labelled public Fe-based melt-spun
# compositions glass or not and gave each a P(glass) from a model that never saw its chemical system (out of fold). Here
# we predict their Bs with 07's deployed models (treated as the grid candidates are) and rank them as the screen would:
# by Bs alone (`mean`), by Bs among compositions with P(glass) of at least a threshold (`glass_mean`, several
# thresholds), and by the expected Bs that counts a failed synthesis as nothing (`expected`, P(glass) x Bs). For each,
# among the `top_k` best: how many are real glasses (`glass_share`, with a 95 % interval over resampled chemical
# systems) and the **Bs made** (`bs_made`: the mean predicted Bs of the real glasses, 0 for a composition that gave no
# glass), with its interval and `beats_bs_alone`, the share of resampled sets of systems on which the rule makes more Bs
# than ranking by Bs alone on the same set. The rule with the highest Bs made is the one to rank by; the default
# `rank_by` and `glass_threshold` were chosen this way on the default data, and the line under the table says which rule
# wins on this analysis's data. The Bs of these compositions is predicted, not measured, and many lie outside the Bs
# domain: the table measures how well a rule avoids compositions that do not form a glass, not how well it finds a high
# Bs.

# %%
held_out = out.read_table("glass_out_of_fold")
frame = glass_rules.candidate_frame(held_out, todo.anneal_temp_K, todo.anneal_time_s)
labelled_candidates, _ = screening.candidate_table(frame, out.path("glass_out_of_fold"))
labelled_scored = screening.score_on(client, labelled_candidates, out.root)
labelled_rows = glass_rules.held_out_rows(labelled_scored, held_out)
n_excluded, n_refused = len(held_out) - len(labelled_candidates), len(labelled_scored) - len(labelled_rows)
print(
    f"{len(labelled_rows):,} of {len(held_out):,} held-out compositions ranked: {n_excluded} excluded by the "
    f"candidate checks, {n_refused} refused by the Bs models"
)
evidence = glass_rules.mark_chosen(glass_rules.rule_evidence(labelled_rows, top_k), rank_by, glass_threshold)
out.write_table("glass_rule_evidence", evidence)
print("\n".join(glass_rules.evidence_sentences(evidence)))
print(f"best on these data: {glass_rules.rule_name(glass_rules.best_rule(evidence))}; ranked by rank_by = {rank_by!r}")
evidence.round(3)

# %% [markdown]
# ## The screen
# Chunks are generated one at a time and at most a few per worker are in flight, so the candidates never sit in this
# notebook's memory. Each worker returns only what is needed: the chunk's best `top_k` rows by the ranking rule
# `rank_by` (below), its Pareto set, histogram counts and counts in the domain and above the threshold. `ei` needs the
# best Bs measured among the rows 07's networks learned from; `probability` the Bs to exceed (1.7 T).

# %%
trained_on = out.read_table("deployed_rows", index_col="pool_row")  # the rows 07's networks learned from
best_measured = float(trained_on["bs_tesla"].max())
ranking = screening.Ranking(rank_by, best=best_measured, target=HIGH_BS_T, glass_threshold=glass_threshold)
result = screening.screen(todo, out.root, client, top_k=top_k, threshold=threshold, ranking=ranking)
summary = screening.summary_row(result, threshold, todo.description)
out.write_table("screen_summary", summary)
summary.T

# %% [markdown]
# ## The best candidates
# Ranked by `rank_by` (its value is in the `score` column; a candidate that fails the rule, e.g. with P(glass) below
# `glass_threshold`, has none and is not ranked). Why the default, the ensemble mean among candidates with P(glass) of
# at least `glass_threshold`: of the rules of Bs and P(glass) it made the most Bs on the held-out glass-formation
# compositions of the default data (the section "Which rule" above shows the measurement for this analysis), and of the
# rules of Bs alone, the ensemble mean is the one notebook 10 found to do well in every test (enrichment of high-Bs
# alloys at the top of a ranking of alloys nothing was trained on, and simulated sequential-learning campaigns; 10's
# last table shows the evidence, docs/results.md the default analysis's). The lower bound of the 90 % interval is the
# rule for **a Bs we can count on** (what a candidate reaches with 90 % confidence, inside the domain), not for
# discovery: it pushes down the uncertain candidates, and those can be the best alloys (the retrospective check at the
# end of this notebook shows how each rule ranks the case study). `ei` is the expected improvement over the best
# measured training Bs and `probability` the chance of exceeding
# 1.7 T, both from a normal whose central 90 % interval is the conformal one. `in_domain` False marks a guess;
# `domain_notes` says why; `interval_calibrated` False marks an interval whose annealing state has too few
# calibration rows for its level (`helpers/intervals.py`).

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
# ## The batch to make next
# `n_next` candidates by `rank_by`, taken greedily from the best candidates, no two closer than
# `batch.MIN_DISTANCE_AT_PCT` = 2 at.% in composition (half the L1 distance of the at.% vectors: the amount of
# material that changes element; the same composition under another treatment counts as distance 0). On a fine grid the
# best candidates are neighbours of one another, so the batch is drawn from a pool far deeper than the top table: every
# worker sends back its best candidates by the rule as numbers (`helpers/screening/pool.py`), and the line below says
# how deep the pool was and how many were found. The chosen candidates are scored again as any candidate is, and each
# comes with its predicted Bs and 90 % interval, its domain notes, its P(glass) and glass-domain flag
# (`in_glass_domain`: its elements and amounts lie within those of the labelled compositions), the nearest alloy of
# 07's training rows (its composition, treatment, measured Bs of its best treatment, and distance) and the nearest
# labelled glass-formation composition (`nearest_labelled_glass`: 1 formed a glass, 0 did not).
#
# How to read it: a candidate close to a measured alloy (a distance of a few at.%) with a similar predicted Bs is a
# small, fairly safe step; a large distance means the model is reaching. What it cannot promise: a prediction is not a
# measurement, the interval covers 90 % of outcomes only on average over alloys like the test alloys of 06, and
# **outside the domain (`in_domain` False) the numbers are guesses**, whatever the interval says. P(glass) is
# calibrated on held-out chemical systems, but it is a probability: a candidate with P(glass) 0.8 fails about one time
# in five, and outside the glass-formation domain it is a guess too.

# %%
ranked_next, found = screening.batch_rows(result, todo, client, out.root, ranking, n_next)
labelled = out.read_table("glass_labelled")
next_batch = batch.next_experiments(ranked_next, trained_on, n_next, labelled=labelled)
out.write_table("next_experiments", next_batch)
print(f"{found}; {next_batch.in_domain.sum()} in domain")
next_batch.round(3)

# %% [markdown]
# ## What to make next: Bs against glass formation
# Every screened candidate by its predicted Bs and its P(glass) (grey density). The Pareto front joins the candidates
# that no other beats on both: moving along it to the right buys a likelier glass with Bs. The stars are the batch
# above, numbered in the order of the rule; the dashed line is `glass_threshold`. Open stars lie outside the Bs or the
# glass-formation domain.

# %%
fig = screening_figures.plot_glass_tradeoff(result, next_batch, glass_threshold)
out.save_figure("glass_tradeoff", fig)

# %% [markdown]
# ## Would the screen have found them? A retrospective check
# The case-study alloys of notebook 05 were never used for training or model selection, and their Bs was measured. We
# score them as if they were candidates and rank them by every rule of Bs alone (`chosen` marks `rank_by` when it is one
# of them; every case-study alloy was made as a glassy ribbon, so P(glass) has nothing to find here). If a rule works,
# the alloys measured at 1.7 T or more gather in its top fifth: the enrichment factor is how many of them land there
# divided by how many a random ranking would put there (1 = no better than chance; `max_enrichment` is the best
# possible). The rank correlation (Spearman) of the rule's score and the measured Bs says how well the order holds
# overall. The case study is small and Fe-rich (a narrow Bs range), so both numbers are rough.

# %%
cases, measured, bad_rows = screening.case_study_candidates(out.path("case_study"))  # checked as every candidate
scored = screening.score_on(client, cases, out.root)
retro, ranked = retrospective(
    scored, measured, rank_by=rank_by, best=best_measured, target=HIGH_BS_T, glass_threshold=glass_threshold
)
if len(bad_rows):
    print(f"{len(bad_rows)} case-study rows excluded or changed by the candidate checks:\n{bad_rows.to_string()}")
out.write_table("screen_retrospective", retro)
retro.set_index("rule")

# %% [markdown]
# Done: close the cluster (a connected, external cluster keeps running).

# %%
screening.close_client(client)
print(
    f"screened {result.counts['n']:,} candidates ({result.counts['n'] / todo.n_available:.1%} of {todo.n_available:,}) "
    f"in {result.seconds:.1f} s on {result.n_workers} workers: {result.counts['n'] / result.seconds:,.0f} per second"
)

# %%
consistency.finish(execution)  # the provenance record of this execution
