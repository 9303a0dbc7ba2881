# Sourced by scripts/run and scripts/test: make .venv and install a requirements file.
# Usage: ensure_venv requirements.txt
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

ensure_venv() {
  local req="$1" stamp
  if [ ! -x "$PY" ]; then
    local base
    base="$(command -v python3.11 || command -v python3)" || { echo "scripts: python3 (3.11) is needed" >&2; exit 1; }
    echo "scripts: creating $VENV with $base" >&2
    "$base" -m venv "$VENV"
  fi
  # Reinstall only when the requirements changed since the last install.
  stamp="$VENV/.installed-$(basename "$req")"
  local want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/$req" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "scripts: installing $req" >&2
    "$PY" -m pip install --disable-pip-version-check -q -r "$ROOT/$req" </dev/null
    echo "$want" > "$stamp"
  fi
}

# Install the Debian packages listed in a file (one per line, # comments)
# that are missing, when we are root and apt-get exists; otherwise say
# which are missing and go on (the tests that need them skip).
ensure_debian_packages() {
  local list="$ROOT/$1" missing=() pkg
  [ -f "$list" ] || return 0
  command -v dpkg-query >/dev/null 2>&1 || return 0
  while read -r pkg; do
    pkg="${pkg%%#*}"; pkg="${pkg// /}"
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done < "$list"
  [ "${#missing[@]}" -gt 0 ] || return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts: installing Debian packages: ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
  else
    echo "scripts: not installed (the tests that need them will skip): ${missing[*]}" >&2
  fi
}
