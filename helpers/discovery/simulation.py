"""The sequential-learning simulation of notebook 10 on the public data: its pool, its runs and its tables.

The pool is every measured row of both public sources an analysis holds: the training data (notebook 01's
``dataset`` and ``features``) and the case-study rows of the other source (notebook 02's ``case_study_rows``),
featurized with the same feature spec. One candidate is one alloy (its composition): making it reveals all its rows.
Each start (random 10 %, below the median) runs every rule on the same campaigns (in parts on one-thread processes
when this kernel may use several cores: ``run_starts``); the network is the project's
(``discovery.network``), the intervals the project's conformal ones (``ensemble.conformal_intervals``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from helpers.discovery import campaign, outcomes
from helpers.discovery.ensemble import conformal_intervals
from helpers.discovery.network import SIMULATION_CONFIG, network_fit_predict
from helpers.discovery.rules import RULES
from helpers.modeling.network import TrainConfig
from helpers.outputs import OutputDir

# The simulation's sizes: "full" is the complete design (20 campaigns x both starts, 5 members, 30 rounds of 5); "small"
# (the default of notebook 10) keeps 20 campaigns and 30 rounds of 5 but trains 3 members and runs the random start
# only; "tiny" is a smoke test (--quick).
SIZES: dict[str, dict] = {
    "full": {"n_campaigns": 20, "n_rounds": 30, "n_members": 5, "starts": campaign.STARTS},
    "small": {"n_campaigns": 20, "n_rounds": 30, "n_members": 3, "starts": ("random",)},
    "tiny": {"n_campaigns": 2, "n_rounds": 2, "n_members": 2, "starts": ("random",)},
}
POOL_COLUMNS = ["composition", "anneal_temp_K", "anneal_time_s", "bs_tesla", "source"]
MIN_CAMPAIGNS_PER_PART = 5  # fewer campaigns than this a process: starting the processes costs more than it saves


def public_pool(out: OutputDir) -> tuple[campaign.Pool, pd.DataFrame]:
    """The pool of both sources (features, Bs, alloy per row) and its tidy rows (POOL_COLUMNS)."""
    from helpers.features import build_features
    from helpers.features.process import FeatureSpec

    table = out.read_table("dataset", index_col="row_id")
    X = out.read_parquet("features")
    spec = FeatureSpec.from_json(out.path("feature_spec"))
    frames, tables = [X[spec.columns]], [table]
    if out.exists("case_study_rows"):
        cases = out.read_table("case_study_rows", index_col="row_id")
        cases = cases[~cases["composition"].isin(table["composition"])]  # 02 keeps them apart; say so here too
        saved = _saved_case_features(out)
        if saved is not None and cases.index.isin(saved.index).all() and set(spec.columns) <= set(saved.columns):
            frames.append(saved.loc[cases.index, spec.columns])
        else:  # computed the way 05 computes them: the training featurizer with the saved spec
            frames.append(build_features(cases, spec=spec, progress=False)[0][spec.columns])
        tables.append(cases)
    rows = pd.concat(tables, ignore_index=True).reindex(columns=POOL_COLUMNS)
    features = pd.concat(frames, ignore_index=True)
    return campaign.Pool.from_rows(features.to_numpy(float), rows["bs_tesla"], rows["composition"]), rows


def _saved_case_features(out: OutputDir) -> pd.DataFrame | None:
    """The case-study features an analysis saved (registry name case_study_features), when it has them."""
    from helpers.outputs import FILES

    return (
        out.read_parquet("case_study_features")
        if "case_study_features" in FILES and out.exists("case_study_features")
        else None
    )


def sized(size: str, seed: int = 0) -> tuple[campaign.Settings, tuple[str, ...]]:
    """The campaign settings and starts of a size of SIZES (batches of 5, 10 % start, top 5 % good)."""
    if size not in SIZES:
        raise ValueError(f"simulation must be one of {', '.join(SIZES)}, not {size!r}")
    chosen = dict(SIZES[size])
    starts = chosen.pop("starts")
    return campaign.Settings(**chosen, seed=seed), starts


def run_starts(
    pool: campaign.Pool,
    settings: campaign.Settings,
    starts: tuple[str, ...] = campaign.STARTS,
    rules: tuple[str, ...] = RULES,
    config: TrainConfig = SIMULATION_CONFIG,
    workers: int | None = None,
) -> tuple[dict[str, campaign.Campaigns], dict[str, float]]:
    """Every rule's campaigns for every start (the same campaigns per start); the seconds until each start was done.

    With more than one worker (default: the cores this kernel may use, ``helpers.cluster.kernel_cores``, and at least
    MIN_CAMPAIGNS_PER_PART campaigns a part), each start's campaigns run in parts on a local Dask cluster of one-thread
    processes: the same campaigns, so the same alloys made (``tests/test_discovery.py``).
    """
    from helpers.cluster import close_client, kernel_cores, local_client

    n_parts = max(1, min(workers or kernel_cores(), settings.n_campaigns // MIN_CAMPAIGNS_PER_PART))
    parts = {start: replace(settings, start=start).parts(n_parts) for start in starts}
    t0, done, seconds = time.perf_counter(), {}, {}
    client = local_client(n_parts) if n_parts > 1 else None
    try:
        waiting = {start: [_submit(client, pool, part, rules, config) for part in cut] for start, cut in parts.items()}
        for start, results in waiting.items():
            done[start] = campaign.joined([result() for result in results], replace(settings, start=start))
            seconds[start] = time.perf_counter() - t0
    finally:
        if client is not None:
            close_client(client)
    return done, seconds


def run_part(
    pool: campaign.Pool, settings: campaign.Settings, rules: tuple[str, ...], config: TrainConfig
) -> campaign.Campaigns:
    """The campaigns of one part (``campaign.Settings.parts``), in this process or on a worker (one thread there)."""
    from helpers.cluster import in_dask_worker, one_thread_here

    if in_dask_worker():
        one_thread_here()
    fit_predict = network_fit_predict(pool.alloy, config)
    with threadpool_limits(1):  # scikit-learn's neighbour search: small arrays, threads only cost
        return campaign.run(pool, rules, fit_predict, settings, conformal_intervals)


def _submit(client, *args) -> Callable[[], campaign.Campaigns]:
    """A part's campaigns to wait for (``run_part``'s arguments): sent to the client's workers now, or run here when
    waited for (no client)."""
    if client is None:
        return lambda: run_part(*args)
    return client.submit(run_part, *args, pure=False).result


def summary_table(done: dict[str, campaign.Campaigns], n_boot: int = outcomes.N_BOOT) -> pd.DataFrame:
    """Per start, rule and goal: mean experiments and acceleration against random with 95 % intervals."""
    parts = [outcomes.summary(c, n_boot).assign(start=start) for start, c in done.items()]
    table = pd.concat(parts, ignore_index=True)
    return table[["start", *[c for c in table.columns if c != "start"]]]


def curves_table(done: dict[str, campaign.Campaigns]) -> pd.DataFrame:
    """Per start, rule, campaign and experiments: the best Bs found so far."""
    return pd.concat([outcomes.best_found(c).assign(start=s) for s, c in done.items()], ignore_index=True)


def pool_summary(pool: campaign.Pool, rows: pd.DataFrame, top_share: float) -> pd.DataFrame:
    """One row: rows, alloys, good alloys and the Bs that makes an alloy good, per source and in all."""
    good = pool.good(top_share)
    value = pool.value()
    return pd.DataFrame(
        [
            {
                "rows": len(rows),
                "alloys": pool.n_alloys,
                "rows_per_source": rows["source"].value_counts().to_dict(),
                "good_alloys": int(good.sum()),
                "good_from_bs_T": float(value[good].min()),
                "best_bs_T": float(value.max()),
                "median_alloy_bs_T": float(np.median(value)),
            }
        ]
    )


def evidence(benchmark: pd.DataFrame, simulation: pd.DataFrame, high: float, share: float = 0.1) -> pd.DataFrame:
    """Per rule: enrichment at the top share per benchmark set (at Bs >= high) and the acceleration to the first good
    alloy per start, each with its interval; sorted best first by the mean of those values (random excluded)."""
    bench = benchmark[(benchmark["metric"] == "enrichment") & (benchmark["share"] == share)]
    bench = bench[np.isclose(bench["high_bs_T"], high)]
    columns = {}
    for name, part in bench.groupby("set", sort=False):
        part = part.set_index("rule")
        columns[f"enrichment, {name}"] = part["value"]
        columns[f"enrichment, {name}: 95 % interval"] = (
            part["low"].round(2).astype(str) + "-" + part["high"].round(2).astype(str)
        )
    first = simulation[simulation["goal"] == "first good alloy"]
    for start, part in first.groupby("start", sort=False):
        part = part.set_index("rule")
        columns[f"acceleration, {start} start"] = part["acceleration"]
        columns[f"acceleration, {start} start: 95 % interval"] = (
            part["acceleration_low"].round(2).astype(str) + "-" + part["acceleration_high"].round(2).astype(str)
        )
    table = pd.DataFrame(columns)
    values = table[[c for c in table.columns if not c.endswith("interval")]]
    table["mean of the values"] = values.mean(axis=1)
    table = table.drop(index="random", errors="ignore")
    return table.sort_values("mean of the values", ascending=False)
