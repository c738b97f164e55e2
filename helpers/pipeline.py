"""The pipeline: run the numbered notebooks in order with papermill, keep a record of what produced each notebook's
outputs, and build the report.

    python -m helpers.pipeline [--out DIR] [--quick] [-p NAME VALUE ...] [--only 01 03]    (run_all.sh calls this)

Before anything runs, every -p name and value is checked against the notebooks' parameters cells, --only against the
notebooks found, and each selected notebook's upstream notebooks (DEPENDS_ON) against the output folder. After each
notebook, OUT/provenance/NN_name.json records its parameters, the files it wrote and their fingerprint, and the
fingerprints of its upstream notebooks' records; a notebook whose upstream records changed since it ran is stale and
its outputs are removed, so the report (helpers.report) only ever shows a consistent set.

Errors are one line on stderr with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import difflib
import hashlib
import json
import os
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import PROJECT_ROOT

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# A fast smoke run: applied only to notebooks that have these parameters; -p overrides them.
QUICK_PARAMETERS = {"n_runs": 4, "epochs": 40, "patience": 10, "n_outer_folds": 2, "max_candidates": 2000}
# What each notebook reads: notebook prefix -> the prefixes of the notebooks whose outputs it needs.
# A notebook missing from this table is taken to depend on every earlier notebook.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "01": (),
    "02": ("01",),
    "03": ("01", "02"),
    "04": ("01", "02", "03"),
    "05": ("01", "02", "03"),
    "06": ("01", "02", "03", "05"),  # 05: the case-study predictions, for the coverage of the intervals there
    "07": ("01", "02", "03", "05"),
}
# Set to "0" in the environment of every kernel the pipeline starts: helpers turn their progress bars off when they
# read BS_ANN_PROGRESS=0 (progress bars written under papermill only leave fragments in the executed notebooks).
PROGRESS_ENV = "BS_ANN_PROGRESS"
# run_all.sh stores the caller's working directory here before it changes to the project folder; relative --out and
# path parameters are taken relative to it.
CALLER_CWD_ENV = "BS_ANN_CALLER_CWD"
# The environment of the kernels the pipeline starts: no progress bars (ours and any tqdm bar), no TF C++ info lines.
KERNEL_ENV = {
    PROGRESS_ENV: "0",
    "TQDM_DISABLE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
PROVENANCE = "provenance"
REPORT = "report"
PATH_PARAMETERS = ("dataset", "case_study_source")  # a file path unless "default", "" or a manifest source name


class PipelineError(Exception):
    """A problem to report in one line (bad parameter, missing upstream outputs, a failed notebook)."""


# --------------------------------------------------------------------------- notebooks and their parameters


def notebooks(only: list[str] | None = None) -> list[Path]:
    """The numbered notebooks, in order (optionally only those whose names start with the given prefixes)."""
    found = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    return [nb for nb in found if not only or any(nb.name.startswith(p) for p in only)]


def prefix(notebook: Path | str) -> str:
    """'03' for 03_repeated_training(.ipynb)."""
    return Path(notebook).name[:2]


def upstream(notebook: Path | str, available: list[Path]) -> list[Path]:
    """The notebooks whose outputs this one reads (DEPENDS_ON; an unknown notebook depends on every earlier one)."""
    p = prefix(notebook)
    wanted = DEPENDS_ON.get(p)
    if wanted is None:
        return [nb for nb in available if prefix(nb) < p]
    return [nb for nb in available if prefix(nb) in wanted]


def select(only: list[str] | None) -> list[Path]:
    """The notebooks --only asks for; every prefix must match at least one notebook."""
    found = notebooks()
    if not found:
        raise PipelineError(f"no numbered notebooks in {NOTEBOOKS_DIR}")
    available = ", ".join(nb.stem for nb in found)
    for p in only or []:
        if not any(nb.name.startswith(p) for nb in found):
            raise PipelineError(f"--only {p} matches no notebook; available: {available}")
    return notebooks(only)


def parse_value(text: str) -> object:
    """A -p value as Python would read it (number, bool, list, None), else the plain string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


@dataclass
class Parameter:
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
    """The value to pass, checked against the type of the default; PipelineError in one line otherwise."""

    def wrong(kind: str) -> PipelineError:
        return PipelineError(f"-p {name} expects {kind}, got {raw}")

    if default is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong("True or False")
        return value
    if _int(default):
        if not _int(value):
            raise wrong(f"an integer like {default!r}")
        return value
    if isinstance(default, float):
        if not (_int(value) or isinstance(value, float)):
            raise wrong(f"a number like {default!r}")
        return float(value)
    if isinstance(default, str):
        return value if isinstance(value, str) else raw  # every shell word is text: keep what was typed
    if isinstance(default, (list, tuple)):
        like = f"a list like {list(default)!r}"
        if not isinstance(value, (list, tuple)):
            raise wrong(like)
        if default and all(_int(v) for v in default) and not all(_int(v) for v in value):
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
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise PipelineError(f"-p {name}: no notebook has this parameter; {hint}valid names: {', '.join(names)}")
        checked[name] = check_value(name, raw, parse_value(raw), declared[name].default)
    return checked


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


# --------------------------------------------------------------------------- provenance records


def record_path(out: Path, notebook: Path | str) -> Path:
    return out / PROVENANCE / f"{Path(notebook).stem}.json"


def read_record(out: Path, notebook: Path | str) -> dict | None:
    path = record_path(out, notebook)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def is_valid(record: dict | None) -> bool:
    return bool(record) and record.get("status") == "ok"


def has_outputs(out: Path, notebook: Path | str) -> bool:
    """A valid record, or (a folder made before records existed) an executed copy without any record."""
    stem = Path(notebook).stem
    if record_path(out, stem).exists():
        return is_valid(read_record(out, stem))
    return (out / f"{stem}.ipynb").is_file()


def current_fingerprint(out: Path, notebook: Path | str) -> str | None:
    """The fingerprint of a notebook's valid record; None for an executed copy made before records existed;
    "missing" or "invalid" otherwise (so it never equals a recorded fingerprint)."""
    stem = Path(notebook).stem
    if not record_path(out, stem).exists():
        return None if (out / f"{stem}.ipynb").is_file() else "missing"
    rec = read_record(out, stem)
    return rec.get("fingerprint") if is_valid(rec) else "invalid"


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every output file under out (not the executed copies, records or report)."""
    files: dict[str, tuple[int, int]] = {}
    if not out.is_dir():
        return files
    for path in out.rglob("*"):
        rel = path.relative_to(out)
        if rel.parts[0] in (PROVENANCE, REPORT) or (len(rel.parts) == 1 and path.suffix == ".ipynb"):
            continue
        if path.is_file():
            st = path.stat()
            files[rel.as_posix()] = (st.st_size, st.st_mtime_ns)
    return files


def _digest(path: Path) -> str:
    """sha256 of a file's content; for zip files (.npz, .keras) of their members, so save times do not count."""
    h = hashlib.sha256()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for info in sorted(z.infolist(), key=lambda i: i.filename):
                h.update(f"{info.filename}\0{info.CRC}\0{info.file_size}\n".encode())
        return h.hexdigest()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(out: Path, files: list[str]) -> str:
    """One sha256 over the contents of a notebook's output files."""
    h = hashlib.sha256()
    for rel in sorted(files):
        path = out / rel
        h.update(f"{rel}\0{_digest(path) if path.is_file() else '-'}\n".encode())
    return h.hexdigest()


def write_record(
    out: Path,
    notebook: Path,
    parameters: dict[str, object],
    given: list[str],
    started: float,
    status: str,
    before: dict[str, tuple[int, int]],
    previous: dict | None,
    all_notebooks: list[Path],
) -> dict:
    """Record what this execution of a notebook produced, and from which upstream records."""
    after = snapshot(out)
    changed = [rel for rel, stat in after.items() if before.get(rel) != stat]
    kept = [rel for rel in (previous or {}).get("outputs", []) if rel in after]  # e.g. runs resumed, not rewritten
    outputs = sorted(set(changed) | set(kept))
    ups = {up.stem: current_fingerprint(out, up) for up in upstream(notebook, all_notebooks)}
    record = {
        "notebook": notebook.stem,
        "status": status,
        "parameters": {k: v for k, v in parameters.items() if k != "out_dir"},
        "given": sorted(k for k in given if k != "out_dir"),
        "started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "seconds": round(time.time() - started, 1),
        "finished_ts": time.time(),
        "executed": f"{notebook.stem}.ipynb",
        "outputs": outputs,
        "fingerprint": fingerprint(out, outputs),
        "upstream": ups,
    }
    path = record_path(out, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, default=str))
    return record


def remove_outputs(out: Path, notebook: Path | str, record: dict, keep: set[str]) -> None:
    """Delete a notebook's recorded outputs (not those in keep), its executed copy, HTML page and record."""
    stem = Path(notebook).stem
    for rel in record.get("outputs", []):
        if rel not in keep:
            (out / rel).unlink(missing_ok=True)
    for path in (
        out / f"{stem}.ipynb",
        out / REPORT / f"{stem}.html",
        record_path(out, stem),
        out / PROVENANCE / f"{stem}.kernel.log",
    ):
        path.unlink(missing_ok=True)


def remove_stale(out: Path, all_notebooks: list[Path], ran: set[str] = frozenset()) -> list[str]:
    """Remove the outputs of every notebook whose upstream records changed since it ran; one message per notebook.

    Works in notebook order, so a notebook removed here makes the ones that read it stale too.
    """
    removed: set[str] = set()
    messages = []
    for nb in all_notebooks:
        rec = read_record(out, nb)
        executed = out / nb.name
        if not record_path(out, nb).exists() and executed.is_file():
            # Made before records existed: its files are unknown, but an upstream that ran after it makes it stale.
            newer = [
                up.stem
                for up in upstream(nb, all_notebooks)
                if is_valid(read_record(out, up))
                and read_record(out, up).get("finished_ts", 0) > executed.stat().st_mtime
            ]
            if newer:
                remove_outputs(out, nb, {}, set())
                removed.add(nb.stem)
                messages.append(
                    f"{nb.stem}: its inputs changed ({', '.join(prefix(u) + ' reran' for u in newer)});"
                    f" its executed copy was removed: rerun it with --only {prefix(nb)}"
                )
            continue
        if not is_valid(rec):
            continue
        changed = [up for up, fp in rec.get("upstream", {}).items() if current_fingerprint(out, up) != fp]
        if not changed:
            continue
        others = [read_record(out, other) for other in all_notebooks if other.stem != nb.stem]
        keep = {rel for other in others if is_valid(other) for rel in other.get("outputs", [])}
        remove_outputs(out, nb, rec, keep)
        removed.add(nb.stem)
        why = ", ".join(
            f"{prefix(u)} reran" if u in ran else f"{prefix(u)} was removed" if u in removed else f"{prefix(u)} changed"
            for u in changed
        )
        messages.append(
            f"{nb.stem}: its inputs changed ({why}); its outputs were removed: rerun it with --only {prefix(nb)}"
        )
    return messages


def check_upstream(selected: list[Path], all_notebooks: list[Path], out: Path) -> None:
    """Every upstream notebook of a selected one is selected too or has valid outputs in out."""
    chosen = {nb.stem for nb in selected}
    for nb in selected:
        for up in upstream(nb, all_notebooks):
            if up.stem not in chosen and not has_outputs(out, up):
                raise PipelineError(
                    f"{nb.stem} needs the outputs of {up.stem} in {out}: run {prefix(up)} first, or add it to --only"
                )


# --------------------------------------------------------------------------- executing one notebook


def _kernel_manager_class(log: Path):
    """A kernel manager that starts quiet kernels: CurveZMQ keys (so ipykernel has no reason to warn about plain
    TCP), the KERNEL_ENV variables, and the kernel process' own stdout/stderr (C-level library output such as
    TensorFlow's absl/oneDNN lines, which no environment variable silences) in a log file instead of the console."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class QuietKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _transport_encryption_default(self):
            return "auto"

        async def start_kernel(self, **kw):
            log.parent.mkdir(parents=True, exist_ok=True)
            handle = open(log, "w")  # noqa: SIM115 (closed below)
            try:
                kw["env"] = {**os.environ, **kw.get("env", {}), **KERNEL_ENV}
                kw["stdout"] = kw["stderr"] = handle
                return await super().start_kernel(**kw)
            finally:
                handle.close()  # the child keeps its own descriptor

    return QuietKernelManager


def execute(notebook: Path, target: Path, parameters: dict[str, object], kernel_log: Path | None = None) -> Path:
    """Execute one notebook with papermill (cwd notebooks/, kernel python3, quiet kernel) into target.

    C-level output of the kernel process goes to kernel_log (default: provenance/<name>.kernel.log beside target);
    Python-level output (print, display, warnings) stays in the notebook.
    """
    import papermill as pm

    log = kernel_log or target.parent / PROVENANCE / f"{notebook.stem}.kernel.log"
    target.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(notebook),
        str(target),
        parameters=parameters,
        cwd=str(NOTEBOOKS_DIR),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        kernel_manager_class=_kernel_manager_class(log),
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    return target


def _failure(nb: Path, target: Path, exc: BaseException) -> PipelineError:
    import papermill as pm

    if isinstance(exc, pm.PapermillExecutionError):
        lines = exc.source.strip().splitlines()
        first_line = lines[0] if lines else ""
        evalue = " ".join(str(exc.evalue).split())
        return PipelineError(
            f"FAILED: {nb.name}, cell {exc.cell_index} (execution count {exc.exec_count}, "
            f"starting '{first_line}'): {exc.ename}: {evalue}; "
            f"the executed copy with the traceback is {target}"
        )
    return PipelineError(f"FAILED: {nb.name}: {type(exc).__name__}: {' '.join(str(exc).split())}")


def execute_and_record(nb: Path, out: Path, params: dict[str, object], all_notebooks: list[Path]) -> dict:
    """Execute one notebook into out and write its provenance record (status ok, failed or interrupted)."""
    target = out / nb.name
    previous = read_record(out, nb)
    before = snapshot(out)
    started = time.time()
    record_path(out, nb).parent.mkdir(parents=True, exist_ok=True)
    # While it runs, the notebook has no valid record (a crash leaves it invalid, so nothing downstream trusts it).
    running = dict(previous or {}, status="running")
    record_path(out, nb).write_text(json.dumps(running, indent=1, default=str))
    status = "failed"
    try:
        execute(nb, target, params)
        status = "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except Exception as exc:  # noqa: BLE001  papermill, nbclient and kernel errors alike, reported in one line
        raise _failure(nb, target, exc) from None
    finally:
        declared = {name: p.default for name, p in declared_parameters([nb]).items()}
        record = write_record(
            out, nb, {**declared, **params}, list(params), started, status, before, previous, all_notebooks
        )
    return record


# --------------------------------------------------------------------------- command line


def _fetch_data() -> list[str]:
    from helpers.sources import fetch, load_manifest

    names = []
    for name in load_manifest():
        fetch(name)
        names.append(name)
    return names


def _finish(out: Path, all_notebooks: list[Path], ran: set[str]) -> Path | None:
    """Remove stale outputs, then rebuild the report; print one line per removed notebook."""
    for message in remove_stale(out, all_notebooks, ran):
        print(message, flush=True)
    if not out.is_dir():
        return None
    from helpers.report import build_report

    return build_report(out, all_notebooks)


def pipeline(args: argparse.Namespace) -> int:
    """Check, fetch, execute the selected notebooks, remove stale outputs, build the report."""
    cwd = caller_cwd()
    out = (
        (cwd / Path(args.out).expanduser()).resolve()
        if args.out
        else PROJECT_ROOT / "outputs" / ("quick" if args.quick else "default")
    )
    all_notebooks = select(None)
    selected = select(args.only)
    declared = declared_parameters(all_notebooks)
    given = absolute_paths(check_parameters(args.p, declared), cwd)
    for name in given:
        if not set(declared[name].notebooks) & {nb.stem for nb in selected}:
            owner = ", ".join(declared[name].notebooks)
            prefixes = " ".join(n[:2] for n in declared[name].notebooks)
            raise PipelineError(
                f"-p {name}: declared by {owner}, which --only does not select; add {prefixes} to "
                "--only (the notebooks after it read the saved value)"
            )
    for message in remove_stale(out, all_notebooks):
        print(message, flush=True)
    check_upstream(selected, all_notebooks, out)

    params: dict[str, object] = {**(QUICK_PARAMETERS if args.quick else {}), **given, "out_dir": str(out)}
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items() if k != "out_dir")
    print(f"data: {', '.join(_fetch_data())} (sha256 checked)")
    print(f"output folder: {out}" + (f"; parameters: {shown}" if shown else ""), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    width = max(len(nb.stem) for nb in selected)
    ran: set[str] = set()
    start = time.time()
    try:
        for nb in selected:
            print(f"  {nb.stem:<{width}} ", end="", flush=True)
            try:
                record = execute_and_record(nb, out, parameters_for(nb, params), all_notebooks)
            except BaseException:
                print(flush=True)
                raise
            ran.add(nb.stem)
            print(f"{record['seconds']:5.0f} s", flush=True)
    finally:
        try:
            index = _finish(out, all_notebooks, ran)
        except KeyboardInterrupt:
            index = None
    print(f"{len(ran)} notebook{'s' if len(ran) != 1 else ''} ran in {time.time() - start:.0f} s; report: {index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: check everything, fetch the data, run the notebooks, write the report; errors in one line."""
    parser = argparse.ArgumentParser(prog="run_all.sh", description="Run the analysis notebooks with papermill.")
    parser.add_argument("--out", default=None, help="output folder (default outputs/default, or outputs/quick)")
    parser.add_argument("--quick", action="store_true", help="fast smoke test: few training runs and epochs")
    parser.add_argument(
        "-p",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        default=[],
        help="parameter passed to every notebook that declares it (repeatable)",
    )
    parser.add_argument("--only", nargs="+", help="run only notebooks whose names start with these prefixes")
    args = parser.parse_args(argv)
    try:
        return pipeline(args)
    except PipelineError as exc:
        print(f"run_all.sh: {exc}", file=sys.stderr)
        return 1 if str(exc).startswith("FAILED") else 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished notebooks and training runs are kept; rerun the same command to resume",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # noqa: BLE001  one line, not a traceback, for anything unforeseen (data fetch, disk)
        print(f"run_all.sh: error: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
