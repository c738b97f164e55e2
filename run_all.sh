#!/usr/bin/env bash
# The two commands of the quick start:
#   ./run_all.sh          run notebooks 01.. on the default data into outputs/default/ (see --help)
#   ./run_all.sh --test   run the test suite (--test fast: the edit-test subset, pytest -m fast)
# Both create .venv from the pinned requirements when it is missing or the requirements changed.
set -euo pipefail
# Relative paths given by the user (--out, -p dataset ...) are relative to the folder they ran this from: remember it
# before changing to the project folder (the pipeline resolves them against it).
export BS_ANN_CALLER_CWD="$PWD"
cd "$(dirname "$0")"

VENV=.venv
STAMP="$VENV/.requirements.sha256"
want=$(cat requirements.txt requirements-lock.txt | sha256sum | cut -d' ' -f1)   # tool settings in pyproject.toml need no new venv
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  PY=${PYTHON:-python3}
  "$PY" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' \
    || { echo "run_all.sh: needs Python 3.11 or newer (found $("$PY" --version 2>&1)); set PYTHON=..." >&2; exit 1; }
  echo "Setting up $VENV from requirements.txt (once; a few minutes)..."
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r requirements.txt -c requirements-lock.txt
  "$VENV/bin/python" -m pip install --quiet --no-deps -e .
  echo "$want" > "$STAMP"
fi
export PYTHONHASHSEED=0 TF_CPP_MIN_LOG_LEVEL=2 PYDEVD_DISABLE_FILE_VALIDATION=1

if [ "${1:-}" = "--test" ]; then
  shift
  if [ "${1:-}" = "fast" ]; then  # the edit-test subset (tests/conftest.py marks it)
    shift
    set -- -m fast "$@"
  fi
  exec "$VENV/bin/python" -m pytest "$@"
fi
exec "$VENV/bin/python" -m helpers.pipeline "$@"
