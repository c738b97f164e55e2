"""The one writer (helpers.outputs.writer): atomic files and streams, spreadsheet-safe tables, and nothing in helpers/
or notebooks/ that writes a file another way."""

from __future__ import annotations

import ast
import io
import re
from dataclasses import replace

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


# --------------------------------------------------------------------------- the registry


def test_every_entry_says_what_the_report_and_the_pipeline_need():
    from helpers.outputs import FILES
    from helpers.report.notes import NOTES

    paths = [entry.path for entry in FILES.values()]
    assert len(paths) == len(set(paths))
    for name, entry in FILES.items():
        assert entry.notebook and entry.holds, name
        assert all(reader > entry.notebook for reader in entry.read_by), f"{name}: a notebook reads only earlier ones"
        assert not entry.note or entry.note in NOTES, f"{name}: note {entry.note!r} is not in helpers.report.notes"
        if entry.kind == "figure":
            assert entry.title and entry.caption.endswith("."), name
        else:
            assert not entry.title and not entry.caption, f"{name}: only a figure has a title and a caption"


READS = re.compile(r"""out\.(?:read_table|read_json|read_parquet|path|exists)\(\s*["'](\w+)["']|out\.(threshold)\b""")


def test_what_a_notebook_reads_through_its_output_folder_is_declared_in_read_by():
    from helpers.outputs import FILES

    for script in sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        prefix = script.name[:2]
        for match in READS.finditer(script.read_text()):
            name = match.group(1) or "analysis"  # out.threshold reads 01's analysis.json
            entry = FILES[name]
            assert entry.notebook == prefix or prefix in entry.read_by, f"{script.name} reads {name}: add it to read_by"


def test_the_pipeline_order_is_derived_from_who_reads_what():
    from helpers.outputs import FILES
    from helpers.outputs.entries import data, made_by
    from helpers.pipeline import dag

    readers = {r for entry in FILES.values() for r in entry.read_by}
    assert set(dag.DEPENDS_ON) == {entry.notebook for entry in FILES.values()} | readers
    for notebook, upstream in dag.DEPENDS_ON.items():
        direct = {entry.notebook for entry in FILES.values() if notebook in entry.read_by}
        assert direct <= set(upstream) and all(set(dag.DEPENDS_ON[up]) <= set(upstream) for up in upstream)
    # a new notebook's file is one entry: who writes it and who reads it is all the pipeline needs
    extra = made_by("07", {"deployed": data("models/deployed", "a deployed model", ("09",))})
    reading = {**FILES, **extra, "runs": replace(FILES["runs"], read_by=(*FILES["runs"].read_by, "07"))}
    depends = dag.depends_on(reading)
    assert depends["07"] == ("01", "02", "03") and "07" in depends["09"] and "07" not in depends["06"]


def test_every_file_of_an_output_folder_has_a_name():
    from helpers.outputs import named

    assert named("tables/table1.csv") == "table1" and named("models/runs/run_007.npz") == "run_weights"
    assert named("models/r2_best/model.keras") == "r2_best"
    assert named("03_repeated_training.ipynb") == "executed_copy" and named("report/index.html") == "report"
    assert named("provenance/03_repeated_training.json") == "record"
    assert named("provenance/03_repeated_training.kernel.log") == "kernel_log"
    assert named("tables/mine.csv") is None and named("figures/.fig2_histograms.123.part.png") is None
