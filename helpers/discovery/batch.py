"""The batch to make next: the best candidates by a rule, kept apart in composition, each beside its nearest
measured alloy and its nearest labelled glass-formation composition.

Composition distance: half the L1 distance between at.% vectors, ``d(a, b) = sum_e |a_e - b_e| / 2`` in at.%. It is
the amount of material (at.%) that must change element to turn one alloy into the other: 0 for the same composition,
100 for alloys with no element in common; Fe84B16 to Fe83B16Cu1 is 1 at.%. The batch is greedy: take the best
candidate, drop every candidate closer than ``min_distance`` to it (the same composition under another annealing
treatment included), repeat until the batch is full or no candidate is left.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from helpers.discovery.rules import ranking
from helpers.domain import element_amounts

MIN_DISTANCE_AT_PCT = 2.0
NEAREST_COLUMNS = {
    "composition": "nearest_composition",
    "anneal_temp_K": "nearest_anneal_temp_K",
    "anneal_time_s": "nearest_anneal_time_s",
    "bs_tesla": "nearest_bs_tesla",
}


def composition_distance(a: pd.Series, b: pd.Series) -> np.ndarray:
    """(len(a) x len(b)) distances in at.%: half the L1 distance between the at.% vectors of the formulas."""
    amounts = element_amounts(pd.concat([a, b], ignore_index=True))
    vectors = amounts.to_numpy(float)
    return cdist(vectors[: len(a)], vectors[len(a) :], metric="cityblock") / 2


def apart(vectors: np.ndarray, order: np.ndarray, n_next: int, min_distance: float) -> list[int]:
    """Rows of ``vectors`` (at.% per element) chosen greedily in ``order``: each at least min_distance at.% (half
    the L1 distance, to 1e-6) from every row chosen before it; at most n_next."""
    vectors = np.asarray(vectors, float)
    order = np.asarray(order, int)
    alive = np.ones(len(vectors), bool)
    chosen: list[int] = []
    while len(chosen) < n_next:
        left = order[alive[order]]
        if not len(left):
            break
        chosen.append(int(left[0]))
        alive &= np.round(np.abs(vectors - vectors[left[0]]).sum(axis=1) / 2, 6) >= min_distance
    return chosen


def diverse_batch(
    rows: pd.DataFrame, scores: np.ndarray, n_next: int = 10, min_distance: float = MIN_DISTANCE_AT_PCT
) -> pd.DataFrame:
    """The n_next rows chosen greedily by score, no two closer than min_distance at.%; adds score and pick."""
    check_batch(n_next, min_distance)
    rows = rows.reset_index(drop=True)
    passing = ranking(scores)[np.isfinite(np.asarray(scores, float)[ranking(scores)])]  # a NaN score fails the rule
    chosen = apart(element_amounts(rows["composition"]).to_numpy(float), passing, n_next, min_distance)
    picked = rows.loc[chosen].assign(score=np.asarray(scores, float)[chosen], pick=np.arange(1, len(chosen) + 1))
    return picked.reset_index(drop=True)


def check_batch(n_next: int, min_distance: float) -> None:
    """A batch needs at least one alloy and a distance of at least 0 at.%."""
    if n_next < 1 or min_distance < 0:
        raise ValueError(f"n_next must be at least 1 and min_distance at least 0, got {n_next}, {min_distance}")


def nearest_measured(batch: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """The batch with its nearest training alloy: composition, treatment, measured Bs and distance (at.%).

    Of the nearest composition's rows (its treatments), the one with the highest measured Bs is shown.
    """
    formulas = training["composition"].drop_duplicates().reset_index(drop=True)
    distance = composition_distance(batch["composition"], formulas)
    nearest = formulas.to_numpy()[distance.argmin(axis=1)]
    best_rows = training.sort_values("bs_tesla", ascending=False).drop_duplicates("composition")
    shown = best_rows.set_index("composition").reindex(nearest).reset_index()
    shown = shown.reindex(columns=list(NEAREST_COLUMNS)).rename(columns=NEAREST_COLUMNS)
    return pd.concat(
        [batch.reset_index(drop=True), shown.assign(nearest_distance_at_pct=distance.min(axis=1).round(3))], axis=1
    )


def nearest_labelled(batch: pd.DataFrame, labelled: pd.DataFrame | None) -> pd.DataFrame:
    """The batch with its nearest labelled glass-formation composition (notebook 08's ``glass_labelled``): the
    composition, its label (1 formed a glass, 0 did not) and the distance (at.%); empty without labelled data."""
    columns = ["nearest_labelled_composition", "nearest_labelled_glass", "nearest_labelled_distance_at_pct"]
    if labelled is None or labelled.empty or batch.empty:
        return batch.assign(**dict.fromkeys(columns, np.nan))
    formulas = labelled.drop_duplicates("composition").reset_index(drop=True)
    distance = composition_distance(batch["composition"], formulas["composition"])
    nearest = formulas.iloc[distance.argmin(axis=1)]
    values = [nearest["composition"].to_numpy(), nearest["label"].to_numpy(), distance.min(axis=1).round(3)]
    return batch.assign(**dict(zip(columns, values, strict=True)))


NEXT_COLUMNS = [
    "pick",
    "composition",
    "anneal_temp_K",
    "anneal_time_s",
    "rank_by",
    "score",
    "bs_ensemble",
    "bs_lower",
    "bs_upper",
    "interval_level",
    "interval_calibrated",
    "in_domain",
    "domain_notes",
    "p_glass",
    "in_glass_domain",
    *NEAREST_COLUMNS.values(),
    "nearest_distance_at_pct",
    "nearest_labelled_composition",
    "nearest_labelled_glass",
    "nearest_labelled_distance_at_pct",
]


def next_experiments(
    ranked: pd.DataFrame,
    training: pd.DataFrame,
    n_next: int = 10,
    min_distance: float = MIN_DISTANCE_AT_PCT,
    labelled: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """tables/next_experiments.csv: a diverse batch of ranked candidates (their ``score`` column, from
    screening.summary.rank) with the nearest measured training alloy and the nearest labelled glass-formation
    composition of each (NEXT_COLUMNS; P(glass) and the glass-domain flag empty when the rows have none)."""
    chosen = diverse_batch(ranked, ranked["score"].to_numpy(float), n_next, min_distance)
    shown = nearest_labelled(nearest_measured(chosen, training), labelled)
    return shown.reindex(columns=NEXT_COLUMNS)
