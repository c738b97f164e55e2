"""python -m helpers.report OUT: rebuild the report of an output folder."""

import sys
from pathlib import Path

from helpers.report.render import build_report

if len(sys.argv) != 2:
    sys.exit("usage: python -m helpers.report OUT")
print(build_report(Path(sys.argv[1]).resolve()))
