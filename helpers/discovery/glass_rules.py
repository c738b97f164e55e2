"""Which rule of Bs and P(glass) to rank by: measured on the glass-formation compositions held out by chemical system.

Notebook 08 gives every labelled composition (1: it formed a glass as a melt-spun ribbon, 0: it did not) its P(glass)
out of fold, from a model that never saw its chemical system (``glass_out_of_fold``). Notebook 09 predicts their Bs
with the saved Bs models (treated as its grid candidates are) and ranks them by each rule, as the screen ranks
candidates. Per rule, among the ``top`` best compositions: how many are real glasses (``glass_share``), their mean
predicted Bs, and the **Bs made** (``bs_made``): the mean of the predicted Bs of the real glasses with 0 for a
composition that gave no glass, because a ribbon that crystallized yields no glassy alloy at all. Intervals: 95 %
percentiles over chemical systems resampled with replacement (the compositions of one system move together, as in
08's folds); ``beats_bs_alone`` is the share of those resamples in which the rule makes more Bs than ranking by
Bs alone on the same resample (a paired comparison). The rule with the highest Bs made is the one to rank by
(``best_rule``); ``rules.DEFAULT_RULE`` and ``rules.DEFAULT_GLASS_THRESHOLD`` were chosen this way on the default
data, and notebook 09 shows the table for any data.
The Bs of these compositions is predicted, not measured: the measurement says how well each rule finds real glasses
among alloys the Bs model rates high.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.discovery.rules import RULE_WORDS, ranking, score

THRESHOLDS = (0.3, 0.5, 0.7, 0.9)  # the glass_threshold values tried for the rule glass_mean
N_BOOT = 200  # resamples of chemical systems for the intervals
COLUMNS = ["rule", "glass_threshold", "n_top", "glasses", "glass_share", "glass_share_low", "glass_share_high"]
COLUMNS += ["mean_bs", "bs_made", "bs_made_low", "bs_made_high", "beats_bs_alone"]
COLUMNS += ["n_passing", "n_compositions", "base_share"]


def candidate_frame(oof: pd.DataFrame, anneal_temp_K: float | None, anneal_time_s: float | None) -> pd.DataFrame:
    """The held-out compositions as a candidate file's rows (composition and the grid candidates' treatment)."""
    annealed = anneal_temp_K is not None
    return pd.DataFrame(
        {
            "composition": oof["composition"].to_numpy(),
            "anneal_temp_K": float(anneal_temp_K) if annealed else "",
            "anneal_time_s": float(anneal_time_s) if annealed and anneal_time_s is not None else "",
        }
    )


def held_out_rows(scored: pd.DataFrame, oof: pd.DataFrame) -> pd.DataFrame:
    """Scored candidate rows (``score_on``; source_row = the position in oof) with the out-of-fold P(glass), label
    and chemical system of their composition; only rows with a Bs prediction (status ok)."""
    ok = scored[scored["status"] == "ok"].reset_index(drop=True)
    held = oof.reset_index(drop=True).iloc[ok["source_row"].to_numpy(int)]
    return ok.assign(
        p_glass=held["p_glass"].to_numpy(float),
        label=held["label"].to_numpy(int),
        chemical_system=held["chemical_system"].to_numpy(),
    )


def top_metrics(rows: pd.DataFrame, rule: str, threshold: float | None, top: int) -> tuple[int, int, float, float, int]:
    """Among the top rows by a rule: their number, glasses, mean predicted Bs and Bs made; rows passing the rule."""
    scores = score(rows, rule, glass_threshold=threshold)
    passing = int(np.isfinite(scores).sum())
    best = ranking(scores, rows)[: min(top, passing)]
    label, bs = rows["label"].to_numpy(int)[best], rows["bs_ensemble"].to_numpy(float)[best]
    if not len(best):
        return 0, 0, np.nan, np.nan, passing
    return len(best), int(label.sum()), float(bs.mean()), float((label * bs).mean()), passing


def _resampled(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The rows of chemical systems drawn with replacement (as many systems as there are)."""
    systems = rows["chemical_system"].unique()
    drawn = rng.choice(systems, len(systems), replace=True)
    by_system = rows.groupby("chemical_system").indices
    return rows.iloc[np.concatenate([by_system[s] for s in drawn])].reset_index(drop=True)


def rule_evidence(
    rows: pd.DataFrame, top: int, thresholds: tuple[float, ...] = THRESHOLDS, n_boot: int = N_BOOT, seed: int = 0
) -> pd.DataFrame:
    """Per rule (Bs alone, glass_mean at each threshold, expected): glass share and Bs made among the top, with
    95 % intervals over resampled chemical systems (COLUMNS)."""
    tried = [("mean", None), *(("glass_mean", t) for t in thresholds), ("expected", None)]
    rng = np.random.default_rng(seed)
    samples = [_resampled(rows, rng) for _ in range(n_boot)]
    boots = {t: np.array([top_metrics(s, *t, top)[:4] for s in samples], float).reshape(-1, 4) for t in tried}
    table = []
    for rule, threshold in tried:
        n_top, glasses, mean_bs, made, passing = top_metrics(rows, rule, threshold, top)
        boot = boots[(rule, threshold)]
        share_low, share_high = _interval(np.where(boot[:, 0] > 0, boot[:, 1] / np.maximum(boot[:, 0], 1), np.nan))
        made_low, made_high = _interval(boot[:, 3])
        beats = float(np.mean(boot[:, 3] > boots[("mean", None)][:, 3])) if n_boot else np.nan
        share = glasses / n_top if n_top else np.nan
        table.append(
            [rule, threshold, n_top, glasses, share, share_low, share_high, mean_bs, made, made_low, made_high, beats]
            + [passing, len(rows), float(rows["label"].mean())]
        )
    return pd.DataFrame(table, columns=COLUMNS)


def _interval(values: np.ndarray) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles (NaN without values)."""
    values = values[np.isfinite(values)]
    return tuple(np.percentile(values, [2.5, 97.5])) if len(values) else (np.nan, np.nan)


def best_rule(evidence: pd.DataFrame) -> pd.Series:
    """The row of the evidence with the highest Bs made (ties: the higher glass share, then the table's order)."""
    order = np.lexsort([np.arange(len(evidence)), -evidence["glass_share"].fillna(-1), -evidence["bs_made"].fillna(-1)])
    return evidence.iloc[order[0]]


def rule_name(row: pd.Series) -> str:
    """A rule as a reader sees it: what it ranks by, with the threshold of glass_mean, and its name."""
    if row["rule"] == "glass_mean":
        words = f"the ensemble mean among candidates with P(glass) at least {row['glass_threshold']:g}"
    else:
        words = RULE_WORDS.get(str(row["rule"]), str(row["rule"]))
    return f"{words} (rank_by = '{row['rule']}')"


def mark_chosen(evidence: pd.DataFrame, rank_by: str, glass_threshold: float | None) -> pd.DataFrame:
    """The evidence with a column ``chosen``: the row of the rule the screen ranks by (and its threshold)."""
    same = (rank_by != "glass_mean") | np.isclose(evidence["glass_threshold"].astype(float), glass_threshold or np.nan)
    return evidence.assign(chosen=(evidence["rule"] == rank_by) & same)


def evidence_sentences(evidence: pd.DataFrame) -> list[str]:
    """Two sentences from the table: what ranking by Bs alone gives, and what the chosen rule gives (the best when
    none is marked)."""
    if evidence.empty or "mean" not in set(evidence["rule"]):
        return []
    by_bs = evidence[evidence["rule"] == "mean"].iloc[0]
    marked = evidence[evidence["chosen"].astype(bool)] if "chosen" in evidence else evidence.iloc[:0]
    chosen = marked.iloc[0] if len(marked) else best_rule(evidence)
    first = (
        f"Of the {int(by_bs['n_top'])} labelled compositions with the highest predicted Bs (held out by chemical "
        f"system), {int(by_bs['glasses'])} formed a glass ({by_bs['glass_share']:.0%}; "
        f"{by_bs['base_share']:.0%} of all {int(by_bs['n_compositions']):,}), a Bs made of "
        f"{by_bs['bs_made']:.2f} T per alloy (a failed synthesis counts 0)."
    )
    second = (
        f"Ranked by {rule_name(chosen)}, "
        f"{int(chosen['glasses'])} of the top {int(chosen['n_top'])} formed a glass ({chosen['glass_share']:.0%}, 95 % "
        f"interval {chosen['glass_share_low']:.0%}-{chosen['glass_share_high']:.0%}), a Bs made of "
        f"{chosen['bs_made']:.2f} T ({chosen['bs_made_low']:.2f}-{chosen['bs_made_high']:.2f}), more than by Bs alone "
        f"in {chosen['beats_bs_alone']:.0%} of resampled sets of chemical systems."
    )
    return [first, second]
