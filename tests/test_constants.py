"""Every number in the model layer that shapes a result is a parameter (with range, unit and source)
or a named structural constant with the reason beside it (issue 21; docs/ODD.md §8-9).

The model layer's modules are parsed (ast): every module-level name bound to a number, or to a
tuple / list / dict holding numbers, must be either listed in `params.STRUCTURAL` with a reason, or
the default of the parameter of the same name in lower case.
"""

import ast
import sys
from pathlib import Path

import pytest

from trustsim.model.params import SPECS, STRUCTURAL

PACKAGE = Path(__file__).resolve().parent.parent / "trustsim" / "model"  # the model layer
MODEL_LAYER = ("model", "agents", "staff", "networks", "worlds")


def _numbers(node: ast.AST) -> list[float]:
    """The numeric literals (not booleans) anywhere inside `node`."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and type(sub.value) in (int, float):
            found.append(sub.value)
    return found


def module_constants(module: str) -> dict[str, ast.AST]:
    """Module-level names bound to an expression holding numeric literals."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    out: dict[str, ast.AST] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        if isinstance(value, ast.Call) or not _numbers(value):
            continue  # a call builds an object (a cache, a dataclass), not a number
        for target in targets:
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            for name in names:
                if isinstance(name, ast.Name):
                    out[name.id] = value
    return out


@pytest.mark.parametrize("module", MODEL_LAYER)
def test_every_numeric_constant_is_a_parameter_or_structural(module):
    unexplained = []
    for name, value in module_constants(module).items():
        key = f"{module}.{name}"
        if key in STRUCTURAL:
            assert len(STRUCTURAL[key]) > 20, f"{key}: give the reason it is structural"
            continue
        spec = SPECS.get(name.lower())
        if spec is not None and isinstance(value, ast.Constant) and value.value == spec.default:
            continue  # the default of a parameter, kept as a function's default argument
        unexplained.append(key)
    assert not unexplained, (
        f"numeric module constants that are neither a parameter nor structural: {unexplained}; "
        "make each a parameter in trustsim/model/params.py (with range, unit and source) or add it to "
        "params.STRUCTURAL with the reason it is structural"
    )


def test_the_registry_names_only_constants_that_exist():
    existing = {f"{m}.{n}" for m in MODEL_LAYER for n in module_constants(m)}
    stale = sorted(set(STRUCTURAL) - existing)
    assert not stale, f"params.STRUCTURAL names constants that no longer exist: {stale}"


def test_the_check_would_catch_a_new_constant(tmp_path, monkeypatch):
    fake = tmp_path / "model.py"
    fake.write_text("SOME_WEIGHT = 0.35\nNAME = 'x'\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    assert set(module_constants("model")) == {"SOME_WEIGHT"}
