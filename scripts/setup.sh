#!/usr/bin/env bash
# Set up a fresh clone: a virtual environment in .venv with cmgdeploy, the local
# Azure (mocks/) and the test tools installed in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
# Bytecode for the editable package: an interpreter that may not write it
# (PYTHONDONTWRITEBYTECODE) would otherwise compile every module on every start.
# (A wheel install compiles at install time.)
.venv/bin/python -m compileall -q cmgdeploy mocks
echo "ready: . .venv/bin/activate   (then: cmgdeploy --help)"
