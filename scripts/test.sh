#!/usr/bin/env bash
# One command: install wisp with its dev tools in .venv, then lint, type-check and test.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" dev
cd "$root"
ruff check src tests bench scripts
ruff format --check src tests bench scripts
mypy
pytest -n auto -q "$@"
