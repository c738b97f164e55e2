"""Style the field uses, kept by the test suite: ruff (lint and format, notebooks included), notebook/script pairs
in sync (jupytext), notebooks committed without outputs and with one parameters cell."""

import subprocess
import sys

import jupytext
import nbformat
import pytest

from helpers.paths import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )


def test_ruff_finds_nothing():
    done = _ruff("check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout[-3000:]


def test_code_is_formatted_as_ruff_formats_it():
    done = _ruff("format", "--check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout[-3000:] + "\nrun: .venv/bin/ruff format ."


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_and_its_script_hold_the_same_cells(notebook):
    script = notebook.with_suffix(".py")
    assert script.is_file(), (
        f"{script.name} missing: run .venv/bin/jupytext --sync {notebook.relative_to(PROJECT_ROOT)}"
    )
    pair = [
        [(c.cell_type, c.source.strip(), c.metadata.get("tags", [])) for c in jupytext.read(p).cells]
        for p in (notebook, script)
    ]
    assert pair[0] == pair[1], (
        f"{notebook.name} and {script.name} differ: run .venv/bin/jupytext --sync notebooks/*.ipynb"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_clean_with_one_parameters_cell(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    assert nb.metadata["kernelspec"]["name"] == "python3"


def _sizes() -> tuple[list[str], list[str]]:
    """Modules of helpers/ over 350 lines and functions over 60 lines (decorators included)."""
    import ast

    long_modules, long_functions = [], []
    for path in sorted((PROJECT_ROOT / "helpers").rglob("*.py")):
        source = path.read_text()
        rel = path.relative_to(PROJECT_ROOT)
        if len(source.splitlines()) > 350:
            long_modules.append(f"{rel} ({len(source.splitlines())} lines)")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - start + 1 > 60:
                    long_functions.append(f"{rel}:{node.lineno} {node.name} ({node.end_lineno - start + 1} lines)")
    return long_modules, long_functions


def test_modules_and_functions_are_short_enough_to_read_at_once():
    long_modules, long_functions = _sizes()
    assert not long_modules, f"modules over 350 lines (split them): {long_modules}"
    assert not long_functions, f"functions over 60 lines (split them): {long_functions}"


def test_modeling_is_a_few_modules():
    modules = sorted(p.stem for p in (PROJECT_ROOT / "helpers" / "modeling").glob("*.py"))
    assert len(modules) <= 7, modules
