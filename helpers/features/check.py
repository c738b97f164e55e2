"""Checking the vectorized featurizer against matminer: sample compositions and the agreement rule."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

RELATIVE_TOLERANCE = 1e-9
# Notebook 09's default grid (at.%, step 0.5, Fe the balance), copied here for the sample of grid points.
GRID_RANGES = {"Fe": (78, 86), "Si": (0, 10), "B": (4, 14), "P": (0, 8), "C": (0, 4), "Cu": (0, 1.5), "Nb": (0, 3)}
GRID_STEP, GRID_BALANCE = 0.5, "Fe"
# Values picked from an element table, counts and flags: they must be identical, not merely close.
_PICKED = ("minimum", "maximum", "range", "mode")
_DISCRETE = ("0-norm", "compound possible", "HOMO_character", "HOMO_element", "HOMO_energy", "LUMO_character")
_DISCRETE += ("LUMO_element", "LUMO_energy", "gap_AO")


def exact_columns(labels: Sequence[str]) -> list[str]:
    """Features that are counts, flags or values picked from a table: equal means identical."""
    return [c for c in labels if c.split(" ")[1:2] and c.split(" ")[1] in _PICKED or c in _DISCRETE]


def grid_points(n: int, seed: int = 0, ranges: dict | None = None, step: float = GRID_STEP) -> pd.DataFrame:
    """n distinct random points of a grid (columns: elements, at.%; the balance element takes the rest)."""
    ranges = ranges or GRID_RANGES
    rng = np.random.default_rng(seed)
    free = [el for el in ranges if el != GRID_BALANCE]
    lo, hi = ranges[GRID_BALANCE]
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        units = np.column_stack(
            [rng.integers(round(ranges[el][0] / step), round(ranges[el][1] / step) + 1, 4 * n) for el in free]
        )
        balance_units = round(100 / step) - units.sum(axis=1)
        keep = (balance_units >= round(lo / step)) & (balance_units <= round(hi / step))
        block = np.column_stack([balance_units[keep], units[keep]]) * step
        found.append(block)
        total += len(block)
    points = np.unique(np.vstack(found), axis=0)
    points = points[rng.permutation(len(points))[:n]]
    return pd.DataFrame(points, columns=[GRID_BALANCE, *free])


def random_compositions(elements: Sequence[str], n: int, seed: int = 0, max_elements: int = 7) -> pd.DataFrame:
    """n random compositions over these elements, 1 to max_elements each, amounts in at.% with 3 decimals."""
    rng = np.random.default_rng(seed)
    units = np.zeros((n, len(elements)), np.int64)
    for row in range(n):
        k = rng.integers(1, min(max_elements, len(elements)) + 1)
        chosen = rng.choice(len(elements), size=k, replace=False)
        cuts = np.sort(rng.choice(np.arange(1, 100_000), size=k - 1, replace=False))
        units[row, chosen] = np.diff(np.concatenate([[0], cuts, [100_000]]))
    return pd.DataFrame(units / 1000.0, columns=list(elements))


def formulas(amounts: pd.DataFrame) -> list[str]:
    """The project's formula of each row (Fe first, then by decreasing amount, 0.001 at.%)."""
    from helpers.validation import canonical_formula

    return [canonical_formula({el: v for el, v in row.items() if v > 0}) for _, row in amounts.iterrows()]


def deviations(reference: pd.DataFrame, candidate: pd.DataFrame) -> pd.DataFrame:
    """Per feature: the largest relative deviation and whether the feature agrees (identical for exact columns).

    Relative to max(|reference|, |candidate|); an avg_dev is a deviation from the weighted mean, so it is measured
    against that mean's magnitude too (a zero avg_dev comes out as a rounding residue of the mean, as in matminer).
    """
    ref, cand = reference.to_numpy(float), candidate.to_numpy(float)
    scale = np.maximum(np.abs(ref), np.abs(cand))
    for j, label in enumerate(reference.columns):
        if " avg_dev " in label:
            scale[:, j] = np.maximum(scale[:, j], np.abs(reference[label.replace(" avg_dev ", " mean ")].to_numpy()))
    diff = np.abs(ref - cand)
    relative = np.where(diff == 0, 0.0, diff / np.where(scale == 0, 1.0, scale))
    exact = reference.columns.isin(exact_columns(list(reference.columns)))
    worst = relative.max(axis=0)
    agree = np.where(exact, (diff == 0).all(axis=0), worst <= RELATIVE_TOLERANCE)
    return pd.DataFrame({"max_relative_deviation": worst, "exact": exact, "agrees": agree}, index=reference.columns)


def boundary_compositions(elements: Sequence[str], max_count: int = 6) -> list[str]:
    """Formulas where matminer's rarer branches decide: each element alone, every 1:1 pair (a tie for the mode), and
    the integer pairs (counts up to max_count) whose electrons fill their orbitals exactly (the LUMO is the next one).
    """
    from helpers.features import featurize_amounts

    pairs = [
        (a, b, i, j)
        for a, b in itertools.combinations(elements, 2)
        for i in range(1, max_count + 1)
        for j in range(1, max_count + 1)
        if math.gcd(i, j) == 1
    ]
    amounts = pd.DataFrame(0.0, index=range(len(pairs)), columns=list(elements))
    for row, (a, b, i, j) in enumerate(pairs):
        amounts.loc[row, [a, b]] = [i, j]
    found = featurize_amounts(list(elements), amounts.to_numpy())
    exact_fill = (found["HOMO_energy"] != found["LUMO_energy"]).to_numpy()
    chosen = [f"{a}{i}{b}{j}" for (a, b, i, j), keep in zip(pairs, exact_fill, strict=True) if keep or i == j == 1]
    return [f"{el}1" for el in elements] + chosen
