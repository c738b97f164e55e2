"""Run the numbered notebooks in order with papermill, then build an HTML report of them.

    python -m helpers.pipeline [--out DIR] [--quick] [-p NAME VALUE ...] [--only 01 03]
"""
from __future__ import annotations

import argparse
import ast
import html
import sys
import time
from pathlib import Path

import papermill as pm

from helpers.data import fetch, load_manifest
from helpers.paths import PROJECT_ROOT, resolve

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# A fast smoke run: applied only to notebooks that have these parameters; -p overrides them.
QUICK_PARAMETERS = {"n_runs": 4, "epochs": 40, "patience": 10, "n_outer_folds": 2}


def notebooks(only: list[str] | None = None) -> list[Path]:
    """The numbered notebooks, in order (optionally only those whose names start with the given prefixes)."""
    found = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    return [nb for nb in found if not only or any(nb.name.startswith(p) for p in only)]


def parse_value(text: str) -> object:
    """A -p value as Python would read it (number, bool, list, None), else the plain string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parameters_for(notebook: Path, given: dict[str, object]) -> dict[str, object]:
    """The subset of the given parameters that this notebook declares in its parameters cell."""
    declared = pm.inspect_notebook(str(notebook))
    return {k: v for k, v in given.items() if k in declared}


def execute(notebook: Path, target: Path, parameters: dict[str, object]) -> Path:
    """Execute one notebook with papermill (cwd notebooks/, kernel python3) into target."""
    pm.execute_notebook(str(notebook), str(target), parameters=parameters, cwd=str(NOTEBOOKS_DIR),
                        kernel_name="python3", progress_bar=False)
    return target


def run_notebooks(out: Path, given: dict[str, object], only: list[str] | None = None) -> list[Path]:
    """Execute the notebooks into out/, stopping at the first failure with the notebook and cell named."""
    out.mkdir(parents=True, exist_ok=True)
    executed = []
    for nb in notebooks(only):
        params = parameters_for(nb, given)
        target = out / nb.name
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items() if k != "out_dir")
        print(f"[{time.strftime('%H:%M:%S')}] {nb.name} {shown}", flush=True)
        start = time.time()
        try:
            execute(nb, target, params)
        except pm.PapermillExecutionError as exc:
            first_line = exc.source.strip().splitlines()[0] if exc.source.strip() else ""
            raise SystemExit(f"\nFAILED: {nb.name}, cell {exc.cell_index} (execution count {exc.exec_count}, "
                             f"starting '{first_line}'): {exc.ename}: {exc.evalue}\n"
                             f"The executed copy with the traceback is {target}") from None
        print(f"           done in {time.time() - start:.0f} s", flush=True)
        executed.append(target)
    return executed


def build_report(out: Path, executed: list[Path]) -> Path:
    """nbconvert HTML of each executed notebook plus report/index.html linking them, figures and tables."""
    from nbconvert import HTMLExporter
    import nbformat

    report = out / "report"
    report.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter()
    items = []
    for nb_path in executed:
        nb = nbformat.read(nb_path, as_version=4)
        body, _ = exporter.from_notebook_node(nb)
        page = report / (nb_path.stem + ".html")
        page.write_text(body, encoding="utf-8")
        title = next((c.source.splitlines()[0].lstrip("# ") for c in nb.cells
                      if c.cell_type == "markdown" and c.source.strip()), nb_path.stem)
        items.append(f'<li><a href="{page.name}">{html.escape(nb_path.stem)}</a>: {html.escape(title)}</li>')
    figures = sorted((out / "figures").glob("*.png"))
    tables = sorted((out / "tables").glob("*.csv"))
    fig_html = "".join(f'<figure><a href="../figures/{f.name}"><img src="../figures/{f.name}" width="420"></a>'
                       f"<figcaption>{f.stem}</figcaption></figure>" for f in figures)
    tab_html = "".join(f'<li><a href="../tables/{t.name}">{t.name}</a></li>' for t in tables)
    index = report / "index.html"
    index.write_text(f"""<!doctype html><html><head><meta charset="utf-8"><title>Bs ANN report: {out.name}</title>
<style>body{{font-family:sans-serif;max-width:1400px;margin:2em auto}}figure{{display:inline-block;margin:6px}}
figcaption{{text-align:center;font-size:90%}}</style></head><body>
<h1>Bs prediction with ANNs: run '{html.escape(out.name)}'</h1>
<p>Generated {time.strftime('%Y-%m-%d %H:%M')} from {html.escape(str(out))}.</p>
<h2>Notebooks (executed)</h2><ol>{''.join(items)}</ol>
<h2>Figures</h2>{fig_html}<h2>Tables</h2><ul>{tab_html}</ul></body></html>""", encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    """Command line: fetch the data, run the notebooks, write the report, print where everything is."""
    parser = argparse.ArgumentParser(prog="run_all.sh", description="Run the analysis notebooks with papermill.")
    parser.add_argument("--out", default=None, help="output folder (default outputs/default, or outputs/quick)")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: few training runs and epochs")
    parser.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                        help="parameter passed to every notebook that declares it (repeatable)")
    parser.add_argument("--only", nargs="+", help="run only notebooks whose names start with these prefixes")
    args = parser.parse_args(argv)
    out = resolve(args.out or ("outputs/quick" if args.quick else "outputs/default"))
    given: dict[str, object] = dict(QUICK_PARAMETERS) if args.quick else {}
    given.update({name: parse_value(value) for name, value in args.p})
    given["out_dir"] = str(out)
    for name in load_manifest():
        print(f"data: {name} -> {fetch(name)}")
    start = time.time()
    executed = run_notebooks(out, given, args.only)
    index = build_report(out, executed)
    print(f"\nAll {len(executed)} notebooks ran in {time.time() - start:.0f} s.\n"
          f"  executed notebooks: {out}\n  figures: {out / 'figures'}\n  tables:  {out / 'tables'}\n"
          f"  models:  {out / 'models'}\n  report:  {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
