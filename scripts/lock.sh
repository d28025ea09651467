#!/usr/bin/env bash
# Re-pins every dependency (runtime, dev and bench extras) into constraints.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip
"$tmp/venv/bin/python" -m pip install -q "$root[dev,bench]"
{
    echo "# Pinned by scripts/lock.sh; install with: pip install -c constraints.txt -e '.[dev]'"
    "$tmp/venv/bin/python" -m pip freeze --exclude wisp | grep -v '^-e '
} > "$root/constraints.txt"
echo "wrote $root/constraints.txt"
