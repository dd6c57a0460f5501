"""docs/ODD.md stays true to the code: its parameter table is the generated one, and every
parameter, output and scenario named in the code appears in it."""

from pathlib import Path

from trustsim.model.model import DIAGNOSTICS, OUTPUTS
from trustsim.model.params import PARAMETERS, odd_with_table

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"


def test_parameter_table_is_generated_from_the_code():
    text = ODD.read_text(encoding="utf-8")
    assert odd_with_table(text) == text, "run: python scripts/update_odd.py docs/ODD.md"


def test_every_parameter_and_output_is_described():
    text = ODD.read_text(encoding="utf-8")
    for spec in PARAMETERS:
        assert f"`{spec.name}`" in text, spec.name
    for name in OUTPUTS + DIAGNOSTICS:
        assert f"`{name}`" in text, name


def test_odd_has_the_2020_sections():
    text = ODD.read_text(encoding="utf-8")
    for heading in ("Purpose and patterns", "Entities, state variables and scales",
                    "Process overview and scheduling", "Design concepts", "Initialisation",
                    "Input data", "Submodels"):
        assert heading in text, heading
