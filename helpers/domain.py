"""Applicability domain: is a new alloy like the ones the models were trained on?

An alloy is inside the domain when all three hold:
1. every element it contains occurs in the training data;
2. its Fe content lies inside the training range;
3. its distance to the nearest training row in the model's scaled feature space is at most the 95th percentile of
   the same distance among training rows (each measured to the nearest row of a *different* alloy, so that repeated
   annealing treatments of one alloy do not make the training data look denser than it is for a new alloy).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Composition

PERCENTILE = 95.0


def elements_of(composition: str) -> set[str]:
    """Element symbols of a formula."""
    return {str(el) for el in Composition(composition).elements}


def _nearest(points: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared-distance matrix (points x reference) as distances, with the nearest index per point."""
    d2 = (np.sum(points ** 2, 1)[:, None] + np.sum(reference ** 2, 1)[None, :] - 2 * points @ reference.T)
    return np.sqrt(np.maximum(d2, 0.0)), np.argmin(d2, axis=1)


@dataclass
class Domain:
    """What the training data cover: their elements, Fe range and feature-space density."""

    elements: list[str]
    fe_min: float
    fe_max: float
    distance_limit: float
    X_train: np.ndarray          # scaled training features
    train_compositions: list[str]

    @classmethod
    def fit(cls, table: pd.DataFrame, X_scaled: np.ndarray) -> "Domain":
        """Learn the domain from the training rows (tidy table) and their scaled features (same row order)."""
        comps = table["composition"].to_numpy()
        distances, _ = _nearest(X_scaled, X_scaled)
        distances[comps[:, None] == comps[None, :]] = np.inf   # ignore rows of the same alloy
        nearest = distances.min(axis=1)
        finite = nearest[np.isfinite(nearest)]
        elements = sorted(set().union(*(elements_of(c) for c in set(comps))))
        return cls(elements, float(table["fe_at_pct"].min()), float(table["fe_at_pct"].max()),
                   float(np.percentile(finite, PERCENTILE)), np.asarray(X_scaled, np.float32), list(comps))

    def check(self, table: pd.DataFrame, X_scaled: np.ndarray) -> pd.DataFrame:
        """Per row: unseen elements, Fe inside the range, nearest-neighbour distance, and the overall flag."""
        known = set(self.elements)
        unseen = [",".join(sorted(elements_of(c) - known)) for c in table["composition"]]
        fe_ok = table["fe_at_pct"].between(self.fe_min, self.fe_max).to_numpy()
        distances, idx = _nearest(np.asarray(X_scaled, np.float32), self.X_train)
        nn = distances[np.arange(len(idx)), idx]
        near_ok = nn <= self.distance_limit
        out = pd.DataFrame({"unseen_elements": unseen, "fe_in_training_range": fe_ok, "nn_distance": nn,
                            "nn_within_limit": near_ok, "nearest_training_alloy": np.array(self.train_compositions)[idx]},
                           index=table.index)
        out["in_domain"] = (out["unseen_elements"] == "") & out["fe_in_training_range"] & out["nn_within_limit"]
        out["domain_notes"] = [self._why(r) for r in out.itertuples()]
        return out

    def _why(self, row) -> str:
        reasons = []
        if row.unseen_elements:
            reasons.append(f"element(s) {row.unseen_elements} absent from training")
        if not row.fe_in_training_range:
            reasons.append(f"Fe outside training range {self.fe_min:g}-{self.fe_max:g} at.%")
        if not row.nn_within_limit:
            reasons.append(f"far from training data (distance {row.nn_distance:.2f} > {self.distance_limit:.2f})")
        return "; ".join(reasons) if reasons else "inside"

    def save(self, folder: Path) -> None:
        """Write domain.json and domain_train.npz into folder."""
        folder = Path(folder)
        (folder / "domain.json").write_text(json.dumps({
            "elements": self.elements, "fe_min": self.fe_min, "fe_max": self.fe_max,
            "distance_limit": self.distance_limit, "percentile": PERCENTILE}, indent=1))
        np.savez(folder / "domain_train.npz", X=self.X_train, compositions=np.array(self.train_compositions))

    @classmethod
    def load(cls, folder: Path) -> "Domain":
        """Read what save wrote."""
        folder = Path(folder)
        meta = json.loads((folder / "domain.json").read_text())
        with np.load(folder / "domain_train.npz") as npz:
            X, comps = npz["X"], list(npz["compositions"])
        return cls(meta["elements"], meta["fe_min"], meta["fe_max"], meta["distance_limit"], X, comps)
