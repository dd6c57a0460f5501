"""Re-run the shipped calibration and check it reproduces the shipped posterior (issue 8).

    python scripts/reproduce_calibration.py [--workers N] [--keep DIR]

Runs `trustsim calibrate config` into a temporary folder (or DIR), prints how long it took, and
compares its `posterior.parquet` with `calibration/posterior.parquet`: the same particles (every
calibrated parameter), weights and distances, to 1e-12. Exit 0 if they agree, 1 if not (naming
the first difference), 2 if the calibration itself failed. CI runs it (scripts/test.sh), so a
change to the model or the calibration that moves the posterior fails until the shipped posterior
is regenerated (see docs/calibration.md, "Regenerating the shipped posterior").
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "calibration" / "posterior.parquet"


def differences(new: pd.DataFrame, old: pd.DataFrame) -> list[str]:
    """What differs between two posterior frames (empty if they agree)."""
    if list(new.columns) != list(old.columns):
        return [f"columns differ: {list(new.columns)} vs {list(old.columns)}"]
    if len(new) != len(old):
        return [f"{len(new)} particles vs {len(old)}"]
    out = []
    for col in new.columns:
        a, b = new[col].to_numpy(float), old[col].to_numpy(float)
        if not np.allclose(a, b, rtol=0.0, atol=1e-12, equal_nan=True):
            i = int(np.argmax(~np.isclose(a, b, rtol=0.0, atol=1e-12, equal_nan=True)))
            out.append(f"column {col!r} differs first at particle {i}: {a[i]!r} vs {b[i]!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="local worker processes")
    parser.add_argument("--keep", type=Path, default=None, help="run into this folder and keep it")
    args = parser.parse_args(argv)
    if not SHIPPED.is_file():
        print(f"reproduce_calibration: no shipped posterior at {SHIPPED}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="trustsim-calibration-") as tmp:
        out = args.keep or Path(tmp) / "run"
        exe = Path(sys.executable).parent / "trustsim"  # the console script beside this Python
        cmd = [str(exe), "calibrate", "config", "--out", str(out)]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        start = time.perf_counter()
        code = subprocess.run(cmd, cwd=ROOT).returncode
        minutes = (time.perf_counter() - start) / 60
        if code != 0:
            print(f"reproduce_calibration: `trustsim calibrate config` exited {code}",
                  file=sys.stderr)
            return 2
        diff = differences(pd.read_parquet(out / "posterior.parquet"), pd.read_parquet(SHIPPED))
    if diff:
        print(f"reproduce_calibration: the posterior differs from {SHIPPED} "
              f"({minutes:.1f} min):", file=sys.stderr)
        for line in diff:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"reproduce_calibration: calibration/posterior.parquet reproduced in {minutes:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
