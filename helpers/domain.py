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

from helpers.formulas import atomic_percent
from helpers.outputs import write_atomic

DIFFICULTY_PERCENTILE = 80.0
FEW_AS_QUENCHED = 30  # fewer as-quenched training rows than this: as-quenched alloys are outside


def element_amounts(compositions: pd.Series) -> pd.DataFrame:
    """At.% of every element per composition (0 where absent), one column per element."""
    rows = [atomic_percent(text) for text in compositions]
    return pd.DataFrame(rows, index=compositions.index).fillna(0.0)


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
        """Per row: in_domain, domain_notes (the reasons, or 'inside') and the difficulty."""
        amounts = element_amounts(table["composition"])
        notes = [
            self._reasons(amounts.loc[i], bool(annealed), float(d))
            for i, annealed, d in zip(table.index, table["annealed"], difficulty, strict=True)
        ]
        return pd.DataFrame(
            {
                "in_domain": [not n for n in notes],
                "domain_notes": ["; ".join(n) if n else "inside" for n in notes],
                "difficulty": np.asarray(difficulty, float),
            },
            index=table.index,
        )

    def inside(self, amounts: pd.DataFrame, annealed: np.ndarray, difficulty: np.ndarray) -> np.ndarray:
        """The in_domain flag of ``check`` as array operations: ``amounts`` in at.% (rows x elements, as
        ``element_amounts`` gives), ``annealed`` per row; the reasons are those of ``check``, without their text."""
        present = amounts.to_numpy(float) > 0
        unseen = [el not in self.amount_max for el in amounts.columns]
        outside = present[:, unseen].any(axis=1) if any(unseen) else np.zeros(len(amounts), bool)
        for el in self.elements:
            value = amounts[el].to_numpy(float) if el in amounts else np.zeros(len(amounts))
            outside |= (value > self.amount_max[el] + 1e-9) | (value < self.amount_min[el] - 1e-9)
        if self.n_as_quenched < FEW_AS_QUENCHED:
            outside |= ~np.asarray(annealed, bool)
        return ~(outside | (np.asarray(difficulty, float) > self.difficulty_limit))

    def _reasons(self, amounts: pd.Series, annealed: bool, difficulty: float) -> list[str]:
        present = amounts[amounts > 0]
        unseen = [el for el in present.index if el not in self.amount_max]
        reasons = [f"element(s) {', '.join(unseen)} absent from training"] if unseen else []
        for el in self.elements:
            value = float(amounts.get(el, 0.0))
            if value > self.amount_max[el] + 1e-9:
                reasons.append(f"{el} {value:g} at.% above training maximum {self.amount_max[el]:g}")
            elif value < self.amount_min[el] - 1e-9:
                reasons.append(f"{el} {value:g} at.% below training minimum {self.amount_min[el]:g}")
        if not annealed and self.n_as_quenched < FEW_AS_QUENCHED:
            reasons.append(f"as-quenched: {self.n_as_quenched} training rows")
        if difficulty > self.difficulty_limit:
            reasons.append(
                f"hard to predict: difficulty {difficulty:.2f} T above {self.difficulty_limit:.2f} T "
                f"({DIFFICULTY_PERCENTILE:g} % of training alloys are easier)"
            )
        return reasons

    def save(self, path: Path) -> None:
        """Write the domain as JSON (atomically)."""
        write_atomic(Path(path), lambda part: part.write_text(json.dumps(asdict(self), indent=1)))

    @classmethod
    def load(cls, path: Path) -> Domain:
        """Read what save wrote."""
        return cls(**json.loads(Path(path).read_text()))
