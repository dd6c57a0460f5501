"""docs/ODD.md names the mechanism test of every submodel (§7.x) and of the spin-up (§3), in a line
`*Mechanism test:* `tests/mechanisms/test_xxx.py`` (one or more backticked paths); each named file
exists, and every mechanism test file is named by some section."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ODD = ROOT / "docs" / "ODD.md"
MARKER = "*Mechanism test:*"
PATH = re.compile(r"`(tests/mechanisms/[^`]+\.py)`")


def sections(text: str) -> dict[str, str]:
    """§3 (with its subsections) and each §7.x subsection: number -> body."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^(#{1,6}) +(?:(\d+(?:\.\d+)*)\.? )?", line)
        if heading:
            level, number = len(heading.group(1)), heading.group(2) or ""
            if not (current == "3" and level >= 3 and number.startswith("3.")):
                current = None
                if (level == 2 and number == "3") or (
                    level == 3 and re.fullmatch(r"7\.\d+", number)
                ):
                    current = number
                    out[current] = []
                continue
        if current is not None:
            out[current].append(line)
    return {number: "\n".join(lines) for number, lines in out.items()}


def named_tests(body: str) -> list[str]:
    paths = []
    for line in body.splitlines():
        if line.strip().startswith(MARKER):
            paths += PATH.findall(line)
    return paths


def test_odd_names_a_mechanism_test_for_every_submodel_and_the_spin_up():
    found = sections(ODD.read_text(encoding="utf-8"))
    assert "3" in found and sum(k.startswith("7.") for k in found) >= 8, sorted(found)
    missing = [f"§{number}" for number, body in found.items() if not named_tests(body)]
    assert not missing, f"ODD sections without a line '{MARKER} `tests/mechanisms/...`': {missing}"
    named = {path for body in found.values() for path in named_tests(body)}
    absent = sorted(path for path in named if not (ROOT / path).is_file())
    assert not absent, f"ODD names mechanism tests that do not exist: {absent}"
    files = {f"tests/mechanisms/{p.name}" for p in (ROOT / "tests/mechanisms").glob("test_*.py")}
    unnamed = sorted(files - named - {"tests/mechanisms/test_odd_names_tests.py"})
    assert not unnamed, f"mechanism tests that no ODD section names: {unnamed}"


def test_the_parser_reads_the_format():
    text = """## 3. Process overview
intro
### 3.1 Spin-up
*Mechanism test:* `tests/mechanisms/test_spinup.py`
## 4. Design
### 4.1 Not a submodel
## 7. Submodels
### 7.1 Government
*Mechanism test:* `tests/mechanisms/test_government.py`, `tests/mechanisms/test_x.py`
### 7.2 Support
No line here.
## References
*Mechanism test:* `tests/mechanisms/test_outside.py`
"""
    found = sections(text)
    assert sorted(found) == ["3", "7.1", "7.2"]
    assert named_tests(found["3"]) == ["tests/mechanisms/test_spinup.py"]
    assert named_tests(found["7.1"]) == [
        "tests/mechanisms/test_government.py",
        "tests/mechanisms/test_x.py",
    ]
    assert named_tests(found["7.2"]) == []
