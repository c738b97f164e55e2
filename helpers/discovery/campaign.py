"""Sequential learning, simulated: how many alloys must a lab make to find a top alloy, the model choosing?

The pool is a set of alloys whose Bs is known (rows = alloys with their annealing treatments). One candidate is one
alloy: making it reveals all its rows, and its value is the best Bs among them. The *good* alloys are the pool's top
``top_share`` (5 %) by value: the ``ceil(top_share * alloys)`` best, ties at the boundary included.

A campaign starts from a measured set of ``start_share`` (10 %) of the alloys, drawn at random from the alloys that
are not good (otherwise the goal is met before the first experiment); the harder start draws it from the alloys below
the pool's median value. Each round, every rule that needs a model fits ``n_members`` models on the measured rows
(each member leaves out a random ``holdout_share`` of the measured alloys, at least one: its out-of-bag rows
calibrate the interval), scores the rows of the unmeasured alloys, gives each alloy the best score of its rows, and
makes the ``per_round`` best alloys. The random rule makes random alloys. Experiments are counted one by one in the
order of the rule's ranking inside its batch. Every rule sees the same campaigns (seeds, starting sets, member carves).

The model is injected (``ensemble.FitPredict``; ``ensemble.Intervals`` calibrates). One call per round trains every
model: they are laid out rule by rule (the rules that need a model, in the order given), campaign by campaign,
member by member: model ``i`` belongs to rule ``i // (n_campaigns * n_members)``, campaign
``first_campaign + (i // n_members) % n_campaigns``. A campaign's randomness (start set, carves, seeds) follows from
its number alone, so a set of campaigns may run in parts (``Settings.parts``, ``joined``), e.g. one per process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from helpers.discovery.ensemble import FitPredict, Intervals, spread_intervals
from helpers.discovery.rules import RULES, ranking, score

STARTS = ("random", "below_median")


@dataclass(frozen=True)
class Settings:
    """What a set of campaigns does (by default: a 10 % start, batches of 5, 30 rounds, 20 campaigns)."""

    n_campaigns: int = 20
    n_rounds: int = 30
    per_round: int = 5  # alloys made per round
    start: str = "random"  # or "below_median"
    start_share: float = 0.1
    top_share: float = 0.05
    n_members: int = 8
    holdout_share: float = 0.2
    level: float = 0.9
    target: float | None = None  # probability rule: P(Bs >= target); None = the best Bs measured so far
    seed: int = 0
    first_campaign: int = 0  # the number of the first campaign: a part of a larger set runs its own numbers

    def campaign_numbers(self) -> range:
        """The numbers of the campaigns these settings run (their seeds, start sets and carves follow from them)."""
        return range(self.first_campaign, self.first_campaign + self.n_campaigns)

    def parts(self, n_parts: int) -> list[Settings]:
        """These campaigns in at most n_parts consecutive parts: each part runs its campaigns as the whole would."""
        cuts = np.array_split(np.array(self.campaign_numbers()), max(1, min(n_parts, self.n_campaigns)))
        return [replace(self, first_campaign=int(c[0]), n_campaigns=len(c)) for c in cuts]


@dataclass
class Pool:
    """Rows of known Bs grouped into alloys: features, Bs and the alloy code (0..alloys-1) of every row."""

    X: np.ndarray
    y: np.ndarray
    alloy: np.ndarray
    keys: np.ndarray = field(default_factory=lambda: np.array([]))

    @classmethod
    def from_rows(cls, X, y, alloy_keys) -> Pool:
        """A pool from features (rows x features), measured Bs and an alloy key (e.g. the composition) per row."""
        codes, keys = pd.factorize(pd.Series(np.asarray(alloy_keys)))
        return cls(np.asarray(X, float), np.asarray(y, float), codes, np.asarray(keys))

    @property
    def n_alloys(self) -> int:
        """Number of alloys (candidates)."""
        return int(self.alloy.max()) + 1

    def value(self) -> np.ndarray:
        """Per alloy: the best Bs of its rows."""
        return pd.Series(self.y).groupby(self.alloy).max().to_numpy()

    def good(self, top_share: float) -> np.ndarray:
        """Per alloy: True for the pool's top share by value (ceil(share * alloys) alloys, boundary ties included)."""
        value = self.value()
        n_good = max(1, math.ceil(top_share * self.n_alloys))
        return value >= np.sort(value)[::-1][n_good - 1]


@dataclass
class Campaigns:
    """What a set of campaigns did: per rule, the alloys made in order (campaigns x experiments)."""

    pool: Pool
    settings: Settings
    start: np.ndarray  # (campaigns x alloys) bool, the measured set before the first experiment
    made: dict[str, np.ndarray]  # rule -> (campaigns x experiments) alloy codes, in the order they were made


def joined(parts: list[Campaigns], settings: Settings) -> Campaigns:
    """Campaigns run in parts (``Settings.parts``, in order) as the one set of campaigns of ``settings``."""
    numbers = [c for part in parts for c in part.settings.campaign_numbers()]
    if numbers != list(settings.campaign_numbers()):
        raise ValueError(f"the parts run campaigns {numbers}, not {list(settings.campaign_numbers())}")
    made = {rule: np.concatenate([part.made[rule] for part in parts]) for rule in parts[0].made}
    return Campaigns(parts[0].pool, settings, np.concatenate([part.start for part in parts]), made)


def starting_sets(pool: Pool, settings: Settings) -> np.ndarray:
    """(campaigns x alloys) bool: each campaign's starting set (random non-good alloys, or below the median)."""
    if settings.start not in STARTS:
        raise ValueError(f"unknown start {settings.start!r}: use one of {', '.join(STARTS)}")
    value = pool.value()
    allowed = ~pool.good(settings.top_share)
    if settings.start == "below_median":
        allowed &= value < np.median(value)
    n_start = max(1, round(settings.start_share * pool.n_alloys))
    if n_start > allowed.sum():
        raise ValueError(f"a start of {n_start} alloys needs more than the {allowed.sum()} alloys allowed")
    out = np.zeros((settings.n_campaigns, pool.n_alloys), bool)
    for i, c in enumerate(settings.campaign_numbers()):
        rng = np.random.default_rng([settings.seed, c, 0])
        out[i, rng.choice(np.flatnonzero(allowed), n_start, replace=False)] = True
    return out


def run(
    pool: Pool,
    rules: tuple[str, ...] = RULES,
    fit_predict: FitPredict | None = None,
    settings: Settings = Settings(),  # noqa: B008 (frozen)
    intervals: Intervals = spread_intervals,
) -> Campaigns:
    """Run every rule's campaigns for n_rounds rounds (or until no alloy is left); one fit_predict call a round."""
    start = starting_sets(pool, settings)
    modelled = [r for r in rules if r != "random"]
    if modelled and fit_predict is None:
        raise ValueError(f"rules {', '.join(modelled)} need a fit_predict (e.g. ensemble.tree_fit_predict)")
    measured = {r: start.copy() for r in rules}
    made = {r: [[] for _ in range(settings.n_campaigns)] for r in rules}
    for t in range(settings.n_rounds):
        n_left = pool.n_alloys - measured[rules[0]][0].sum()
        if n_left <= 0:
            break
        scores = _round_scores(pool, modelled, measured, fit_predict, intervals, settings, t) if modelled else {}
        for rule in rules:
            for i, c in enumerate(settings.campaign_numbers()):
                alloy_scores = scores[rule][i] if rule != "random" else _random_scores(pool, settings, c, t)
                picked = _pick(alloy_scores, measured[rule][i], settings.per_round)
                measured[rule][i, picked] = True
                made[rule][i].extend(picked)
    return Campaigns(pool, settings, start, {r: np.array(m, int) for r, m in made.items()})


def member_masks(pool: Pool, measured: np.ndarray, settings: Settings, campaign: int, t: int):
    """(members x rows) fit masks and held-out masks for one campaign's measured alloys in round t.

    Each member leaves out round(holdout_share * measured alloys) of them (at least one, never all), drawn anew.
    """
    rng = np.random.default_rng([settings.seed, campaign, t + 1])
    alloys = np.flatnonzero(measured)
    n_out = min(max(1, round(settings.holdout_share * len(alloys))), len(alloys) - 1)
    held_alloys = np.zeros((settings.n_members, pool.n_alloys), bool)
    for j in range(settings.n_members):
        held_alloys[j, rng.choice(alloys, n_out, replace=False)] = True
    held_out = held_alloys[:, pool.alloy]
    return measured[pool.alloy] & ~held_out, held_out


def _round_scores(pool, modelled, measured, fit_predict, intervals, settings, t) -> dict[str, list[np.ndarray]]:
    """One fit_predict call for every rule's and campaign's ensemble; per rule and campaign, a score per alloy."""
    numbers, m = list(enumerate(settings.campaign_numbers())), settings.n_members
    carves = [member_masks(pool, measured[r][i], settings, c, t) for r in modelled for i, c in numbers]
    fit_masks = np.concatenate([f for f, _ in carves])
    seeds = np.array(
        [np.random.SeedSequence([settings.seed, c, t, j]).generate_state(1)[0] for _, c in numbers for j in range(m)]
        * len(modelled)
    )
    y_known = np.where(fit_masks.any(axis=0), pool.y, np.nan)
    predictions = fit_predict(pool.X, y_known, fit_masks, seeds)
    out: dict[str, list[np.ndarray]] = {r: [] for r in modelled}
    for k, (rule, i) in enumerate((r, i) for r in modelled for i, _ in numbers):
        own = predictions[k * m : (k + 1) * m]
        y_measured = np.where(measured[rule][i][pool.alloy], pool.y, np.nan)
        lower, upper = intervals(own, y_measured, carves[k][1], pool.X, settings.level)
        table = pd.DataFrame(
            {
                "bs_ensemble": own.mean(axis=0),
                "ensemble_std": own.std(axis=0),
                "bs_lower": lower,
                "bs_upper": upper,
                "interval_level": settings.level,
            }
        )
        best = np.nanmax(y_measured)
        target = best if settings.target is None else settings.target
        row_scores = score(table, rule, best=best, target=target)
        out[rule].append(pd.Series(row_scores).groupby(pool.alloy).max().to_numpy())
    return out


def _random_scores(pool: Pool, settings: Settings, campaign: int, t: int) -> np.ndarray:
    return np.random.default_rng([settings.seed, campaign, t + 1, 7]).random(pool.n_alloys)


def _pick(alloy_scores: np.ndarray, measured: np.ndarray, per_round: int) -> list[int]:
    """The per_round best unmeasured alloys, best first."""
    candidates = np.flatnonzero(~measured)
    order = ranking(alloy_scores[candidates])
    return [int(a) for a in candidates[order[:per_round]]]
