"""P(glass) on the screen's workers, beside the Bs interval: notebook 08's glass-formation model and its domain.

Each worker loads the model once (``helpers.glass.model.load_glass_model``) and the glass-formation domain (the
element and amount rules of ``helpers.domain.Domain`` fitted on the labelled compositions, saved by notebook 08),
and gives every candidate of a chunk its calibrated P(glass) from the composition features the Bs networks read
(computed once per chunk: the features without the annealing ones) and its glass-domain flag. An analysis without
notebook 08's outputs gives no P(glass) (NaN): the rules of Bs alone still rank, the rules that read P(glass) say what
to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PROCESS_COLUMNS = ("anneal_temp_K", "log10_anneal_time_s", "annealed")  # the annealing features: not the glass's


@dataclass
class Glass:
    """A loaded glass-formation model and the domain of its labelled compositions."""

    model: object  # helpers.glass.model.GlassModel: .probability(features), .columns
    domain: object  # helpers.domain.Domain of the labelled compositions

    def probability(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated P(glass) of each row of a feature matrix (its composition features)."""
        return np.asarray(self.model.probability(X.drop(columns=list(PROCESS_COLUMNS), errors="ignore")), float)

    def inside(self, percent: pd.DataFrame) -> np.ndarray:
        """Whether each composition (at.% per element) lies inside the glass-formation domain: the element and amount
        rules only (a glass-formation report has no treatment and no difficulty)."""
        n = len(percent)
        return np.asarray(self.domain.inside(percent, np.ones(n, bool), np.zeros(n)), bool)


_GLASS: dict[str, Glass | None] = {}


def glass_of(out_dir: str | Path) -> Glass | None:
    """The glass model and domain of an analysis, loaded once per process; None without notebook 08's outputs."""
    key = str(Path(out_dir).expanduser().resolve())
    if key not in _GLASS:
        _GLASS[key] = _load(key)
    return _GLASS[key]


def _load(out_dir: str) -> Glass | None:
    """Notebook 08's model and the domain of its labelled compositions, or None when it has not run here."""
    from helpers.outputs import FILES, OutputDir

    out = OutputDir(out_dir)
    if not {"glass_model", "glass_domain"} <= set(FILES) or not out.exists("glass_model"):
        return None
    from helpers.domain import Domain
    from helpers.glass.model import load_glass_model

    return Glass(load_glass_model(out), Domain.load(out.path("glass_domain")))


def check_glass_rule(rank_by: str, out_dir: str | Path) -> None:
    """A rule that reads P(glass) needs notebook 08's model in the analysis: say what to run (ScreenError)."""
    from helpers.discovery.rules import GLASS_RULES
    from helpers.screening.grid import ScreenError

    if rank_by in GLASS_RULES and glass_of(out_dir) is None:
        raise ScreenError(
            f"rank_by = {rank_by!r} reads P(glass), and {out_dir} holds no glass-formation model: run notebook 08 "
            f"there first (./run_all.sh --out {out_dir} --only 08), or rank by Bs alone (rank_by = 'mean')"
        )


def glass_columns(X: pd.DataFrame, percent: pd.DataFrame, out_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """P(glass) and the glass-domain flag of every row (NaN and False without a glass model in the analysis)."""
    glass = glass_of(out_dir)
    if glass is None:
        return np.full(len(X), np.nan), np.zeros(len(X), bool)
    return glass.probability(X), glass.inside(percent)


P_EDGES = np.round(np.linspace(0.0, 1.0, 51), 4)  # bins of P(glass) for the density of Bs against P(glass)


def glass_front(bs: np.ndarray, p_glass: np.ndarray) -> pd.DataFrame:
    """The candidates no other beats on both Bs (ensemble mean) and P(glass): the trade-off's Pareto front, as
    numbers (bs_ensemble, p_glass), P(glass) descending; empty without P(glass)."""
    bs, p_glass = np.asarray(bs, float), np.asarray(p_glass, float)
    known = np.isfinite(p_glass) & np.isfinite(bs)
    bs, p_glass = bs[known], p_glass[known]
    order = np.lexsort([-bs, -p_glass])  # P(glass) descending, then Bs descending
    ordered = bs[order]
    best_before = np.maximum.accumulate(np.concatenate([[-np.inf], ordered[:-1]])) if len(ordered) else ordered
    keep = order[ordered > best_before]
    return pd.DataFrame({"bs_ensemble": bs[keep], "p_glass": p_glass[keep]})


def glass_hist(bs: np.ndarray, p_glass: np.ndarray, bs_edges: np.ndarray) -> np.ndarray:
    """Counts of candidates per (P(glass), Bs) bin (zeros without P(glass))."""
    known = np.isfinite(p_glass)
    counts, _, _ = np.histogram2d(p_glass[known], np.asarray(bs)[known], bins=[P_EDGES, bs_edges])
    return counts
