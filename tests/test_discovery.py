"""Which alloy next (helpers.discovery): rules, the benchmark, simulated campaigns and the diverse batch."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from helpers.discovery import batch, benchmark, campaign, ensemble, outcomes, real, rules


def _predictions(mean, half, level=0.9):
    mean, half = np.asarray(mean, float), np.asarray(half, float)
    return pd.DataFrame(
        {"bs_ensemble": mean, "ensemble_std": half / 2, "bs_lower": mean - half, "bs_upper": mean + half}
    ).assign(interval_level=level)


# --------------------------------------------------------------------------- rules


def test_the_predictive_normal_has_the_conformal_interval_as_its_central_interval():
    rows = _predictions([1.5, 1.7], [0.2, 0.4], level=0.8)
    mean, scale = rules.predictive_normal(rows)
    low, high = norm.interval(0.8, loc=mean, scale=scale)
    assert np.allclose(low, rows["bs_lower"]) and np.allclose(high, rows["bs_upper"])


def test_expected_improvement_equals_the_expectation_of_the_gain():
    rows = _predictions([1.6, 1.75, 1.9], [0.3, 0.1, 0.5])
    mean, scale = rules.predictive_normal(rows)
    integrated = [norm(m, s).expect(lambda x: max(x - 1.8, 0.0)) for m, s in zip(mean, scale, strict=True)]
    assert np.allclose(rules.expected_improvement(rows, 1.8), integrated, atol=1e-6)


def test_rules_order_as_their_names_say_and_bad_calls_are_refused():
    rows = _predictions([1.5, 1.6], [0.4, 0.1])  # the first is lower but far more uncertain
    assert rules.ranking(rules.score(rows, "mean"))[0] == 1
    assert rules.ranking(rules.score(rows, "upper"))[0] == 0
    assert rules.ranking(rules.score(rows, "probability", target=1.8))[0] == 0
    assert rules.ranking([np.nan, 0.1, 0.5]).tolist() == [2, 1, 0]  # no score ranks last
    with pytest.raises(ValueError, match="needs best"):
        rules.score(rows, "ei")
    with pytest.raises(ValueError, match="unknown rule 'best'"):
        rules.score(rows, "best")
    with pytest.raises(ValueError, match="lacks column"):
        rules.score(rows.drop(columns="bs_upper"), "upper")


# --------------------------------------------------------------------------- benchmark


def _synthetic_table(n_alloys=120, rows_per_alloy=2, seed=0):
    rng = np.random.default_rng(seed)
    alloy = np.repeat([f"A{i}" for i in range(n_alloys)], rows_per_alloy)
    measured = rng.normal(1.5, 0.2, len(alloy))
    noisy = measured + rng.normal(0, 0.1, len(alloy))
    return _predictions(noisy, np.full(len(alloy), 0.3)).assign(composition=alloy, measured=measured)


def test_benchmark_puts_a_perfect_score_first_and_random_at_chance():
    rows = _synthetic_table()
    perfect = rows.assign(bs_ensemble=rows["measured"])  # the mean rule now ranks by the truth
    result = benchmark.benchmark(perfect, high=1.7, best=1.8, rules=("random", "mean", "lower"), n_boot=200)
    enrich = result[result["metric"] == "enrichment"].set_index(["rule", "share"])["value"]
    share_high = (rows["measured"] >= 1.7).mean()
    assert enrich[("mean", 0.1)] == pytest.approx(1 / share_high)  # fewer high rows than the top 10 %: all high
    assert enrich[("mean", 0.1)] > enrich[("lower", 0.1)]
    assert enrich[("random", 0.1)] == pytest.approx(1.0, abs=0.15)
    assert enrich[("random", 0.2)] == pytest.approx(1.0, abs=0.15)
    assert (result["low"] <= result["value"] + 1e-9).all() and (result["value"] <= result["high"] + 1e-9).all()
    assert list(result.columns[:6]) == ["rule", "metric", "share", "value", "low", "high"]
    assert benchmark.plot_enrichment(result).axes


def test_the_bootstrap_resamples_alloys_so_clustered_hits_are_less_certain():
    """Same rows and values; only the alloy key differs. Rows of one alloy move together, so a table whose high rows
    sit in 3 alloys gives a wider interval than one whose high rows sit in 30."""
    rows = _synthetic_table(n_alloys=60, rows_per_alloy=10, seed=1).sort_values("measured").reset_index(drop=True)
    spread = rows.assign(composition=[f"A{i % 60}" for i in range(len(rows))])
    clustered = rows.assign(composition=[f"A{i // 10}" for i in range(len(rows))])
    widths = []
    for table in (spread, clustered):
        res = benchmark.benchmark(table, high=1.7, rules=("mean",), shares=(0.2,), n_boot=300)
        part = res[res["metric"] == "precision"].iloc[0]
        widths.append(part["high"] - part["low"])
    assert widths[1] > 1.5 * widths[0]


# --------------------------------------------------------------------------- campaigns


def _pool(n_alloys=100, rows_per_alloy=3, seed=0):
    rng = np.random.default_rng(seed)
    composition = rng.random((n_alloys, 4))
    alloy = np.repeat(np.arange(n_alloys), rows_per_alloy)
    X = np.column_stack([composition[alloy], rng.random(len(alloy))])
    y = 1 + composition[alloy] @ np.array([0.5, 0.3, -0.2, 0.1]) + 0.2 * X[:, 4] + rng.normal(0, 0.02, len(alloy))
    return campaign.Pool.from_rows(X, y, alloy)


def test_the_simulated_random_baseline_matches_its_expected_value():
    pool = _pool(n_alloys=200, rows_per_alloy=1)
    settings = campaign.Settings(n_campaigns=600, n_rounds=40, per_round=5)
    result = campaign.run(pool, rules=("random",), settings=settings)
    per = outcomes.experiments_until(result)
    n_good = int(pool.good(settings.top_share).sum())
    n_candidates = pool.n_alloys - int(result.start[0].sum())
    assert result.start.sum(axis=1).tolist() == [20] * 600 and not (result.start & pool.good(0.05)).any()
    for goal, k in (("first good alloy", 1), ("half of the good alloys", (n_good + 1) // 2)):
        part = per[per["goal"] == goal]
        assert part["reached"].all()
        expected = outcomes.expected_random_draws(n_candidates, n_good, k)
        assert abs(part["experiments"].mean() - expected) < 3 * part["experiments"].std() / np.sqrt(len(part))


def test_no_row_of_an_unrevealed_alloy_reaches_fitting():
    pool = _pool(n_alloys=60)
    settings = campaign.Settings(n_campaigns=3, n_rounds=4, n_members=4)
    modelled = ("mean", "ei")
    calls = []

    def spy(X, y, train_masks, seeds):
        calls.append((y.copy(), train_masks.copy()))
        return ensemble.tree_fit_predict(X, y, train_masks, seeds)

    result = campaign.run(pool, rules=("random", *modelled), fit_predict=spy, settings=settings)
    assert len(calls) == settings.n_rounds  # one fit_predict call a round trains every model
    for t, (y, masks) in enumerate(calls):
        assert np.isnan(y[~masks.any(axis=0)]).all()
        assert len(masks) == len(modelled) * settings.n_campaigns * settings.n_members
        for i, mask in enumerate(masks):
            rule = modelled[i // (settings.n_campaigns * settings.n_members)]
            c = (i // settings.n_members) % settings.n_campaigns
            revealed = result.start[c].copy()
            revealed[result.made[rule][c, : t * settings.per_round]] = True
            assert not mask[~revealed[pool.alloy]].any(), f"round {t}, model {i} fits an unrevealed alloy"
            assert mask.sum() < revealed[pool.alloy].sum()  # each member leaves some measured alloys out


def test_an_oracle_beats_random_and_every_rule_shares_the_starting_sets():
    pool = _pool(n_alloys=120)
    settings = campaign.Settings(n_campaigns=20, n_rounds=8, n_members=3)

    def oracle(X, y, train_masks, seeds):  # knows the truth: the test of the machinery, not of a model
        return np.tile(pool.y, (len(train_masks), 1)) + 0.001 * np.arange(len(train_masks))[:, None]

    result = campaign.run(pool, rules=("random", "mean"), fit_predict=oracle, settings=settings)
    table = outcomes.summary(result).set_index(["rule", "goal"])
    assert table.loc[("mean", "first good alloy"), "experiments"] == 1
    assert table.loc[("mean", "first good alloy"), "acceleration_low"] > 1
    assert table.loc[("random", "first good alloy"), "acceleration"] == 1
    curves = outcomes.best_found(result)
    assert (curves.groupby(["rule", "campaign"])["best_bs"].diff().dropna() >= 0).all()
    assert outcomes.plot_best_found(curves, pool.value().max()).axes


def test_a_learned_model_beats_random_and_the_harder_start_is_below_the_median():
    pool = _pool(n_alloys=100)
    settings = campaign.Settings(n_campaigns=8, n_rounds=6, n_members=6, start="below_median")
    result = campaign.run(pool, rules=("random", "mean"), fit_predict=ensemble.tree_fit_predict, settings=settings)
    assert (pool.value()[result.start.any(axis=0)] < np.median(pool.value())).all()
    table = outcomes.summary(result).set_index(["rule", "goal"])
    assert table.loc[("mean", "first good alloy"), "acceleration"] > 1.5
    with pytest.raises(ValueError, match="need a fit_predict"):
        campaign.run(pool, rules=("mean",), settings=settings)


# --------------------------------------------------------------------------- the batch


def test_the_distance_is_half_the_l1_distance_in_at_pct():
    d = batch.composition_distance(pd.Series(["Fe84B16", "Fe80B20"]), pd.Series(["Fe83B16Cu1", "Co50Ni50"]))
    assert d.round(6).tolist() == [[1.0, 100.0], [4.0, 100.0]]


def test_the_batch_obeys_its_diversity_rule_and_shows_the_nearest_measured_alloy():
    rng = np.random.default_rng(3)
    formulas = [f"Fe{80 + a:g}B{12 - a - b:g}Si{5 + b:g}Cu{3:g}" for a in np.arange(0, 4, 0.5) for b in range(3)]
    rows = pd.DataFrame({"composition": np.repeat(formulas, 2), "anneal_temp_K": 700.0})
    scores = rng.random(len(rows))
    chosen = batch.diverse_batch(rows, scores, n_next=6, min_distance=1.5)
    d = batch.composition_distance(chosen["composition"], chosen["composition"])
    assert (d[~np.eye(len(chosen), dtype=bool)] >= 1.5).all()
    assert chosen.at[0, "score"] == scores.max() and chosen["pick"].tolist() == list(range(1, len(chosen) + 1))
    training = pd.DataFrame(
        {
            "composition": ["Fe80B12Si5Cu3", "Fe80B12Si5Cu3", "Fe85B10Si5"],
            "anneal_temp_K": [650.0, 700.0, np.nan],
            "anneal_time_s": [600.0, 600.0, np.nan],
            "bs_tesla": [1.6, 1.65, 1.5],
        }
    )
    shown = batch.nearest_measured(chosen, training)
    first = shown[shown["composition"] == "Fe80B12Si5Cu3"]
    assert first.empty or (first["nearest_distance_at_pct"] == 0).all() and (first["nearest_bs_tesla"] == 1.65).all()
    expected = batch.composition_distance(chosen["composition"], pd.Series(["Fe80B12Si5Cu3", "Fe85B10Si5"])).min(1)
    assert np.allclose(shown["nearest_distance_at_pct"], expected.round(3))


# --------------------------------------------------------------------------- an analysis folder


def test_the_real_benchmark_reads_an_analysis_folder_and_says_what_is_missing(tmp_path, capsys):
    from helpers.outputs import OutputDir

    out = OutputDir(tmp_path / "analysis").create()
    assert real.main(["--analysis", str(out.root)]) == 2
    assert "neither outer_predictions.csv" in capsys.readouterr().err
    rows = _synthetic_table(n_alloys=40)
    dataset = pd.DataFrame({"composition": ["Fe80B20", "Fe84B16"], "bs_tesla": [1.6, 1.75]}).rename_axis("row_id")
    dataset.to_csv(out.data / "dataset.csv")
    dataset.assign(set=["train", "test"]).to_csv(out.data / "split.csv")
    rows.assign(status="ok").to_csv(out.tables / "case_study.csv")
    table = real.run(out, highs=(1.7,), n_boot=50)
    assert set(table["rule"]) == set(rules.RULES) and (out.tables / "discovery_benchmark.csv").is_file()
    assert out.exists("discovery_enrichment_case") and not out.exists("discovery_enrichment_outer")


# --------------------------------------------------------------------------- the project's network as fit_predict


def test_the_network_fit_predict_trains_one_model_per_mask_on_its_rows_only():
    from helpers.discovery.network import network_fit_predict
    from helpers.modeling.network import TrainConfig

    pool = _pool(n_alloys=30, rows_per_alloy=2)
    config = TrainConfig(hidden=(8,), dropout=0.0, epochs=6, patience=3, batch_size=16)
    masks = np.zeros((3, len(pool.y)), bool)
    for i, alloys in enumerate((range(0, 12), range(8, 20), range(15, 30))):
        masks[i] = np.isin(pool.alloy, list(alloys))
    y = np.where(masks.any(axis=0), pool.y, np.nan)
    fit_predict = network_fit_predict(pool.alloy, config)
    first = fit_predict(pool.X, y, masks, np.array([1, 2, 3]))
    assert first.shape == (3, len(pool.y)) and np.isfinite(first).all()
    changed = y.copy()
    changed[masks[2] & ~masks[0]] += 0.5  # rows model 0 may not see
    second = fit_predict(pool.X, changed, masks, np.array([1, 2, 3]))
    assert np.allclose(second[0], first[0], atol=1e-6)  # model 0 never saw them
    assert not np.allclose(second[2], first[2], atol=1e-3)  # model 2 did
    alone = fit_predict(pool.X, y, masks[1:2], np.array([2]))
    assert np.allclose(alone[0], first[1], atol=1e-4)  # a model is the same whatever trains beside it


def test_settings_cut_campaigns_into_parts_that_join_back_in_order():
    settings = campaign.Settings(n_campaigns=7, seed=3)
    parts = settings.parts(3)
    assert [list(p.campaign_numbers()) for p in parts] == [[0, 1, 2], [3, 4], [5, 6]]
    assert all(p.seed == 3 and p.n_rounds == settings.n_rounds for p in parts)
    pool = _pool(n_alloys=40, rows_per_alloy=1)
    run = [campaign.run(pool, ("random",), settings=p) for p in parts]
    whole = campaign.run(pool, ("random",), settings=settings)
    joined = campaign.joined(run, settings)
    assert (joined.start == whole.start).all() and (joined.made["random"] == whole.made["random"]).all()
    with pytest.raises(ValueError, match="the parts run campaigns"):
        campaign.joined(run[::-1], settings)


@pytest.mark.slow
def test_campaigns_run_in_parts_on_two_processes_make_the_same_alloys_as_in_one():
    from helpers.discovery import simulation
    from helpers.modeling.network import TrainConfig

    pool = _pool(n_alloys=40, rows_per_alloy=2)
    settings = campaign.Settings(n_campaigns=2 * simulation.MIN_CAMPAIGNS_PER_PART, n_rounds=3, n_members=2)
    config = TrainConfig(hidden=(8,), dropout=0.0, epochs=8, patience=3, batch_size=16)
    rules = ("random", "mean", "ei")
    here, _ = simulation.run_starts(pool, settings, ("random",), rules, config, workers=1)
    apart, _ = simulation.run_starts(pool, settings, ("random",), rules, config, workers=2)
    for rule in rules:
        np.testing.assert_array_equal(apart["random"].made[rule], here["random"].made[rule])
    assert apart["random"].settings == settings


# --------------------------------------------------------------------------- notebook 09: rank_by, the next batch


def _candidates():
    rows = _predictions([1.5, 1.6, 1.55, 1.4], [0.4, 0.05, 0.2, 0.6]).assign(
        composition=["Fe80B20", "Fe84B16", "Fe83B16Cu1", "Fe78Si10B12"],
        anneal_temp_K=700.0,
        anneal_time_s=600.0,
        interval_calibrated=True,
        in_domain=[True, True, False, True],
        domain_notes=["", "", "Cu 1 at.% outside the training range", ""],
    )
    return rows


def test_rank_by_orders_by_the_rule_and_records_its_score():
    from helpers.screening.summary import rank

    rows = _candidates()
    assert rank(rows, "lower")["composition"].tolist()[0] == "Fe84B16"  # the lower bound: the sure one
    by_upper = rank(rows, "upper")
    assert by_upper["composition"].tolist() == ["Fe78Si10B12", "Fe80B20", "Fe83B16Cu1", "Fe84B16"]
    assert (by_upper["rank_by"] == "upper").all() and np.allclose(by_upper["score"], by_upper["bs_upper"])
    by_ei = rank(rows, "ei", best=1.7)
    assert np.allclose(by_ei["score"], rules.expected_improvement(by_ei, 1.7))
    with pytest.raises(ValueError, match="needs best"):
        rank(rows, "ei")


def test_next_experiments_has_its_columns_and_obeys_the_distance():
    from helpers.screening.summary import rank

    training = pd.DataFrame(
        {"composition": ["Fe84B16", "Fe85B15"], "anneal_temp_K": [650.0, 700.0], "anneal_time_s": 600.0}
    ).assign(bs_tesla=[1.62, 1.6])
    ranked = rank(_candidates(), "mean")
    chosen = batch.next_experiments(ranked, training, n_next=3, min_distance=2.0)
    assert list(chosen.columns) == batch.NEXT_COLUMNS
    assert chosen["composition"].tolist() == ["Fe84B16", "Fe80B20", "Fe78Si10B12"]  # Fe83B16Cu1: 1 at.% from Fe84B16
    d = batch.composition_distance(chosen["composition"], chosen["composition"])
    assert (d[~np.eye(len(chosen), dtype=bool)] >= 2.0).all()
    assert chosen["nearest_composition"].tolist()[0] == "Fe84B16" and chosen["nearest_distance_at_pct"].iloc[0] == 0
    assert chosen["nearest_bs_tesla"].iloc[1] == 1.62  # Fe80B20 is 4 at.% from Fe84B16, 5 from Fe85B15


def test_the_retrospective_reports_every_rule_side_by_side():
    from helpers.retrospective import retrospective

    rows = _synthetic_table(n_alloys=40).assign(status="ok", in_domain=True)
    table, ranked = retrospective(rows, rows["measured"], rank_by="mean", best=1.8, target=1.7)
    assert table["rule"].tolist() == list(rules.RULES) and table.loc[table["chosen"], "rule"].tolist() == ["mean"]
    assert table.set_index("rule").loc["random", "enrichment"] == pytest.approx(1.0, abs=0.1)
    assert ranked["bs_ensemble"].is_monotonic_decreasing and ranked["rank"].tolist()[:2] == [1, 2]


# --------------------------------------------------------------------------- one rule, one count


def test_one_default_rule_and_one_high_bs_everywhere():
    import inspect

    from helpers.pipeline.dag import notebooks
    from helpers.pipeline.parameters import declared_parameters
    from helpers.retrospective import retrospective
    from helpers.screening.summary import DEFAULT_RANKING, Ranking, rank

    declared = declared_parameters(notebooks())
    assert declared["rank_by"].default == rules.DEFAULT_RULE == "glass_mean"  # notebook 09's default
    assert declared["glass_threshold"].default == rules.DEFAULT_GLASS_THRESHOLD == Ranking().glass_threshold
    assert tuple(declared["high_bs"].default) == benchmark.HIGH_BS_LEVELS_T  # notebook 10's default
    assert Ranking().rank_by == DEFAULT_RANKING.rank_by == rules.DEFAULT_RULE
    for function in (rank, retrospective):
        assert inspect.signature(function).parameters["rank_by"].default == rules.DEFAULT_RULE
    assert inspect.signature(retrospective).parameters["high"].default == benchmark.HIGH_BS_T


def test_the_retrospective_counts_as_the_benchmark_on_the_same_rows():
    from helpers.retrospective import TOP_SHARE, retrospective

    rows = _synthetic_table(n_alloys=40).assign(status="ok", in_domain=True)
    rows["bs_ensemble"] = rows["bs_ensemble"].round(1)  # ties in the mean rule's score
    table, _ = retrospective(rows, rows["measured"], rank_by="mean", best=1.8, target=benchmark.HIGH_BS_T)
    bench = benchmark.benchmark(rows, benchmark.HIGH_BS_T, best=1.8, n_boot=0)
    point = bench[(bench["metric"] == "enrichment") & (bench["share"] == TOP_SHARE)].set_index("rule")["value"]
    assert table.set_index("rule")["enrichment"].to_dict() == pytest.approx(point.round(2).to_dict())


def test_ties_are_broken_by_the_mean_then_the_formula_whatever_the_row_order():
    from helpers.screening.summary import rank

    rows = _predictions(np.array([1.6, 1.6, 1.6, 1.7]), np.full(4, 0.2)).assign(
        composition=["Fe84B16", "Fe80B20", "Fe82B18", "Fe86B14"], measured=[1.6, 1.5, 1.7, 1.8]
    )
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        shuffled = rows.iloc[order].reset_index(drop=True)
        best_first = shuffled.iloc[rules.ranking(rules.score(shuffled, "lower"), shuffled)]["composition"].tolist()
        assert best_first == ["Fe86B14", "Fe80B20", "Fe82B18", "Fe84B16"]
        assert rank(shuffled, "lower")["composition"].tolist() == best_first  # the screen's order is the same
        is_high = shuffled["measured"].to_numpy() >= 1.7
        assert benchmark.top_hits(rules.score(shuffled, "lower"), is_high, (0.5,), shuffled) == {0.5: 0.5}


# --------------------------------------------------------------------------- Bs and P(glass) together


def test_the_glass_rules_rank_by_bs_among_likely_glasses_and_by_expected_bs():
    rows = _predictions([1.9, 1.8, 1.6, 1.5], np.full(4, 0.1)).assign(
        composition=["Fe86B14", "Fe84B16", "Fe80B20", "Fe78B22"], p_glass=[0.2, 0.6, 0.95, 0.5]
    )
    by_glass = rules.score(rows, "glass_mean", glass_threshold=0.55)
    assert np.isnan(by_glass[[0, 3]]).all() and by_glass[1] == 1.8  # the rest fail the rule
    assert np.allclose(rules.score(rows, "expected"), [0.38, 1.08, 1.52, 0.75])
    with pytest.raises(ValueError, match="needs glass_threshold"):
        rules.score(rows, "glass_mean")
    with pytest.raises(ValueError, match="notebook 08"):
        rules.score(rows.drop(columns="p_glass"), "expected")
    chosen = batch.diverse_batch(rows, by_glass, n_next=4, min_distance=1.0)
    assert chosen["composition"].tolist() == ["Fe84B16", "Fe80B20"]  # only candidates that pass the rule


def test_the_rule_evidence_counts_real_glasses_among_the_top_of_each_rule():
    from helpers.discovery import glass_rules

    rows = _predictions([1.9, 1.85, 1.8, 1.7, 1.6, 1.5], np.full(6, 0.1)).assign(
        composition=[f"Fe{80 + i}B{20 - i}" for i in range(6)],
        p_glass=[0.1, 0.2, 0.9, 0.8, 0.7, 0.95],
        label=[0, 0, 1, 1, 0, 1],
        chemical_system=["Fe-B", "Fe-B-Si", "Fe-B-P", "Fe-B-C", "Fe-B-Cu", "Fe-B-Nb"],
    )
    evidence = glass_rules.rule_evidence(rows, top=2, thresholds=(0.5,), n_boot=20)
    by = evidence.set_index("rule")
    assert by.loc["mean", "glasses"] == 0 and by.loc["mean", "bs_made"] == 0  # the two highest Bs: no glass
    assert by.loc["glass_mean", "glasses"] == 2 and by.loc["glass_mean", "bs_made"] == pytest.approx(1.75)
    assert by.loc["expected", "glasses"] == 2 and by.loc["glass_mean", "n_passing"] == 4
    assert (by["glass_share_low"] <= by["glass_share"] + 1e-9).all() and by.loc["mean", "base_share"] == 0.5
    assert glass_rules.best_rule(evidence)["rule"] == "glass_mean"
    first, second = glass_rules.evidence_sentences(glass_rules.mark_chosen(evidence, "glass_mean", 0.5))
    assert "0 formed a glass" in first and "2 of the top 2 formed a glass" in second


def test_next_experiments_shows_the_nearest_labelled_glass_formation_composition():
    from helpers.screening.summary import rank

    training = pd.DataFrame(
        {"composition": ["Fe84B16"], "anneal_temp_K": 650.0, "anneal_time_s": 600.0, "bs_tesla": 1.6}
    )
    labelled = pd.DataFrame({"composition": ["Fe85B15", "Fe78Si10B12", "Fe80B20"], "label": [0, 1, 1]})
    ranked = rank(_candidates().assign(p_glass=[0.9, 0.8, 0.7, 0.6], in_glass_domain=True), "mean")
    chosen = batch.next_experiments(ranked, training, n_next=3, labelled=labelled)
    assert list(chosen.columns) == batch.NEXT_COLUMNS and chosen["p_glass"].notna().all()
    first = chosen.iloc[0]  # Fe84B16: 1 at.% from Fe85B15, which gave no glass
    assert first["nearest_labelled_composition"] == "Fe85B15" and first["nearest_labelled_glass"] == 0
    assert first["nearest_labelled_distance_at_pct"] == 1.0
    assert chosen.set_index("composition").loc["Fe78Si10B12", "nearest_labelled_distance_at_pct"] == 0
    without = batch.next_experiments(ranked, training, n_next=3)
    assert without["nearest_labelled_composition"].isna().all()
