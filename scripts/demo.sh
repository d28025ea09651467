#!/usr/bin/env bash
# One command: install wisp in .venv and scan the bundled demo folder.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
exec wisp scan --demo "$@"
