"""Swedish and English strings of the workshop page (`strings.json` beside this file).

Every label, title and help text of the page comes from here, so the language switch changes all
of them. `strings.json` maps a key to {"en": ..., "sv": ...}; a value may be a list of lines
(joined with newlines), which keeps the longer Markdown help texts readable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

LANGS = ("sv", "en")
LANG_NAMES = {"sv": "Svenska", "en": "English"}
DEFAULT_LANG = "sv"
LANG_ENV = "TRUSTSIM_APP_LANG"  # set by `trustsim app --lang`
STRINGS_FILE = Path(__file__).with_name("strings.json")


class MissingString(KeyError):
    """A key or language that strings.json does not have."""


@cache
def strings() -> Mapping[str, Mapping[str, str]]:
    """All strings, read once and read-only: key -> language -> text."""
    raw = json.loads(STRINGS_FILE.read_text(encoding="utf-8"))
    out = {}
    for key, by_lang in raw.items():
        out[key] = MappingProxyType(
            {lang: "\n".join(v) if isinstance(v, list) else v for lang, v in by_lang.items()}
        )
    return MappingProxyType(out)


def t(key: str, lang: str, **values: Any) -> str:
    """The text for `key` in `lang`, with `{name}` fields filled from `values`."""
    try:
        text = strings()[key][lang]
    except KeyError:
        raise MissingString(f"{STRINGS_FILE.name}: no {lang!r} text for key {key!r}") from None
    return text.format(**values) if values else text


def default_lang() -> str:
    """The language a new session starts in: $TRUSTSIM_APP_LANG if valid, else Swedish."""
    lang = os.environ.get(LANG_ENV, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def number(value: float, lang: str, digits: int = 2) -> str:
    """A number as people write it: decimal comma in Swedish, trailing zeros dropped."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",") if lang == "sv" else text


def count(value: int, lang: str) -> str:
    """A whole number with thousands separated (a space in Swedish, a comma in English)."""
    text = f"{value:,}"
    return text.replace(",", "\u00a0") if lang == "sv" else text
