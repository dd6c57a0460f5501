"""`trustsim session show | replay | export`: a played session's file summarised, replayed to the
live session's exact outputs without touching the file, and exported without names; bad input
exits 2 with one line and never leaves a half-written output."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.cli import main
from trustsim.play.participatory import Session

NAMES = ("Zelda Gov", "Ylva Esv", "Xerxes Head", "Wilma Obs")


@dataclass(frozen=True)
class Played:
    path: Path
    outputs: pd.DataFrame
    yearly: pd.DataFrame


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> Played:
    """Two rounds of three on the teaching world (seed 11): government, ESV, an agency head and
    an observer; four decision fields in three submissions; then the file is closed."""
    path = tmp_path_factory.mktemp("session") / "workshop.sqlite"
    s = Session(world="teaching", seed=11, rounds=3, path=path)
    f, code = s.facilitator_token, s.join_code
    gov, esv, head, _ = (
        s.join(code, name, role, now=i)
        for i, (name, role) in enumerate(
            zip(NAMES, ("government", "esv", "agency_head", "observer"))
        )
    )
    s.open_round(f, 60, now=10)
    s.submit(gov.token, {"steering_detail": 0.3, "incident_reaction": 0.1}, now=11)
    s.submit(head.token, {"autonomy_granted": 0.8}, now=12)
    s.close_round(f, now=20)
    s.open_round(f, 60, now=30)
    s.submit(esv.token, {"alignment": 0.9}, now=31)
    s.close_round(f, now=40)
    live = Played(path, s.outputs(), s.yearly())
    s.close()
    return live


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["session", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_show_summarises_the_file(played, capsys):
    code, out, err = run(capsys, "show", played.path)
    assert (code, err) == (0, "")
    lines = dict(line.split(None, 1) for line in out.splitlines() if line.strip())
    assert lines["seed"] == "11"
    assert lines["world"] == "teaching (scale 1)"
    assert lines["scenario"] == "baseline-control"
    assert lines["rounds"] == "2 played of 3 (between rounds)"
    assert lines["participants"] == "4: government 1, esv 1, agency_head 1, observer 1"
    assert lines["decisions"] == "3 submissions (4 fields)"
    assert lines["events"] == "11: join 4, decision 3, open 2, close 2"
    assert not any(name in out for name in NAMES)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_replay_gives_the_live_outputs_exactly_and_leaves_the_file_alone(
    played, tmp_path, capsys, suffix
):
    before, listing = digest(played.path), sorted(played.path.parent.iterdir())
    out = tmp_path / f"outputs{suffix}"
    code, text, err = run(capsys, "replay", played.path, "--out", out)
    assert (code, err) == (0, "")
    back = pd.read_csv(out, index_col="quarter") if suffix == ".csv" else pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, played.outputs, check_exact=True)
    assert np.array_equal(back.to_numpy(), played.outputs.to_numpy())
    assert digest(played.path) == before  # opened read-only, replayed into memory
    assert sorted(played.path.parent.iterdir()) == listing  # no journal or log beside it
    assert sorted(tmp_path.iterdir()) == [out]  # no temporary file left
    # the printed table: one row per round, the yearly means to four decimals
    rows = [line.split() for line in text.splitlines()]
    header = next(r for r in rows if r[:1] == ["round"])
    body = [r for r in rows if r and r[0].isdigit()]
    assert header == [
        "round",
        "innovation_rate",
        "incident_rate",
        "trust_orientation",
        "steering_detail",
    ]
    assert [int(r[0]) for r in body] == [1, 2]
    table = np.array([[float(x) for x in r[1:]] for r in body])
    np.testing.assert_allclose(table, played.yearly[header[1:]].to_numpy(), atol=5e-5, rtol=0)


def test_replay_without_out_prints_the_table_only(played, capsys):
    code, text, _ = run(capsys, "replay", played.path)
    assert code == 0 and "2 of 3 rounds (8 quarters)" in text and "wrote" not in text


def test_replay_reads_a_file_whose_name_has_uri_characters(played, tmp_path, capsys):
    odd = tmp_path / "work shop #1 100%?.sqlite"
    shutil.copy(played.path, odd)
    out = tmp_path / "o.csv"
    assert run(capsys, "replay", odd, "--out", out)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(out, index_col="quarter"), played.outputs)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_one_row_per_decision_and_no_names(played, tmp_path, capsys, suffix):
    before = digest(played.path)
    out = tmp_path / f"decisions{suffix}"
    code, text, err = run(capsys, "export", played.path, out)
    assert (code, err) == (0, "")
    assert "4 decisions" in text
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(frame.columns) == [
        "seq",
        "time",
        "round",
        "participant",
        "role",
        "decision",
        "target",
        "value",
    ]
    assert sorted(zip(frame["round"], frame.role, frame.decision, frame.value)) == [
        (1, "agency_head", "autonomy_granted", 0.8),
        (1, "government", "incident_reaction", 0.1),
        (1, "government", "steering_detail", 0.3),
        (2, "esv", "alignment", 0.9),
    ]
    data = out.read_bytes()
    assert not any(name.encode() in data for name in NAMES)
    assert digest(played.path) == before
    assert sorted(tmp_path.iterdir()) == [out]


def test_export_overwrites_only_with_force(played, tmp_path, capsys):
    out = tmp_path / "decisions.csv"
    out.write_text("keep me\n")
    code, _, err = run(capsys, "export", played.path, out)
    assert code == 2 and "exists" in err and "--force" in err
    assert out.read_text() == "keep me\n"
    assert run(capsys, "export", played.path, out, "--force")[0] == 0
    assert len(pd.read_csv(out)) == 4


def test_a_failed_write_leaves_no_half_written_output(played, tmp_path, capsys, monkeypatch):
    """The disk fills half-way: OUT keeps its old content and no temporary file is left."""
    out = tmp_path / "decisions.csv"
    out.write_text("old export\n")

    def half_then_full(self, path, *args, **kwargs):
        Path(path).write_text("seq,time,rou")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_full)
    code, _, err = run(capsys, "export", played.path, out, "--force")
    assert code == 2 and "cannot write (No space left on device)" in err
    assert out.read_text() == "old export\n"
    assert sorted(tmp_path.iterdir()) == [out]
    code, _, err = run(capsys, "replay", played.path, "--out", tmp_path / "outputs.csv")
    assert code == 2 and "cannot write" in err
    assert sorted(tmp_path.iterdir()) == [out]


def _sqlite_not_ours(folder: Path) -> Path:
    path = folder / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE things (a)")
    db.close()
    return path


def _future_format(folder: Path, played: Played) -> Path:
    path = folder / "future.sqlite"
    shutil.copy(played.path, path)
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    db.close()
    return path


def _session_named_csv(folder: Path, played: Played) -> Path:
    path = folder / "session.csv"
    shutil.copy(played.path, path)
    return path


BAD_INPUT = {
    "missing file": (
        lambda d, p: ["show", d / "nope.sqlite"],
        ["nope.sqlite: no such file", "SQLite file"],
    ),
    "a folder": (lambda d, p: ["show", d], ["is a folder"]),
    "an empty file": (
        lambda d, p: ["show", (d / "empty.sqlite", (d / "empty.sqlite").touch())[0]],
        ["empty.sqlite: the file is empty", "SQLite file a participatory session writes"],
    ),
    "not SQLite": (
        lambda d, p: ["replay", (d / "notes.sqlite", (d / "notes.sqlite").write_text("x"))[0]],
        ["notes.sqlite: not an SQLite file", "SQLite file a participatory session writes"],
    ),
    "SQLite but not a session": (
        lambda d, p: ["export", _sqlite_not_ours(d), d / "out.csv"],
        ["other.sqlite: an SQLite file but not a trustsim session file"],
    ),
    "a newer format": (
        lambda d, p: ["replay", _future_format(d, p)],
        ["session format 99; this trustsim reads formats 1, 2"],
    ),
    "export to an unknown suffix": (
        lambda d, p: ["export", p.path, d / "out.xlsx"],
        ["out.xlsx: unknown output type '.xlsx'", "allowed suffixes are .csv and .parquet"],
    ),
    "replay to an unknown suffix": (
        lambda d, p: ["replay", p.path, "--out", d / "out"],
        ["unknown output type '(no suffix)'", ".csv and .parquet"],
    ),
    "an output folder that does not exist": (
        lambda d, p: ["export", p.path, d / "nodir" / "out.csv"],
        ["the folder", "nodir does not exist"],
    ),
    "an existing output": (
        lambda d, p: ["replay", p.path, "--out", (d / "o.csv", (d / "o.csv").write_text("x"))[0]],
        ["o.csv exists", "--force"],
    ),
    "the session file as its own output": (
        lambda d, p: ["export", _session_named_csv(d, p), d / "session.csv", "--force"],
        ["session.csv: is the session file itself"],
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_one_line_and_exit_2(played, tmp_path, capsys, case):
    make_args, fragments = BAD_INPUT[case]
    args = make_args(tmp_path, played)
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("trustsim: error: ")
    for fragment in fragments:
        assert fragment in err
    # nothing written, nothing changed
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_the_real_command_exits_0_and_2(played, tmp_path):
    def trustsim(*args):
        return subprocess.run(
            [sys.executable, "-m", "trustsim", "session", *map(str, args)],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = trustsim("show", played.path)
    assert ok.returncode == 0 and ok.stderr == ""
    assert "seed           11" in ok.stdout and "2 played of 3" in ok.stdout
    notes = tmp_path / "notes.sqlite"
    notes.write_text("not a database")
    bad = trustsim("show", notes)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.splitlines() == [
        (
            f"trustsim: error: {notes}: not an SQLite file; "
            "a session file is the SQLite file a participatory session writes"
        )
    ]
