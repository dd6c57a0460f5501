"""Designs, seeds (common random numbers) and run ids."""

from __future__ import annotations

import numpy as np
import pytest

from trustsim.sweep import build_design, load_experiment, replication_seeds
from trustsim.sweep.runs import plan_runs

from .helpers import write_experiment


def test_grid_is_the_product_in_file_order(tmp_path):
    exp = load_experiment(write_experiment(
        tmp_path, levers={"rum": [False, True]},
        uncertainties={"peer_influence": [0.1, 0.2, 0.3]}))
    design = build_design(exp)
    assert design.parameters == ("budget_horizon_years", "rum", "peer_influence")
    assert design.levers == ("budget_horizon_years", "rum")
    assert len(design.points) == 2 * 2 * 3
    assert design.points[0] == {"budget_horizon_years": 1.0, "rum": False, "peer_influence": 0.1}
    assert design.points[1]["peer_influence"] == 0.2  # last factor varies fastest
    assert design.manifest()["bounds"] == [[1.0, 3.0], [0.0, 1.0], [0.1, 0.3]]
    assert design.manifest()["num_levels"] is None


def test_grid_range_is_split_into_levels(tmp_path):
    exp = load_experiment(write_experiment(
        tmp_path, uncertainties={"peer_influence": {"low": 0.0, "high": 0.4},
                                 "span_of_control": {"low": 5, "high": 6}},
        design={"kind": "grid", "levels": 3}))
    design = build_design(exp)
    values = sorted({p["peer_influence"] for p in design.points})
    assert values == pytest.approx([0.0, 0.2, 0.4])
    assert {p["span_of_control"] for p in design.points} <= {5, 6}
    assert all(isinstance(p["span_of_control"], int) for p in design.points)


def _sampled(tmp_path, kind, samples, **design):
    return load_experiment(write_experiment(
        tmp_path, levers={"budget_horizon_years": {"low": 1.0, "high": 4.0}},
        uncertainties={"peer_influence": {"low": 0.1, "high": 0.3},
                       "idea_rate": {"low": 2.0, "high": 6.0}},
        design={"kind": kind, "samples": samples, **design}))


def test_morris_design_follows_salib_order(tmp_path):
    from SALib.sample import morris

    exp = _sampled(tmp_path, "morris", 3, levels=4)
    design = build_design(exp)
    assert len(design.points) == 3 * (3 + 1)
    assert design.num_levels == 4
    expected = morris.sample(design.problem(), 3, num_levels=4, seed=exp.root_seed)
    got = np.array([[p[n] for n in design.parameters] for p in design.points])
    assert np.allclose(got, expected)
    assert design.manifest()["parameters"] == ["budget_horizon_years", "peer_influence",
                                               "idea_rate"]


@pytest.mark.parametrize("kind, samples, second, points", [
    ("lhs", 5, False, 5), ("sobol", 4, False, 4 * (3 + 2)), ("sobol", 4, True, 4 * (2 * 3 + 2)),
])
def test_sampled_designs_stay_in_bounds(tmp_path, kind, samples, second, points):
    extra = {"second_order": True} if second else {}
    exp = _sampled(tmp_path, kind, samples, **extra)
    design = build_design(exp)
    assert len(design.points) == points
    for p in design.points:
        for name, (lo, hi) in zip(design.parameters, design.bounds):
            assert lo <= p[name] <= hi
    assert build_design(exp).points == design.points  # seeded by the root seed


def test_seeds_are_spawned_from_the_root_seed():
    seeds = replication_seeds(42, 3)
    children = np.random.SeedSequence(42).spawn(3)
    assert seeds == [int(c.generate_state(1)[0]) for c in children]
    assert replication_seeds(42, 5)[:3] == seeds  # more replications keep the first seeds
    assert len(set(seeds)) == 3


def test_common_random_numbers_across_scenarios_and_points(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, replications=3))
    design = build_design(exp)
    tasks = plan_runs(exp, design)
    assert len(tasks) == 2 * 2 * 3
    by_rep = {}
    for t in tasks:
        by_rep.setdefault(t.replication, set()).add(t.seed)
    assert all(len(s) == 1 for s in by_rep.values())  # replication k: one seed everywhere
    assert len({t.run_id for t in tasks}) == len(tasks)
    assert [t.run_id for t in plan_runs(exp, design)] == [t.run_id for t in tasks]


def test_run_ids_change_with_what_defines_a_run(tmp_path):
    a = plan_runs(exp := load_experiment(write_experiment(tmp_path)), build_design(exp))
    b = plan_runs(exp2 := exp.with_overrides(years=1), build_design(exp2))
    assert not {t.run_id for t in a} & {t.run_id for t in b}
    assert exp.content_hash() != exp2.content_hash()
    assert exp.content_hash() == load_experiment(write_experiment(tmp_path)).content_hash()
