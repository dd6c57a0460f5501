"""Bad calibration input: exit 2 with one line naming the file and the key, never a traceback."""

from __future__ import annotations

import pytest

from trustsim.calibrate.calibration import WeightedDistance, load_calibration, load_targets

from .conftest import TARGETS, tiny_config


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda t: t.replace("world = ", "wrld = "), "'wrld'"),
        (lambda t: t.replace("population_size", "populaton_size"), "'populaton_size'"),
        (lambda t: t.replace("scale = 0.01", "scale = 0.001"), "scale"),
        (lambda t: t.replace("years = 1\n", "years = 0\n"), "years"),
        (lambda t: t.replace("baseline-control", "baseline-kontrol"), "scenario"),
        (lambda t: t + 'steering_detail = { source = "x" }\n', "priors.steering_detail"),
        (lambda t: t + 'span_of_control = { source = "x" }\n', "priors.span_of_control"),
        (
            lambda t: t + 'voice_floor = { low = 0.5, high = 2.0, source = "x" }\n',
            "priors.voice_floor.high",
        ),
        (lambda t: t + "peer_threshold = { low = 0.1 }\n", "'source'"),
        (lambda t: t + 'no_such_parameter = { source = "x" }\n', "priors.no_such_parameter"),
        (lambda t: t.replace("[abc]", "[fixed]\ncrowding_out = 3\n[abc]"), "fixed.crowding_out"),
        (lambda t: t.replace('targets = "', 'targets = "missing-'), "targets"),
        (lambda t: t.replace("[priors]", "[priors"), "not valid TOML"),
        (lambda t: t.replace("[abc]", "[abc]\nmin_ess = 5000"), "abc.min_ess"),
    ],
)
def test_bad_config_exits_2_naming_the_key(cli, write_config, change, named):
    path = write_config(change(tiny_config()))
    code, _, err = cli("calibrate", path, "--out", path.parent / "out")
    assert code == 2, err
    assert named in err and str(path.name) in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not (path.parent / "out").exists()  # nothing half-made


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda t: t.replace("sd = 0.05\n", "", 1), "needs 'sd'"),
        (
            lambda t: t.replace(
                'statistic = "workplaces_innovating_2y"', 'statistic = "workplaces_inovating_2y"', 1
            ),
            "did you mean 'workplaces_innovating_2y'",
        ),
        (lambda t: t.replace('\nuse = "fit"', '\nuse = "fitted"', 1), ".use = 'fitted'"),
        (lambda t: t.replace('use = "fit"', 'use = "holdout"'), 'no target has use = "fit"'),
    ],
)
def test_bad_targets_file_exits_2_naming_the_target(cli, write_config, tmp_path, edit, named):
    targets = tmp_path / "targets.toml"
    targets.write_text(edit(TARGETS.read_text(encoding="utf-8")), encoding="utf-8")
    path = write_config(tiny_config(targets))
    code, _, err = cli("calibrate", path, "--out", tmp_path / "out")
    assert code == 2 and named in err and "targets.toml" in err, err


def test_unknown_config_name_suggests_the_shipped_ones(cli):
    code, _, err = cli("calibrate", "quik")
    assert code == 2 and "did you mean 'quick'" in err, err


def test_shipped_configs_load_and_name_the_required_priors():
    cal = load_calibration("config")
    names = {p.name for p in cal.priors}
    required = {
        "peer_threshold",
        "support_effect",
        "culture_steepness",
        "crowding_out",
        "voice_floor",
        "approval_floor",
        "slack_per_horizon_year",
        "idea_rate",
    }
    assert required <= names
    assert load_calibration("quick").abc.population_size <= 20
    targets = load_targets(TARGETS)
    assert len(targets) >= 6
    assert {t.use for t in targets} == {"fit", "holdout"}
    # at least three independent sources (SKL/Vinnova, COI, Danmarks Statistik, KS)
    sources = {t.source.split(" ")[0].rstrip(",") for t in targets}
    assert len(sources) >= 3, sources


def test_distance_is_in_sd_units_over_fitted_targets_only():
    targets = load_targets(TARGETS)
    d = WeightedDistance(targets)
    x = {t.statistic: t.value for t in targets if t.use == "fit"}
    assert d(x) == 0.0
    x["workplaces_innovating_2y"] += 0.05  # one sd of the fitted SKL target
    x["adopted_share"] = 0.0  # held out: no effect
    assert d(x) == pytest.approx(1.0)


def test_a_generation_whose_ess_falls_below_min_ess_ends_the_calibration():
    from dataclasses import replace

    from trustsim.calibrate.calibration import AbcSettings, Generation, stop_reason

    cal = load_calibration("quick")
    cal = replace(cal, abc=replace(AbcSettings(200, 8), min_ess=20.0, generations=8, min_epsilon=0.0,
                                   min_acceptance_rate=0.0))
    gens = [Generation(0, float("inf"), 200, 201, 200.0, 1.0),
            Generation(1, 8.0, 200, 400, 40.0, 1.0)]
    assert stop_reason(cal, gens) is None
    gens.append(Generation(2, 6.0, 200, 600, 19.5, 1.0))
    assert stop_reason(cal, gens) == "effective sample size"
