"""Fixtures for the participatory core: small sessions on the teaching world, time passed in."""

from __future__ import annotations

import pytest

from trustsim.play.participatory import Session


@pytest.fixture
def make_session(tmp_path):
    """A factory of sessions on the teaching world logging to a fresh file in tmp_path."""
    made = []

    def make(**kwargs) -> Session:
        kwargs.setdefault("world", "teaching")
        kwargs.setdefault("seed", 11)
        kwargs.setdefault("rounds", 3)
        kwargs.setdefault("path", tmp_path / f"session{len(made)}.sqlite")
        s = Session(**kwargs)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def session(make_session) -> Session:
    return make_session()
