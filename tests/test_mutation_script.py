"""scripts/mutation.py stays true to the code: every mutation's old text occurs exactly once in its
file, names are unique, each names an existing mechanism test, and every mechanism test file
(ODD submodel) has mutations to catch. Fast: no mutation is run here."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():
    name = "scripts_mutation"
    if name not in sys.modules:  # dataclasses look their module up in sys.modules
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "mutation.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_every_mutation_matches_the_code_exactly_once():
    mutation = _script()
    assert mutation.check_texts(mutation.MUTATIONS, ROOT / "trustsim") == []


def test_the_mutations_cover_every_submodel_and_the_ci_subset_is_small():
    mutation = _script()
    assert len(mutation.MUTATIONS) >= 25
    tests = {m.test.partition("::")[0] for m in mutation.MUTATIONS}
    files = {p.name for p in (ROOT / "tests/mechanisms").glob("test_*.py")}
    assert files - {"test_odd_names_tests.py"} <= tests
    quick = [m for m in mutation.MUTATIONS if m.quick]
    assert 5 <= len(quick) <= 30
    kinds = {m.kind for m in quick}
    assert mutation.KNOCKOUT in kinds and len(kinds - {mutation.KNOCKOUT}) >= 4


def test_the_realistic_class_has_forty_mutations_in_every_subclass_each_naming_its_test():
    mutation = _script()
    realistic = [m for m in mutation.MUTATIONS if m.kind != mutation.KNOCKOUT]
    assert len(realistic) >= 40
    assert {m.kind for m in realistic} == set(mutation.REALISTIC)
    assert all("::" in m.test for m in realistic)
    # every realistic class has at least three, so its score means something
    for kind in mutation.REALISTIC:
        assert sum(m.kind == kind for m in realistic) >= 3, kind
    # kept apart: the knock-outs are the first 80, unchanged in class
    assert sum(m.kind == mutation.KNOCKOUT for m in mutation.MUTATIONS) == 80


def test_a_catch_by_the_named_test_is_told_from_a_catch_by_another():
    mutation = _script()
    node = mutation.Mutation(
        "x", "model.py", "a", "b", "", "test_staff.py::test_turnover", kind="unit"
    )
    assert node.named_by("tests/mechanisms/test_staff.py::test_turnover")
    assert node.named_by("tests/mechanisms/test_staff.py::test_turnover[0.12]")
    assert not node.named_by("tests/mechanisms/test_staff.py::test_turnover_renews")
    assert not node.named_by("tests/mechanisms/test_ideas.py::test_turnover")
    whole_file = mutation.Mutation("y", "model.py", "a", "b", "", "test_staff.py")
    assert whole_file.named_by("tests/mechanisms/test_staff.py::test_anything[1]")
    assert not whole_file.named_by("tests/test_model_properties.py::test_outputs")
    out = "....F\n=== short test summary info ===\nFAILED tests/mechanisms/test_a.py::test_b[1] - x\n"
    assert mutation.first_failure(out) == "tests/mechanisms/test_a.py::test_b[1]"
    assert mutation.first_failure("1 passed") is None


def test_the_score_is_counted_per_class_and_the_target_applies_to_the_realistic_class():
    mutation = _script()
    M = mutation.Mutation
    chosen = [
        M("k1", "model.py", "a", "b", "", "test_staff.py"),
        M("k2", "model.py", "a", "b", "", "test_staff.py"),
        *[M(f"s{i}", "model.py", "a", "b", "", "test_staff.py::t", kind="sign") for i in range(10)],
        *[M(f"u{i}", "model.py", "a", "b", "", "test_staff.py::t", kind="unit") for i in range(10)],
    ]
    results = {m.name: (True, "tests/mechanisms/test_staff.py::t", 1.0) for m in chosen}
    results["u0"] = results["u1"] = (False, "", 1.0)
    lines = mutation.score_lines(chosen, results)
    assert any(line.split()[:4] == ["knockout", "2", "of", "2"] for line in lines)
    assert any(line.split()[:4] == ["sign", "10", "of", "10"] for line in lines)
    assert any(line.split()[:4] == ["unit", "8", "of", "10"] for line in lines)
    assert any(line.split()[:5] == ["realistic", "18", "of", "20", "caught"] for line in lines)
    assert mutation.passes(chosen, results)  # 18 of 20 = 90 %
    results["u2"] = (False, "", 1.0)
    assert not mutation.passes(chosen, results)  # 17 of 20 < 90 %
    results["u2"] = results["u0"] = results["u1"] = (True, "x", 1.0)
    results["k1"] = (False, "", 1.0)
    assert not mutation.passes(chosen, results)  # every knock-out must be caught
    assert [m.name for m in mutation.select(chosen, {"unit"})] == [f"u{i}" for i in range(10)]
    assert len(mutation.select(chosen, {"realistic"})) == 20


def test_an_unknown_class_or_a_missing_named_test_is_reported(tmp_path):
    mutation = _script()
    (tmp_path / "model.py").write_text("x = 1\n")
    bad_kind = mutation.Mutation("k", "model.py", "x = 1", "x = 2", "", "test_staff.py", kind="typo")
    no_test = mutation.Mutation(
        "t", "model.py", "x = 1", "x = 2", "", "test_staff.py::test_nothing_like_this", kind="sign"
    )
    unnamed = mutation.Mutation("u", "model.py", "x = 1", "x = 2", "", "test_staff.py", kind="sign")
    problems = mutation.check_texts([bad_kind, no_test, unnamed], tmp_path)
    assert len(problems) == 3
    assert "unknown kind" in problems[0] and "no test" in problems[1] and "names its test" in problems[2]


def test_the_effect_run_takes_a_mutations_own_settings():
    mutation = _script()
    m = mutation.Mutation(
        "x", "model.py", "a", "b", "", "test_staff.py::t", kind="sign",
        run={"world": "teaching", "scale": 1.0, "params": {"base_success": 0.9}},
    )
    config = mutation.effect_config(m)
    assert config["world"] == "teaching" and config["params"]["base_success"] == 0.9
    assert config["params"]["rum"] is True  # the other levers of EFFECT_RUN stay
    assert mutation.effect_config(None) == mutation.EFFECT_RUN


def test_a_stale_mutation_is_reported(tmp_path):
    mutation = _script()
    (tmp_path / "model.py").write_text("x = 1\nx = 1\n")
    stale = mutation.Mutation("stale", "model.py", "x = 1", "x = 2", "nothing", "test_spinup.py")
    missing = mutation.Mutation(
        "missing", "model.py", "y = 1", "y = 2", "nothing", "test_spinup.py"
    )
    problems = mutation.check_texts([stale, missing], tmp_path)
    assert len(problems) == 2 and "2 times" in problems[0] and "0 times" in problems[1]
