"""The composition grid: element ranges on one step, enumerated lazily in chunks, sampled down when too large.

``DEFAULT_GRID`` is the grid notebook 09 screens by default; its parameters cell holds the same literal (so that
``-p grid '{...}'`` still works) and a test checks that the two agree. The benchmark reads this constant.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# A FINEMET/NANOPERM-like Fe-Si-B-P-C-Cu-Nb space in at.%, its step and the balance element (100 minus the others).
DEFAULT_GRID = {
    "Fe": [78, 86],
    "Si": [0, 10],
    "B": [4, 14],
    "P": [0, 8],
    "C": [0, 4],
    "Cu": [0, 1.5],
    "Nb": [0, 3],
    "step": 0.5,
    "balance": "Fe",
}
BLOCK = 1 << 17  # grid points decoded per numpy block while enumerating
SAMPLE_SEED = 0


class ScreenError(ValueError):
    """A screening parameter that cannot work; the message says why."""


@dataclass
class Grid:
    """Element ranges (at.%, inclusive) on one step; the balance element takes 100 minus the others."""

    ranges: dict[str, tuple[float, float]]
    step: float
    balance: str

    @classmethod
    def from_parameter(cls, grid: dict) -> Grid:
        """From the notebook parameter: {"Fe": [78, 86], "Si": [0, 10], ..., "step": 0.5, "balance": "Fe"}."""
        if not isinstance(grid, dict):
            raise ScreenError(
                f"grid must be a dict like {{'Fe': [78, 86], 'Si': [0, 10], 'step': 0.5, "
                f"'balance': 'Fe'}}, not {grid!r}"
            )
        grid = dict(grid)
        step, balance = grid.pop("step", 0.5), grid.pop("balance", "Fe")
        if not _number(step) or not step > 0 or not math.isclose(100 / step, round(100 / step), abs_tol=1e-6):
            raise ScreenError(f"grid: step {step!r}: give a positive number that divides 100 (e.g. 0.5, 0.25, 1)")
        ranges = {el: _element_range(el, bounds, step, el == balance) for el, bounds in grid.items()}
        if balance not in ranges:
            raise ScreenError(f"grid: the balance element {balance!r} needs a range too (e.g. {balance!r}: [78, 86])")
        if "Fe" not in ranges:
            raise ScreenError("grid: the models speak for Fe-based alloys only; give Fe a range")
        return cls(ranges, float(step), balance)

    @property
    def free(self) -> list[str]:
        """The elements enumerated (all but the balance), in the order given."""
        return [el for el in self.ranges if el != self.balance]

    @property
    def elements(self) -> list[str]:
        """Column order of the amount arrays: balance first, then the free elements."""
        return [self.balance, *self.free]

    def _axes(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([round(self.ranges[el][0] / self.step) for el in self.free], np.int64)
        n = np.array([round((self.ranges[el][1] - self.ranges[el][0]) / self.step) + 1 for el in self.free], np.int64)
        return lo, n

    def _blocks(self) -> Iterator[np.ndarray]:
        """Valid grid points in units of the step (rows x elements, balance first), block by block."""
        lo, n = self._axes()
        total_units = round(100 / self.step)
        b_lo, b_hi = (self.ranges[self.balance][0] / self.step - 1e-9, self.ranges[self.balance][1] / self.step + 1e-9)
        size = int(np.prod(n)) if len(n) else 1
        for start in range(0, size, BLOCK):
            idx = np.arange(start, min(start + BLOCK, size))
            units = (np.stack(np.unravel_index(idx, tuple(n)), axis=1) + lo) if len(n) else np.zeros((1, 0), int)
            balance = total_units - units.sum(axis=1)
            keep = (balance >= b_lo) & (balance <= b_hi)
            yield np.column_stack([balance[keep], units[keep]])

    def count(self) -> int:
        """Number of valid grid points (balance inside its range), counted without keeping them."""
        return sum(len(b) for b in self._blocks())

    def chunks(self, chunk_size: int, max_candidates: int | None = None) -> Iterator[np.ndarray]:
        """Amounts (at.%, rows x elements) in chunks of chunk_size; a seeded uniform sample if the grid is larger."""
        n_valid = self.count()
        chosen = None
        if max_candidates is not None and n_valid > max_candidates:
            chosen = np.sort(np.random.default_rng(SAMPLE_SEED).choice(n_valid, max_candidates, replace=False))
        buffer: list[np.ndarray] = []
        held = seen = 0
        for block in self._blocks():
            if chosen is not None:
                lo_i, hi_i = np.searchsorted(chosen, [seen, seen + len(block)])
                seen += len(block)
                block = block[chosen[lo_i:hi_i] - (seen - len(block))]
            while len(block):
                take = block[: chunk_size - held]
                block = block[len(take) :]
                buffer.append(take)
                held += len(take)
                if held == chunk_size:
                    yield np.round(np.concatenate(buffer) * self.step, 6)
                    buffer, held = [], 0
        if held:
            yield np.round(np.concatenate(buffer) * self.step, 6)

    def describe(self) -> str:
        """One line: the ranges, the step and the balance."""
        parts = [
            f"{el} {lo:g}-{hi:g}" + (" (balance)" if el == self.balance else "") for el, (lo, hi) in self.ranges.items()
        ]
        return f"{', '.join(parts)} at.%, step {self.step:g}"


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def element_problem(el: object) -> str | None:
    """None, or why a grid key is not an element the models can take: the checks a CSV's formulas get (unknown
    symbols, D and T, elements without the data the features are computed from)."""
    from pymatgen.core import Element

    from helpers.formulas import formula_problem, no_data_elements

    problem = formula_problem(el) if isinstance(el, str) else "not an element symbol"
    if problem or not Element.is_valid_symbol(el):
        return problem or "not an element symbol"
    if el in no_data_elements():
        return (
            "has no elemental data (atomic orbitals) in pymatgen, so the 156 features cannot be computed; such "
            "alloys are outside what this model can describe"
        )
    return None


def _element_range(el: str, bounds, step: float, is_balance: bool) -> tuple[float, float]:
    """One element's range, checked: an element the models take, 0 <= low <= high <= 100, whole steps (the balance
    excepted)."""
    problem = element_problem(el)
    if problem:
        raise ScreenError(f"grid: {el!r}: {problem}; remove it from grid or use another element")
    if not isinstance(bounds, (list, tuple)) or len(bounds) != 2 or not all(_number(b) for b in bounds):
        raise ScreenError(f"grid: {el}: {bounds!r} is not a range; give [low, high] in at.%, e.g. {el!r}: [0, 10]")
    lo, hi = (float(b) for b in bounds)
    if not 0 <= lo <= hi <= 100:
        raise ScreenError(f"grid: {el} range {bounds} must satisfy 0 <= low <= high <= 100 (at.%)")
    if not is_balance and not math.isclose((hi - lo) / step, round((hi - lo) / step), abs_tol=1e-6):
        raise ScreenError(f"grid: {el} range {lo:g} to {hi:g} is not a whole number of steps of {step:g}")
    return lo, hi
