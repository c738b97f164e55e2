"""Every file an analysis writes, named once (cookiecutter-data-science's config.py idea), and the one writer.

A notebook never spells a path: it says ``out.write_table("table1", t)`` or ``out.read_json("analysis")``. ``FILES``
(``registry``) is the single list of outputs: where each file lives, which notebook writes it and which read it (the
pipeline's order comes from that), and what the report says about it; ``PIPELINE_FILES`` are the records, logs,
executed copies and report the pipeline writes beside them. ``entries`` says what an entry holds, ``folder`` is
``OutputDir``, and ``writer`` is the one way a file is written (``write_atomic``, ``csv_stream``).
"""

from helpers.outputs.entries import OutputFile
from helpers.outputs.folder import OutputDir
from helpers.outputs.registry import FILES, PIPELINE_FILES, named
from helpers.outputs.writer import write_atomic
from helpers.paths import SUBFOLDERS

__all__ = ["FILES", "PIPELINE_FILES", "SUBFOLDERS", "OutputDir", "OutputFile", "named", "write_atomic"]
