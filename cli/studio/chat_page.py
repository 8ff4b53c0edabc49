"""Chat: the same conversation as `room chat` (routing, `@role`, accept, undo), its answers streamed into the page.

One session per run in this studio (a thread of the chat graph, `graphs.chat.Conversation`), shared by every
page open on it, so the conversation so far is there when a page loads. A line, an accept or an undo is graph
work on the run: it is driven like any other (`Control.drive`), so it is refused while the studio drives the run
(and a gate's answer is refused while a chat line is answered), and its events go to the run's one feed: the
chat page shows who answers and appends the answer's chunks as they come (`/runs/{id}/events`, pushed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from cli.studio.app import page
from cli.studio.control import Control
from cli.views import role_title
from graphs.chat import Conversation, target_artifact
from graphs.context import ROLE_NAMES
from graphs.runs import Runs
from tools.errors import InputError, RoomError

router = APIRouter()
MAX_LINE = 4000  # characters of one chat line


class Chats:
    """The studio's chat sessions, one per run, made when a page first talks about the run."""

    def __init__(self, runs: Runs):
        self.runs = runs
        self._sessions: dict[str, Conversation] = {}
        self._lock = threading.Lock()

    def session(self, run_id: str) -> Conversation:
        with self._lock:
            if run_id not in self._sessions:
                self._sessions[run_id] = self.runs.chat(run_id)  # an unknown run: a one-line error
            return self._sessions[run_id]


def chats_of(request: Request) -> Chats:
    return request.app.state.chats  # made with the app (`cli.studio.app.create_app`)


def read_line(line: str, role: str) -> tuple[str, str | None]:
    """A chat line and who it is for (None: routed, or `@role` in the line); a bad one is a one-line error."""
    line = line.strip()
    if not line:
        raise InputError("the chat line is empty: write something to the room")
    if len(line) > MAX_LINE:
        raise InputError(f"a chat line is at most {MAX_LINE} characters: shorten it")
    if role and role not in ROLE_NAMES:
        raise InputError(f"unknown role {role!r}: choose one of {', '.join(ROLE_NAMES)}")
    return line, role or None


def check_change(convo: Conversation, action: str) -> None:
    """Accept needs an exchange, undo an accepted change: refused before any work starts."""
    values = convo.session_values()
    if action == "accept" and not values.get("turns"):
        raise InputError("nothing to accept yet: ask the room something first")
    if action == "undo" and not values.get("undo"):
        raise InputError("nothing to undo in this session")


def plainly(events: Iterator[dict]) -> Iterator[dict]:
    """The chat graph refuses with a ValueError ("there is no bible yet to change"): said as the room's one line."""
    try:
        yield from events
    except ValueError as exc:
        raise InputError(str(exc)) from None


def changing(convo: Conversation, action: str) -> Iterator[dict]:
    """Accept or undo as a drive's events: what the artifact is now."""
    name, version = convo.accept() if action == "accept" else convo.undo()
    yield {"type": "changed", "action": action, "artifact": name, "version": version}


def chat_page(request: Request, run_id: str, *, status_code: int = 200, error: str | None = None, line: str = ""):
    """The chat page: the run, the session's turns, the form (with the line kept and the error said, on an error)."""
    control: Control = request.app.state.control
    view = control.runs.view(run_id)
    convo = chats_of(request).session(run_id)
    values = convo.session_values()
    name = target_artifact(view.values)
    feed = control.feed(run_id)
    return page(
        request,
        "chat.html",
        status_code=status_code,
        view=view,
        turns=values.get("turns", []),
        changed=values.get("changed"),
        can_undo=bool(values.get("undo")),
        target=name,
        target_version=view.values.get("versions", {}).get(name, 0),
        roles=[(r, role_title(r, view.values.get("lang", control.ctx.lang))) for r in ROLE_NAMES],
        busy=control.busy(run_id),
        after=feed.next_id - 1,  # the page streams what comes after it was drawn
        error=error,
        line=line,
    )


def refused(request: Request, run_id: str, exc: RoomError, line: str = ""):
    """A refused chat form: a page gets it inline with the line kept; a script (or the page's own fetch) one line."""
    if "text/html" not in request.headers.get("accept", ""):
        raise exc
    return chat_page(
        request, run_id, status_code=400 if isinstance(exc, InputError) else 409, error=str(exc), line=line
    )


@router.get("/runs/{run_id}/chat")
def chat(request: Request, run_id: str):
    return chat_page(request, run_id)


@router.post("/runs/{run_id}/chat")
def ask(
    request: Request,
    run_id: str,
    line: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
):
    control: Control = request.app.state.control
    try:
        message, addressed = read_line(line, role)
        convo = chats_of(request).session(run_id)
        control.drive(run_id, lambda: plainly(convo.ask(message, addressed)))
    except RoomError as exc:
        return refused(request, run_id, exc, line)
    return RedirectResponse(f"/runs/{run_id}/chat", status_code=303)


@router.post("/runs/{run_id}/chat/{action}")
def change(request: Request, run_id: str, action: str):
    if action not in ("accept", "undo"):
        raise InputError(f"unknown chat action {action!r}: accept or undo")
    control: Control = request.app.state.control
    try:
        convo = chats_of(request).session(run_id)
        check_change(convo, action)
        control.drive(run_id, lambda: plainly(changing(convo, action)))
    except RoomError as exc:
        return refused(request, run_id, exc)
    return RedirectResponse(f"/runs/{run_id}/chat", status_code=303)
