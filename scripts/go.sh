#!/usr/bin/env bash
# Install everything and run the main job: the `headline` experiment (every policy scenario,
# 100 replications over the calibration posterior, state world at 1:10, 10 years), its report,
# and the comparison table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/trustsim sweep headline "$@"
