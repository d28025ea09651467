#!/usr/bin/env bash
# The speed bench: installs what it needs (ripgrep, the `bench` extra), then runs bench/speed.py.
# Idempotent: a second run installs nothing. Arguments go to speed.py (try --help, --scale 0.1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v rg >/dev/null 2>&1; then
    echo "bench: installing ripgrep (needs root)" >&2
    # Update the package lists only when the install cannot find the package without it.
    apt-get install -y -qq ripgrep >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null; } \
        || echo "bench: could not install ripgrep; its figures will be missing" >&2
fi

# The project's own installer, with the `bench` extra; drop pip's notes about absent mirrors.
# shellcheck source=../scripts/_venv.sh
source scripts/_venv.sh bench 2> >(grep -v "^WARNING: Location 'file://" >&2)

echo "bench: speed (python bench/speed.py $*); quality is its own bench: python bench/quality.py"
python bench/speed.py "$@"
