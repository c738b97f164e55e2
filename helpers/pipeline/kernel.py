"""Executing one notebook: papermill in a quiet kernel, a one-line error when it fails, and its provenance record."""

from __future__ import annotations

import os
import time
from pathlib import Path

from helpers.pipeline.dag import NOTEBOOKS_DIR, PipelineError
from helpers.pipeline.parameters import declared_parameters
from helpers.pipeline.provenance import kernel_log_path, mark_running, read_record, snapshot, write_record

# Set to "0" in the environment of every kernel the pipeline starts: helpers turn their progress bars off when they
# read BS_ANN_PROGRESS=0 (progress bars written under papermill only leave fragments in the executed notebooks).
PROGRESS_ENV = "BS_ANN_PROGRESS"
# The environment of the kernels the pipeline starts: no progress bars (ours and any tqdm bar), no TF C++ info lines.
KERNEL_ENV = {
    PROGRESS_ENV: "0",
    "TQDM_DISABLE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


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

    log = kernel_log or kernel_log_path(target.parent, notebook)
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
    """The one line that says where a notebook failed and where its traceback is."""
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
    mark_running(out, nb, previous)
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
