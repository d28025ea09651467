# Sourced by the other scripts: makes .venv and installs wisp with its pinned dependencies.
# Reinstalls only when pyproject.toml or the constraints file changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${WISP_VENV:-$root/.venv}"
extras="${1:-}"
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "wisp: installing python3-venv (needs root)" >&2
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
stamp="$venv/.wisp-installed${extras:+-$extras}"
want="$(cat "$root/pyproject.toml" "$root/constraints.txt" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$venv/bin/python" -m pip install -q -c "$root/constraints.txt" -e "$root${extras:+[$extras]}"
    echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
