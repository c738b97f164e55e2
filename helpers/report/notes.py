"""Sentences of the report that depend on the data, made at report time from the output folder.

A FILES entry names one of NOTES (``note="chosen_runs"``); the report shows its sentence after the caption. Each
returns "" when the files it needs are not there, so a caption never says something the folder does not show.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from helpers.discovery.rules import RULE_WORDS
from helpers.evaluation import SELECTED_MODELS
from helpers.outputs import OutputDir


def chosen_runs(out: OutputDir) -> str:
    """Whether the R2 best and F1 best models are the same training run, and which (models/*/params.json)."""
    folders = {name: out.path(key) for name, key in SELECTED_MODELS.items()}  # FILES' r2_best and f1_best
    try:
        runs = {name: json.loads((folder / "params.json").read_text())["run"] for name, folder in folders.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    first, second = runs.values()
    if first == second:
        return f"On these data both scores pick the same run (run {first}): the two models are one network."
    return "On these data they pick different runs (" + ", ".join(f"{n}: run {r}" for n, r in runs.items()) + ")."


def rank_rule(out: OutputDir) -> str:
    """The rule the screen's top candidates were ranked by (the rank_by column of tables/screen_top.csv)."""
    try:
        rules = pd.read_csv(out.path("screen_top"), usecols=["rank_by"])["rank_by"].dropna().unique()
    except (OSError, ValueError, KeyError):
        return ""
    if len(rules) != 1:
        return ""
    return f"The top candidates are ranked by {RULE_WORDS.get(rules[0], rules[0])} (rank_by = '{rules[0]}')."


NOTES: dict[str, Callable[[OutputDir], str]] = {"chosen_runs": chosen_runs, "rank_rule": rank_rule}


def note(out: OutputDir, name: str) -> str:
    """The sentence of the note called name for this folder ("" for no note)."""
    return NOTES[name](out) if name else ""
