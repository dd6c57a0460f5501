"""`trustsim calibrate quick` end to end, as a user runs it (a real subprocess): progress lines,
the posterior, the checks, the report; a second call refuses to overwrite the history; `--resume`
of a finished calibration only rewrites the outputs. About 30-60 s on two cores."""

from __future__ import annotations

import re

import pandas as pd

from trustsim.calibrate.calibration import load_calibration

from .conftest import ROOT, trustsim


def test_quick_calibration_end_to_end(tmp_path):
    out = tmp_path / "quick"
    run = trustsim("calibrate", "quick", "--out", out, "--workers", "2", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "Warning" not in run.stderr, run.stderr
    lines = re.findall(r"^generation (\d)/2: ε = .*acceptance .*ESS .*$", run.stderr, re.MULTILINE)
    assert lines == ["1", "2"], run.stderr
    cal = load_calibration("quick")
    post = pd.read_parquet(out / "posterior.parquet")
    assert len(post) == cal.abc.population_size
    assert abs(post["weight"].sum() - 1) < 1e-9
    assert {p.name for p in cal.priors} <= set(post.columns)
    for p in cal.priors:
        assert post[p.name].between(p.low, p.high).all()
    ppc = pd.read_csv(out / "ppc.csv")
    assert list(ppc["target"]) == [t.name for t in cal.targets]  # every target, fitted and held out
    ident = pd.read_csv(out / "identifiability.csv")
    assert list(ident["parameter"]) == [p.name for p in cal.priors]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Posterior predictive check" in report and "Identifiability" in report
    for png in ("marginals.png", "pairwise.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert not list(out.glob(".*tmp*"))  # no temporary files left

    again = trustsim("calibrate", "quick", "--out", out, cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    assert "already holds a calibration history" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1

    resumed = trustsim("calibrate", "quick", "--out", out, "--resume", cwd=tmp_path)
    assert resumed.returncode == 0 and "stopped by generations" in resumed.stderr, resumed.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"), post)

    changed = tmp_path / "quick-other-seed.toml"
    changed.write_text((ROOT / "calibration" / "quick.toml").read_text(encoding="utf-8")
                       .replace("root_seed = 7", "root_seed = 8")
                       .replace('targets = "targets.toml"',
                                f'targets = "{ROOT / "calibration" / "targets.toml"}"'),
                       encoding="utf-8")
    other = trustsim("calibrate", changed, "--out", out, "--resume", cwd=tmp_path)
    assert other.returncode == 2 and "different" in other.stderr, other.stderr
