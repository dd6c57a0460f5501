#!/usr/bin/env bash
# Write requirements.lock: the exact versions of every package in .venv (all extras), which
# scripts/setup.sh installs first, so that a fresh machine next year gets the same packages.
# Run after changing dependencies in pyproject.toml:  bash scripts/setup.sh && bash scripts/lock.sh
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# Exact versions of every package trustsim's .venv holds (all extras: dev, app, dask,"
  echo "# calibrate, discover, print). Installed first by scripts/setup.sh; regenerate with scripts/lock.sh."
  echo "# Python $(.venv/bin/python -c 'import platform; print(platform.python_version())')"
  .venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check 2>/dev/null \
    | grep -v -i '^trustsim[= @]' | LC_ALL=C sort -f
} > requirements.lock.tmp
mv requirements.lock.tmp requirements.lock
echo "wrote requirements.lock ($(grep -c '==' requirements.lock) packages)"
