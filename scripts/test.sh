#!/usr/bin/env bash
# The README's test command: install everything (Python 3.12 venv, packages, Debian chromium) and
# run the whole test suite (about 10 minutes of tests on 2 cores; with a fresh install under 15).
# It includes the import contracts (lint-imports) and the documentation site (mkdocs --strict).
# The longer reproductions run after it from .ci/run (see docs/development.md for their times):
# the pattern suite at another seed offset, the short mutation score, the reproductions marked
# `slow`, and the shipped calibration re-run from scratch.
# Usage: bash scripts/test.sh [PYTEST ARGS ...]   (arguments replace the default selection)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
exec .venv/bin/python -m pytest -q "$@"
