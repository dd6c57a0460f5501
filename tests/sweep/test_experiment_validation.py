"""Bad experiment files are refused before anything runs: exit 2, one line naming the file and key.

Each case: the CLI exits 2, stderr names the file, the key and what is allowed, there is no
traceback, and no results folder is created.
"""

from __future__ import annotations

import math
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustsim.sweep import ExperimentError, load_experiment

from .helpers import dump_toml, small_experiment, write_experiment


def refused(cli, path, tmp_path, *expected: str) -> str:
    out = tmp_path / "out"
    code, stdout, stderr = cli("sweep", path, "--out", out, "--quiet", "--no-report")
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr
    assert str(path) in stderr
    for text in expected:
        assert text in stderr, (text, stderr)
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists()
    return stderr


def test_valid_small_experiment_loads(tmp_path):
    exp = load_experiment(write_experiment(tmp_path))
    assert [s.name for s in exp.scenarios] == ["baseline-control", "integrated-esv-digg"]
    assert [f.name for f in exp.levers] == ["budget_horizon_years"]


def test_toml_syntax_error_names_line(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('title = "x"\nyears = 10\nscale = = 0.1\n')
    refused(cli, path, tmp_path, "TOML syntax error", "line 3")


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"replicatons": 3}, ["'replicatons'", "did you mean 'replications'"]),
        ({"design": {"kind": "grid", "level": 3}}, ["design.level", "did you mean 'levels'"]),
        ({"uncertainties": {"peer_influense": {"low": 0.1, "high": 0.3}}},
         ["uncertainties.peer_influense", "did you mean 'peer_influence'"]),
        ({"levers": {"scenarios": ["baseline-contrl"]}},
         ["levers.scenarios[0]", "did you mean 'baseline-control'"]),
        ({"uncertainties": {"peer_influence": {"low": 0.1, "hi": 0.3}}},
         ["uncertainties.peer_influence.hi", "did you mean 'high'"]),
        ({"design": {"kind": "morri", "samples": 2}}, ["design.kind", "did you mean 'morris'"]),
        ({"world": "stat"}, ["'world'", "did you mean 'state'"]),
    ],
    ids=["top", "design", "parameter", "scenario", "range-key", "design-kind", "world"],
)
def test_unknown_key_suggests_closest(cli, tmp_path, changes, expected):
    refused(cli, write_experiment(tmp_path, **changes), tmp_path, *expected)


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"years": "ten"}, ["'years'", "integer in [1, 100]"]),
        ({"scale": "0.1"}, ["'scale'", "allowed is a number in"]),
        ({"replications": 2.5}, ["'replications'", "integer"]),
        ({"root_seed": None}, ["'root_seed' is missing"]),
        ({"title": 3}, ["'title' must be a string"]),
        ({"levers": {"scenarios": "baseline-control"}}, ["levers.scenarios", "list"]),
        ({"levers": {"scenarios": [1]}}, ["levers.scenarios[0]", "scenario name"]),
        ({"levers": {"budget_horizon_years": "3"}},
         ["levers.budget_horizon_years", "a number in [1, 4]"]),
        ({"levers": {"rum": [0, 1]}}, ["levers.rum", "true or false"]),
        ({"design": {"kind": "grid", "second_order": "yes"}}, ["design.second_order"]),
        ({"design": 3}, ["'design' must be a table"]),
    ],
    ids=["years", "scale", "replications", "seed-missing", "title", "scenarios-str",
         "scenario-int", "lever-str", "bool-param", "second-order", "design-not-table"],
)
def test_wrong_type_is_refused(cli, tmp_path, changes, expected):
    refused(cli, write_experiment(tmp_path, **changes), tmp_path, *expected)


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"scale": 2.0}, ["'scale'", "allowed is a number in"]),
        ({"years": 0}, ["'years'", "[1, 100]"]),
        ({"replications": 0}, ["'replications'"]),
        ({"root_seed": -1}, ["'root_seed'", "[0, 4294967295]"]),
        ({"levers": {"budget_horizon_years": [1.0, 5.0]}},
         ["levers.budget_horizon_years", "5.0", "[1, 4]"]),
        ({"uncertainties": {"peer_influence": {"low": -0.1, "high": 0.5}}},
         ["uncertainties.peer_influence.low", "[0, 1]"]),
        ({"uncertainties": {"peer_influence": {"low": 0.5, "high": 0.1}}},
         ["must be below high"]),
        ({"design": {"kind": "morris", "samples": 0}}, ["design.samples"]),
        ({"design": {"kind": "morris", "samples": 2, "levels": 3}}, ["even number"]),
        ({"design": {"kind": "sobol", "samples": 100}}, ["power of two"]),
        ({"levers": {"scenarios": ["baseline-control", "baseline-control"]}}, ["twice"]),
        ({"replications": 100_000, "levers": {"budget_horizon_years": list(range(1, 5)),
                                               "scenarios": ["baseline-control", "rum",
                                                             "agv-only"]}},
         ["allowed is at most"]),
    ],
    ids=["scale", "years", "replications", "seed", "grid-value", "range-low", "low-high",
         "samples", "levels-odd", "sobol-n", "duplicate-scenario", "too-many-runs"],
)
def test_value_out_of_range_is_refused(cli, tmp_path, changes, expected):
    refused(cli, write_experiment(tmp_path, **changes), tmp_path, *expected)


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"design": {"kind": "morris", "samples": 2}}, ["is a list", "low = ..., high = ..."]),
        ({"design": {"kind": "lhs", "samples": 4},
          "levers": {"budget_horizon_years": None, "rum": {"low": 0, "high": 1}}},
         ["true/false parameter", "grid"]),
        ({"design": {"kind": "morris", "samples": 2}, "levers": {"budget_horizon_years": None},
          "uncertainties": {"span_of_control": {"low": 5, "high": 20}}},
         ["integer parameter"]),
        ({"uncertainties": {"peer_influence": {"low": 0.1, "high": 0.3}}},
         ["design.levels"]),
        ({"design": {"kind": "lhs", "samples": 4}, "levers": {"budget_horizon_years": None}},
         ["needs at least one parameter"]),
        ({"uncertainties": {"budget_horizon_years": [1.0]}}, ["also a lever"]),
        ({"design": {"kind": "grid", "samples": 4}}, ["design.samples"]),
    ],
    ids=["list-in-morris", "bool-in-lhs", "int-in-morris", "grid-range-no-levels",
         "sampled-without-ranges", "lever-and-uncertainty", "grid-samples"],
)
def test_design_rules(cli, tmp_path, changes, expected):
    refused(cli, write_experiment(tmp_path, **changes), tmp_path, *expected)


def test_extends_cycle_is_refused(cli, tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nroot_seed = 1\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    stderr = refused(cli, tmp_path / "a.toml", tmp_path, "'extends'", "cycle")
    assert "a.toml -> b.toml -> a.toml" in stderr


def test_extends_merges_tables(tmp_path):
    write_experiment(tmp_path, "parent")
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nyears = 1\n[levers]\nrum = [false, true]\n')
    exp = load_experiment(child)
    assert exp.years == 1 and exp.root_seed == 7
    assert [f.name for f in exp.levers] == ["budget_horizon_years", "rum"]


def test_missing_file_is_refused(cli, tmp_path):
    refused(cli, tmp_path / "nope.toml", tmp_path, "experiment file not found")


def test_unknown_experiment_name_suggests(cli, tmp_path):
    code, _, stderr = cli("sweep", "headlin", "--out", tmp_path / "o", "--quiet")
    assert code == 2 and "did you mean 'headline'" in stderr and "Traceback" not in stderr


def test_missing_extends_target_is_refused(cli, tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('extends = "missing.toml"\n')
    refused(cli, path, tmp_path, "'extends'", "not found")


def test_missing_scenario_path_is_refused(cli, tmp_path):
    """A scenario given as a path that does not exist names the experiment file and the key."""
    path = write_experiment(tmp_path, levers={"scenarios": ["baseline-control", "no/such.toml"]})
    refused(cli, path, tmp_path, "levers.scenarios[1]", "not found")


def test_bad_cli_override_is_refused(cli, tmp_path):
    path = write_experiment(tmp_path)
    code, _, stderr = cli("sweep", path, "--scale", "3", "--out", tmp_path / "o")
    assert code == 2 and "--scale" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "o").exists()


def test_shipped_experiments_are_valid():
    from trustsim.sweep import list_experiment_names

    names = list_experiment_names()
    assert {"headline", "budget-horizon", "tipping", "sensitivity"} <= set(names)
    for name in names:
        exp = load_experiment(name)
        assert exp.scenarios[0].name == "baseline-control"
    headline = load_experiment("headline")
    assert headline.replications >= 30 and headline.world == "state"
    assert len(headline.scenarios) >= 9
    assert load_experiment("sensitivity").design.kind == "morris"


# --- hypothesis: junk must give exit 2 and no traceback -------------------------------------

KEYS = ["title", "world", "scale", "years", "replications", "root_seed", "extends", "levers",
        "uncertainties", "design", "scenarios", "kind", "samples", "levels", "low", "high",
        "peer_influence", "rum", "budget_horizon_years", "span_of_control", "x"]
scalars = st.one_of(
    st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True, allow_infinity=True),
    st.text(string.printable, max_size=12), st.sampled_from(["baseline-control", "grid",
                                                             "morris", "state", "teaching"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=12)
documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


def toml_text(data) -> str:
    """TOML for arbitrary hypothesis data: nan/inf as TOML's nan/inf, tables inline."""
    from .helpers import toml_value

    def val(v):
        if isinstance(v, float) and math.isnan(v):
            return "nan"
        if isinstance(v, float) and v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return toml_value(v)

    return "".join(f"{k} = {val(v)}\n" for k, v in data.items())


JUNK_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])


@JUNK_SETTINGS
@given(text=st.one_of(st.text(max_size=200), documents.map(toml_text),
                      st.builds(lambda d, junk: dump_toml(small_experiment()) + toml_text(d)
                                + junk, documents, st.text(max_size=20))))
def test_junk_toml_gives_exit_2_without_traceback(cli, tmp_path, text):
    path = tmp_path / "junk.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_experiment(path)
    except ExperimentError:
        pass
    else:  # hypothesis made a valid experiment: nothing to check here
        return
    code, _, stderr = cli("sweep", path, "--out", tmp_path / "o", "--quiet", "--no-report")
    assert code == 2
    assert "Traceback" not in stderr and stderr.startswith("trustsim: error: ")
    assert not (tmp_path / "o").exists()


@JUNK_SETTINGS
@given(data=st.binary(max_size=100))
def test_binary_junk_gives_exit_2(cli, tmp_path, data):
    path = tmp_path / "bin.toml"
    path.write_bytes(data)
    code, _, stderr = cli("sweep", path, "--out", tmp_path / "o", "--quiet", "--no-report")
    assert code == 2 and "Traceback" not in stderr
