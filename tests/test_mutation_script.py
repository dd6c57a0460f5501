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
    assert mutation.check_texts(mutation.MUTATIONS, ROOT / mutation.MODEL_DIR) == []


def test_the_mutations_cover_every_submodel_and_the_ci_subset_is_small():
    mutation = _script()
    assert len(mutation.MUTATIONS) >= 25
    tests = {m.test for m in mutation.MUTATIONS}
    files = {p.name for p in (ROOT / "tests/mechanisms").glob("test_*.py")}
    assert files - {"test_odd_names_tests.py"} <= tests
    quick = [m for m in mutation.MUTATIONS if m.quick]
    assert 5 <= len(quick) <= 20


def test_a_stale_mutation_is_reported(tmp_path):
    mutation = _script()
    (tmp_path / "model.py").write_text("x = 1\nx = 1\n")
    stale = mutation.Mutation("stale", "model.py", "x = 1", "x = 2", "nothing", "test_spinup.py")
    missing = mutation.Mutation(
        "missing", "model.py", "y = 1", "y = 2", "nothing", "test_spinup.py"
    )
    problems = mutation.check_texts([stale, missing], tmp_path)
    assert len(problems) == 2 and "2 times" in problems[0] and "0 times" in problems[1]
