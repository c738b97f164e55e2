"""What simulated campaigns achieved: experiments until a goal, acceleration against random, best Bs found.

Goals (the good alloys are the pool's top share, see ``campaign``): the first good alloy, and half of them
(``ceil(good / 2)``). A campaign that does not reach a goal within its budget is *censored*: it counts as
budget + 1 experiments (a lower bound, so the mean of a rule with censored campaigns is too kind to it) and the
table says how many. Intervals are bootstrap 95 % intervals over campaigns; the acceleration factor (mean
experiments of random / mean experiments of the rule) resamples the same campaigns for both, since every rule ran
on the same seeds and starting sets.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.discovery.campaign import Campaigns

GOALS = {"first good alloy": lambda n_good: 1, "half of the good alloys": lambda n_good: math.ceil(n_good / 2)}
N_BOOT = 2000


def expected_random_draws(n_candidates: int, n_good: int, k: int = 1) -> float:
    """Expected draws without replacement until the k-th of n_good good items among n_candidates: k (N+1)/(G+1)."""
    return k * (n_candidates + 1) / (n_good + 1)


def experiments_until(campaigns: Campaigns) -> pd.DataFrame:
    """Per rule, campaign and goal: experiments until the goal (budget + 1 when not reached) and if it was reached."""
    good = campaigns.pool.good(campaigns.settings.top_share)
    rows = []
    for rule, made in campaigns.made.items():
        budget = made.shape[1]
        hits = np.cumsum(good[made], axis=1)
        for goal, needed in GOALS.items():
            k = needed(int(good.sum()))
            reached = hits[:, -1] >= k if budget else np.zeros(len(made), bool)
            first = np.where(reached, np.argmax(hits >= k, axis=1) + 1, budget + 1)
            rows += [
                {"rule": rule, "campaign": c, "goal": goal, "experiments": int(e), "reached": bool(r)}
                for c, (e, r) in enumerate(zip(first, reached, strict=True))
            ]
    return pd.DataFrame(rows)


def summary(campaigns: Campaigns, n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """Per rule and goal: mean experiments and acceleration factor against random, each with its 95 % interval."""
    per = experiments_until(campaigns)
    n = campaigns.settings.n_campaigns
    draws = np.random.default_rng(seed).integers(0, n, (n_boot, n))
    out = []
    for goal, part in per.groupby("goal", sort=False):
        wide = part.pivot(index="campaign", columns="rule", values="experiments")
        random_means = wide["random"].to_numpy(float)[draws].mean(axis=1) if "random" in wide else None
        for rule in campaigns.made:
            values = wide[rule].to_numpy(float)
            means = values[draws].mean(axis=1)
            row = {
                "rule": rule,
                "goal": goal,
                "campaigns": n,
                "censored": int((~part[part.rule == rule].reached).sum()),
            }
            row.update(_mean_interval("experiments", values.mean(), means))
            if random_means is not None:
                row.update(_mean_interval("acceleration", wide["random"].mean() / values.mean(), random_means / means))
            out.append(row)
    return pd.DataFrame(out)


def _mean_interval(name: str, value: float, replicates: np.ndarray) -> dict[str, float]:
    low, high = np.percentile(replicates, [2.5, 97.5])
    return {name: float(value), f"{name}_low": float(low), f"{name}_high": float(high)}


def best_found(campaigns: Campaigns) -> pd.DataFrame:
    """Tidy: per rule, campaign and number of experiments (0 = the starting set), the best alloy value found so far."""
    value = campaigns.pool.value()
    start_best = np.where(campaigns.start, value, -np.inf).max(axis=1)
    frames = []
    for rule, made in campaigns.made.items():
        curve = np.maximum.accumulate(np.column_stack([start_best, value[made]]), axis=1)
        frame = pd.DataFrame(curve).rename_axis(index="campaign", columns="experiments").stack()
        frames.append(frame.rename("best_bs").reset_index().assign(rule=rule))
    return pd.concat(frames, ignore_index=True)[["rule", "campaign", "experiments", "best_bs"]]


def plot_best_found(curves: pd.DataFrame, best_in_pool: float | None = None, title: str = "") -> plt.Figure:
    """Best Bs found against experiments: the mean over campaigns per rule, and random's central 95 % band."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    if "random" in set(curves["rule"]):
        band = curves[curves["rule"] == "random"].groupby("experiments")["best_bs"].quantile([0.025, 0.975]).unstack()
        ax.fill_between(
            band.index, band[0.025], band[0.975], color="grey", alpha=0.25, label="random, 95 % of campaigns"
        )
    for rule, part in curves.groupby("rule", sort=False):
        mean = part.groupby("experiments")["best_bs"].mean()
        ax.plot(mean.index, mean.to_numpy(), lw=1.8 if rule != "random" else 1.2, label=rule)
    if best_in_pool is not None:
        ax.axhline(best_in_pool, color="black", lw=0.8, ls=":", label="best in pool")
    ax.set_xlabel("experiments (alloys made)")
    ax.set_ylabel("best Bs found (T), mean over campaigns")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
