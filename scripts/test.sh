#!/usr/bin/env bash
# The test command: lint, format check, type check, then the test suite against the
# real local Azure server. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY -m ruff check cmgdeploy mocks tests scripts
$PY -m ruff format --check cmgdeploy mocks tests scripts
$PY -m mypy
# The three import contracts (pyproject.toml, [tool.importlinter]): the layers cli ->
# commands -> services -> domain, no import cycles between siblings, and only
# services/azure imports the Azure SDKs and msal.
.venv/bin/lint-imports
# Four workers on two cores: most tests wait on the local Azure's clocks (provisioning,
# Retry-After, lease expiry), not on the CPU.
$PY -m pytest -n 4 -m "not azcli" "$@"
