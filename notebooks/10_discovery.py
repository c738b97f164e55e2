# %% [markdown]
# # 10 · Which alloy next? A ranking rule chosen by evidence
#
# The point of a Bs model is to choose what to make next. Notebook 09 ranks candidates by a rule; this notebook
# measures which rule finds high-Bs alloys, in two ways (`helpers/discovery`, background in the package docstrings):
#
# 1. **One shot.** Rank alloys nothing was trained on (the outer test folds of 06 and the case study of 05) by each
#    rule and count the truly high-Bs ones at the top: the *enrichment factor* (share of high rows among the top 10 %
#    or 20 %, divided by their share overall; 1 = chance) with a bootstrap 95 % interval that resamples alloys.
# 2. **Sequentially.** A simulated lab starts from a few measured alloys, lets the model pick 5 alloys a round,
#    "measures" them (their Bs is known), retrains, and repeats: how many alloys must it make before it holds one of
#    the pool's top 5 %, against picking at random? The *acceleration factor* is random's mean number of experiments
#    divided by the rule's.
#
# The rules (`helpers/discovery/rules.py`): `random`; `mean` (the ensemble's prediction); `lower` and `upper` (the
# bounds of the 90 % conformal interval); `ei` (expected improvement over the best measured Bs) and `probability`
# (of exceeding a target), both from a normal whose central 90 % interval is the conformal interval.
#
# **To fork it:** duplicate it in JupyterLab (or copy it anywhere), change values in its parameters cell, Run All.
# Values other than those of the analysis in `out_dir` go to a new folder beside it (printed below); it stays as it was.

# %%
from helpers import plots
from helpers.discovery import outcomes, real, simulation
from helpers.outputs import OutputDir

plots.setup_style()

# %% tags=["parameters"]
out_dir = "../outputs/default"  # output folder of an analysis, relative to notebooks/ (JupyterLab runs there)
high_bs = [1.7, 1.8]  # Bs (T) counted as high in the one-shot benchmark
n_boot = 1000  # bootstrap replicates (alloys resampled) of the benchmark's intervals
simulation_size = "small"  # "small" (default, minutes), "full" (both starts, 5 networks each), "tiny" (smoke test)
simulation_seed = 0  # seed of the campaigns (starting sets, member carves, network seeds)
overwrite = False  # True: replace outputs in out_dir made with other parameters

# %%
from helpers.pipeline import consistency

execution = consistency.begin("10", globals())  # checks every parameter; other values: a fork

# %%
out = OutputDir(out_dir)

# %% [markdown]
# ## 1. One shot: enrichment of high-Bs alloys at the top of each ranking
# Rows are ranked one by one (an alloy with its annealing treatment is one candidate). Expected improvement is taken
# over the best measured Bs of the rows each model was trained on (per outer fold, or 03's training rows for the case
# study); the probability rule's target is the threshold. The outer folds of 06 are read from
# `tables/outer_predictions.csv` when 06 wrote it.

# %% [markdown]
# The figures below: enrichment per rule at the first threshold, per set (error bars: bootstrap 95 % intervals by
# alloy; dashed line: chance).

# %%
bench = real.run(out, tuple(high_bs), n_boot)
shown = bench[bench["metric"] == "enrichment"].pivot_table(
    index=["set", "high_bs_T", "rule"], columns="share", values=["value", "low", "high"], sort=False
)
shown.round(2)

# %% [markdown]
# ## 2. Sequential learning, simulated on the public data
# The pool is every measured alloy of both public sources (the training data and the case-study source); one
# candidate is one alloy, and making it reveals all its annealing treatments (its value: the best Bs among them). The
# good alloys are the pool's top 5 %. A campaign starts from a random 10 % of the alloys that are not good (the harder
# start: only alloys below the pool's median); each round, every rule trains a small ensemble of the project's network
# on the measured rows only (`helpers/discovery/network.py`: one hidden layer of 32, at most 100 epochs; every model of
# a round in one vectorized training), calibrates its conformal interval on the members' out-of-bag rows, and makes
# its 5 best unmeasured alloys. Every rule runs on the same campaigns (seeds, starting sets).
#
# `simulation_size = "small"` (the default) runs 20 campaigns of 30 rounds of 5 with 3 networks per ensemble from the
# random start; `"full"` is the complete design (5 networks per ensemble, both starts), several times longer;
# `"tiny"` is the smoke test of `--quick`. The campaigns are independent, so they run in parts on one process per core
# this kernel may use (a local Dask cluster; one process when notebooks run side by side): the same campaigns, so the
# same alloys made. The cell prints how long each start took.

# %%
pool, pool_rows = simulation.public_pool(out)
settings, starts = simulation.sized(simulation_size, simulation_seed)
pool_table = simulation.pool_summary(pool, pool_rows, settings.top_share)
out.write_table("discovery_pool", pool_table)
print(f"{settings}; starts: {', '.join(starts)}")
pool_table.T

# %%
done, seconds = simulation.run_starts(pool, settings, starts)
print("; ".join(f"{start} start: {s:.0f} s" for start, s in seconds.items()))
sim = simulation.summary_table(done)
out.write_table("discovery_simulation", sim)
sim.round(2)

# %% [markdown]
# `experiments` is the mean number of alloys made until the goal (a campaign that never reached it within the budget
# counts as budget + 1, and `censored` says how many did not); `acceleration` is random's mean divided by the rule's,
# both with bootstrap 95 % intervals over campaigns. An acceleration whose interval lies above 1 is a rule that saves
# experiments; below 1, one that costs them. For the random rule the expected number of draws until the first good
# alloy is (candidates + 1) / (good + 1):

# %%
n_good = int(pool.good(settings.top_share).sum())
n_candidates = pool.n_alloys - int(next(iter(done.values())).start[0].sum())
print(f"expected random draws to the first good alloy: {outcomes.expected_random_draws(n_candidates, n_good):.1f}")

# %% [markdown]
# The best Bs found against the number of alloys made: the mean over campaigns per rule, and the band holding 95 % of
# the random campaigns.

# %%
curves = simulation.curves_table(done)
out.write_table("discovery_best_found", curves)
names = {"random": "discovery_best_found_figure", "below_median": "discovery_best_found_hard_figure"}
for start in done:
    fig = outcomes.plot_best_found(
        curves[curves["start"] == start].drop(columns="start"), pool.value().max(), f"{start} start"
    )
    out.save_figure(names[start], fig)

# %% [markdown]
# ## Which rule?
# Per rule, the enrichment among the top 10 % at the first threshold (per set) and the acceleration to the first
# good alloy (per start), each with its interval, sorted by the mean of those values. Of the rules of Bs alone, the
# one that leads here on the default data is the Bs that notebook 09's default rule ranks by, among the candidates
# likely to form a glass (09 measures that choice on held-out glass-formation data; docs/results.md gives the default
# analysis's table).

# %%
simulation.evidence(bench, sim, high_bs[0]).round(2)

# %%
consistency.finish(execution)  # the provenance record of this execution
