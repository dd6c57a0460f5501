"""Parameter recovery: targets simulated from known parameters are recovered by a tiny ABC-SMC.

The fitted statistics (share of work sites innovating in two years, share of staff perceiving an
experimentation culture) identify `idea_rate` and `culture_threshold`; a third parameter the targets
do not identify (`slack_per_horizon_year`: it acts only with budget horizons over a year, and the
baseline has one) must stay close to its prior. Deterministic: fixed root seeds. About 30-60 s on
two cores.
"""

from __future__ import annotations

import tomllib

from trustsim.calibrate.calibration import (
    SimSetup,
    identifiability_table,
    load_calibration,
    posterior_frame,
    run_calibration,
    simulate,
)
from trustsim.model.scenarios import load_scenario

from .conftest import tiny_config

TRUTH = {"idea_rate": 1.0, "culture_threshold": 0.5, "slack_per_horizon_year": 0.05}
# Work sites of the public sector's size (about 3 teams): since 0.3 the state's sites have their
# real size (about 101 staff, 8 teams) and nearly all of them innovate within two years, which
# leaves the share too little room to inform idea_rate (width ratio 0.84 at the state's size) —
# the population question of issue 24, not the fit's machinery, which this test is about.
SITES = {"state_site_staff": 38}
SD = {"workplaces_innovating_2y": 0.03, "experimentation_culture": 0.02}
PRIORS = """idea_rate = { low = 0.2, high = 4.0, source = "test: recovery" }
culture_threshold = { low = 0.2, high = 0.9, source = "test: recovery" }
slack_per_horizon_year = { source = "test: recovery (not identified at a 1-year horizon)" }
"""


def synthetic_targets(tmp_path) -> None:
    """Simulate the fitted statistics at TRUTH, with the tiny config's settings (conftest) and
    another root seed than the calibration's."""
    params = {**load_scenario("baseline-control").params, "spinup_years": 2, **SITES}
    setup = SimSetup("state", 0.01, 1, 1, 999, params, tuple(SD))
    stats = simulate(setup, TRUTH)
    lines = []
    for stat, sd in SD.items():
        lines.append(f"""[[target]]
name = "synthetic_{stat}"
statistic = "{stat}"
value = {stats[stat]!r}
sd = {sd}
use = "fit"
year = 2024
source = "simulated at {TRUTH}"
uncertainty = "chosen for the test (about the model's seed-to-seed sd at this scale)"
""")
    (tmp_path / "synthetic.toml").write_text("\n".join(lines), encoding="utf-8")


def test_known_parameters_are_recovered(tmp_path, write_config):
    targets = tmp_path / "synthetic.toml"
    synthetic_targets(tmp_path)
    path = write_config(
        tiny_config(targets, population=40, generations=4, root_seed=3, priors=PRIORS,
                    extra="[fixed]\nstate_site_staff = 38\n")
    )
    assert tomllib.loads(targets.read_text())["target"]
    cal = load_calibration(path)
    result = run_calibration(cal, tmp_path / "out", workers=2)
    assert len(result.generations) == 4
    import pyabc

    history = pyabc.History(f"sqlite:///{tmp_path / 'out' / 'history.db'}")
    post = posterior_frame(history, cal)
    ident = identifiability_table(post, cal).set_index("parameter")
    for name in ("idea_rate", "culture_threshold"):
        row = ident.loc[name]
        assert row.post_q05 <= TRUTH[name] <= row.post_q95, (name, row.to_dict())
        assert row.width_ratio < 0.8, (name, row.to_dict())  # the targets do inform it
    assert ident.loc["slack_per_horizon_year"].width_ratio > 0.6  # and say little about this one
