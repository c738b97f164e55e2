"""Applicability domain: can the models speak for a new alloy? A flag with readable reasons, checked against errors.

An alloy is outside the domain when any of these holds (each gives a reason):
1. it contains an element that no training alloy contains ("element(s) Co absent from training");
2. an element amount lies outside the training range ("Nb 7 at.% above training maximum 3");
3. it is as-quenched while the training data hold few as-quenched rows ("as-quenched: 15 training rows");
4. it is hard to predict: its difficulty (the mean |out-of-bag error| of its nearest training alloys plus the
   spread of the ensemble, see helpers/intervals.py) is above the 80th percentile of the training alloys'.

Distance in the scaled feature space alone was tried and dropped: on the outer folds of notebook 06, rows it flagged
had no larger errors than the rest. Notebook 06 measures, on every run, how much larger the mean absolute error of
rows outside the domain is than that of rows inside (``tables/domain_errors.csv``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.formulas import parse_amounts, percent_rows
from helpers.outputs import write_atomic

DIFFICULTY_PERCENTILE = 80.0
FEW_AS_QUENCHED = 30  # fewer as-quenched training rows than this: as-quenched alloys are outside


def element_amounts(compositions: pd.Series) -> pd.DataFrame:
    """At.% of every element per composition (0 where absent), one column per element (``formulas.percent_rows``)."""
    elements, amounts = parse_amounts(list(compositions))
    return pd.DataFrame(percent_rows(amounts) if len(amounts) else amounts, index=compositions.index, columns=elements)


@dataclass
class Domain:
    """What the training data cover: elements and their amounts, annealing states, and how hard alloys are."""

    amount_min: dict[str, float]
    amount_max: dict[str, float]
    n_rows: int
    n_as_quenched: int
    difficulty_limit: float

    @classmethod
    def fit(cls, table: pd.DataFrame, calibration_difficulty: np.ndarray) -> Domain:
        """Learn the domain from the training rows (tidy table) and their difficulties (out-of-bag)."""
        amounts = element_amounts(table["composition"])
        return cls(
            amounts.min().round(3).to_dict(),
            amounts.max().round(3).to_dict(),
            len(table),
            int((~table["annealed"].astype(bool)).sum()),
            float(np.percentile(calibration_difficulty, DIFFICULTY_PERCENTILE)),
        )

    @property
    def elements(self) -> list[str]:
        """Elements present in the training data."""
        return sorted(self.amount_max)

    def check(self, table: pd.DataFrame, difficulty: np.ndarray) -> pd.DataFrame:
        """Per row of a tidy table: in_domain, domain_notes (the reasons, or 'inside') and the difficulty."""
        amounts = element_amounts(table["composition"])
        notes = self.notes(amounts, table["annealed"].to_numpy(bool), difficulty)
        return pd.DataFrame(
            {"in_domain": notes == "inside", "domain_notes": notes, "difficulty": np.asarray(difficulty, float)},
            index=table.index,
        )

    def outside(self, amounts: pd.DataFrame, annealed: np.ndarray, difficulty: np.ndarray) -> dict[str, np.ndarray]:
        """The domain rule, one mask per reason: ``amounts`` in at.% (rows x elements, as ``element_amounts`` gives),
        ``annealed`` and ``difficulty`` per row. Keys: unseen (rows x the columns of ``amounts``), above and below
        (rows x ``elements``), as_quenched and hard (rows)."""
        n = len(amounts)
        values = amounts.reindex(columns=self.elements, fill_value=0.0).to_numpy(float)
        high = values > np.array([self.amount_max[el] for el in self.elements]) + 1e-9
        low = values < np.array([self.amount_min[el] for el in self.elements]) - 1e-9
        few = self.n_as_quenched < FEW_AS_QUENCHED
        return {
            "unseen": (amounts.to_numpy(float) > 0) & np.array([el not in self.amount_max for el in amounts.columns]),
            "above": high,
            "below": low & ~high,
            "as_quenched": ~np.asarray(annealed, bool) if few else np.zeros(n, bool),
            "hard": np.asarray(difficulty, float) > self.difficulty_limit,
        }

    def inside(self, amounts: pd.DataFrame, annealed: np.ndarray, difficulty: np.ndarray) -> np.ndarray:
        """Per row: no reason of ``outside`` holds."""
        return self.inside_of(self.outside(amounts, annealed, difficulty))

    def notes(self, amounts: pd.DataFrame, annealed: np.ndarray, difficulty: np.ndarray) -> np.ndarray:
        """Per row: 'inside', or the reasons of ``outside`` in words, joined by '; '."""
        return self.notes_of(self.outside(amounts, annealed, difficulty), amounts, difficulty)

    @staticmethod
    def inside_of(masks: dict[str, np.ndarray]) -> np.ndarray:
        """Per row: no mask of ``outside`` is set."""
        return ~np.any([m.any(axis=1) if m.ndim == 2 else m for m in masks.values()], axis=0)

    def notes_of(self, masks: dict[str, np.ndarray], amounts: pd.DataFrame, difficulty: np.ndarray) -> np.ndarray:
        """The texts of ``notes`` from the masks ``outside`` gave for these amounts and difficulties: per reason, in
        the order of ``outside``, a text for each row it holds for."""
        parts: list[list[str]] = [[] for _ in range(len(amounts))]
        for i, unseen in _rows_with(masks["unseen"]):
            parts[i].append(f"element(s) {', '.join(amounts.columns[unseen])} absent from training")
        values = amounts.reindex(columns=self.elements, fill_value=0.0).to_numpy(float)
        for i, j in zip(*np.nonzero(masks["above"] | masks["below"]), strict=True):
            el = self.elements[j]
            side = ("above training maximum", self.amount_max[el]) if masks["above"][i, j] else None
            side = side or ("below training minimum", self.amount_min[el])
            parts[i].append(f"{el} {values[i, j]:g} at.% {side[0]} {side[1]:g}")
        for i in np.flatnonzero(masks["as_quenched"]):
            parts[i].append(f"as-quenched: {self.n_as_quenched} training rows")
        for i in np.flatnonzero(masks["hard"]):
            parts[i].append(
                f"hard to predict: difficulty {float(difficulty[i]):.2f} T above {self.difficulty_limit:.2f} T "
                f"({DIFFICULTY_PERCENTILE:g} % of training alloys are easier)"
            )
        return np.array(["; ".join(p) if p else "inside" for p in parts], dtype=object)

    def save(self, path: Path) -> None:
        """Write the domain as JSON (atomically)."""
        write_atomic(Path(path), lambda part: part.write_text(json.dumps(asdict(self), indent=1)))

    @classmethod
    def load(cls, path: Path) -> Domain:
        """Read what save wrote."""
        return cls(**json.loads(Path(path).read_text()))


def _rows_with(mask: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(row, its True columns) for every row of a 2-D mask with any True."""
    return [(int(i), mask[i]) for i in np.flatnonzero(mask.any(axis=1))]
