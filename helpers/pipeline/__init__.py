"""The pipeline: run the collection's numbered notebooks with papermill, keep a record of what produced each
notebook's outputs, and build the report.

    python -m helpers.pipeline [--out DIR] [--quick] [-p NAME VALUE ...] [--only 01 03] [--jobs N] [--fork]

Before anything runs, every -p name and value is checked against the notebooks' parameters cells (`parameters`) and
the parameter schema (`schema`: types, ranges and choices, which each notebook checks again at its first cell), the
output folder (an analysis, a new or an empty folder: helpers.paths), --only against the collection (`dag`), and each
selected notebook's upstream notebooks against the output folder (`stale`: fingerprints recomputed from disk). Each
notebook writes its own record (`consistency.begin` after its parameters cell, `consistency.finish` at its end,
however it runs; `provenance`). Parameters other than those that made the folder's outputs are refused unless --fork
(a new analysis beside it: `fork`) or -p overwrite True; nothing is ever deleted: what a rerun supersedes is moved
to OUT/superseded/<time>/ (`superseded`). Each notebook runs in a process of its own once those it reads have
finished, up to --jobs at once (`scheduler`); its executed copy and the report are replaced only by a successful run
(`kernel`). `cli` is the command line (run_all.sh).

Errors are one line on stderr with a non-zero exit, never a traceback.
"""

from helpers.pipeline.cli import main, pipeline
from helpers.pipeline.consistency import Execution, OutputsInUse, begin, finish
from helpers.pipeline.dag import DEPENDS_ON, NOTEBOOKS_DIR, PipelineError, notebooks, prefix, select, upstream
from helpers.pipeline.kernel import KERNEL_ENV, execute, execute_and_record
from helpers.pipeline.parameters import (
    CALLER_CWD_ENV,
    PATH_PARAMETERS,
    QUICK_PARAMETERS,
    Parameter,
    absolute_paths,
    caller_cwd,
    check_parameters,
    check_value,
    declared_parameters,
    parameters_for,
    parse_value,
)
from helpers.pipeline.provenance import (
    PROVENANCE,
    REPORT,
    current_fingerprint,
    fingerprint,
    is_valid,
    notebook_files,
    read_record,
    record_path,
    snapshot,
    valid_notebooks,
    write_record,
)
from helpers.pipeline.stale import State, check_upstream, state, states, supersede_stale
from helpers.pipeline.superseded import SUPERSEDED, move_aside, supersede

__all__ = [
    "CALLER_CWD_ENV",
    "Execution",
    "OutputsInUse",
    "begin",
    "finish",
    "DEPENDS_ON",
    "KERNEL_ENV",
    "NOTEBOOKS_DIR",
    "PATH_PARAMETERS",
    "PROVENANCE",
    "QUICK_PARAMETERS",
    "REPORT",
    "Parameter",
    "PipelineError",
    "absolute_paths",
    "caller_cwd",
    "check_parameters",
    "check_upstream",
    "check_value",
    "current_fingerprint",
    "declared_parameters",
    "execute",
    "execute_and_record",
    "fingerprint",
    "is_valid",
    "main",
    "move_aside",
    "notebook_files",
    "notebooks",
    "parameters_for",
    "parse_value",
    "pipeline",
    "prefix",
    "read_record",
    "record_path",
    "select",
    "state",
    "states",
    "supersede",
    "supersede_stale",
    "SUPERSEDED",
    "State",
    "snapshot",
    "upstream",
    "valid_notebooks",
    "write_record",
]
