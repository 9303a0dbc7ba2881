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
