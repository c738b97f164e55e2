"""One-line findings a notebook prints from the data it describes, so that no measured number is typed into its prose.

Each function takes the tables a notebook already holds and returns one sentence (or a few, one per line); the
notebook's markdown says what to look for and a cell prints what this data shows. On other data, or after a rerun,
the sentence changes with the numbers.
"""

from __future__ import annotations

import pandas as pd

from helpers.domain import FEW_AS_QUENCHED


def _count(n: int, word: str) -> str:
    """'1 row', '3 rows'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def as_quenched_rows(table: pd.DataFrame, few: int = FEW_AS_QUENCHED) -> str:
    """How many rows are as-quenched, and whether that is enough for models to speak for as-quenched alloys."""
    n = int((~table["annealed"].astype(bool)).sum())
    share = f"{_count(n, 'row')} of {len(table)} {'is' if n == 1 else 'are'} as-quenched (unannealed)"
    if n >= few:
        return f"{share}: at least {few}, so as-quenched alloys can be inside the applicability domain."
    return (
        f"{share}: fewer than {few}, so predictions for as-quenched alloys rest on very little, and every "
        "as-quenched alloy is outside the applicability domain."
    )


def case_study_states(cases: pd.DataFrame, training: pd.DataFrame) -> str:
    """The annealing states of the case-study rows beside the as-quenched rows the models learned from."""
    quenched = int((~cases["annealed"].astype(bool)).sum())
    trained = int((~training["annealed"].astype(bool)).sum())
    if quenched == 0:
        said = f"All {len(cases)} case-study rows are annealed, so the case study says nothing about as-quenched alloys"
    else:
        said = f"{_count(quenched, 'case-study row')} of {len(cases)} {'is' if quenched == 1 else 'are'} as-quenched"
    return f"{said}; the training data hold {_count(trained, 'as-quenched row')}."


def same_or_different_runs(best: dict[str, int]) -> str:
    """Whether the R2 best and F1 best are one run or two."""
    runs = sorted(set(best.values()))
    if len(runs) == 1:
        return f"The R2 best and F1 best are the same run ({runs[0]}): here one run leads on both scores."
    named = " and ".join(f"{name} run {run}" for name, run in best.items())
    return f"The two chosen runs differ ({named}): the highest R² did not give the best F1 here."


def smallest_category(coverage: pd.DataFrame, level: float = 0.9) -> str:
    """The smallest category of the coverage table at one level, and how far one row moves its coverage."""
    rows = coverage[(coverage["category"] != "all") & (coverage["level"] == level)]
    rows = rows.groupby("category")["rows"].max()
    rows = rows[rows > 0]
    if rows.empty:
        return "No category holds a row at this level."
    category, n = rows.idxmin(), int(rows.min())
    return (
        f"The smallest category, {category}, holds {_count(n, 'row')}: one row moves its coverage by "
        f"{100 / n:.1f} points."
    )


def models_on_new_alloys(table: pd.DataFrame, baselines: pd.DataFrame) -> str:
    """What ``summaries.models_on_new_alloys`` shows, in words: the three models over the outer folds (against the
    fold-to-fold spread) and, when the case study ran, their mean absolute errors there."""
    r2 = table["outer folds: R2 (mean)"].dropna()
    spread = float(baselines.loc[baselines["model"].str.startswith("ANN"), "r2_std"].max())
    gap = float(r2.max() - r2.min()) if len(r2) else float("nan")
    listed = ", ".join(f"{value:.3f} ({model})" for model, value in r2.items())
    within = "within" if gap <= spread else "larger than"
    lines = [
        f"Outer folds: R2 {listed}; the largest difference, {gap:.3f}, is {within} the fold-to-fold spread "
        f"({spread:.3f})."
    ]
    if "case study: MAE (T)" in table:
        mae = table["case study: MAE (T)"].dropna()
        listed = ", ".join(f"{value:.3f} T ({model})" for model, value in mae.items())
        lines.append(f"Case study: MAE {listed}; the lowest is the {mae.idxmin()}'s.")
    return "\n".join(lines)


def median_treatment(training: pd.DataFrame) -> str:
    """The median annealing temperature and time of the annealed training rows."""
    annealed = training[training["annealed"].astype(bool)]
    if annealed.empty:
        return "No training row is annealed."
    temperature, time = annealed["anneal_temp_K"].median(), annealed["anneal_time_s"].median()
    return (
        f"The annealed training rows' median treatment: {temperature:.0f} K for {time:g} s "
        f"({_count(len(annealed), 'annealed row')} of {len(training)})."
    )


def deployed_models(saved) -> str:
    """What the deployed models learnt from, and which annealing states their intervals are calibrated for."""
    training, calibration = saved.training, saved.calibration
    sources = ", ".join(f"{n} from {s}" for s, n in training["rows_per_source"].items())
    text = (
        f"deployed: {len(saved.ensemble.weights)} runs trained on {training['rows']} rows ({sources}), "
        f"{training['alloys']} alloys, {training['as_quenched_rows']} as-quenched rows"
    )
    if calibration.states is None:
        return text + "; intervals calibrated on all rows together"
    counts = {state: int((calibration.states == state).sum()) for state in (True, False)}
    at_90 = {
        state: "calibrated" if ok else "widened, not calibrated"
        for state, ok in calibration.calibrated_states(0.9).items()
    }
    states = "; ".join(
        f"{name}: {counts[state]} calibration rows, 90 % interval {at_90[state]}"
        for state, name in ((True, "annealed"), (False, "as-quenched"))
    )
    return f"{text}; intervals by annealing state ({states})"
