"""`trustsim app`: arguments, safe defaults, clear errors; and the app module loads both ways."""

from __future__ import annotations

import runpy
import socket
import sys
from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from trustsim import cli
from trustsim.cli import app as app_cli

APP_FILE = Path(app_cli.__file__).parent.parent / "app" / "app.py"


@pytest.fixture
def no_exec(monkeypatch):
    """Capture the exec of `solara run` instead of replacing the test process."""
    calls = []
    monkeypatch.setattr(app_cli.os, "execve", lambda path, argv, env: calls.append((argv, env)))
    return calls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_defaults_bind_to_this_machine_only(no_exec, capsys):
    port = free_port()
    assert cli.main(["app", "--port", str(port), "--no-open"]) == 0
    ((argv, env),) = no_exec
    assert argv[:5] == [sys.executable, "-m", "solara", "run", "trustsim.app.app"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == str(port)
    assert {"--production", "--no-check-version", "--no-open"} <= set(argv)
    assert env["TRUSTSIM_APP_LANG"] == "sv"
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().err


def test_parser_defaults():
    args = cli.build_parser().parse_args(["app"])
    assert (args.host, args.port, args.no_open, args.lang) == ("127.0.0.1", 8765, False, "sv")


def test_serving_the_room_says_what_it_exposes(no_exec, capsys):
    assert cli.main(["app", "--host", "0.0.0.0", "--port", str(free_port()), "--lang", "en"]) == 0
    ((argv, env),) = no_exec
    assert argv[argv.index("--host") + 1] == "0.0.0.0" and "--open" in argv
    assert env["TRUSTSIM_APP_LANG"] == "en"
    assert "lets anyone who can reach this machine" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--port", "0"], "allowed is a port in [1, 65535]"),
        (["--port", "http"], "'http' is not an integer"),
        (["--lang", "de"], "invalid choice: 'de'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, needle, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["app", *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_busy_port_is_a_clear_error_not_a_crash(no_exec, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["app", "--port", str(port), "--no-open"]) == 2
    err = capsys.readouterr().err
    assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    assert no_exec == []


def test_unknown_host_is_a_clear_error(no_exec, capsys):
    assert cli.main(["app", "--host", "no-such-host.invalid", "--no-open"]) == 2
    assert "not a known host name" in capsys.readouterr().err
    assert no_exec == []


def test_app_file_loads_by_path_as_solara_run_does():
    """`solara run trustsim/app/app.py` executes the file by path: absolute imports only."""
    namespace = runpy.run_path(str(APP_FILE))
    assert "Page" in namespace
    _, rc = solara.render(namespace["Page"](), handle_error=False)
    step = rc.find(v.Btn, class_="ts-step").widget
    assert step.children[-1] == "Steg"  # the page rendered, in Swedish by default


def test_app_module_creates_no_model_at_import():
    """A model made at module level would be shared by every visitor."""
    from trustsim.app import app

    for value in vars(app).values():
        assert type(value).__name__ not in ("TrustModel", "Workshop")


def test_serving_all_interfaces_prints_addresses_participants_can_use(no_exec, capsys, monkeypatch):
    monkeypatch.setattr(app_cli, "reachable_addresses", lambda port: [f"http://10.1.2.3:{port}/"])
    port = free_port()
    assert cli.main(["app", "--host", "0.0.0.0", "--port", str(port), "--no-open"]) == 0
    err = capsys.readouterr().err
    assert f"http://10.1.2.3:{port}/" in err
    assert "0.0.0.0:" not in err


def test_reachable_addresses_leave_out_loopback_and_wildcards():
    for url in app_cli.reachable_addresses(8765):
        assert url.startswith("http://") and url.endswith(":8765/")
        assert "127.0.0.1" not in url and "0.0.0.0" not in url and "[::1]" not in url


def test_the_served_page_gets_no_banner_and_frees_closed_sessions(no_exec, monkeypatch):
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    assert cli.main(["app", "--port", str(free_port()), "--no-open"]) == 0
    ((_, env),) = no_exec
    assert env["SOLARA_THEME_SHOW_BANNER"] == "false"
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "2m"
    assert env["REACTON_FAST"] == "1"


def test_the_room_gets_join_addresses_and_only_the_terminal_gets_the_console_key(
    no_exec, capsys, monkeypatch, tmp_path
):
    monkeypatch.setattr(app_cli, "reachable_addresses", lambda port: [f"http://10.1.2.3:{port}/"])
    port = free_port()
    argv = ["app", "--host", "0.0.0.0", "--port", str(port), "--no-open"]
    assert cli.main([*argv, "--sessions", str(tmp_path / "s")]) == 0
    ((_, env),) = no_exec
    err = capsys.readouterr().err
    key = env[app_cli.KEY_ENV]
    assert len(key) >= 16 and f"/console?key={key}" in err
    assert f"participants join at http://10.1.2.3:{port}/join" in err
    assert env[app_cli.URLS_ENV] == f"http://10.1.2.3:{port}/"
    assert env[app_cli.SESSIONS_ENV] == str((tmp_path / "s").resolve())
    assert not (tmp_path / "s").exists()  # created only when a session starts


def test_a_loopback_server_needs_no_console_key(no_exec, monkeypatch):
    monkeypatch.delenv(app_cli.KEY_ENV, raising=False)
    assert cli.main(["app", "--port", str(free_port()), "--no-open"]) == 0
    ((_, env),) = no_exec
    assert app_cli.KEY_ENV not in env and app_cli.URLS_ENV not in env


def test_cli_environment_names_match_the_room_module():
    from trustsim.app import room

    assert (app_cli.SESSIONS_ENV, app_cli.URLS_ENV, app_cli.KEY_ENV) == (
        room.SESSIONS_ENV,
        room.URLS_ENV,
        room.KEY_ENV,
    )
