"""The retrospective check of a screen: would it have found the alloys measured with a high Bs?

Notebook 09 scores notebook 05's case-study alloys (never used in training or selection) as candidates
(``helpers.screening.case_study_candidates``) and ranks them by every rule of ``helpers.discovery.rules``, the one 09
ranks by marked ``chosen``. It counts with notebook 10's benchmark (``helpers.discovery.benchmark``: the same
enrichment, top share, tie-break and random orders), so on the same rows the two give the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.discovery.benchmark import HIGH_BS_T, SHARES, random_orders, rule_metrics, top_count
from helpers.discovery.rules import DEFAULT_GLASS_THRESHOLD, DEFAULT_RULE, RULES, score
from helpers.screening.summary import rank

TOP_SHARE = SHARES[-1]  # the top fifth: one of the benchmark's shares


def retrospective(
    scored: pd.DataFrame,
    measured: pd.Series,
    high: float = HIGH_BS_T,
    top_share: float = TOP_SHARE,
    rank_by: str = DEFAULT_RULE,
    best: float | None = None,
    target: float | None = None,
    glass_threshold: float | None = DEFAULT_GLASS_THRESHOLD,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per rule (one row each): enrichment of measured-high alloys in the top share against random ranking, and the
    rank correlation of the rule's score with the measured Bs. Returns that table and the rows ranked by ``rank_by``.

    ``best`` (for ei) and ``target`` (for probability) as in ``screening.summary.rank``; a rule that lacks its value
    is left out. The rules of Bs alone are compared (every case-study alloy was made as a glassy ribbon, so P(glass)
    has nothing to find here); a rule of ``GLASS_RULES`` ranks the rows returned, with ``glass_threshold``.
    """
    rows = scored.reset_index(drop=True).assign(measured=measured.to_numpy())
    rows = rows[rows["status"] == "ok"].reset_index(drop=True)
    rules = [r for r in RULES if not (r == "ei" and best is None) and not (r == "probability" and target is None)]
    table = pd.DataFrame([_rule_row(rows, r, high, top_share, best, target) for r in rules])
    table.insert(1, "chosen", table["rule"] == rank_by)
    ranked = rank(rows, rank_by, best, target, glass_threshold).reset_index(drop=True)
    return table, ranked.assign(rank=np.arange(1, len(ranked) + 1))


def _rule_row(rows: pd.DataFrame, rule: str, high: float, top_share: float, best, target) -> dict:
    """One rule's line: hits in the top share (mean over random orders for random), enrichment, Spearman."""
    from scipy.stats import spearmanr

    n = len(rows)
    n_top = top_count(top_share, n)
    is_high = rows["measured"].to_numpy() >= high
    expected = n_top * is_high.sum() / n if n else np.nan
    counted = rule_metrics(rows, rule, is_high, (top_share,), best, target, random_orders()) if n else {}
    hits = counted.get(("precision", top_share), np.nan) * n_top
    rho = (
        spearmanr(score(rows, rule, best, target), rows["measured"]).statistic if n > 2 and rule != "random" else np.nan
    )
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
        "enrichment": round(counted.get(("enrichment", top_share), np.nan), 2),
        "max_enrichment": round(min(n_top, is_high.sum()) / expected, 2) if expected else np.nan,
        "spearman": round(float(rho), 3),
        "rows_in_domain": int(rows["in_domain"].astype(bool).sum()),
    }
