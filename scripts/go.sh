#!/usr/bin/env bash
# Install everything and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/trustsim run baseline-control --world state --scale 0.1 --years 10 "$@"
