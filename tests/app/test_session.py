"""The per-session run holder behind the page (`trustsim.app.session`), without Solara."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import trustsim
from trustsim.app.session import (
    DEFAULT_WORLD,
    LEVERS,
    MAX_QUARTERS,
    SCALES,
    ExerciseProgress,
    Setup,
    Workshop,
    csv_filename,
    exercise_setup,
    load_scenarios,
    network_snapshot,
)
from trustsim.model.params import SPECS, ParameterError
from trustsim.model.scenarios import ScenarioError

SMALL = {"world": "state", "scale": 0.01}  # 2 800 staff: fast, and the agency network view


def test_levers_are_real_parameters_with_ranges_from_params():
    for lever in LEVERS:
        spec = SPECS[lever.name]
        assert (lever.low, lever.high, lever.kind) == (spec.low, spec.high, spec.kind)
        if lever.kind is not bool:
            assert 0 < lever.step <= spec.high - spec.low
    main = [lever.name for lever in LEVERS if lever.main]
    assert main == [
        "steering_detail",
        "reporting_demands",
        "budget_horizon_years",
        "agv_alignment",
        "esv_alignment",
        "digg_alignment",
        "rum",
        "experimentation_funding_msek",
        "method_support",
    ]


def test_run_a_is_exactly_the_library_run():
    """The page shows the library's model, not a copy of it: same seed, same numbers."""
    ws = Workshop(Setup(scenario="rum", seed=7, **SMALL))
    ws.step(8)
    expected = trustsim.run("rum", seed=7, years=2, **SMALL)
    got = ws.frames()["A"]
    pd.testing.assert_frame_equal(got, expected[got.columns], check_exact=True)


def test_two_workshops_do_not_share_a_model():
    one, two = Workshop(Setup(**SMALL)), Workshop(Setup(**SMALL))
    one.step(3)
    assert (one.quarter, two.quarter) == (3, 0)
    assert one.models["A"] is not two.models["A"]


def test_comparison_runs_b_with_the_same_world_and_seed():
    ws = Workshop(
        Setup(scenario="baseline-control", compare="integrated-esv-digg", seed=3, **SMALL)
    )
    ws.step(4)
    frames = ws.frames()
    assert set(frames) == {"A", "B"} and len(frames["A"]) == len(frames["B"]) == 5
    b = trustsim.run("integrated-esv-digg", seed=3, years=1, **SMALL)
    pd.testing.assert_frame_equal(frames["B"], b[frames["B"].columns], check_exact=True)
    assert not frames["A"].equals(frames["B"])


def test_moving_a_lever_replays_history_with_the_new_value():
    ws = Workshop(Setup(**SMALL))
    ws.step(6)
    ws.change(ws.setup.with_lever("steering_detail", 0.1))
    assert ws.quarter == 6
    assert ws.models["A"].p.steering_detail == 0.1
    fresh = trustsim.run("baseline-control", years=2, overrides={"steering_detail": 0.1}, **SMALL)
    pd.testing.assert_frame_equal(ws.frames()["A"], fresh.iloc[:7][ws.frames()["A"].columns])


def test_lever_back_to_the_scenario_value_is_no_change():
    setup = Setup(**SMALL).with_lever("budget_horizon_years", 3.0)
    assert setup.levers == (("budget_horizon_years", 3.0),)
    assert setup.with_lever("budget_horizon_years", 1.0).levers == ()


def test_scenario_change_loads_its_parameters_and_clears_levers():
    setup = Setup(**SMALL).with_lever("rum", True).with_scenario("multi-year-budget")
    assert setup.levers == ()
    assert setup.lever_values().budget_horizon_years == 3.0
    assert setup.lever_values().rum is False


def test_scandal_ratchets_steering_and_replays_identically():
    ws = Workshop(Setup(scenario="integrated-esv-digg", compare="integrated-esv-digg", **SMALL))
    ws.step(8)
    ws.scandal()
    ws.step(4)
    frames = ws.frames()
    a, b = frames["A"]["steering_detail"], frames["B"]["steering_detail"]
    assert (a.iloc[:9] == b.iloc[:9]).all()  # identical until the scandal is felt
    assert a.iloc[9] > b.iloc[9]  # control tightens at once in the run that was hit
    assert ws.scandal_quarters() == {"A": [9], "B": []}
    # a lever change replays the pressed scandal at the same quarter
    before = frames["A"].copy()
    ws.change(ws.setup.with_lever("steering_detail", 0.6))  # the scenario's own value: no change
    pd.testing.assert_frame_equal(ws.frames()["A"], before)


def test_reset_starts_over_and_forgets_scandals():
    ws = Workshop(Setup(**SMALL))
    ws.step(2)
    ws.scandal()
    ws.reset()
    assert ws.quarter == 0 and ws.scandals == ()


def test_play_stops_at_the_last_quarter():
    ws = Workshop(Setup(world="teaching"))
    assert ws.step(MAX_QUARTERS + 5) == MAX_QUARTERS
    assert ws.at_end() and ws.step(1) == 0


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"world": "mars"}, "world 'mars' is unknown"),
        ({"scale": 0.5}, "scale 0.5 is not offered"),
        ({"seed": -1}, "seed -1 is not allowed"),
        ({"scenario": "no-such-scenario"}, "scenario file not found"),
        ({"compare": "no-such-scenario"}, "scenario file not found"),
    ],
)
def test_bad_setup_is_refused_with_a_clear_message_and_nothing_changes(change, needle):
    ws = Workshop(Setup(**SMALL))
    ws.step(2)
    before = ws.models["A"]
    bad = Setup(**{**SMALL, **change})
    with pytest.raises((ParameterError, ScenarioError), match=needle):
        ws.change(bad)
    assert ws.models["A"] is before and ws.quarter == 2


def test_bad_lever_value_names_the_parameter():
    with pytest.raises(ParameterError, match="steering_detail"):
        Setup(**SMALL).with_lever("steering_detail", 1.5)
    with pytest.raises(ParameterError, match="not a lever"):
        Setup(**SMALL).with_lever("turnover", 0.1)


def test_csv_export_has_one_row_per_run_and_quarter():
    ws = Workshop(Setup(scenario="rum", compare="baseline-control", seed=5, **SMALL))
    ws.step(4)
    ws.scandal()
    ws.step(1)
    df = pd.read_csv(io.StringIO(ws.to_csv()))
    assert len(df) == 2 * 6
    assert list(df.columns[:7]) == ["run", "scenario", "world", "scale", "seed", "quarter", "year"]
    assert set(trustsim.OUTPUTS) <= set(df.columns)
    assert df.groupby("run")["scenario"].first().to_dict() == {"A": "rum", "B": "baseline-control"}
    assert df.loc[df["run"] == "A", "scandal_pressed"].tolist() == [0, 0, 0, 0, 0, 1]
    assert (df["year"] == df["quarter"] / 4).all()
    assert (
        csv_filename(ws.setup, ws.quarter) == "trustsim_rum_vs_baseline-control_state_seed5_q5.csv"
    )


def test_network_view_shows_managers_in_small_worlds_and_agencies_otherwise():
    small = network_snapshot(Workshop(Setup(world="teaching")).models["A"])
    assert small.kind == "managers"
    big_model = Workshop(Setup(**SMALL)).models["A"]
    big = network_snapshot(big_model)
    assert big.kind == "agencies" and len(big.orientation) == big_model.n_agencies
    for snap in (small, big):
        assert ((snap.orientation >= 0) & (snap.orientation <= 1)).all()
        assert snap.edges.min() >= 0 and snap.edges.max() < len(snap.orientation)


def test_network_layout_is_cached_per_graph():
    ws = Workshop(Setup(**SMALL))
    _, first = ws.networks()
    ws.step(1)
    _, again = ws.networks()
    assert again is first
    assert first.shape == (ws.models["A"].n_agencies, 2) and np.isfinite(first).all()


def test_steps_from_another_thread_are_safe():
    """Play steps from a worker thread while the page reads the frames."""
    ws = Workshop(Setup(world="teaching"))
    worker = threading.Thread(target=ws.step, args=(40,))
    worker.start()
    while worker.is_alive():
        frames = ws.frames()
        assert len(frames["A"]) == len(frames["A"].dropna())
    worker.join()
    assert ws.quarter == 40


def test_default_world_steps_in_well_under_100_ms():
    ws = Workshop(Setup(scenario="full-chain", compare="baseline-control"))
    assert ws.setup.world == DEFAULT_WORLD and ws.setup.scale in SCALES
    times = []
    for _ in range(12):
        started = time.perf_counter()
        ws.step(1)
        times.append(time.perf_counter() - started)
    # both runs stepped; the budget is for a whole Play frame's model work on a busy machine
    assert sorted(times)[len(times) // 2] < 0.1


def test_scenarios_load_and_baseline_comes_first():
    scenarios, problems = load_scenarios()
    assert problems == []
    assert scenarios[0].name == "baseline-control"
    assert {"full-chain", "scandal-shock"} <= {sc.name for sc in scenarios}


# ---------------------------------------------------------------------------- issue 9 additions
def test_same_scenario_is_identical_until_a_scandal_is_pressed():
    ws = Workshop(Setup(scenario="rum", compare="rum", **SMALL))
    assert ws.identical() and not ws.split_by_scandal()
    ws.step(2)
    ws.scandal()
    assert not ws.identical() and ws.split_by_scandal()
    ws.change(ws.setup.with_lever("steering_detail", 0.2))
    assert not ws.identical() and not ws.split_by_scandal()  # a lever differs now


def test_a_lever_change_keeps_the_earlier_run_a_as_a_ghost():
    ws = Workshop(Setup(compare="rum", **SMALL))
    ws.step(4)
    before = ws.frames()["A"]
    ws.change(replace(ws.setup, compare=""))  # run B only: run A is not re-run, no ghost
    assert ws.ghosts == ()
    ws.change(ws.setup.with_lever("steering_detail", 0.2))
    assert len(ws.ghosts) == 1
    pd.testing.assert_frame_equal(ws.ghosts[0], before)
    for value in (0.3, 0.4, 0.5, 0.1):
        ws.change(ws.setup.with_lever("steering_detail", value))
    assert len(ws.ghosts) == 3  # the newest three
    ws.reset()
    assert ws.ghosts == ()


def test_band_runs_several_seeds_alongside_and_contains_the_shown_run():
    ws = Workshop(Setup(compare="rum", seed=3, **SMALL))
    ws.step(2)
    ws.scandal()
    ws.set_band(True)
    ws.step(3)
    bands = ws.bands()
    assert set(bands) == {"A", "B"}
    frames = ws.frames()
    for run, band in bands.items():
        assert band.seeds == 5 and len(band.mean) == len(frames[run]) == 6
        assert (band.low.to_numpy() <= frames[run].to_numpy() + 1e-12).all()
        assert (band.high.to_numpy() >= frames[run].to_numpy() - 1e-12).all()
        assert (band.high - band.low).to_numpy().max() > 0  # the seeds differ
    # each extra seed is the library's own run of that seed, scandal included
    other = Workshop(Setup(compare="rum", seed=4, **SMALL))
    other.step(2)
    other.scandal()
    other.step(3)
    pd.testing.assert_frame_equal(ws.band_models[0]["A"].outputs(), other.frames()["A"])
    ws.set_band(False)
    assert ws.bands() == {} and ws.band_models == []


def test_csv_for_swedish_excel_has_semicolons_decimal_commas_and_a_bom():
    ws = Workshop(Setup(**SMALL))
    ws.step(2)
    raw = ws.to_csv(excel_sv=True)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("run;scenario;world;scale;seed;quarter;year")
    assert "0,01" in text.splitlines()[1]  # the scale, with a decimal comma
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, pd.read_csv(io.StringIO(ws.to_csv())))
    assert csv_filename(ws.setup, 2, excel_sv=True).endswith("_q2_excel-sv.csv")


def test_exercise_setup_runs_what_the_exercise_key_runs():
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = next(e for e in exercises.list_exercises() if e.scandal_quarter is not None)
    ws = Workshop(exercise_setup(ex))
    ws.step(4 * 4)
    a, b = exercises.exercise_runs(ex, [ex.seed], workers=1)[0]
    cols = list(trustsim.OUTPUTS)
    np.testing.assert_array_equal(ws.frames()["A"][cols].to_numpy(), a[: 4 * 4 + 1])
    np.testing.assert_array_equal(ws.frames()["B"][cols].to_numpy(), b[: 4 * 4 + 1])


def test_exercise_progress_needs_a_prediction_and_a_run_before_going_on():
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise("first-contact")
    progress = ExerciseProgress.start(ex)
    kinds = [s.kind for s in ex.steps]
    predict = kinds.index("predict")
    run = kinds.index("run")
    progress.step = predict
    assert not progress.can_advance(0)
    progress.go(1, 0)
    assert progress.step == predict  # refused: no prediction yet
    with pytest.raises(ParameterError, match="empty"):
        progress.answer(ex.steps[predict].question, "  ")
    progress.answer(ex.steps[predict].question, "0")
    progress.go(1, 0)
    progress.step = run
    target = progress.target_quarter()
    assert target == 4 * ex.steps[run].play_to_year
    assert not progress.can_advance(target - 1) and progress.can_advance(target)
    assert [q.ident for q in progress.predictions()] == [ex.steps[predict].question.ident]


def test_exercise_answers_are_checked_by_the_key_and_handed_in():
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise("first-contact")
    progress = ExerciseProgress.start(ex)
    if progress.key is None:
        pytest.skip(f"no answer key yet: {progress.key_problem}")
    numeric = next(s.question for s in ex.steps if s.question and s.question.kind == "numeric")
    key = progress.key[numeric.ident]
    inside = f"{(key.low + key.high) / 2:.4f}".replace(".", ",")
    assert progress.answer(numeric, inside) is True
    assert progress.answer(numeric, str(key.high + 1.0)) is False
    choice = next(s.question for s in ex.steps if s.question and s.question.kind == "choice")
    progress.answer(choice, str(progress.key[choice.ident].correct))
    rows = progress.handin_rows("sv")
    assert [r["question"] for r in rows] == [
        s.question.ident for s in ex.steps if s.question is not None
    ]
    csv = progress.handin_csv("sv", "Åsa Öberg").decode("utf-8-sig")
    assert csv.splitlines()[0] == "name;exercise;step;kind;question;text;answer;correct"
    assert "Åsa Öberg;first-contact" in csv
    labels = {"name": "Namn", "yes": "rätt", "no": "fel"}
    md = progress.handin_markdown("sv", "Åsa", labels)
    assert md.startswith(f"# {ex.title['sv']}") and "**Namn:** Åsa" in md and "*fel*" in md


def test_a_scandal_pressed_just_before_a_lever_change_is_not_lost():
    ws = Workshop(Setup(**SMALL))
    ws.step(2)
    ws.scandal()  # pressed at quarter 2, felt in quarter 3
    ws.change(ws.setup.with_lever("method_support", 0.5))
    ws.step(1)
    again = Workshop(Setup(**SMALL).with_lever("method_support", 0.5))
    again.step(2)
    again.scandal()
    again.step(1)
    pd.testing.assert_frame_equal(ws.frames()["A"], again.frames()["A"])
