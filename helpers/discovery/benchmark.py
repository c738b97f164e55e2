"""One-shot discovery benchmark: if we make the top of a ranking, how many truly high-Bs alloys do we get?

For each rule of ``rules.RULES`` and each top share (10 %, 20 %): the **discovery precision** (share of rows measured
at or above ``high`` among the top ``ceil(share * rows)`` rows of the ranking) and the **enrichment factor**
(that precision divided by the share of high rows in the whole table: 1 = chance). Rows are ranked one by one (an
alloy with its annealing treatment is one candidate); the 95 % intervals come from a bootstrap that resamples
*alloys* with replacement, so all rows of one alloy move together. The random rule's value is its mean over
N_RANDOM_ORDERS random orders (1 for enrichment, up to rounding of the top share), and every bootstrap replicate
draws a new order. Ties in a rule's score are broken as the screen breaks them (``rules.ranking``). Notebook 09's
retrospective (helpers.retrospective) counts with the same functions.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.discovery.rules import RULES, ranking, score

SHARES = (0.1, 0.2)
N_BOOT = 1000
N_RANDOM_ORDERS = 200  # random orders the random rule is averaged over
HIGH_BS_T = 1.7  # Bs (T) at or above which a measured alloy counts as high: the target of discovery
HIGH_BS_LEVELS_T = (HIGH_BS_T, 1.8)  # the thresholds the benchmark reports by default (notebook 10's high_bs)
TIDY_COLUMNS = ["rule", "metric", "share", "value", "low", "high", "high_bs_T", "rows", "alloys"]


def top_count(share: float, n: int) -> int:
    """How many rows the top share of n rows holds: ceil(share * n), at least one."""
    return max(1, math.ceil(share * n))


def random_orders(seed: int = 0) -> list[int]:
    """The seeds of the random rule's orders, one per order."""
    return list(range(seed, seed + N_RANDOM_ORDERS))


def top_hits(
    scores: np.ndarray, is_high: np.ndarray, shares: tuple[float, ...], rows: pd.DataFrame | None = None
) -> dict[float, float]:
    """Per share: the precision (share of high rows) among the top rows by score (ties: ``rules.ranking``)."""
    order = ranking(scores, rows)
    return {s: float(is_high[order[: top_count(s, len(scores))]].mean()) for s in shares}


def rule_metrics(
    rows: pd.DataFrame, rule: str, is_high: np.ndarray, shares: tuple[float, ...], best, target, seeds: list[int]
) -> dict[tuple[str, float], float]:
    """(metric, share) -> precision and enrichment of one rule on one (possibly resampled) table.

    The random rule averages over one random order per seed; the other rules ignore the seeds.
    """
    base = is_high.mean()
    seeds = seeds if rule == "random" else seeds[:1]
    per_seed = [top_hits(score(rows, rule, best, target, s), is_high, shares, rows) for s in seeds]
    out = {}
    for s in shares:
        precision = float(np.mean([p[s] for p in per_seed]))
        out[("precision", s)] = precision
        out[("enrichment", s)] = precision / base if base > 0 else np.nan
    return out


def benchmark(
    rows: pd.DataFrame,
    high: float,
    alloy: str = "composition",
    measured: str = "measured",
    best: float | str | None = None,
    rules: tuple[str, ...] = RULES,
    shares: tuple[float, ...] = SHARES,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> pd.DataFrame:
    """Tidy table (rule, metric, share, value, low, high, ...) of every rule on a prediction table with measured Bs.

    ``best`` (for ei) is a Bs or the name of a column holding, per row, the best measured Bs of the rows its model
    was trained on; the probability rule's target is ``high``.
    """
    rows = rows.reset_index(drop=True)
    best_values = rows[best].to_numpy(float) if isinstance(best, str) else best
    is_high = rows[measured].to_numpy(float) >= high
    point = {r: rule_metrics(rows, r, is_high, shares, best_values, high, random_orders(seed)) for r in rules}
    boot = _bootstrap(rows, alloy, is_high, rules, shares, best_values, high, n_boot, seed)
    out = []
    for rule in rules:
        for (metric, share), value in point[rule].items():
            sample = np.array([b[rule][(metric, share)] for b in boot])
            low, top = np.nanpercentile(sample, [2.5, 97.5]) if n_boot else (np.nan, np.nan)
            out.append([rule, metric, share, value, low, top, high, len(rows), rows[alloy].nunique()])
    return pd.DataFrame(out, columns=TIDY_COLUMNS)


def _bootstrap(rows, alloy, is_high, rules, shares, best, target, n_boot, seed) -> list[dict]:
    """n_boot replicates: alloys drawn with replacement, every row of a drawn alloy included each time it is drawn."""
    codes, keys = pd.factorize(rows[alloy])
    members = [np.flatnonzero(codes == k) for k in range(len(keys))]
    rng = np.random.default_rng(seed)
    per_row_best = np.ndim(best) == 1
    out = []
    for b in range(n_boot):
        take = np.concatenate([members[k] for k in rng.integers(0, len(keys), len(keys))])
        part = rows.iloc[take].reset_index(drop=True)
        part_best = best[take] if per_row_best else best
        out.append(
            {
                r: rule_metrics(part, r, is_high[take], shares, part_best, target, [seed + N_RANDOM_ORDERS + b])
                for r in rules
            }
        )
    return out


def plot_enrichment(table: pd.DataFrame, title: str = "") -> plt.Figure:
    """Enrichment factor with its bootstrap 95 % interval per rule, one marker per top share; 1 = chance."""
    part = table[table["metric"] == "enrichment"]
    rules = list(dict.fromkeys(part["rule"]))
    shares = sorted(part["share"].unique())
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, share in enumerate(shares):
        rows = part[part["share"] == share].set_index("rule").loc[rules]
        x = np.arange(len(rules)) + (i - (len(shares) - 1) / 2) * 0.2
        err = np.vstack([rows["value"] - rows["low"], rows["high"] - rows["value"]]).clip(min=0)
        ax.errorbar(x, rows["value"], yerr=err, fmt="o", capsize=3, label=f"top {share:.0%}")
    ax.axhline(1.0, color="grey", lw=1, ls="--")
    ax.set_xticks(np.arange(len(rules)), rules)
    ax.set_xlabel("ranking rule")
    ax.set_ylabel(f"enrichment of Bs ≥ {part['high_bs_T'].iloc[0]:g} T")
    ax.set_title(title or f"{part['rows'].iloc[0]} rows, {part['alloys'].iloc[0]} alloys; 95 % bootstrap by alloy")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
