#!/usr/bin/env bash
# Install everything and run the main job: the `headline` experiment (every policy scenario,
# 100 replications over the calibration posterior, state world at 1:10, 10 years) and its report;
# it ends on the README's compact headline table and the report's path (`--table full` instead
# prints every output of every scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/trustsim sweep headline --table compact "$@"
