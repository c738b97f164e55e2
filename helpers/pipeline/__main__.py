"""python -m helpers.pipeline [--out DIR] [--quick] [-p NAME VALUE ...] [--only 01 03]    (run_all.sh calls this)"""

import sys

from helpers.pipeline.cli import main

sys.exit(main())
