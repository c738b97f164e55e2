"""The retrospective check of a screen: would it have found the alloys measured with a high Bs?

Notebook 07 scores notebook 05's case-study alloys (never used in training or selection) as candidates
(``helpers.screening.case_study_candidates``) and ranks them as the screen does, by the interval's lower bound.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.screening.summary import rank

HIGH_BS_T = 1.7  # the retrospective counts measured Bs at or above this as high


def retrospective(
    scored: pd.DataFrame, measured: pd.Series, high: float = HIGH_BS_T, top_share: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Enrichment of measured-high alloys in the top share by lower bound, against random ranking; rank correlation.

    Returns the one-row summary and the ranked rows.
    """
    from scipy.stats import spearmanr

    rows = scored.reset_index(drop=True).assign(measured=measured.to_numpy())
    rows = rank(rows[rows["status"] == "ok"]).reset_index(drop=True)
    rows["rank"] = np.arange(1, len(rows) + 1)
    n = len(rows)
    n_top = max(1, math.ceil(top_share * n))
    is_high = rows["measured"] >= high
    hits = int(is_high.iloc[:n_top].sum())
    expected = n_top * is_high.sum() / n if n else np.nan
    rho_ens = spearmanr(rows["bs_ensemble"], rows["measured"]).statistic if n > 2 else np.nan
    rho_low = spearmanr(rows["bs_lower"], rows["measured"]).statistic if n > 2 else np.nan
    inside = rows["in_domain"].astype(bool)
    summary = pd.DataFrame(
        [
            {
                "rows": n,
                "alloys": rows["composition"].nunique(),
                "high_bs_T": high,
                "n_high": int(is_high.sum()),
                "top_share": top_share,
                "n_top": n_top,
                "high_in_top": hits,
                "expected_random": round(expected, 2),
                "enrichment": round(hits / expected, 2) if expected else np.nan,
                "max_enrichment": round(min(n_top, is_high.sum()) / expected, 2) if expected else np.nan,
                "spearman_ensemble": round(float(rho_ens), 3),
                "spearman_lower": round(float(rho_low), 3),
                "rows_in_domain": int(inside.sum()),
            }
        ]
    )
    return summary, rows
