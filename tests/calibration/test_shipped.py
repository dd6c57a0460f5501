"""The shipped calibration (issues 8, 24): its posterior is usable, its summary files agree with
it, docs/ODD.md shows it. (That a fresh `trustsim calibrate config` reproduces it is checked by
`trustsim bench --calibration`, which CI runs after the test suite; its first design points are
reproduced in test_history_matching.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.calibrate.calibration import (
    CALIBRATION_DIR,
    IDENTIFIABILITY,
    compare_posteriors,
    identifiability_table,
    load_calibration,
    odd_with_calibration_table,
)
from trustsim.sweep.experiment import load_experiment
from trustsim.sweep.posterior import load_posterior

ROOT = Path(__file__).resolve().parents[2]
POSTERIOR = CALIBRATION_DIR / "posterior.parquet"


@pytest.fixture(scope="module")
def shipped():
    cal = load_calibration("config")
    post = pd.read_parquet(POSTERIOR)
    ident = pd.read_csv(CALIBRATION_DIR / IDENTIFIABILITY, keep_default_na=False)
    return cal, post, ident


def test_the_shipped_posterior_holds_every_calibrated_parameter(shipped):
    cal, post, _ = shipped
    posterior = load_posterior(POSTERIOR)
    assert set(posterior.parameters) == {p.name for p in cal.priors}
    assert post["weight"].sum() == pytest.approx(1.0)
    assert len(post) == cal.hm.proposals
    assert posterior.effective_size >= 500  # issue 24: a real sample
    for p in cal.priors:
        assert p.low <= post[p.name].min() and post[p.name].max() <= p.high


def test_the_identifiability_file_is_the_posteriors(shipped):
    cal, post, ident = shipped
    fresh = identifiability_table(post, cal)
    cols = ["prior_low", "prior_high", "post_median", "post_q05", "post_q95", "width_ratio"]
    assert list(ident["parameter"]) == list(fresh["parameter"])
    np.testing.assert_allclose(ident[cols].to_numpy(float), fresh[cols].to_numpy(float),
                               rtol=1e-9, atol=1e-12)
    assert list(ident["verdict"]) == list(fresh["verdict"])


def test_odd_shows_the_shipped_calibration():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert odd_with_calibration_table(text) == text, \
        "run: python scripts/update_odd.py docs/ODD.md"


def test_the_headline_runs_over_the_shipped_posterior():
    exp = load_experiment("headline")
    assert exp.posterior is not None
    assert exp.posterior.sha256 == load_posterior(POSTERIOR).sha256


def test_compare_posteriors_names_the_first_difference(shipped):
    _, post, _ = shipped
    assert compare_posteriors(post, post.copy()) == []
    changed = post.copy()
    changed.loc[3, "peer_threshold"] += 1e-9
    diff = compare_posteriors(changed, post)
    assert len(diff) == 1 and "'peer_threshold'" in diff[0] and "particle 3" in diff[0]
    assert "particles" in compare_posteriors(post.iloc[:-1], post)[0]
