"""Would glass-specific matminer features help P(glass)? The forest of notebook 08 on the 156 features, and with more.

    python benchmarks/glass_features.py OUT [--sets 156 miedema yang ape_packing ape_clusters all] [--trees 100]

OUT is an analysis folder where notebook 08 ran (its labelled compositions and their folds, grouped by chemical
system). Each feature set is the 156 composition features plus matminer's featurizers used for glass formation by
Ward et al. (2018): ``Miedema`` (formation enthalpies), ``YangSolidSolution`` (omega, delta) and
``AtomicPackingEfficiency``, split into its two packing-efficiency features (``ape_packing``) and its three distances
to efficiently packed clusters (``ape_clusters``, which enumerates every cluster of a composition's elements: the
slow part). The forest (``helpers.glass.model.sklearn_estimator``) is fitted on the same folds as notebook 08's, and
each set gets its grouped AUC and expected calibration error (uncalibrated probabilities), and each featurizer its
seconds per composition, what a screen would pay per candidate. The forest here learns from the Fe-based compositions
alone (notebook 08's out-of-fold table), as notebook 08 did before it learnt from every alloy family. The last line is
``best_auc: X (goal 0.88; the 156 features: Y)``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.features import featurize_compositions
from helpers.glass import evaluation
from helpers.glass.model import sklearn_estimator
from helpers.outputs import OutputDir
from helpers.screening.grid import DEFAULT_GRID, Grid

GOAL_AUC = 0.88  # the goal set for the glass model's grouped AUC
APE_PACKING = ["mean simul. packing efficiency", "mean abs simul. packing efficiency"]
SETS = ("156", "miedema", "yang", "ape_packing", "ape_clusters", "all")


def featurizers() -> dict[str, object]:
    """The matminer featurizers compared, by the name of the set they add (the two APE sets share one)."""
    from matminer.featurizers.composition import AtomicPackingEfficiency, Miedema, YangSolidSolution

    return {"miedema": Miedema(), "yang": YangSolidSolution(), "ape": AtomicPackingEfficiency()}


def extra_features(compositions: pd.Series, names: set[str]) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """The added features of each featurizer needed, one row per composition, and its seconds per composition."""
    from pymatgen.core import Composition

    parsed = [Composition(c) for c in compositions]
    tables, seconds = {}, {}
    for name, featurizer in featurizers().items():
        if name not in names:
            continue
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = [featurizer.featurize(c) for c in parsed]
        seconds[name] = (time.perf_counter() - start) / len(parsed)
        tables[name] = pd.DataFrame(rows, columns=featurizer.feature_labels(), index=compositions.index)
    return tables, seconds


def feature_set(name: str, base: pd.DataFrame, extra: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The 156 features plus the named set's."""
    if name == "156":
        return base
    if name == "all":
        return pd.concat([base, *extra.values()], axis=1)
    if name.startswith("ape"):
        ape = extra["ape"]
        return pd.concat([base, ape[APE_PACKING] if name == "ape_packing" else ape.drop(columns=APE_PACKING)], axis=1)
    return pd.concat([base, extra[name]], axis=1)


def judged(X: pd.DataFrame, y: np.ndarray, folds: np.ndarray, trees: int) -> dict[str, float]:
    """Grouped out-of-fold AUC and calibration error of notebook 08's forest on a feature matrix."""

    def fit_score(X_fit: np.ndarray, y_fit: np.ndarray, X_test: np.ndarray) -> np.ndarray:
        return sklearn_estimator("random forest", trees).fit(X_fit, y_fit).predict_proba(X_test)[:, 1]

    scores = evaluation.out_of_fold_scores(fit_score, np.asarray(X, float), y, folds)
    found = evaluation.scores(y, scores)
    return {"columns": X.shape[1], "AUC": found["AUC"], "ECE": found["ECE"]}


def main() -> None:
    """Print each feature set's grouped AUC and ECE and each featurizer's cost, then the best AUC."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("analysis", help="an analysis folder where notebook 08 ran")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--trees", type=int, default=100, help="trees of the forest (notebook 08's default)")
    args = parser.parse_args()
    out = OutputDir(args.analysis)
    if not out.exists("glass_out_of_fold"):
        sys.exit(f"glass_features: {Path(args.analysis) / 'tables'} has no glass_out_of_fold; run notebook 08 there")
    held_out = out.read_table("glass_out_of_fold")
    base = featurize_compositions(held_out["composition"], progress=False).loc[held_out["composition"]]
    base.index = held_out.index
    needed = {"ape" if s.startswith("ape") or s == "all" else s for s in args.sets} - {"156"}
    needed |= {"miedema", "yang"} if "all" in args.sets else set()
    extra, seconds = extra_features(held_out["composition"], needed)
    grid_points = Grid.from_parameter(DEFAULT_GRID).count()
    for name, s in seconds.items():
        print(
            f"featurizer {name}: {s * 1000:.1f} ms per composition "
            f"(the default grid on one core: {s * grid_points / 3600:.1f} h)"
        )
    y, folds = held_out["label"].to_numpy(int), held_out["fold"].to_numpy()
    found = {name: judged(feature_set(name, base, extra), y, folds, args.trees) for name in args.sets}
    for name, row in found.items():
        print(f"{name}: {row['columns']} features, grouped AUC {row['AUC']:.3f}, ECE {row['ECE']:.3f}")
    best = max(found, key=lambda name: found[name]["AUC"])
    base_auc = judged(base, y, folds, args.trees)["AUC"] if "156" not in found else found["156"]["AUC"]
    print(f"best_auc: {found[best]['AUC']:.3f} ({best}; goal {GOAL_AUC}; the 156 features: {base_auc:.3f})")


if __name__ == "__main__":
    main()
