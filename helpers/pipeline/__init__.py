"""The pipeline: run the numbered notebooks in order with papermill, keep a record of what produced each notebook's
outputs, and build the report.

    python -m helpers.pipeline [--out DIR] [--quick] [-p NAME VALUE ...] [--only 01 03]    (run_all.sh calls this)

Before anything runs, every -p name and value is checked against the notebooks' parameters cells (`parameters`) and
the parameter schema (`schema`: types, ranges and choices, which each notebook checks again at its first cell),
--only against the notebooks found, and each selected notebook's upstream notebooks (`dag.DEPENDS_ON`) against the
output folder. After each notebook (`kernel`), OUT/provenance/NN_name.json records its parameters, the files it wrote
and their fingerprint, and the fingerprints of its upstream notebooks' records (`provenance`), written by the notebook
itself (`consistency.begin` after its parameters cell, `consistency.finish` at its end, however it runs), which refuses
parameters other than those that made the folder's outputs unless `overwrite = True`; a notebook whose
upstream records changed since it ran is stale and its outputs are removed (`stale`), so the report (helpers.report)
only ever shows a consistent set. `cli` is the command line.

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
    has_outputs,
    is_valid,
    read_record,
    record_path,
    snapshot,
    valid_notebooks,
    write_record,
)
from helpers.pipeline.stale import check_upstream, remove_outputs, remove_stale

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
    "has_outputs",
    "is_valid",
    "main",
    "notebooks",
    "parameters_for",
    "parse_value",
    "pipeline",
    "prefix",
    "read_record",
    "record_path",
    "remove_outputs",
    "remove_stale",
    "select",
    "snapshot",
    "upstream",
    "valid_notebooks",
    "write_record",
]
