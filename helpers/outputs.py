"""Every file an analysis writes, named once (cookiecutter-data-science's config.py idea), and the one atomic writer.

A notebook never spells a path: it says ``out.write_table("table1", t)`` or ``out.read_json("analysis")``, and
``FILES`` below is the single list a reader consults to find what an output folder holds and which notebook wrote it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.paths import resolve

SUBFOLDERS = ("data", "figures", "tables", "models")


@dataclass(frozen=True)
class OutputFile:
    """One file (or folder) of an output folder: where it lives, which notebook writes it, what it holds."""

    path: str
    notebook: str
    holds: str


def _files(notebook: str, entries: dict[str, tuple[str, str]]) -> dict[str, OutputFile]:
    return {name: OutputFile(path, notebook, holds) for name, (path, holds) in entries.items()}


FILES: dict[str, OutputFile] = {
    **_files(
        "01",
        {
            "dataset": ("data/dataset.csv", "the tidy table: one row per measurement (index row_id)"),
            "features": ("data/features.parquet", "the 156 composition features (+ process features) of every row"),
            "feature_spec": ("data/feature_spec.json", "which features, in which order, with which encodings"),
            "analysis": ("data/analysis.json", "01's parameters that later notebooks read (the threshold)"),
            "bad_rows": ("tables/bad_rows.csv", "every excluded or normalized input row, with its reason"),
            "dataset_summary": ("tables/dataset_summary.csv", "rows, alloys, annealing-state balance"),
            "bs_distribution": ("figures/01_bs_distribution.png", "Bs of every row, and Bs against Fe"),
        },
    ),
    **_files(
        "02",
        {
            "split": ("data/split.csv", "training or test side of every row"),
            "split_parameters": ("data/split.json", "02's parameters (the case-study definition read by 05)"),
            "case_study_rows": ("data/case_study.csv", "the unseen case-study rows chosen by 02"),
            "case_study_features": ("data/case_study_features.parquet", "the features of those rows (01's spec)"),
            "case_study_bad_rows": ("tables/case_study_bad_rows.csv", "rows of the case-study source refused"),
            "split_summary": ("tables/split_summary.csv", "counts per side and the KS statistic"),
            "fig2": ("figures/fig2_histograms.png", "Bs histograms of all, training and test rows (paper Fig. 2)"),
        },
    ),
    **_files(
        "03",
        {
            "runs": ("tables/runs.csv", "one row per training run: seed, epochs, test R2, F1 ..."),
            "test_predictions": ("tables/test_predictions.csv", "every run's prediction of every test row"),
            "training": ("models/training.json", "03's parameters and the fingerprint of its inputs"),
            "scaler": ("models/scaler.json", "the feature and target scaler fitted on the training rows"),
            "model_feature_spec": ("models/feature_spec.json", "the features the saved networks expect"),
            "run_weights": ("models/runs", "the weights of every run, run_NNN.npz"),
            "r2_best": ("models/r2_best", "the R2-best network (weights.npz, model.keras, scaler, meta)"),
            "f1_best": ("models/f1_best", "the F1-best network"),
            "calibration": ("models/calibration.npz", "the conformal calibration of the prediction intervals"),
            "domain": ("models/domain.json", "the applicability domain of the training data"),
            "fig3a": ("figures/fig3a_boxplots.png", "R2 and F1 of the runs (paper Fig. 3a)"),
            "fig3b": ("figures/fig3b_r2_vs_f1.png", "R2 against F1 per run, chosen models marked (paper Fig. 3b)"),
        },
    ),
    **_files(
        "04",
        {
            "table1": ("tables/table1.csv", "test scores of the R2-best and F1-best models (paper Table 1)"),
            "threshold_sweep": ("tables/threshold_sweep.csv", "F1, precision and recall across thresholds"),
            "fig4": ("figures/fig4_parity_residuals.png", "parity, residuals, residual histograms (paper Fig. 4)"),
            "fig5": ("figures/fig5_threshold_quadrants.png", "the four threshold areas (paper Fig. 5)"),
            "threshold_sweep_figure": ("figures/04_threshold_sweep.png", "F1 against the threshold"),
        },
    ),
    **_files(
        "05",
        {
            "case_study": ("tables/case_study.csv", "predictions, intervals and domain of every case-study row"),
            "case_study_summary": ("tables/case_study_summary.csv", "errors and coverage on the case study"),
            "fig6": ("figures/fig6_case_study.png", "measured against predicted Bs of the case study (paper Fig. 6)"),
        },
    ),
    **_files(
        "06",
        {
            "protocols": ("tables/protocols.csv", "the paper's protocol beside the honest one, per outer fold"),
            "baselines": ("tables/baselines.csv", "random forest and other baselines on the same outer folds"),
            "spread_coverage": ("tables/spread_coverage.csv", "share of rows within k ensemble std, per fold"),
            "interval_coverage": ("tables/interval_coverage.csv", "coverage of the conformal intervals at 80/90/95 %"),
            "domain_errors": ("tables/domain_errors.csv", "errors inside and outside the applicability domain"),
            "baselines_figure": ("figures/06_baselines.png", "scores of the baselines against the networks"),
            "spread_coverage_figure": ("figures/06_spread_coverage.png", "observed against nominal spread coverage"),
            "interval_coverage_figure": ("figures/06_interval_coverage.png", "observed against nominal coverage"),
            "error_vs_difficulty": ("figures/06_error_vs_difficulty.png", "absolute error against difficulty"),
            "outer_predictions": ("tables/outer_predictions.csv", "every outer test row: ensemble, interval, fold"),
        },
    ),
    **_files(
        "09",
        {
            "screen_top": ("tables/screen_top.csv", "the best candidates of the screen"),
            "screen_summary": ("tables/screen_summary.csv", "candidates, seconds, workers, shares in the domain"),
            "screen_pareto": ("tables/screen_pareto.csv", "the Pareto front of Bs against metalloid content"),
            "screen_retrospective": ("tables/screen_retrospective.csv", "the screen's ranking of the case study"),
            "screen_density": ("figures/09_screen_bs_vs_fe.png", "predicted Bs against Fe, training data on top"),
            "screen_pareto_figure": ("figures/09_screen_pareto.png", "the Pareto front"),
            "screen_map": ("figures/09_screen_map.png", "predicted Bs over the first two grid elements"),
            "next_experiments": ("tables/next_experiments.csv", "a diverse batch to make next, nearest measured"),
        },
    ),
    **_files(
        "10",
        {
            "discovery_benchmark": ("tables/discovery_benchmark.csv", "enrichment and precision of every rule"),
            "discovery_enrichment_outer": ("figures/10_enrichment_outer.png", "enrichment per rule, outer folds"),
            "discovery_enrichment_case": ("figures/10_enrichment_case.png", "enrichment per rule, case study"),
            "discovery_pool": ("tables/discovery_pool.csv", "the simulation's pool: rows, alloys, good alloys"),
            "discovery_simulation": ("tables/discovery_simulation.csv", "experiments until a goal, acceleration"),
            "discovery_best_found": ("tables/discovery_best_found.csv", "best Bs found against experiments"),
            "discovery_best_found_figure": ("figures/10_best_found.png", "best Bs found per rule, random start"),
            "discovery_best_found_hard_figure": ("figures/10_best_found_hard.png", "the same, below-median start"),
        },
    ),
}


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call write(temporary path) and rename the result into place, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")  # one per process: workers may race
    try:
        write(part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def _write_frame_csv(frame: pd.DataFrame, index: bool) -> Callable[[Path], object]:
    from helpers.files import safe_for_spreadsheet  # text cells a spreadsheet would run as formulas are neutralized

    return lambda part: safe_for_spreadsheet(frame).to_csv(part, index=index)


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
        return write_atomic(self.path(name), _write_frame_csv(frame, index))

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
