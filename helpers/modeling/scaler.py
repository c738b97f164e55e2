"""The standardization of features and target every network is trained and predicts with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.outputs import write_atomic


@dataclass
class Scaler:
    """Standardization of features and target, with statistics of the training rows only."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    columns: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, X: pd.DataFrame, y: np.ndarray) -> Scaler:
        """Fit on training rows (constant features get scale 1, as in scikit-learn's StandardScaler)."""
        from sklearn.preprocessing import StandardScaler

        sk = StandardScaler().fit(X.to_numpy(float))
        return cls(sk.mean_, sk.scale_, float(np.mean(y)), float(np.std(y)), list(X.columns))

    def x(self, X: pd.DataFrame) -> np.ndarray:
        """Scaled features as float32, columns in training order."""
        return ((X[self.columns].to_numpy(float) - self.x_mean) / self.x_scale).astype(np.float32)

    def y(self, y: np.ndarray) -> np.ndarray:
        """Scaled target."""
        return ((np.asarray(y, float) - self.y_mean) / self.y_scale).astype(np.float32)

    def y_back(self, y_scaled: np.ndarray) -> np.ndarray:
        """Target back in tesla."""
        return np.asarray(y_scaled) * self.y_scale + self.y_mean

    def to_json(self, path: Path) -> None:
        """Write as JSON."""
        fields = {
            "x_mean": self.x_mean.tolist(),
            "x_scale": self.x_scale.tolist(),
            "y_mean": self.y_mean,
            "y_scale": self.y_scale,
            "columns": self.columns,
        }
        write_atomic(Path(path), lambda part: part.write_text(json.dumps(fields)))

    @classmethod
    def from_json(cls, path: Path) -> Scaler:
        """Read what to_json wrote."""
        d = json.loads(Path(path).read_text())
        return cls(
            np.array(d["x_mean"], float),
            np.array(d["x_scale"], float),
            float(d["y_mean"]),
            float(d["y_scale"]),
            list(d["columns"]),
        )
