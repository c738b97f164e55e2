"""The retrospective check of a screen: would it have found the alloys measured with a high Bs?

Notebook 09 scores notebook 05's case-study alloys (never used in training or selection) as candidates
(``helpers.screening.case_study_candidates``) and ranks them by every rule of ``helpers.discovery.rules`` (random
as the mean over many random orders), the one 09 ranks by marked ``chosen``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.discovery.rules import RULES
from helpers.screening.summary import rank

HIGH_BS_T = 1.7  # the retrospective counts measured Bs at or above this as high
N_RANDOM_ORDERS = 200


def retrospective(
    scored: pd.DataFrame,
    measured: pd.Series,
    high: float = HIGH_BS_T,
    top_share: float = 0.2,
    rank_by: str = "lower",
    best: float | None = None,
    target: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per rule (one row each): enrichment of measured-high alloys in the top share against random ranking, and the
    rank correlation of the rule's score with the measured Bs. Returns that table and the rows ranked by ``rank_by``.

    ``best`` (for ei) and ``target`` (for probability) as in ``screening.summary.rank``; a rule that lacks its value
    is left out.
    """
    rows = scored.reset_index(drop=True).assign(measured=measured.to_numpy())
    rows = rows[rows["status"] == "ok"].reset_index(drop=True)
    rules = [r for r in RULES if not (r == "ei" and best is None) and not (r == "probability" and target is None)]
    table = pd.DataFrame([_rule_row(rows, r, high, top_share, best, target) for r in rules])
    table.insert(1, "chosen", table["rule"] == rank_by)
    ranked = rank(rows, rank_by, best, target).reset_index(drop=True)
    return table, ranked.assign(rank=np.arange(1, len(ranked) + 1))


def _rule_row(rows: pd.DataFrame, rule: str, high: float, top_share: float, best, target) -> dict:
    """One rule's line: hits in the top share (mean over random orders for random), enrichment, Spearman."""
    from scipy.stats import spearmanr

    n = len(rows)
    n_top = max(1, math.ceil(top_share * n))
    is_high = rows["measured"].to_numpy() >= high
    expected = n_top * is_high.sum() / n if n else np.nan
    if rule == "random":
        orders = [np.random.default_rng(s).permutation(n)[:n_top] for s in range(N_RANDOM_ORDERS)]
        hits = float(np.mean([is_high[top].sum() for top in orders]))
        rho = np.nan
    else:
        order = rank(rows.assign(measured_high=is_high), rule, best, target)
        hits = float(order["measured_high"].iloc[:n_top].sum())
        rho = spearmanr(order["score"], order["measured"]).statistic if n > 2 else np.nan
    return {
        "rule": rule,
        "rows": n,
        "alloys": rows["composition"].nunique(),
        "high_bs_T": high,
        "n_high": int(is_high.sum()),
        "top_share": top_share,
        "n_top": n_top,
        "high_in_top": round(hits, 2),
        "expected_random": round(expected, 2),
        "enrichment": round(hits / expected, 2) if expected else np.nan,
        "max_enrichment": round(min(n_top, is_high.sum()) / expected, 2) if expected else np.nan,
        "spearman": round(float(rho), 3),
        "rows_in_domain": int(rows["in_domain"].astype(bool).sum()),
    }
