"""`trustsim app`: serve the workshop page with Solara (`--mesa`: Mesa's SolaraViz view instead).

Binds to 127.0.0.1 unless `--host` says otherwise: `--host 0.0.0.0` lets every machine that can
reach this one (the workshop room's network) open the page and run models on it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import socket
import sys
from pathlib import Path

from trustsim.cli.core import bounded_int
from trustsim.model.params import ParameterError

APP_MODULE = "trustsim.app.app"
MESA_MODULE = "trustsim.app.mesa_view"  # `--mesa`: the model in Mesa's standard SolaraViz page
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LANGS = ("sv", "en")  # kept in step with i18n.LANGS (a test checks); no Solara import here
LANG_ENV = "TRUSTSIM_APP_LANG"
# kept in step with trustsim/app/room.py (no Solara import here)
SESSIONS_ENV = "TRUSTSIM_SESSIONS_DIR"
URLS_ENV = "TRUSTSIM_APP_URLS"
KEY_ENV = "TRUSTSIM_CONSOLE_KEY"
# Solara settings for the served page (a value already in the environment wins):
SERVER_ENV = {
    "SOLARA_THEME_SHOW_BANNER": "false",  # no English "runs on Solara" box over the Info text
    "SOLARA_THEME_LOADER": "plain",  # a plain progress bar while the page loads
    # a closed tab's session (its models) is freed 2 minutes after its connection is gone
    # (Solara's default keeps it for 24 hours: memory that a room of visitors never gets back)
    "SOLARA_KERNEL_CULL_TIMEOUT": "2m",
    "REACTON_FAST": "1",  # render only what changed (see trustsim/app/app.py)
    # a page whose server restarted reloads itself when the server is back (Solara would leave it
    # under an English "Server disconnected"); a participatory room resumes from its file
    "SOLARA_THEME_FORCE_REFRESH": "true",
}
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


port_number = bounded_int(1, 65535, "a port")  # a TCP port


def check_port_free(host: str, port: int) -> None:
    """Raise ParameterError (exit 2) if `port` on `host` cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ParameterError(f"--host {host!r}: not a known host name or address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ParameterError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                "choose another port with --port"
            ) from None


def reachable_addresses(port: int) -> list[str]:
    """The addresses other machines can use to open a page served on all interfaces.

    From the host name's addresses and the address of the default route (a UDP socket "connected"
    to a documentation address sends nothing); loopback and link-local addresses are left out.
    """
    found: list[str] = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)
        found += [info[4][0] for info in infos]
    except OSError:
        pass
    for family, probe in (
        (socket.AF_INET, ("192.0.2.1", 9)),
        (socket.AF_INET6, ("2001:db8::1", 9)),
    ):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect(probe)
                found.append(sock.getsockname()[0])
        except OSError:
            pass
    urls = []
    for address in dict.fromkeys(found):
        if address.startswith(("127.", "::1", "fe80:", "169.254.")) or address == "::":
            continue
        host = f"[{address}]" if ":" in address else address
        urls.append(f"http://{host}:{port}/")
    return urls


def server_env(lang: str) -> dict[str, str]:
    """The environment `solara run` gets: ours, then the caller's (which wins)."""
    return {**SERVER_ENV, **os.environ, LANG_ENV: lang}


def solara_command(host: str, port: int, open_browser: bool, module: str = APP_MODULE) -> list[str]:
    """The `solara run` command line for the page in `module` (the workshop page by default)."""
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        module,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--log-level",
        "warning",
    ]
    cmd.append("--open" if open_browser else "--no-open")
    return cmd


def cmd_app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("solara") is None:
        raise ParameterError(
            "the workshop page needs Solara; install the app extra: pip install 'trustsim[app]'"
        )
    check_port_free(args.host, args.port)
    what = "the Mesa SolaraViz view" if args.mesa else "the workshop page"
    urls: list[str] = []
    if args.host in WILDCARD_HOSTS:
        local = f"http://127.0.0.1:{args.port}/"
        print(f"trustsim app: serving {what} at {local} (Ctrl-C stops it)", file=sys.stderr)
        urls = reachable_addresses(args.port)
        if urls:
            print("trustsim app: participants open one of:", file=sys.stderr)
            for url in urls:
                print(f"  {url}", file=sys.stderr)
        else:
            print(
                "trustsim app: this machine has no network address besides loopback; "
                "connect it to the room's network first",
                file=sys.stderr,
            )
    else:
        where = f"http://{'127.0.0.1' if args.host == DEFAULT_HOST else args.host}:{args.port}/"
        print(f"trustsim app: serving {what} at {where} (Ctrl-C stops it)", file=sys.stderr)
    if args.host not in (DEFAULT_HOST, "localhost", "::1"):
        print(
            f"trustsim app: --host {args.host} lets anyone who can reach this machine on port "
            f"{args.port} open the page and run models here",
            file=sys.stderr,
        )
    env = server_env(args.lang)
    env[SESSIONS_ENV] = str(Path(args.sessions).resolve())
    if args.host in WILDCARD_HOSTS:
        env[URLS_ENV] = ",".join(urls)
    elif args.host not in (DEFAULT_HOST, "localhost", "::1"):
        env[URLS_ENV] = f"http://{args.host}:{args.port}/"
    if args.host not in (DEFAULT_HOST, "localhost", "::1") and not args.mesa:
        # the room can reach the page: only the facilitator (who sees this terminal) may start
        # a participatory session, with the key in the console's address
        key = secrets.token_urlsafe(12)
        env[KEY_ENV] = key
        print(
            "trustsim app: participatory session console (for the facilitator only): "
            f"http://127.0.0.1:{args.port}/console?key={key}",
            file=sys.stderr,
        )
        if env.get(URLS_ENV):
            first = env[URLS_ENV].split(",")[0].rstrip("/")
            print(f"trustsim app: participants join at {first}/join", file=sys.stderr)
    sys.stderr.flush()
    module = MESA_MODULE if args.mesa else APP_MODULE
    cmd = solara_command(args.host, args.port, not args.no_open, module)
    os.execve(cmd[0], cmd, env)  # Solara takes over this process: Ctrl-C and kill reach it directly
    return 0  # not reached


def register(sub) -> None:
    p = sub.add_parser(
        "app",
        help="serve the interactive workshop page (Solara) in the browser",
        description="Serve the workshop page. It binds to 127.0.0.1 (this machine only) unless "
        "--host says otherwise; --host 0.0.0.0 serves everyone on the room's network.",
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT})",
    )
    p.add_argument("--no-open", action="store_true", help="do not open a browser window")
    p.add_argument(
        "--lang",
        choices=LANGS,
        default="sv",
        help="language a new page starts in (default sv; the page has a switch)",
    )
    p.add_argument(
        "--mesa",
        action="store_true",
        help="serve Mesa's standard SolaraViz view of the model instead (English, one model)",
    )
    p.add_argument(
        "--sessions",
        default=os.environ.get(SESSIONS_ENV) or "trustsim-sessions",
        metavar="DIR",
        help="folder for participatory session files (default ./trustsim-sessions, "
        "created when the first session starts)",
    )
    p.set_defaults(func=cmd_app)
