"""Regenerate the generated tables of docs/ODD.md: the parameter table and the calibration table.

    .venv/bin/python scripts/update_odd.py [docs/ODD.md]

The parameter table comes from `trustsim.model.params`, the calibration table from
`trustsim.calibrate.calibration` (the shipped posterior); this tool stands above both, so that the
model's parameters never import the calibration. `tests/test_odd.py` and
`tests/calibration/test_shipped.py` fail when docs/ODD.md and the code drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

from trustsim.calibrate.calibration import odd_with_calibration_table
from trustsim.model.params import odd_with_table

DEFAULT = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    text = odd_with_calibration_table(odd_with_table(path.read_text(encoding="utf-8")))
    path.write_text(text, encoding="utf-8")
    print(f"updated the parameter and calibration tables in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
