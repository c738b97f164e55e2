"""The headline numbers of a report, from the tables of an output folder: first the batch to make next and the
evidence behind its ranking rule (notebook 09), then Table 1 beside the paper's, the honest estimate of notebook 06
and its optimism, how far to trust a prediction, and the baselines."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from helpers.metrics import PAPER_TABLE1
from helpers.report.content import Headline, Missing, Table

MODELS = ("R2 best", "F1 best")
Reader = Callable[[str], "pd.DataFrame | None"]  # a table by its name in helpers.outputs FILES
# Table 1's rows: column of the table1 table -> label.
METRICS = [
    ("r2", "R²"),
    ("rmse", "RMSE (T)"),
    ("mae", "MAE (T)"),
    ("f1", "F1"),
    ("precision", "precision"),
    ("recall", "recall"),
]


def number(value: object, digits: int = 3) -> str:
    """A number as the report shows it: fixed digits, '–' for a missing value, other values as text."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "–" if math.isnan(x) else f"{x:.{digits}f}"


def missing(what: str, notebook: str, out: Path) -> Missing:
    """What cannot be shown, and the command that runs its notebook into this folder."""
    return Missing(what, notebook, f"./run_all.sh --out {out} --only {notebook[:2]}")


def table1(read: Reader, out: Path) -> Table | Missing:
    """Our Table 1 beside the paper's, one row per metric."""
    frame = read("table1")
    if frame is None or "model" not in frame:
        return missing("Table 1 (tables/table1.csv)", "04_model_comparison", out)
    ours = frame.set_index("model")
    models = [m for m in MODELS if m in ours.index]
    rows = [
        [label]
        + [
            cell
            for m in models
            for cell in (number(ours.loc[m].get(key)), number(PAPER_TABLE1.get(m, {}).get(key, float("nan"))))
        ]
        for key, label in METRICS
    ]
    header = ["metric"] + [f"{m}: {whose}" for m in models for whose in ("ours", "paper")]
    return Table(header, rows, ["text"] + ["number", "paper"] * len(models))


def _mean_std(row: pd.Series | None, key: str) -> str:
    """mean ± std of a metric over the outer folds (the optimism with its sign)."""
    if row is None:
        return "–"
    mean, std = row.get(f"{key}_mean", float("nan")), row.get(f"{key}_std", float("nan"))
    optimism = str(row["protocol"]).startswith("optimism")
    text = f"{'+' if optimism and float(mean) > 0 else ''}{number(mean)}"
    return text if pd.isna(std) else f"{text} ± {number(std)}"


def honest(read: Reader, out: Path) -> tuple[Table | Missing, str]:
    """The paper's protocol against the honest one, with the optimism; and a sentence with the honest scores."""
    protocols = read("protocols")
    if protocols is None or not {"protocol", "model"} <= set(protocols.columns):
        return missing("The honest estimate (tables/protocols.csv)", "06_honest_evaluation", out), ""

    def pick(kind: str, model: str) -> pd.Series | None:
        hit = protocols[protocols["protocol"].str.startswith(kind) & (protocols["model"] == model)]
        return hit.iloc[0] if len(hit) else None

    rows, lines = [], []
    for model in MODELS:
        paper, fair, optimism = pick("paper", model), pick("honest", model), pick("optimism", model)
        if paper is None and fair is None:
            continue
        rows.append([model] + [_mean_std(r, key) for key in ("r2", "f1") for r in (paper, fair, optimism)])
        if fair is not None:
            lines.append(f"{model}: R² {number(fair.get('r2_mean'))}, F1 {number(fair.get('f1_mean'))}")
    header = ["model"] + [f"{m}, {p}" for m in ("R²", "F1") for p in ("paper's protocol", "honest", "optimism")]
    return Table(header, rows, ["text"] + ["number"] * 6), "; ".join(lines)


def trust(read: Reader, out: Path) -> tuple[Table | Missing, Table | None]:
    """Coverage and width of the intervals over the outer folds, and the domain flag's error ratio (06)."""
    coverage, domain = read("interval_coverage"), read("domain_errors")
    if coverage is None or domain is None:
        return missing("Interval coverage and domain errors", "06_honest_evaluation", out), None
    rows = [
        [str(r["method"]), f"{r['level']:.0%}", f"{r['coverage']:.1%}", number(r["mean_width_T"])]
        for _, r in coverage[coverage["category"] == "all"].iterrows()
    ]
    intervals = Table(["interval", "nominal", "observed", "mean width (T)"], rows, ["text"] + ["number"] * 3)
    rows = [
        [
            str(r["set"]),
            str(int(r["rows inside"])),
            str(int(r["rows outside"])),
            number(r["MAE inside (T)"]),
            number(r["MAE outside (T)"]),
            number(r["out/in MAE ratio"], 2),
        ]
        for _, r in domain.iterrows()
    ]
    header = ["alloys", "inside domain", "outside", "MAE inside (T)", "MAE outside (T)", "out/in"]
    return intervals, Table(header, rows, ["text"] + ["number"] * 5)


def baselines(read: Reader, out: Path) -> Table | Missing:
    """Simple models and the ANN variants over grouped outer folds (06)."""
    frame = read("baselines")
    if frame is None or "model" not in frame:
        return missing("The baselines (tables/baselines.csv)", "06_honest_evaluation", out)
    rows = [
        [
            str(r["model"]),
            f"{number(r.get('r2_mean'))} ± {number(r.get('r2_std'))}",
            number(r.get("rmse_mean")),
            number(r.get("f1_mean")),
        ]
        for _, r in frame.iterrows()
    ]
    return Table(["model", "R² (mean ± std)", "RMSE (T)", "F1"], rows, ["text"] + ["number"] * 3)


def treatment(row: pd.Series) -> str:
    """'773 K, 3600 s' or 'as-quenched'."""
    temp, time = row.get("anneal_temp_K"), row.get("anneal_time_s")
    if pd.isna(temp):
        return "as-quenched"
    return f"{float(temp):g} K" + ("" if pd.isna(time) else f", {float(time):g} s")


def _nearest(composition: object, detail: str, distance: object) -> str:
    """'Fe84B16 (1.62 T), 1.0 at.% away' ('–' without one)."""
    if pd.isna(composition):
        return "–"
    return f"{composition} ({detail}), {number(distance, 1)} at.% away"


def _domains(row: pd.Series) -> str:
    """Which domains a candidate lies inside: 'Bs, glass', 'Bs', 'glass' or 'neither'."""
    flags = (("Bs", row.get("in_domain")), ("glass", row.get("in_glass_domain")))
    return ", ".join(name for name, flag in flags if str(flag) == "True") or "neither"


def _batch_row(i: int, r: pd.Series) -> list[str]:
    """One candidate of the batch as the headline shows it."""
    glass_words = {1: "a glass", 0: "no glass"}
    labelled = r.get("nearest_labelled_glass")
    return [
        str(r.get("pick", i + 1)),
        str(r["composition"]),
        treatment(r),
        f"{number(r.get('bs_ensemble'), 2)} ({number(r.get('bs_lower'), 2)}-{number(r.get('bs_upper'), 2)})",
        number(r.get("p_glass"), 2),
        _domains(r),
        _nearest(
            r.get("nearest_composition"), f"{number(r.get('nearest_bs_tesla'), 2)} T", r.get("nearest_distance_at_pct")
        ),
        _nearest(
            r.get("nearest_labelled_composition"),
            glass_words.get(int(labelled), "–") if pd.notna(labelled) else "–",
            r.get("nearest_labelled_distance_at_pct"),
        ),
    ]


def next_batch(read: Reader, out: Path) -> Table | Missing:
    """The batch to make next (tables/next_experiments.csv): composition, treatment, Bs with its interval, P(glass),
    the domains and how close a measured alloy and a labelled glass-formation composition are."""
    frame = read("next_experiments")
    if frame is None or "composition" not in frame:
        return missing("The batch to make next (tables/next_experiments.csv)", "09_screen_candidates", out)
    rows = [_batch_row(i, r) for i, (_, r) in enumerate(frame.iterrows())]
    header = ["#", "composition", "treatment", "Bs (T), 90 % interval", "P(glass)", "inside the domain of"]
    header += ["nearest measured alloy (Bs)", "nearest labelled composition"]
    return Table(header, rows, ["number", "text", "text", "number", "number", "text", "text", "text"])


def rule_evidence(read: Reader) -> list[str]:
    """Two sentences on why the batch is ranked as it is (tables/glass_rule_evidence.csv); none without it."""
    from helpers.discovery.glass_rules import evidence_sentences

    frame = read("glass_rule_evidence")
    return [] if frame is None or "rule" not in frame else evidence_sentences(frame)


def headline(out: Path, tables: dict[str, Path]) -> Headline:
    """The headline numbers from the tables the report may show (by name: those of notebooks with a valid record)."""

    def read(name: str) -> pd.DataFrame | None:
        try:
            return pd.read_csv(tables[name]) if name in tables else None
        except (OSError, ValueError):
            return None

    honest_table, summary = honest(read, out)
    coverage, domain_errors = trust(read, out)
    return Headline(
        table1(read, out),
        honest_table,
        summary,
        coverage,
        domain_errors,
        baselines(read, out),
        next_batch(read, out),
        rule_evidence(read),
    )
