"""Executing one notebook: papermill in a quiet kernel, a one-line error when it fails, and its provenance record."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from helpers.outputs.registry import PIPELINE_FILES
from helpers.outputs.writer import log_file
from helpers.pipeline.dag import NOTEBOOKS_DIR, PipelineError
from helpers.pipeline.provenance import kernel_log_path, mark_ended, read_record

# Set in a kernel's environment (helpers.pipeline.consistency reads them): the executed copy papermill writes, and
# whether the pipeline started the kernel (it then removes and reports stale outputs itself).
EXECUTED_COPY_ENV = "BS_ANN_EXECUTED_COPY"
PIPELINE_ENV = "BS_ANN_PIPELINE"

# The environment of the kernels the pipeline starts: no progress bars (TQDM_DISABLE turns off ours and any tqdm bar:
# under papermill they only leave fragments in the executed notebooks), no TF C++ info lines.
KERNEL_ENV = {
    "TQDM_DISABLE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


def _kernel_manager_class(log: Path, environment: dict[str, str]):
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
            handle = log_file(log)  # closed below
            try:
                kw["env"] = {**os.environ, **kw.get("env", {}), **KERNEL_ENV, **environment}
                kw["stdout"] = kw["stderr"] = handle
                return await super().start_kernel(**kw)
            finally:
                handle.close()  # the child keeps its own descriptor

    return QuietKernelManager


def execute(
    notebook: Path,
    target: Path,
    parameters: dict[str, object],
    kernel_log: Path | None = None,
    in_pipeline: bool = False,
) -> Path:
    """Execute one notebook with papermill (cwd notebooks/, kernel python3, quiet kernel) into target.

    C-level output of the kernel process goes to kernel_log (default: provenance/<name>.kernel.log beside target);
    Python-level output (print, display, warnings) stays in the notebook.
    """
    environment = {EXECUTED_COPY_ENV: str(Path(target).resolve()), PIPELINE_ENV: "1" if in_pipeline else "0"}
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
        kernel_manager_class=_kernel_manager_class(log, environment),
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        shutdown_kernel="immediate",  # every cell has returned: a graceful stop only waits ~1 s for TF's teardown
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
    return PipelineError(f"{unforeseen_failure(nb, exc)}; what it ran is in {target}")


def unforeseen_failure(nb: Path, exc: BaseException) -> str:
    """The one line of an exception nobody foresaw (disk, permissions): the notebook, the exception and its message."""
    return f"FAILED: {nb.name}: {type(exc).__name__}: {' '.join(str(exc).split())}"


def end_unfinished(out: Path, nb: Path, status: str) -> None:
    """A run that did not finish: its record says so (failed, interrupted), its executed copy is kept aside."""
    mark_ended(out, nb, status)
    aside = out / PIPELINE_FILES["running_copy"].format(stem=nb.stem)
    if aside.is_file():
        os.replace(aside, out / PIPELINE_FILES["failed_copy"].format(stem=nb.stem))


def quiet_shutdown() -> None:
    """After an interrupt: the event loop's abandoned tasks (nbclient's cell, "Task exception was never retrieved")
    and Dask's closing connections would print tracebacks while the process ends; the one line says it all."""
    for name in ("asyncio", "distributed", "tornado", "traitlets", "papermill"):
        logging.getLogger(name).disabled = True


def execute_and_record(nb: Path, out: Path, params: dict[str, object]) -> dict:
    """Execute one notebook into out; the notebook writes its provenance record (consistency.begin and finish). The
    executed copy is written aside and replaces the previous one only when the run succeeds; a failed or interrupted
    run's copy is kept beside it as NN_name.failed.ipynb, and its record says so. Returns the record."""
    aside = out / PIPELINE_FILES["running_copy"].format(stem=nb.stem)
    status = "failed"
    try:
        execute(nb, aside, params, kernel_log_path(out, nb), in_pipeline=True)
        status = "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        quiet_shutdown()
        raise
    except Exception as exc:  # noqa: BLE001  papermill, nbclient and kernel errors alike, reported in one line
        raise _failure(nb, out / PIPELINE_FILES["failed_copy"].format(stem=nb.stem), exc) from None
    finally:
        if status != "ok":
            end_unfinished(out, nb, status)
    os.replace(aside, out / PIPELINE_FILES["executed_copy"].format(stem=nb.stem))
    record = read_record(out, nb)
    if not record or record.get("status") != "ok":
        raise PipelineError(f"FAILED: {nb.name} ran but recorded no outputs (it must call consistency.finish)")
    return record
