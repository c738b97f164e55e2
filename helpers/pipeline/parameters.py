"""The -p parameters: what the notebooks' parameters cells declare, and each given name and value checked."""

from __future__ import annotations

import ast
import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from helpers.pipeline.dag import PipelineError

# A fast smoke run: applied only to notebooks that have these parameters; -p overrides them.
QUICK_PARAMETERS = {"n_runs": 4, "epochs": 40, "patience": 10, "n_outer_folds": 2, "max_candidates": 2000}
QUICK_PARAMETERS |= {"glass_folds": 3, "glass_trees": 30, "glass_runs": 2, "glass_epochs": 20}  # notebook 08
QUICK_PARAMETERS |= {"simulation_size": "tiny", "n_boot": 100}  # notebook 10
# run_all.sh stores the caller's working directory here before it changes to the project folder; relative --out and
# path parameters are taken relative to it.
CALLER_CWD_ENV = "BS_ANN_CALLER_CWD"
PATH_PARAMETERS = ("dataset", "case_study_source")  # a file path unless "default", "" or a manifest source name
RENAMED = {"val_fraction": "stopping_fraction"}  # old name -> new name: an old command line gets a one-line hint


def parse_value(text: str) -> object:
    """A -p value as Python would read it (number, bool, list, None), else the plain string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


@dataclass
class Parameter:
    """One name of the notebooks' parameters cells, its default and the notebooks that declare it."""

    name: str
    default: object  # the literal of the parameters cell (None when it is not a plain literal)
    source: str  # the default as written in the notebook
    notebooks: list[str]


def declared_parameters(nbs: list[Path]) -> dict[str, Parameter]:
    """The parameters declared by these notebooks' parameters cells (the first notebook's default wins)."""
    import papermill as pm

    declared: dict[str, Parameter] = {}
    for nb in nbs:
        for name, info in pm.inspect_notebook(str(nb)).items():
            if name in declared:
                declared[name].notebooks.append(nb.stem)
                continue
            source = str(info.get("default", "None"))
            try:
                default = ast.literal_eval(source)
            except (ValueError, SyntaxError):
                default = None
            declared[name] = Parameter(name, default, source, [nb.stem])
    return declared


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_value(name: str, raw: str, value: object, default: object) -> object:
    """The value a shell word gives, of the kind the schema declares (helpers/pipeline/schema.py); PipelineError in
    one line when it is not of that kind. Ranges and choices are the schema's ``check``, made for every notebook."""
    from helpers.pipeline.schema import PARAMETERS

    def wrong(kind: str) -> PipelineError:
        return PipelineError(f"-p {name} expects {kind}, got {raw}")

    if name not in PARAMETERS:
        raise PipelineError(f"-p {name}: the parameter has no entry in helpers/pipeline/schema.py; add one")
    kind = PARAMETERS[name].kind
    if kind == "bool" and not isinstance(value, bool):
        raise wrong("True or False")
    if kind == "int" and not _int(value):
        raise wrong(f"an integer like {default!r}")
    if kind == "number":
        if not (_int(value) or isinstance(value, float)):
            raise wrong(f"a number like {default!r}")
        return float(value)
    if kind == "number_or_none" and _int(value):
        return float(value)
    if kind == "text":
        return value if isinstance(value, str) else raw  # every shell word is text: keep what was typed
    if kind in ("ints", "numbers"):
        if not isinstance(value, (list, tuple)):
            raise wrong(f"a list like {list(default)!r}")
        if kind == "ints" and not all(_int(v) for v in value):
            raise wrong(f"a list of integers like {list(default)!r}")
        return list(value)
    return value


def check_parameters(given: list[tuple[str, str]], declared: dict[str, Parameter]) -> dict[str, object]:
    """-p NAME VALUE pairs checked by name and type against the notebooks' parameters cells."""
    names = sorted(n for n in declared if n != "out_dir")
    checked: dict[str, object] = {}
    for name, raw in given:
        if name == "out_dir":
            raise PipelineError("use --out DIR to choose the output folder, not -p out_dir")
        if name not in declared:
            close = [RENAMED[name]] if name in RENAMED else difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            hint = f"it is now called {close[0]}; " if name in RENAMED else hint
            raise PipelineError(f"-p {name}: no notebook has this parameter; {hint}valid names: {', '.join(names)}")
        checked[name] = check_value(name, raw, parse_value(raw), declared[name].default)
    return checked


def check_selected(given: dict[str, object], declared: dict[str, Parameter], selected: list[Path]) -> None:
    """Every given parameter is declared by a notebook that runs now (the later ones read the saved value)."""
    chosen = {nb.stem for nb in selected}
    for name in given:
        if not set(declared[name].notebooks) & chosen:
            owner = ", ".join(declared[name].notebooks)
            prefixes = " ".join(n[:2] for n in declared[name].notebooks)
            raise PipelineError(
                f"-p {name}: declared by {owner}, which --only does not select; add {prefixes} to "
                "--only (the notebooks after it read the saved value)"
            )


def caller_cwd() -> Path:
    """The folder the user ran run_all.sh from (run_all.sh changes to the project folder)."""
    return Path(os.environ.get(CALLER_CWD_ENV) or os.getcwd())


def absolute_paths(params: dict[str, object], cwd: Path) -> dict[str, object]:
    """Path-valued parameters made absolute against the caller's folder (the kernels run in notebooks/)."""
    from helpers.sources import load_manifest

    sources = set(load_manifest())
    result = dict(params)
    for name, value in params.items():
        if not isinstance(value, str) or not value:
            continue
        path = Path(value).expanduser()
        if path.is_absolute():
            continue
        if name in PATH_PARAMETERS:
            if value != "default" and value not in sources:
                result[name] = str((cwd / path).resolve())
        elif (cwd / path).exists():
            result[name] = str((cwd / path).resolve())
    return result


def parameters_for(notebook: Path, given: dict[str, object]) -> dict[str, object]:
    """The subset of the given parameters that this notebook declares in its parameters cell."""
    import papermill as pm

    declared = pm.inspect_notebook(str(notebook))
    return {k: v for k, v in given.items() if k in declared}
