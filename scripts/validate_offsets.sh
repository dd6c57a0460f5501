#!/usr/bin/env bash
# Run the verification and pattern suites at several seed offsets and print a pass/fail table
# (one row per test, one column per offset). No statistical test may hinge on its seeds: every
# test must pass at every offset. Exit status 1 if any test fails at any offset.
# Usage: bash scripts/validate_offsets.sh [OFFSET ...]     (default: 0 1000 2000 3000 5000)
set -uo pipefail
cd "$(dirname "$0")/.."
offsets=("$@")
[ ${#offsets[@]} -eq 0 ] && offsets=(0 1000 2000 3000 5000)
logs=$(mktemp -d)
status=0
for off in "${offsets[@]}"; do
  start=$(date +%s)
  TRUSTSIM_SEED_OFFSET="$off" .venv/bin/python -m pytest -q -rA -p no:cacheprovider \
    tests/verification tests/patterns > "$logs/$off.log" 2>&1 || status=1
  echo "offset $off: $(tail -n 1 "$logs/$off.log") [$(( $(date +%s) - start )) s wall]" >&2
done
.venv/bin/python - "$logs" "${offsets[@]}" <<'PY'
import re, sys
from pathlib import Path

logs, offsets = Path(sys.argv[1]), sys.argv[2:]
result = {}
for off in offsets:
    for line in (logs / f"{off}.log").read_text().splitlines():
        m = re.match(r"^(PASSED|FAILED|ERROR) (\S+)", line)
        if m:
            result.setdefault(m.group(2), {})[off] = "pass" if m.group(1) == "PASSED" else m.group(1)
width = max([len(t) for t in result] + [4])
print(f"| {'test':{width}} | " + " | ".join(f"{o:>5}" for o in offsets) + " |")
print(f"|{'-' * (width + 2)}|" + "|".join("-" * 7 for _ in offsets) + "|")
for test in sorted(result):
    print(f"| {test:{width}} | " + " | ".join(f"{result[test].get(o, '-'):>5}" for o in offsets) + " |")
failed = sorted(t for t, r in result.items() if any(v != "pass" for v in r.values()))
print(f"\n{len(result)} tests x {len(offsets)} offsets; "
      + (f"failing somewhere: {', '.join(failed)}" if failed else "all pass at every offset"))
PY
echo "logs: $logs" >&2
exit $status
