#!/usr/bin/env bash
# The HTTPS load bench: installs Debian's h2load (nghttp2-client) if missing, then runs
# bench/http_load.py.
# Arguments go to http_load.py (try --help, --seconds 10, --only sqlite).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v h2load >/dev/null 2>&1; then
    echo "bench: installing h2load (nghttp2-client; needs root)" >&2
    apt-get install -y -qq nghttp2-client >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; } \
        || { echo "bench: could not install nghttp2-client" >&2; exit 1; }
fi

# shellcheck source=../scripts/_venv.sh
source scripts/_venv.sh dev 2> >(grep -v "^WARNING: Location 'file://" >&2)
python bench/http_load.py "$@"
