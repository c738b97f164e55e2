"""What the notebook of glass formation reports beside the scores: the check on the Bs sources' alloys, the goals,
and the sentences its cells print (numbers a rerun changes are never typed into its markdown)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.features import featurize_compositions
from helpers.glass.comparison import best_per_model
from helpers.glass.evaluation import FE_RICH_AT_PCT, UNCALIBRATED, judged_rows
from helpers.glass.model import GLASS_AT, GlassModel
from helpers.outputs import OutputDir

# The goals of the glass-formation model: grouped AUC, expected calibration error, share of Bs alloys called glasses
GOALS = {"grouped AUC": (0.88, "at least"), "ECE": (0.05, "at most"), "Bs alloys called glasses": (0.90, "at least")}
BS_TABLES = {"training": "dataset", "case study": "case_study_rows"}  # the Bs alloys' tables (FILES names)


def bs_alloys(out: OutputDir) -> pd.DataFrame:
    """The distinct compositions of the analysis' Bs tables (training and case study), each with its role."""
    frames = [
        pd.DataFrame({"composition": out.read_table(name)["composition"].unique(), "role": role})
        for role, name in BS_TABLES.items()
        if out.exists(name)
    ]
    return pd.concat(frames, ignore_index=True)


def bs_alloys_check(model: GlassModel, alloys: pd.DataFrame, labelled: pd.DataFrame) -> pd.DataFrame:
    """Per role: alloys, the share given P(glass) >= 0.5, overall and among those absent from the labelled data."""
    features = featurize_compositions(alloys["composition"], progress=False)
    checked = alloys.assign(
        p_glass=model.probability(features.loc[alloys["composition"]]),
        labelled=alloys["composition"].isin(set(labelled["composition"])),
    )
    rows = []
    for role, part in [*checked.groupby("role", sort=False), ("both", checked)]:
        new = part[~part["labelled"]]
        rows.append(
            {
                "alloys": role,
                "n": len(part),
                f"share P(glass) >= {GLASS_AT:g}": float((part["p_glass"] >= GLASS_AT).mean()),
                "median P(glass)": float(part["p_glass"].median()),
                "n not in the glass data": len(new),
                "share of those": float((new["p_glass"] >= GLASS_AT).mean()) if len(new) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def goals(auc: float, ece: float, bs_share: float) -> pd.DataFrame:
    """Each goal beside its measured value, and whether it is met."""
    measured = {"grouped AUC": auc, "ECE": ece, "Bs alloys called glasses": bs_share}
    rows = []
    for name, (target, side) in GOALS.items():
        value = measured[name]
        met = value >= target if side == "at least" else value <= target
        rows.append({"goal": name, "target": f"{side} {target:g}", "measured": round(value, 3), "met": bool(met)})
    return pd.DataFrame(rows)


def label_balance(labelled: pd.DataFrame) -> str:
    """How many compositions, how many glasses, and how the Fe-rich corner differs."""
    rich = labelled[labelled["fe_at_pct"] >= FE_RICH_AT_PCT]
    return (
        f"{len(labelled)} Fe-based compositions in {labelled['chemical_system'].nunique()} chemical systems: "
        f"{int(labelled['label'].sum())} glasses ({labelled['label'].mean():.0%}); with Fe >= {FE_RICH_AT_PCT:g} "
        f"at.%: {len(rich)} compositions, {rich['label'].mean():.0%} glasses."
    )


def overlap(labelled: pd.DataFrame, reports: pd.DataFrame) -> str:
    """How many compositions each source alone and both hold, and how many have conflicting reports."""
    reports = reports[reports["composition"].isin(set(labelled["composition"]))]
    counts = labelled["source"].value_counts()
    both = labelled[labelled["source"].str.contains("+", regex=False)]
    conflicting = labelled[labelled["conflicting"]]
    listed = ", ".join(f"{n} only in {s}" for s, n in counts.items() if "+" not in s)
    return (
        f"{len(reports)} reports of {len(labelled)} compositions: {len(both)} in both sources, {listed}. "
        f"{len(conflicting)} compositions have reports that disagree (glass and not), all labelled not a glass; "
        f"of the compositions in both sources, {int(both['conflicting'].sum())} disagree."
    )


def other_families(every_family: pd.DataFrame, folds: np.ndarray) -> str:
    """How many compositions of other families are learnt from, and how many are held out with an Fe-based system."""
    other = ~judged_rows(every_family)
    shared = int((other & (folds >= 0)).sum())
    return (
        f"Beside them, {int(other.sum())} compositions of other families in "
        f"{every_family.loc[other, 'chemical_system'].nunique()} chemical systems "
        f"({every_family.loc[other, 'label'].mean():.0%} glasses) are learnt from and never scored; {shared} of them "
        f"share a chemical system with Fe-based compositions and are held out with them."
    )


def chosen(comparison_scores: pd.DataFrame, chosen_pair: tuple[str, str]) -> str:
    """The chosen classifier and calibration with their Brier score, beside the best of each other classifier, and
    what the calibrations fitted on other systems did to the chosen classifier's Brier score."""
    best = best_per_model(comparison_scores)
    others = "; ".join(f"{r.model} {r.Brier:.3f} ({r.calibration})" for r in list(best.itertuples())[1:])
    model, calibration = chosen_pair
    own = comparison_scores[(comparison_scores["subset"] == "all") & (comparison_scores["model"] == model)]
    own = own.set_index("calibration")["Brier"]
    listed = ", ".join(f"{c} {b:.3f}" for c, b in own.items())
    return f"Chosen: {model}, {calibration}, Brier {own[calibration]:.3f} ({listed}); the others at best: {others}."


def goals_of(scores: pd.DataFrame, chosen_pair: tuple[str, str], bs_check: pd.DataFrame) -> pd.DataFrame:
    """The goals measured on the chosen classifier: the AUC of its own out-of-fold scores (a calibration of the final
    model does not change its ranking), the ECE of its chosen calibration, the share of all Bs alloys called glasses."""
    model, calibration = chosen_pair
    mine = scores[(scores["model"] == model) & (scores["subset"] == "all")].set_index("calibration")
    share = float(bs_check.set_index("alloys").loc["both"].iloc[1])
    return goals(float(mine.loc[UNCALIBRATED, "AUC"]), float(mine.loc[calibration, "ECE"]), share)


def spread_sentence(spread: pd.DataFrame) -> str:
    """How far the grouped AUC and ECE move over the cuts of ``comparison.split_spread``, and on how many cuts each
    goal is met."""
    parts = []
    for column, goal in (("AUC", "grouped AUC"), ("ECE", "ECE")):
        values, (target, side) = spread[column], GOALS[goal]
        met = int((values >= target).sum() if side == "at least" else (values <= target).sum())
        parts.append(
            f"its {goal} lies between {values.min():.3f} and {values.max():.3f} (mean {values.mean():.3f}; the goal, "
            f"{side} {target:g}, met on {met} of {len(values)} cuts)"
        )
    model = spread["model"].iloc[0]
    return f"Over {len(spread)} cuts of the same systems into folds, the {model}: {'; '.join(parts)}."
