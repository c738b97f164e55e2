"""The one writer (helpers.outputs.writer): atomic files and streams, spreadsheet-safe tables, and nothing in helpers/
or notebooks/ that writes a file another way."""

from __future__ import annotations

import ast
import io

import pandas as pd
import pytest

from helpers.outputs import writer
from helpers.paths import PROJECT_ROOT

# Calls that write a file: method names, and open() with a writing mode.
WRITING_METHODS = {
    "to_csv",
    "to_parquet",
    "to_excel",
    "to_pickle",
    "savefig",
    "save",
    "savez",
    "savez_compressed",
    "write_text",
    "write_bytes",
    "copyfile",
    "copy",
    "copy2",
    "copytree",
    "move",
}
WRITER = PROJECT_ROOT / "helpers" / "outputs" / "writer.py"


def _is_writing(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name == "open":
        modes = [a.value for a in call.args[1:2] if isinstance(a, ast.Constant)]
        modes += [k.value.value for k in call.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
        return any(isinstance(m, str) and set(m) & set("wax+") for m in modes)
    if name == "save" and not (isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "np"):
        return False  # a project object's own save() goes through write_atomic; np.save does not
    if name in {"copy", "move"} and not (isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "shutil"):
        return False  # frame.copy(), not shutil.copy
    return name in WRITING_METHODS


def writes_outside_the_writer(path) -> list[str]:
    """Lines of a module that write a file other than through write_atomic (inside its arguments)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    through_writer: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "write_atomic":
            through_writer.update(id(inner) for inner in ast.walk(node))
    label = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path.name
    return [
        f"{label}:{node.lineno}: {ast.unparse(node)[:80]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _is_writing(node) and id(node) not in through_writer
    ]


def test_nothing_in_helpers_or_notebooks_writes_a_file_outside_the_one_writer():
    modules = [*(PROJECT_ROOT / "helpers").rglob("*.py"), *(PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.py")]
    found = [line for path in modules if path != WRITER for line in writes_outside_the_writer(path)]
    assert found == [], "write through helpers.outputs (write_atomic, csv_stream, write_csv):\n" + "\n".join(found)


def test_the_writing_check_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import numpy as np\nfig.savefig('a.png')\nframe.to_csv('a.csv')\nopen('a', 'w')\nnp.save('a', x)\n"
        "write_atomic(p, lambda part: part.write_text('ok'))\nopen('a').read()\nframe.copy()\n"
    )
    lines = [line.split(": ", 1)[1] for line in writes_outside_the_writer(bad)]
    assert lines == ["fig.savefig('a.png')", "frame.to_csv('a.csv')", "open('a', 'w')", "np.save('a', x)"]


def test_files_and_outputs_do_not_import_each_other():
    def imports(path) -> set[str]:
        tree = ast.parse(path.read_text())
        return {
            name
            for node in ast.walk(tree)
            for name in (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
        }

    assert not any(m.startswith("helpers.outputs") for m in imports(PROJECT_ROOT / "helpers" / "files.py"))
    for module in (PROJECT_ROOT / "helpers" / "outputs").glob("*.py"):
        assert "helpers.files" not in imports(module), module.name


def test_an_atomic_file_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "sub" / "t.txt"
    assert writer.write_atomic(target, lambda part: part.write_text("one")) == target
    with pytest.raises(RuntimeError), writer.atomic(target) as part:
        part.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "one" and [p.name for p in target.parent.iterdir()] == ["t.txt"]


def test_a_csv_stream_writes_one_header_spreadsheet_safe_and_renames_only_on_success(tmp_path):
    target = tmp_path / "p.csv"
    with writer.csv_stream(target) as stream:
        stream.write(pd.DataFrame({"composition": ["Fe80B20"], "note": ["=1+1"]}))
        stream.write(pd.DataFrame({"composition": ["Fe84B16"], "note": ["ok"]}))
        assert not target.exists() and stream.rows == 2  # only a complete file is renamed into place
    assert target.read_text().splitlines() == ["composition,note", "Fe80B20,'=1+1", "Fe84B16,ok"]
    with pytest.raises(KeyboardInterrupt), writer.csv_stream(tmp_path / "q.csv") as stream:
        stream.write(pd.DataFrame({"a": [1]}))
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


def test_a_csv_stream_on_standard_output_is_the_same_text():
    handle = io.StringIO()
    stream = writer.CsvStream(handle)
    stream.write(pd.DataFrame({"a": [], "b": []}))  # an empty first chunk still carries the header, once
    stream.write(pd.DataFrame({"a": [1], "b": ["+x"]}))
    assert handle.getvalue().splitlines() == ["a,b", "1,'+x"]
