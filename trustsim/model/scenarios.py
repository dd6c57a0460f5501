"""Scenario files (`scenarios/*.toml`): loading and validation.

A scenario file has a title and description in English and Swedish, the seed claims it encodes,
optionally the scenario it `extends`, and a `[params]` table with only the parameters it changes:

    title = { en = "...", sv = "..." }
    description = { en = "...", sv = "..." }
    claims = ["C4"]
    extends = "baseline-control"     # optional
    [params]
    agv_alignment = 0.9
    [info]                           # optional: the NetLogo-style Info text, each { en, sv }
    what_is_it = { en = "...", sv = "..." }   # also how_it_works, things_to_notice, things_to_try

Every problem is reported as a `ScenarioError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..resources import shipped_folder
from .params import SPECS, ParameterError

# the repository's scenarios/ (or the copy in an installed wheel); $TRUSTSIM_SCENARIOS overrides
SCENARIO_DIR = shipped_folder("scenarios", "TRUSTSIM_SCENARIOS")
TOP_KEYS = ("title", "description", "claims", "extends", "params", "info")
# the sections of a scenario's Info text (NetLogo's Info tab), in reading order
INFO_SECTIONS = ("what_is_it", "how_it_works", "things_to_notice", "things_to_try")
LANGS = ("en", "sv")
CLAIM = re.compile(r"^C(?:[1-9]|1[0-4])$")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file, key and what is allowed."""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: dict[str, str]
    description: dict[str, str]
    claims: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)  # resolved, including inherited
    extends: str | None = None
    path: Path | None = None
    info: dict[str, dict[str, str]] = field(default_factory=dict)  # section -> {en, sv}; own only


def _closest(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def scenario_path(name_or_path: str | os.PathLike, base: Path | None = None) -> Path:
    """A scenario name (looked up in `scenarios/`) or a path to a TOML file."""
    text = str(name_or_path)
    if text.endswith(".toml") or os.sep in text or "/" in text:
        path = Path(text)
        if not path.is_absolute() and base is not None and not path.exists():
            path = base / path
    else:
        # a bare name: beside the file that names it, then among the shipped scenarios
        path = (base or SCENARIO_DIR) / f"{text}.toml"
        if base is not None and not _is_file(path):
            path = SCENARIO_DIR / f"{text}.toml"
    if not _is_file(path):
        known = list_scenario_names(SCENARIO_DIR)
        if base is not None:
            known = sorted(set(known) | set(list_scenario_names(base)))
        hint = _closest(path.stem, known)
        listing = f" Known scenarios: {', '.join(known)}." if known else ""
        raise ScenarioError(f"{_short(path)}: scenario file not found{hint or '.'}{listing}")
    return path


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name longer than the file system allows
        return False


def _short(path: Path, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def list_scenario_names(folder: Path = SCENARIO_DIR) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file and line."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: TOML syntax error: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read file ({exc.strerror})") from None


def _texts(path: Path, data: dict, key: str, required: bool) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        if required:
            raise ScenarioError(
                f'{path}: key {key!r} is missing; give {{ en = "...", sv = "..." }}'
            )
        return {}
    if (
        not isinstance(value, dict)
        or set(value) != set(LANGS)
        or not all(isinstance(v, str) and v.strip() for v in value.values())
    ):
        raise ScenarioError(
            f"{path}: key {key!r} must be a table with non-empty strings en and sv, got {value!r}"
        )
    return dict(value)


def validate_params(path: Path, table: Any, where: str = "params") -> dict[str, Any]:
    """Check a table of parameter overrides: names, types and ranges."""
    if not isinstance(table, dict):
        raise ScenarioError(f"{path}: key {where!r} must be a table of parameter = value")
    out = {}
    for name, value in table.items():
        spec = SPECS.get(name)
        if spec is None:
            raise ScenarioError(
                f"{path}: key {where}.{name} is not a parameter{_closest(name, SPECS)} "
                "(the list is in docs/ODD.md)"
            )
        try:
            out[name] = spec.check(value)
        except ParameterError as exc:
            raise ScenarioError(f"{path}: key {where}.{name}: {exc}") from None
    return out


def check_no_cycle(
    path: Path, resolved: Path, seen: tuple[Path, ...], error: type[ScenarioError] = ScenarioError
) -> None:
    """Refuse a file that is already in its own `extends` chain."""
    if resolved in seen:
        chain = " -> ".join(p.name for p in (*seen, resolved))
        raise error(f"{path}: key 'extends' makes a cycle ({chain}); remove one link")


def check_keys(
    path: Path, data: dict, allowed: tuple[str, ...], error: type[ScenarioError] = ScenarioError
) -> None:
    """Refuse unknown top-level keys, naming the closest allowed one."""
    for key in data:
        if key not in allowed:
            raise error(
                f"{path}: unknown key {key!r}{_closest(key, allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )


def load_scenario(name_or_path: str | os.PathLike | Scenario, _seen: tuple = ()) -> Scenario:
    """Load and validate a scenario by name (from `scenarios/`) or path, resolving `extends`."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    path = scenario_path(name_or_path, base=_seen[-1].parent if _seen else None)
    resolved = path.resolve()
    check_no_cycle(path, resolved, _seen)
    data = read_toml(path)
    check_keys(path, data, TOP_KEYS)
    title = _texts(path, data, "title", required=True)
    description = _texts(path, data, "description", required=True)
    claims = data.get("claims", [])
    if not isinstance(claims, list) or not all(
        isinstance(c, str) and CLAIM.match(c) for c in claims
    ):
        raise ScenarioError(
            f"{path}: key 'claims' must be a list of claim ids C1 … C14, got {claims!r}"
        )
    extends = data.get("extends")
    params: dict[str, Any] = {}
    if extends is not None:
        if not isinstance(extends, str) or not extends:
            raise ScenarioError(f"{path}: key 'extends' must be a scenario name, got {extends!r}")
        try:
            parent = load_scenario(extends, (*_seen, resolved))
        except ScenarioError as exc:
            if str(exc).startswith(f"{path}: key 'extends'"):
                raise
            raise ScenarioError(f"{path}: key 'extends': {exc}") from None
        params.update(parent.params)
    params.update(validate_params(path, data.get("params", {})))
    info = _info(path, data.get("info", {}))
    return Scenario(
        name=path.stem,
        title=title,
        description=description,
        claims=tuple(claims),
        params=params,
        extends=extends,
        path=path,
        info=info,
    )


def _info(path: Path, table: Any) -> dict[str, dict[str, str]]:
    """The optional [info] table: some of INFO_SECTIONS, each with English and Swedish text."""
    if not isinstance(table, dict):
        raise ScenarioError(
            f"{path}: key 'info' must be a table of sections ({', '.join(INFO_SECTIONS)})"
        )
    for key in table:
        if key not in INFO_SECTIONS:
            raise ScenarioError(
                f"{path}: unknown key info.{key}{_closest(key, INFO_SECTIONS)}; "
                f"allowed: {', '.join(INFO_SECTIONS)}"
            )
    named = {f"info.{key}": value for key, value in table.items()}  # errors name info.<section>
    return {
        key: _texts(path, named, f"info.{key}", required=True)
        for key in INFO_SECTIONS
        if key in table
    }


def list_scenarios(folder: Path = SCENARIO_DIR) -> list[Scenario]:
    """All scenarios in `folder`, validated."""
    return [load_scenario(folder / f"{n}.toml") for n in list_scenario_names(folder)]
