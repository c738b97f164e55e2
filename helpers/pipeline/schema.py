"""Every notebook parameter's type, range or choices, declared once; ``check`` refuses a bad value in one line.

``PARAMETERS`` holds one ``Spec`` per parameter name, with the notebooks that declare it: a name means one thing in
every notebook that uses it (a test reads every parameters cell and fails on a name without an entry, or one declared
by a notebook its entry does not list). ``check(notebook, values)`` runs before anything is touched, in the pipeline
(run_all.sh, before any output is moved) and in the notebook (``consistency.begin``, right after its parameters
cell); it raises ``ParameterError`` naming the parameter, its value and what to give instead. Checks that need two
values of a notebook at once (09's grid and its annealing, its scheduler and workers) are ``TOGETHER``; those of two
notebooks that the pipeline runs together (01's dataset and 02's case study) are ``ACROSS``. A new notebook adds an
entry per parameter (and its prefix to ``ALL`` for out_dir and overwrite); a name another notebook uses is shared only
when it means the same thing there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpers.pipeline.dag import PipelineError, prefix

BS_MAX_T = 2.5  # as helpers.validation.BS_MAX_TESLA (no bulk material reaches it); kept here to stay import-light
N_BOOT_MIN = 40  # fewer bootstrap replicates put the 2.5th and 97.5th percentiles on the extreme replicates
SEED_MAX = 2**32 - 1  # numpy and scikit-learn accept seeds from 0 to this


class ParameterError(PipelineError):
    """A notebook parameter whose value cannot work; the message names it, its value and what to give."""


@dataclass(frozen=True)
class Spec:
    """What one parameter accepts: a kind, an optional range or choices, and a check of its own."""

    kind: str  # a key of KINDS
    notebooks: tuple[str, ...]  # prefixes of the notebooks that declare it
    low: float | None = None
    high: float | None = None
    open_low: bool = False  # low itself is refused
    open_high: bool = False
    choices: Callable[[], tuple] | None = None
    note: str = ""  # what the value means, shown after "give ..."
    extra: Callable[[object], str | None] | None = None  # a further check: None, or what to give


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


KINDS: dict[str, tuple[str, Callable[[object], bool]]] = {
    "int": ("a whole number", _whole),
    "number": ("a number", _number),
    "number_or_none": ("a number or None", lambda v: v is None or v == "" or _number(v)),
    "bool": ("True or False", lambda v: isinstance(v, bool)),
    "text": ("text", lambda v: isinstance(v, str)),
    "ints": ("a list of whole numbers", lambda v: isinstance(v, (list, tuple)) and all(map(_whole, v))),
    "numbers": ("a list of numbers", lambda v: isinstance(v, (list, tuple)) and all(map(_number, v))),
    "dict": ("a dict", lambda v: isinstance(v, dict)),
}


def _bounds(spec: Spec) -> str:
    """' from 1 to 100', ' above 0 and below 1', ' of at least 1' ... ('' without a range)."""
    fmt = "{:,.0f}" if spec.kind in ("int", "ints") else "{:g}"
    low = None if spec.low is None else fmt.format(spec.low)
    high = None if spec.high is None else fmt.format(spec.high)
    if low is not None and high is not None and not spec.open_low and not spec.open_high:
        return f" from {low} to {high}"
    parts = []
    if low is not None:
        parts.append(f"above {low}" if spec.open_low else f"of at least {low}")
    if high is not None:
        parts.append(f"below {high}" if spec.open_high else f"of at most {high}")
    return " " + " and ".join(parts) if parts else ""


def _in_range(spec: Spec, number: float) -> bool:
    low_ok = spec.low is None or (number > spec.low if spec.open_low else number >= spec.low)
    return low_ok and (spec.high is None or (number < spec.high if spec.open_high else number <= spec.high))


def describe(name: str) -> str:
    """What a parameter accepts, as the end of the sentence 'give ...'."""
    spec = PARAMETERS[name]
    if spec.choices is not None:
        return "one of " + ", ".join(repr(c) for c in spec.choices())
    text = KINDS[spec.kind][0]
    if spec.kind in ("ints", "numbers"):
        text = f"a non-empty list of {'whole numbers' if spec.kind == 'ints' else 'numbers'}, each"
    text += _bounds(spec)
    return f"{text} ({spec.note})" if spec.note else text


def problem(name: str, value: object) -> str | None:
    """None when the value is one the parameter accepts; otherwise what to give, 'give ...'."""
    spec = PARAMETERS[name]
    accepts = KINDS[spec.kind][1]
    if not accepts(value):
        return f"give {describe(name)}"
    numbers = list(value) if spec.kind in ("ints", "numbers") else [value] if _number(value) else []
    if spec.kind in ("ints", "numbers") and not numbers:
        return f"give {describe(name)}"
    if any(not _in_range(spec, n) for n in numbers):
        return f"give {describe(name)}"
    if spec.choices is not None and value not in spec.choices():
        return f"give {describe(name)}"
    return spec.extra(value) if spec.extra is not None else None


def refusal(name: str, value: object, what: str) -> str:
    """The one line of a refused value: 'n_runs = 0: give a whole number of at least 1 (...)'."""
    return f"{name} = {value!r}: {what}"


def names(notebook: str) -> list[str]:
    """The parameters a notebook declares, as the schema lists them."""
    return [name for name, spec in PARAMETERS.items() if prefix(notebook) in spec.notebooks]


def check(notebook: str, values: dict) -> None:
    """Refuse (ParameterError, one line) the first value of this notebook's parameters that cannot work.

    ``values`` may hold more names (a notebook's globals); those the schema lists for the notebook and that are
    present are checked, each alone, then together (``TOGETHER``).
    """
    for name in names(notebook):
        if name in values and (what := problem(name, values[name])):
            raise ParameterError(refusal(name, values[name], what))
    for together in TOGETHER.get(prefix(notebook), ()):
        if (line := together(values)) is not None:
            raise ParameterError(line)


def check_across(values: dict, notebooks: list[str]) -> None:
    """The pipeline's check of values of two notebooks that run together (``ACROSS``: their prefixes -> a check)."""
    chosen = {prefix(nb) for nb in notebooks}
    for needs, across in ACROSS.items():
        if set(needs) <= chosen and (line := across(values)) is not None:
            raise ParameterError(line)


# --------------------------------------------------------------------------- checks of their own


def _file_problem(value: str, what: str) -> str | None:
    path = Path(value).expanduser()
    if path.is_dir():
        return f"is a folder; give {what}"
    if not path.is_file():
        return f"no such file (from {Path.cwd()}); give {what}"
    return None


def _bs_table(value: object) -> str | None:
    """A manifest source with a Bs table ('default' is the training source) or a CSV/.xlsx file."""
    from helpers.data import PARSERS
    from helpers.sources import load_manifest

    what = f"'default', {' or '.join(repr(n) for n in PARSERS)}, or the path of your CSV or .xlsx file"
    if value == "default" or value in PARSERS:
        return None
    if not value.strip():
        return f"give {what}"
    sources = load_manifest()
    if value in sources:
        return f"{value} in data/sources.json holds no Bs table (role {sources[value].role}); give {what}"
    return _file_problem(value, what)


def _candidates(value: object) -> str | None:
    what = "'grid', or the path of a CSV or .xlsx file with a composition column"
    return None if value == "grid" else _file_problem(value, what) if value.strip() else f"give {what}"


def _out_dir(value: object) -> str | None:
    if not value.strip():
        return "give the folder of an analysis (a new folder, or one an analysis wrote)"
    from helpers.paths import output_folder_problem

    return output_folder_problem(value)


def _activations() -> tuple:
    from helpers.modeling.network import ACTIVATIONS

    return ACTIVATIONS


def _rank_rules() -> tuple:
    from helpers.discovery.rules import GLASS_RULES, RULES

    return tuple(r for r in RULES + GLASS_RULES if r != "random")


def _simulation_sizes() -> tuple:
    from helpers.discovery.simulation import SIZES

    return tuple(SIZES)


def _texts(*choices: str) -> Callable[[], tuple]:
    return lambda: choices


def _screen_together(values: dict) -> str | None:
    """09: the grid and its annealing (when candidates is 'grid'), the scheduler and its workers."""
    from helpers.screening.grid import ScreenError
    from helpers.screening.parameters import check_annealing, check_grid_parameter, check_scheduler

    try:
        if values.get("candidates") == "grid":
            check_grid_parameter(values.get("grid"))
            check_annealing(values.get("anneal_temp_K"), values.get("anneal_time_s"))
        check_scheduler(values.get("dask_scheduler"), values.get("n_workers"))
    except ScreenError as exc:
        return str(exc)
    return None


def _case_study_apart(values: dict) -> str | None:
    """01 and 02: the case study comes from other data than the training table (else no case-study alloy is new)."""
    from helpers.data import DEFAULT_DATASET

    dataset, case = values.get("dataset"), values.get("case_study_source")
    named = [DEFAULT_DATASET if v == "default" else v for v in (dataset, case)]
    if not all(isinstance(v, str) and v for v in named):
        return None
    paths = [Path(v).expanduser().resolve() for v in named]
    if named[0] != named[1] and not (paths[0].is_file() and paths[0] == paths[1]):
        return None
    return (
        f"dataset = {dataset!r} and case_study_source = {case!r} are the same data, so no case-study alloy would be "
        "new to the training data; give case_study_source another source or file (wang2018 when the dataset is "
        "weonepiece)"
    )


ALL = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
PARAMETERS: dict[str, Spec] = {
    "out_dir": Spec("text", ALL, extra=_out_dir),
    "overwrite": Spec("bool", ALL),
    # 01
    "dataset": Spec("text", ("01",), extra=_bs_table),
    "strict": Spec("bool", ("01",)),
    "feature_set": Spec("text", ("01",), choices=_texts("auto", "composition", "composition+process")),
    "threshold": Spec("number", ("01",), 0, BS_MAX_T, open_low=True, note="Bs in T of the F1 score, e.g. 1.4"),
    # 02
    "test_fraction": Spec("number", ("02",), 0, 1, True, True, note="share held out for testing, e.g. 0.2"),
    "seed": Spec("int", ("02",), 0, SEED_MAX),
    "split_mode": Spec("text", ("02",), choices=_texts("grouped", "random")),
    "case_study_source": Spec("text", ("02",), extra=_bs_table),
    "case_min_fe": Spec("number", ("02",), 0, 100, note="at.% Fe"),
    # 03 (n_runs also 06)
    "n_runs": Spec("int", ("03", "06", "07"), 1, note="networks trained"),
    "hidden": Spec("ints", ("03",), 1, note="nodes per hidden layer, e.g. [128, 64]"),
    "dropout": Spec("number", ("03",), 0, 1, open_high=True),
    "activation": Spec("text", ("03",), choices=_activations),
    "learning_rate": Spec("number", ("03",), 0, 1, open_low=True, note="Adam's step, e.g. 0.001"),
    "epochs": Spec("int", ("03",), 1, note="the most epochs a run trains"),
    "batch_size": Spec("int", ("03",), 1, note="rows per mini-batch of training"),
    "patience": Spec("int", ("03",), 1, note="epochs without a better early-stopping loss before a run stops"),
    "stopping_fraction": Spec("number", ("03",), 0, 1, True, True, note="share of training alloys for early stopping"),
    "base_seed": Spec("int", ("03",), 0, SEED_MAX),
    # 06
    "n_outer_folds": Spec("int", ("06", "07"), 2, note="outer folds of the cross-validation"),
    "selection_fraction": Spec("number", ("06", "07"), 0, 1, True, True, note="share of a fold's training alloys"),
    "fold_seed": Spec("int", ("06", "07"), 0, SEED_MAX),
    # 07
    "pool_sources": Spec("bool", ("07",)),
    # 08
    "glass_folds": Spec("int", ("08",), 2, note="folds grouped by chemical system"),
    "glass_trees": Spec("int", ("08",), 1, note="trees of the forest, iterations of the boosting"),
    "glass_runs": Spec("int", ("08",), 1, note="networks of the classifier ensemble"),
    "glass_epochs": Spec("int", ("08",), 1, note="the most epochs a classifier network trains"),
    "glass_seed": Spec("int", ("08",), 0, SEED_MAX),
    # 09
    "candidates": Spec("text", ("09",), extra=_candidates),
    "grid": Spec("dict", ("09",), note="element ranges in at.%, step and balance, as the notebook's default"),
    "anneal_temp_K": Spec("number_or_none", ("09",)),  # with anneal_time_s: TOGETHER
    "anneal_time_s": Spec("number_or_none", ("09",)),
    "max_candidates": Spec("int", ("09",), 1),
    "top_k": Spec("int", ("09",), 1, 100_000, note="rows of tables/screen_top.csv"),
    "dask_scheduler": Spec("text", ("09",)),  # with n_workers: TOGETHER
    "n_workers": Spec("int", ("09",)),
    "chunk_size": Spec("int", ("09",), 1, 100_000, note="candidates per task"),
    "rank_by": Spec("text", ("09",), choices=_rank_rules),
    "n_next": Spec("int", ("09",), 1, 1000, note="alloys in tables/next_experiments.csv"),
    "glass_threshold": Spec("number", ("09",), 0, 1, note="the least P(glass) of a candidate for rank_by 'glass_mean'"),
    # 10
    "high_bs": Spec("numbers", ("10",), 0, BS_MAX_T, open_low=True, note="Bs in T counted as high, e.g. [1.7, 1.8]"),
    "n_boot": Spec("int", ("10",), N_BOOT_MIN, note="bootstrap replicates, e.g. 1000"),
    "simulation_size": Spec("text", ("10",), choices=_simulation_sizes),
    "simulation_seed": Spec("int", ("10",), 0, SEED_MAX),
}
TOGETHER: dict[str, tuple[Callable[[dict], str | None], ...]] = {"09": (_screen_together,)}
ACROSS: dict[tuple[str, ...], Callable[[dict], str | None]] = {("01", "02"): _case_study_apart}
