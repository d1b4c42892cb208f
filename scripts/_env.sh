# Shared by scripts/demo, scripts/test and scripts/bench: create or reuse the project's virtual
# environment and install the package into it when pyproject.toml changed. Needs no root.
# Usage: . scripts/_env.sh EXTRAS   (EXTRAS: "" or "test")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AUDIODIGEST_VENV:-$ROOT/.venv}"
extras="${1:-}"

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "audiodigest needs Python 3.11 or newer; none found on PATH (set PYTHON=...)" >&2
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  py="$(find_python)"
  echo "Creating the virtual environment in $VENV ..." >&2
  "$py" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
fi

spec="."
[ -n "$extras" ] && spec=".[$extras]"
stamp="$VENV/.audiodigest-install"
# The test environment installs with scripts/constraints-test.txt: versions the suite is known to
# pass with. Without it pip's resolver backtracks for many minutes through moto[server]'s and
# huggingface-hub's dependency ranges before finding a set (regenerate with
# `uv pip compile pyproject.toml --extra test --python-version 3.11`, minus comments).
constraints=()
[ "$extras" = "test" ] && constraints=(-c "$ROOT/scripts/constraints-test.txt")
want_hash="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/constraints-test.txt" | sha256sum | cut -c1-16)"
read -r have_hash have_extras 2>/dev/null < "$stamp" || { have_hash=""; have_extras=""; }
# Reinstall when pyproject.toml changed, or when extras are asked for that are not installed yet.
if [ "$have_hash" != "$want_hash" ] || { [ -n "$extras" ] && [ "${have_extras:-}" != "$extras" ]; }; then
  echo "Installing audiodigest${extras:+ with [$extras]} into $VENV (the first time takes a minute) ..." >&2
  (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${constraints[@]}" -e "$spec" >&2)
  echo "$want_hash $extras" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
