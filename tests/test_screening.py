"""Screening (notebook 09): grid enumeration, chunking, user candidate files, and a real Dask cluster on loopback."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import screening
from helpers.paths import PROJECT_ROOT

SMALL = {"Fe": [80, 86], "Si": [0, 4], "B": [6, 12], "P": [0, 4], "step": 1, "balance": "Fe"}


def brute_force(grid: dict) -> list[dict]:
    free = [e for e in grid if e not in ("step", "balance", grid["balance"])]
    axes = [np.arange(grid[e][0], grid[e][1] + 1e-9, grid["step"]) for e in free]
    lo, hi = grid[grid["balance"]]
    return [dict(zip(free, p, strict=False)) for p in itertools.product(*axes) if lo <= 100 - sum(p) <= hi]


def test_grid_enumerates_every_valid_point_once_inside_its_ranges():
    grid = screening.Grid.from_parameter(SMALL)
    chunks = list(grid.chunks(7))
    amounts = np.concatenate(chunks)
    assert all(len(c) <= 7 for c in chunks) and grid.count() == len(amounts) == len(brute_force(SMALL))
    np.testing.assert_allclose(amounts.sum(axis=1), 100.0)
    for j, el in enumerate(grid.elements):
        lo, hi = SMALL[el]
        assert amounts[:, j].min() >= lo and amounts[:, j].max() <= hi
    assert len({tuple(r) for r in amounts}) == len(amounts)


def test_grid_sample_is_capped_deterministic_and_lazy():
    grid = screening.Grid.from_parameter(screening.DEFAULT_GRID)
    first = np.concatenate(list(grid.chunks(300, max_candidates=1000)))
    again = np.concatenate(list(grid.chunks(1000, max_candidates=1000)))
    assert len(first) == 1000 and np.array_equal(first, again)  # chunking does not change the sample
    np.testing.assert_allclose(first.sum(axis=1), 100.0)
    assert grid.count() > 100_000  # the sample is needed
    assert isinstance(grid.chunks(10), type(x for x in ()))  # a generator, nothing built up front


def test_notebook_09_declares_the_default_grid_of_the_library():
    """The literal grid in 09's parameters cell (so that -p grid '{...}' works) is DEFAULT_GRID, entry for entry."""
    import ast

    import papermill

    declared = papermill.inspect_notebook(str(PROJECT_ROOT / "notebooks" / "09_screen_candidates.ipynb"))
    assert ast.literal_eval(declared["grid"]["default"]) == screening.DEFAULT_GRID


def test_grid_parameter_mistakes_are_refused_in_one_line():
    for bad in ({**SMALL, "Xx": [0, 1]}, {**SMALL, "step": 0.3}, {**SMALL, "balance": "Co"}, {**SMALL, "Si": [5, 1]}):
        with pytest.raises(screening.ScreenError):
            screening.Grid.from_parameter(bad)


def test_a_grid_is_checked_once_when_planned_and_screened_whole_by_default():
    whole = screening.plan("grid", SMALL, 773.0, 3600.0)
    assert whole.n_candidates == screening.Grid.from_parameter(SMALL).count() and "all" in whole.description
    sampled = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=10, chunk_size=4)
    assert sampled.n_candidates == 10 and sampled.n_chunks == 3 and "sample" in sampled.description
    with pytest.raises(screening.ScreenError, match="anneal"):  # the row checks, run once on the grid
        screening.plan("grid", SMALL, 5000.0, 3600.0)
    with pytest.raises(screening.ScreenError, match="0.001"):
        screening.plan(
            "grid", {**SMALL, "step": 0.0005, "Fe": [80, 80.001], "Si": [0, 0.001], "B": [0, 0.001], "P": [19.998, 20]}
        )


def test_the_rows_sent_back_hold_every_top_row_and_the_pareto_set():
    """A worker writes texts only for a few candidates; they must hold the top_k and the Pareto set of the chunk."""
    from helpers.screening.summary import pareto, rank
    from helpers.screening.worker import leaving_candidates

    rng = np.random.default_rng(1)
    n = 3000
    rows = pd.DataFrame(
        {
            "bs_lower": rng.choice(np.round(np.linspace(1.0, 1.8, 60), 3), n),  # many ties, as on a grid
            "bs_ensemble": rng.choice([1.5, 1.6, 1.7], n),
            "composition": [f"Fe{80 + i % 7}B{i}" for i in range(n)],
            "metalloid_at_pct": rng.choice(np.arange(10, 25, 0.5), n),
        }
    ).assign(bs_upper=lambda t: t["bs_lower"] + 0.5, interval_level=0.9)
    lower = rows["bs_lower"].to_numpy()
    chosen = rows.iloc[leaving_candidates(lower, lower, rows["metalloid_at_pct"].to_numpy(), 20)]
    assert len(chosen) < n / 5
    pd.testing.assert_frame_equal(rank(chosen, "lower").head(20), rank(rows, "lower").head(20))  # chosen by lower
    pd.testing.assert_frame_equal(pareto(chosen), pareto(rows))


@pytest.mark.slow
def test_chunked_screen_equals_unchunked_and_predict_table(tiny_run):
    from helpers.domain import element_amounts
    from helpers.modeling.files import DEFAULT_MODELS, load_saved_models
    from helpers.predict import predict_table
    from helpers.screening.summary import ROUNDED, TOP_COLUMNS, pareto, rank

    todo = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=60, chunk_size=7)
    whole = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=60, chunk_size=1000)
    by_mean = screening.Ranking("mean")  # Bs alone: this analysis has no glass-formation model
    a = screening.screen(todo, tiny_run, top_k=10, progress=False, ranking=by_mean)
    b = screening.screen(whole, tiny_run, top_k=10, progress=False, ranking=by_mean)
    assert len(a.timings) == 9 and len(b.timings) == 1
    assert a.counts == b.counts and a.counts["n"] == 60
    pd.testing.assert_frame_equal(a.top, b.top, atol=1e-4)
    pd.testing.assert_frame_equal(a.pareto, b.pareto, atol=1e-4)
    assert np.array_equal(a.hist, b.hist) and np.allclose(a.map_mean, b.map_mean, equal_nan=True, atol=1e-4)
    # the screen's summary equals ranking python -m helpers.predict's table of every candidate
    table = screening.amounts_table(whole.elements, next(whole.make_chunks()), 773.0, 3600.0)
    reference = predict_table(table, saved=load_saved_models(tiny_run, DEFAULT_MODELS), cache_dir=None)
    amounts = element_amounts(reference["composition"]).reindex(columns=["B", "Si", "P", "C"], fill_value=0.0)
    metalloids = amounts.sum(axis=1).round(3)
    ok = reference[reference["status"] == "ok"].assign(fe_at_pct=table["fe_at_pct"], metalloid_at_pct=metalloids)
    glassy = screening.score_on(None, table, tiny_run)  # P(glass) when the analysis has a glass model, else NaN
    ok = ok.assign(p_glass=glassy["p_glass"].round(4), in_glass_domain=glassy["in_glass_domain"])
    assert b.counts["n_refused"] == len(reference) - len(ok)
    assert b.counts["n_in_domain"] == ok["in_domain"].sum()
    expected_top = rank(ok, "mean")[TOP_COLUMNS].head(10).reset_index(drop=True).round(ROUNDED)
    pd.testing.assert_frame_equal(b.top[TOP_COLUMNS], expected_top, check_dtype=False, atol=1e-6)  # + rank_by, score
    expected_front = pareto(ok)[TOP_COLUMNS].reset_index(drop=True).round(ROUNDED)
    pd.testing.assert_frame_equal(b.pareto, expected_front, check_dtype=False, atol=1e-6)


def test_a_screen_ranked_by_another_rule_keeps_the_best_of_every_chunk_by_that_rule(tiny_run):
    """Workers cut each chunk to its top_k by the notebook's rule, not by the lower bound (09's rank_by)."""
    from helpers.modeling.files import DEFAULT_MODELS, load_saved_models
    from helpers.predict import predict_table
    from helpers.screening.summary import TOP_COLUMNS, Ranking

    by_mean = Ranking("mean")
    chunked = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=60, chunk_size=7)
    whole = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=60, chunk_size=1000)
    result = screening.screen(chunked, tiny_run, top_k=10, progress=False, ranking=by_mean)
    table = screening.amounts_table(whole.elements, next(whole.make_chunks()), 773.0, 3600.0)
    reference = predict_table(table, saved=load_saved_models(tiny_run, DEFAULT_MODELS), cache_dir=None)
    ok = reference[reference["status"] == "ok"]
    expected = by_mean.order(ok)["composition"].head(10).tolist()
    assert result.top["composition"].tolist() == expected
    assert (result.top["rank_by"] == "mean").all()
    assert np.allclose(result.top["score"], result.top["bs_ensemble"], atol=1e-4)  # bs_ensemble is rounded
    assert set(TOP_COLUMNS) <= set(result.top.columns)


@pytest.mark.slow
def test_matrix_scoring_equals_predict_table_on_hundreds_of_grid_points(tiny_run):
    """Stacked networks, folded constant features, the interval and the domain as arrays: predict_table's numbers
    to 1e-6 T, the same domain flags and notes, the same status."""
    from helpers.modeling.files import DEFAULT_MODELS, load_saved_models
    from helpers.predict import predict_table

    grid = screening.Grid.from_parameter(screening.DEFAULT_GRID)
    points = next(grid.chunks(400, max_candidates=400))
    for temp, time_s in ((773.0, 3600.0), (None, None)):  # annealed, and as-quenched (outside the domain)
        table = screening.amounts_table(grid.elements, points, temp, time_s)
        mine = screening.score_table(table, tiny_run)[0]
        reference = predict_table(table, saved=load_saved_models(tiny_run, DEFAULT_MODELS), cache_dir=None)
        numbers = [c for c in reference.columns if reference[c].dtype.kind == "f"]
        texts = [c for c in reference.columns if c not in numbers]
        assert len(reference) == 400 and len(numbers) >= 8
        np.testing.assert_allclose(mine[numbers], reference[numbers], rtol=0, atol=1e-6)
        pd.testing.assert_frame_equal(mine[texts], reference[texts])


@pytest.mark.slow
def test_a_candidate_csv_with_a_bad_row_reports_it_and_scores_the_rest(tiny_run, write_csv):
    path = write_csv(
        "composition,anneal_temp_K,anneal_time_s\n"
        "Fe84Si4B8P4,773,3600\n"
        "Fe80Q20,773,3600\n"  # unknown element: excluded
        "Fe83.314159Si4.123B8.563P4,773,3600\n"  # long decimals: kept to 0.001 at.% (rescaled to sum 100)
        "Fe82B12Si6,,\n"
    )
    todo = screening.plan(str(path), screening.DEFAULT_GRID, max_candidates=100, chunk_size=2)
    report = todo.report.set_index("source_row")
    assert report.loc[3, "action"] == "excluded"
    assert not todo.report["reason"].str.contains("0.1 at.%").any()  # no rounding of candidates any more
    result = screening.screen(todo, tiny_run, top_k=5, progress=False, ranking=screening.Ranking("mean"))
    assert result.counts["n"] == 3 and len(result.top) == 3
    assert "Fe83.314B8.563Si4.123P4" in set(result.top["composition"])
    assert not result.top.loc[result.top["composition"] == "Fe82B12Si6", "in_domain"].any()  # as-quenched


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_screen_on_a_real_scheduler_with_two_worker_processes_equals_the_local_cluster(tiny_run, tmp_path):
    """dask scheduler + 2 dask worker processes on 127.0.0.1, reached by address, as on a cluster."""
    from distributed import Client

    dask = [sys.executable, "-m", "dask"]  # this test's Python (a copied venv's dask script may name another)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = open(tmp_path / "cluster.log", "w")  # noqa: SIM115 (closed below)
    procs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    ]
    try:
        time.sleep(1.0)
        procs += [
            subprocess.Popen(
                [
                    *dask,
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
            for _ in range(2)
        ]
        with Client(address, timeout="30s") as probe:
            probe.wait_for_workers(2, timeout=60)
        todo = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=60, chunk_size=15)
        remote = screening.open_client(address)
        try:
            assert screening.n_workers_of(remote) == 2
            far = screening.screen(todo, tiny_run, remote, top_k=10, progress=False, ranking=screening.Ranking("mean"))
            assert len(set(far.timings["pid"])) == 2  # both worker processes took chunks
        finally:
            screening.close_client(remote)
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs[::-1]:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
    local = screening.open_client("local", 2)
    try:
        near = screening.screen(todo, tiny_run, local, top_k=10, progress=False, ranking=screening.Ranking("mean"))
    finally:
        screening.close_client(local)
    assert far.counts == near.counts and far.n_workers == near.n_workers == 2
    pd.testing.assert_frame_equal(far.top, near.top, atol=1e-4)
    pd.testing.assert_frame_equal(far.pareto, near.pareto, atol=1e-4)


def test_merged_pools_are_the_best_of_the_whole_screen_and_the_batch_is_apart():
    """Each chunk sends its best pool_size; their merge is the screen's best pool_size, in one order."""
    from helpers.screening.pool import chunk_pool, merge_pools, pick_batch

    rng = np.random.default_rng(2)
    n = 900
    percent = pd.DataFrame({"Fe": rng.choice(np.arange(78, 86.5, 0.5), n)}).assign(B=lambda t: 100 - t["Fe"])
    score = np.where(rng.random(n) < 0.1, np.nan, rng.choice(np.linspace(1.4, 1.8, 50), n))  # ties, some failing
    bs = score + rng.random(n) * 0.01
    parts = [
        chunk_pool(percent.iloc[s : s + 100], score[s : s + 100], bs[s : s + 100], np.arange(s, s + 100), 40)
        for s in range(0, n, 100)
    ]
    pool = merge_pools(parts, 40)
    whole, n_passing = chunk_pool(percent, score, bs, np.arange(n), 40)
    pd.testing.assert_frame_equal(pool.rows, whole)
    assert pool.n_passing == n_passing == np.isfinite(score).sum() and not pool.complete
    picked = pick_batch(pool, 3, min_distance=2.0)
    fe = picked["Fe"].to_numpy()
    assert (np.abs(fe[:, None] - fe[None, :])[~np.eye(len(fe), dtype=bool)] >= 2.0).all()  # half L1 = |dFe| here
    assert picked["source_row"].iloc[0] == whole["source_row"].iloc[0] and picked["pick"].tolist() == [1, 2, 3]


def test_next_experiments_holds_n_next_rows_on_a_grid_whose_top_rows_are_neighbours(tiny_run):
    """10 asked for, 10 given, from a top table of 5: the batch is drawn from the pool; it is the batch of the
    greedy choice over every candidate scored in one table (python -m helpers.predict)."""
    from helpers.discovery import batch
    from helpers.modeling.files import DEFAULT_MODELS, load_saved_models
    from helpers.predict import predict_table
    from helpers.screening.summary import Ranking

    fine = {**SMALL, "step": 0.5}
    todo = screening.plan("grid", fine, 773.0, 3600.0, max_candidates=None, chunk_size=150)
    result = screening.screen(todo, tiny_run, top_k=5, progress=False, ranking=Ranking("mean"))
    ranked, found = screening.batch_rows(result, todo, None, tiny_run, Ranking("mean"), 10)
    training = pd.read_csv(tiny_run / "data" / "dataset.csv")
    chosen = batch.next_experiments(ranked, training, 10)
    assert len(chosen) == 10 and found.startswith("10 of 10 asked for")
    d = batch.composition_distance(chosen["composition"], chosen["composition"])
    assert (d[~np.eye(10, dtype=bool)] >= batch.MIN_DISTANCE_AT_PCT).all()
    assert result.top["composition"].iloc[0] == chosen["composition"].iloc[0]
    table = screening.amounts_table(todo.elements, np.concatenate(list(todo.make_chunks())), 773.0, 3600.0)
    every = predict_table(table, saved=load_saved_models(tiny_run, DEFAULT_MODELS), cache_dir=None)
    every = every[every["status"] == "ok"]
    expected = batch.diverse_batch(every, every["bs_ensemble"].to_numpy(), 10)
    assert chosen["composition"].tolist() == expected["composition"].tolist()
    assert chosen["nearest_composition"].isin(training["composition"]).all()


class _StandInGlassModel:
    """A glass model's interface (probability of the composition features) with a known formula."""

    def probability(self, features: pd.DataFrame) -> np.ndarray:
        assert "annealed" not in features.columns  # the composition features only
        mean_number = features["MagpieData mean Number"].to_numpy(float)  # lower with more metalloid
        return 1 / (1 + np.exp(8 * (mean_number - 23.2)))


def test_the_screen_gives_every_candidate_p_glass_and_ranks_by_bs_among_likely_glasses(tiny_run, monkeypatch):
    """P(glass) is computed on the workers beside the Bs interval; glass_mean ranks the candidates that pass."""
    from helpers.domain import Domain
    from helpers.screening import glass
    from helpers.screening.summary import Ranking

    labelled = pd.DataFrame({"composition": ["Fe80B20", "Fe84Si4B12", "Fe82B14P4"], "annealed": False})
    stand_in = glass.Glass(_StandInGlassModel(), Domain.fit(labelled, np.zeros(3)))
    monkeypatch.setitem(glass._GLASS, str(Path(tiny_run).resolve()), stand_in)
    todo = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=None, chunk_size=1000)
    ranking = Ranking("glass_mean", glass_threshold=0.5)
    result = screening.screen(todo, tiny_run, top_k=10, progress=False, ranking=ranking)
    scored = screening.score_on(
        None, screening.amounts_table(todo.elements, next(todo.make_chunks()), 773.0, 3600.0), tiny_run
    )
    assert scored["p_glass"].between(0, 1).all() and scored["in_glass_domain"].any()
    expected = ranking.order(scored[scored["status"] == "ok"])
    expected = expected[np.isfinite(expected["score"])].head(10)
    assert result.top["composition"].tolist() == expected["composition"].tolist()
    assert (result.top["p_glass"] >= 0.5).all() and len(result.glass_front) >= 1
    assert result.glass_hist.sum() == result.counts["n"] - result.counts["n_refused"]
    front = result.glass_front.sort_values("p_glass")
    assert front["bs_ensemble"].is_monotonic_decreasing  # more P(glass) costs Bs along the front


def test_a_rule_of_p_glass_without_a_glass_model_is_refused_in_one_line(tiny_run, monkeypatch):
    from helpers.screening import glass

    monkeypatch.setitem(glass._GLASS, str(Path(tiny_run).resolve()), None)  # as an analysis where 08 has not run
    todo = screening.plan("grid", SMALL, 773.0, 3600.0, max_candidates=20, chunk_size=10)
    with pytest.raises(screening.ScreenError) as refused:
        screening.screen(todo, tiny_run, top_k=5, progress=False)  # the default rule reads P(glass)
    assert "run notebook 08" in str(refused.value) and "\n" not in str(refused.value)
