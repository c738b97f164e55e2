"""python -m helpers.report OUT: rebuild the report of an output folder (errors in one line)."""

import sys
from pathlib import Path

from helpers.pipeline.dag import PipelineError
from helpers.report.render import build_report

if len(sys.argv) != 2:
    sys.exit("usage: python -m helpers.report OUT")
try:
    print(build_report(Path(sys.argv[1]).resolve()))
except PipelineError as exc:
    sys.exit(str(exc))
except KeyboardInterrupt:
    sys.exit("report: interrupted; no report is left in the folder: run the same command again")
