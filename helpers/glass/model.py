"""The glass-formation model: a classifier's raw score, its calibration, and the feature order.

``GlassModel.probability(features)`` is calibrated P(glass as a melt-spun ribbon) for a feature matrix (a DataFrame
with the 156 composition features, or an array with the columns in ``columns`` order). The classifiers compared
(``CLASSIFIERS``) are scikit-learn's random forest and gradient boosting and the project's network as a classifier
(helpers/glass/network.py), and the mean of the gradient boosting's and the network's scores (``MEAN``); each is a
scorer with ``fit(X, y, groups)`` and ``score(X)``. The calibrator is an
isotonic regression (or Platt's sigmoid, whichever the comparison chose) fitted on the chosen classifier's
out-of-fold scores (grouped by chemical system), so a stated 0.7 means what it meant on systems the classifier had not
seen. The model is saved with joblib through the one atomic writer (FILES "glass_model").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.isotonic import IsotonicRegression
from threadpoolctl import threadpool_limits

from helpers.domain import Domain
from helpers.glass.evaluation import CALIBRATORS, Sigmoid
from helpers.outputs import OutputDir, write_atomic

CLASSIFIERS = ("random forest", "gradient boosting", "network")
MEAN_OF = ("gradient boosting", "network")  # two classifiers that err differently, averaged: a fourth candidate
MEAN = " + ".join(MEAN_OF)
CANDIDATES = (*CLASSIFIERS, MEAN)
GLASS_AT = 0.5  # P(glass) from which a composition is called a glass


FOREST = {"min_samples_leaf": 5}  # leaves of several compositions: a leaf of one states a probability of 0 or 1


def sklearn_estimator(name: str, n_trees: int = 100, seed: int = 0, **forest: object) -> object:
    """The scikit-learn classifier of that name: ``n_trees`` trees (forest: scikit-learn's defaults but FOREST, or
    ``forest``), or at most that many boosting iterations (stopped early on a tenth of the rows, scikit-learn's own
    rule: more iterations overfitted the held-out systems)."""
    if name == "random forest":
        return RandomForestClassifier(n_estimators=n_trees, n_jobs=1, random_state=seed, **(forest or FOREST))
    if name == "gradient boosting":
        return HistGradientBoostingClassifier(
            max_iter=n_trees, learning_rate=0.05, max_leaf_nodes=15, early_stopping=True, random_state=seed
        )
    raise ValueError(f"no scikit-learn classifier called {name!r}; give one of {CLASSIFIERS[:2]}")


@dataclass
class SklearnScorer:
    """A scikit-learn classifier as a scorer: its predict_proba of class 1, on one thread (gradient boosting's
    OpenMP threads, on a machine shared with other work or with the screen's workers, ran many times slower)."""

    estimator: object

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None = None) -> SklearnScorer:
        """Fit on a feature matrix and 0/1 labels (groups are not used)."""
        with threadpool_limits(1):
            self.estimator.fit(np.asarray(X, float), np.asarray(y, int))
        return self

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated probability of glass per row."""
        with threadpool_limits(1):
            return self.estimator.predict_proba(np.asarray(X, float))[:, 1]


@dataclass
class MeanScorer:
    """The mean of the scores of several scorers (each fitted on the same rows)."""

    scorers: list

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None = None) -> MeanScorer:
        """Fit every scorer on the same rows."""
        for scorer in self.scorers:
            scorer.fit(X, y, groups)
        return self

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """The mean of the scorers' uncalibrated probabilities of glass, per row."""
        return np.mean([scorer.score(X) for scorer in self.scorers], axis=0)


@dataclass(frozen=True)
class Settings:
    """How large the classifiers are: trees (or boosting iterations), network runs and epochs, and the seed."""

    n_trees: int = 100
    n_runs: int = 10
    epochs: int = 300
    seed: int = 0


def make_scorer(name: str, settings: Settings) -> object:
    """An unfitted scorer of the classifier (or mean of classifiers, MEAN) called name."""
    if name == MEAN:
        return MeanScorer([make_scorer(part, settings) for part in MEAN_OF])
    if name == "network":
        from helpers.glass.network import NetworkScorer

        return NetworkScorer(settings.n_runs, settings.epochs, settings.seed)
    return SklearnScorer(sklearn_estimator(name, settings.n_trees, settings.seed))


@dataclass
class GlassModel:
    """A fitted classifier, its isotonic calibration and its feature columns: calibrated P(glass)."""

    name: str
    scorer: object
    calibrator: IsotonicRegression | Sigmoid
    columns: list[str] = field(default_factory=list)

    def probability(self, features: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Calibrated P(glass as a melt-spun ribbon) per row of a feature matrix."""
        if isinstance(features, pd.DataFrame):
            missing = [c for c in self.columns if c not in features.columns]
            if missing:
                raise ValueError(f"features lack {len(missing)} column(s) the glass model needs, e.g. {missing[0]!r}")
            X = features[self.columns]
        else:
            X = pd.DataFrame(np.asarray(features, float), columns=self.columns)
        return self.calibrator.predict(self.scorer.score(X))

    def is_glass(self, features: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Whether P(glass) is at least GLASS_AT, per row."""
        return self.probability(features) >= GLASS_AT


def fit_glass_model(
    name: str,
    calibration: str,
    X: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    oof_scores: np.ndarray,
    settings: Settings,
    oof_labels: np.ndarray | None = None,
) -> GlassModel:
    """Fit the classifier on every labelled composition; calibrate it on its out-of-fold scores (those of the judged
    compositions, whose labels are ``oof_labels``; every row's when not given)."""
    fitted = make_scorer(name, settings).fit(X, np.asarray(y, int), np.asarray(groups))
    labels = np.asarray(y if oof_labels is None else oof_labels, int)
    calibrator = CALIBRATORS[calibration]().fit(np.asarray(oof_scores, float), labels)
    return GlassModel(name, fitted, calibrator, list(X.columns))


def save_glass_model(out: OutputDir, model: GlassModel) -> None:
    """Write the model (joblib) as FILES 'glass_model', atomically."""
    write_atomic(out.path("glass_model"), lambda part: joblib.dump(model, part))


def load_glass_model(out: OutputDir | str) -> GlassModel:
    """The glass model an analysis saved (notebook 08)."""
    out = out if isinstance(out, OutputDir) else OutputDir(out)
    if not out.exists("glass_model"):
        raise FileNotFoundError(f"{out.path('glass_model')}: no glass model; run notebook 08 in {out.root} first")
    return joblib.load(out.path("glass_model"))


def glass_domain(labelled: pd.DataFrame) -> Domain:
    """The glass-formation domain: elements and amounts of the labelled compositions (helpers.domain.Domain).

    Ribbons are as-quenched and there is no difficulty score here: only the element and amount rules apply.
    """
    return Domain.fit(labelled.assign(annealed=False), np.zeros(len(labelled)))


def glass_domain_flags(domain: Domain, compositions: pd.Series) -> pd.DataFrame:
    """in_domain and domain_notes of compositions against the glass-formation domain, said as the Bs domain says it."""
    table = pd.DataFrame({"composition": compositions.to_numpy(), "annealed": False}, index=compositions.index)
    return domain.check(table, np.zeros(len(table)))[["in_domain", "domain_notes"]]


def glass_domain_inside(domain: Domain, amounts: pd.DataFrame) -> np.ndarray:
    """The in_domain flag of ``glass_domain_flags`` as array operations, for at.% amounts (rows x elements)."""
    return domain.inside(amounts, np.zeros(len(amounts), bool), np.zeros(len(amounts)))


def load_glass_domain(out: OutputDir | str) -> Domain:
    """The glass-formation domain an analysis saved (notebook 08)."""
    out = out if isinstance(out, OutputDir) else OutputDir(out)
    return Domain.load(out.path("glass_domain"))
