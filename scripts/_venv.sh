# Sourced by the other scripts: makes .venv and installs wisp with its pinned dependencies.
# Reinstalls only when pyproject.toml or the constraints file changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${WISP_VENV:-$root/.venv}"
extras="${1:-}"
# Debian packages wisp needs: venv support, and the readers of legacy Word .doc files.
missing=()
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v antiword >/dev/null 2>&1 || missing+=(antiword)
command -v catdoc >/dev/null 2>&1 || missing+=(catdoc)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "wisp: installing ${missing[*]}" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "wisp: please install these Debian packages first: ${missing[*]}" >&2
        exit 1
    fi
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
