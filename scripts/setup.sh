#!/usr/bin/env bash
# Create .venv with Python 3.12 and install trustsim with everything it needs (idempotent).
# Usage: bash scripts/setup.sh [--with-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for cand in "${TRUSTSIM_PYTHON:-}" "$HOME/.pyenv/versions/3.12.1/bin/python" \
              "$(command -v python3.12 || true)" "$(command -v python3 || true)"; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    if "$cand" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 12) else 1)' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python) || { echo "setup: no Python >= 3.12 found (tried pyenv 3.12.1, python3.12, python3); set TRUSTSIM_PYTHON=/path/to/python3.12" >&2; exit 1; }
  echo "setup: creating .venv with $PY" >&2
  "$PY" -m venv .venv
fi

stamp=.venv/.trustsim-installed
want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages (first time takes a few minutes)" >&2
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" >&2 || true
  # the exact versions of requirements.lock first (reproducible), then trustsim itself, whose
  # requirements the lock already satisfies (a dependency added since the lock is resolved anew)
  .venv/bin/python -m pip install -q -r requirements.lock 2>&1 | grep -v "^WARNING: Location" >&2 || true
  # setuptools prints a boxed note on every editable install ("Editable installation ... folders
  # with the same name as your package may take precedence"); trustsim's layout has no such folder,
  # so that one note is silenced (a warnings filter on its message only; real errors still show)
  PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install -q -e ".[dev,app,dask,calibrate,discover]" 2>&1 | grep -v "^WARNING: Location" >&2 || true
  .venv/bin/python -W ignore -c "import trustsim, mesa, solara, distributed, pyabc, ema_workbench" || { echo "setup: package install failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi

if [ "${1:-}" = "--with-browser" ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium for the browser tests" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
fi
