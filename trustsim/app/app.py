"""The workshop page: run it with `trustsim app`, or `solara run trustsim.app.app`.

Solara imports this module once per server and calls `Page` for every browser session, so the
model must not be created here at module level (it would be shared by every visitor): `Page`
creates one `Workshop` per session with `solara.use_memo`.
"""

from __future__ import annotations

import os
import warnings

# Reacton's fast render walk: a Play frame updates the ~30 widgets that changed instead of walking
# all ~700 of the page (set before the first render; `trustsim app` sets it too).
os.environ.setdefault("REACTON_FAST", "1")
# Served on http://127.0.0.1 (not "localhost"), Solara warns at every page load that it falls back
# to SameSite=lax cookies. That fallback is what this page wants (it is never embedded in an
# iframe), so the 13-line warning is silenced here, for this one message only.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

import solara

from trustsim.app.components import WorkshopView, describe_error
from trustsim.app.i18n import default_lang, t
from trustsim.app.participate import ConsolePage, JoinPage
from trustsim.app.session import Workshop, release_memory


def _on_session_start():
    """Solara calls this when a session (kernel) starts; what it returns, when the session ends."""
    return release_memory


solara.lab.on_kernel_start(_on_session_start)


def new_workshop() -> Workshop | tuple:
    """A fresh Workshop for a new session, or the page message saying why it cannot start."""
    try:
        return Workshop()
    except Exception as exc:  # noqa: BLE001 - e.g. a broken scenario: a message, no traceback
        return describe_error(exc)


@solara.component
def Page():
    """One browser session: its own runs, its own language."""
    workshop = solara.use_memo(new_workshop, [])
    lang = default_lang()
    # `/?teacher`: the teacher's view, with the exercises' answer key beside every question
    query = (solara.use_router().search or "").split("&")
    teacher = any(part.split("=")[0] == "teacher" for part in query)
    if isinstance(workshop, tuple):
        _, key, values = workshop
        solara.Error(t(key, lang, **values), classes=["ts-error"])
        return
    WorkshopView(workshop, initial_lang=lang, teacher=teacher)


@solara.component
def Bare(children=[]):  # noqa: B006 - Solara's layout signature
    """The pages' layout: no app bar and no tabs between the routes (participants on phones
    should not see a link to the console, and the workshop page keeps its own toolbar)."""
    return solara.AppLayout(children=children, navigation=False)


# `/` the workshop page; `/console` the facilitator's console of a participatory session;
# `/join` the participants' page (phones). See trustsim/app/participate.py.
routes = [
    solara.Route(path="/", component=Page, label="trustsim", layout=Bare),
    solara.Route(path="console", component=ConsolePage, label="console", layout=Bare),
    solara.Route(path="join", component=JoinPage, label="join", layout=Bare),
]
