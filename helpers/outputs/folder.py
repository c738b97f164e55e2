"""An analysis' output folder: every file reached by its name in FILES, written through the one atomic writer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.outputs.registry import FILES
from helpers.outputs.writer import write_atomic, write_csv
from helpers.paths import SUBFOLDERS, resolve


class OutputDir:
    """The output folder of one analysis; every file is reached by its name in FILES (reading creates nothing)."""

    def __init__(self, root: str | Path):
        self.root = resolve(root)

    def create(self) -> OutputDir:
        """Make the folder and its four subfolders; return self."""
        for name in SUBFOLDERS:
            (self.root / name).mkdir(parents=True, exist_ok=True)
        return self

    def path(self, name: str) -> Path:
        """Where the file called name lives (a KeyError names the unknown file)."""
        if name not in FILES:
            raise KeyError(f"{name!r} is not an output file of an analysis (helpers/outputs.py FILES lists them)")
        return self.root / FILES[name].path

    def exists(self, name: str) -> bool:
        """Whether the file called name has been written."""
        return self.path(name).exists()

    def read_table(self, name: str, **read_csv) -> pd.DataFrame:
        """The CSV table called name."""
        return pd.read_csv(self.path(name), **read_csv)

    def write_table(self, name: str, frame: pd.DataFrame, index: bool = False) -> Path:
        """Write a table as CSV, spreadsheet-safe and atomically."""
        return write_csv(self.path(name), frame, index)

    def read_json(self, name: str) -> dict:
        """The JSON file called name."""
        return json.loads(self.path(name).read_text())

    def write_json(self, name: str, data: dict) -> Path:
        """Write a JSON file atomically."""
        return write_atomic(self.path(name), lambda part: part.write_text(json.dumps(data, indent=1)))

    def read_parquet(self, name: str) -> pd.DataFrame:
        """The parquet table called name."""
        return pd.read_parquet(self.path(name))

    def write_parquet(self, name: str, frame: pd.DataFrame) -> Path:
        """Write a parquet table atomically."""
        return write_atomic(self.path(name), frame.to_parquet)

    def save_figure(self, name: str, fig) -> None:
        """Save a matplotlib figure as the PNG called name (returns None, so a cell ending with it shows the figure)."""
        write_atomic(self.path(name), lambda part: fig.savefig(part, format="png"))

    def listing(self, notebook: str) -> pd.DataFrame:
        """The files a notebook writes: name, path, whether it exists now, what it holds."""
        rows = [
            {"name": name, "path": f.path, "written": self.path(name).exists(), "holds": f.holds}
            for name, f in FILES.items()
            if f.notebook == notebook
        ]
        return pd.DataFrame(rows).set_index("name")

    @property
    def threshold(self) -> float:
        """The Bs threshold (T) for F1, precision and recall, declared once, in notebook 01."""
        return float(self.read_json("analysis")["threshold"])

    def run_weights(self, run: int) -> Path:
        """The weights file of training run ``run``."""
        return self.path("run_weights") / f"run_{run:03d}.npz"

    def runs_on_disk(self) -> list[int]:
        """Ids of the runs whose weights file exists, in order."""
        found = (re.fullmatch(r"run_(\d+)\.npz", p.name) for p in self.path("run_weights").glob("run_*.npz"))
        return sorted(int(m.group(1)) for m in found if m)

    def save_weights(self, run: int, weights: list[np.ndarray]) -> Path:
        """Write the weights of one training run atomically."""
        return write_atomic(self.run_weights(run), lambda part: np.savez(part, *weights))

    @property
    def data(self) -> Path:
        """Processed tables and features written by notebooks 01 and 02."""
        return self.root / "data"

    @property
    def figures(self) -> Path:
        """PNG figures."""
        return self.root / "figures"

    @property
    def tables(self) -> Path:
        """CSV tables."""
        return self.root / "tables"

    @property
    def models(self) -> Path:
        """Saved networks, scalers, calibration, domain and the weights of every training run."""
        return self.root / "models"

    def __repr__(self) -> str:
        return f"OutputDir({str(self.root)!r})"
