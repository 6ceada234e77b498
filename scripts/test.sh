#!/usr/bin/env bash
# The test command: lint, format check, type check, then the test suite against the
# real local Azure server. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY -m ruff check cmgdeploy mocks tests scripts
$PY -m ruff format --check cmgdeploy mocks tests scripts
$PY -m mypy
$PY -m pytest -n 2 -m "not azcli" "$@"
