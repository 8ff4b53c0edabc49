"""The memory: search the project's shared memory by meaning, or list it newest first, with each record's provenance.

The same calls as `room memory search` and `room memory list` (`RoomMemory.search` and `.list` on the project's
memory), which filter on run, kind, status, role and episode themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request

from cli.studio.app import page
from cli.studio.control import Control
from graphs.context import ROLE_NAMES
from memory.records import Kind, MemoryRecord, Status
from memory.store import RoomMemory
from tools.errors import InputError

router = APIRouter()
SHOWN = 100  # records a page shows at most: the nearest when searching, the newest when listing
AUTHORS = (*ROLE_NAMES, "room", "human", "system")  # who writes records: a role, the room (a consensus), the writer
MAX_QUERY = 500  # characters of a search


@dataclass(frozen=True)
class Filters:
    """What the search form asks for; "" or None is "any"."""

    q: str = ""
    run: str = ""
    kind: str = ""
    role: str = ""
    episode: int | None = None
    status: str = ""


FIELDS = ("q", "run", "kind", "role", "episode", "status")


def typed(params: Any) -> dict[str, str]:
    """The form's values as the person gave them (kept in the form when one of them is refused)."""
    return {name: (params.get(name) or "").strip() for name in FIELDS}


def read_filters(value: dict[str, str], run_ids: list[str]) -> Filters:
    """The form's values, each checked: one that is not one of the choices is a one-line error."""
    choices = {"kind": [k.value for k in Kind], "role": AUTHORS, "status": [s.value for s in Status], "run": run_ids}
    for name, allowed in choices.items():
        if value[name] and value[name] not in allowed:
            raise InputError(f"unknown {name} {value[name]!r}: choose one of {', '.join(allowed) or 'none yet'}")
    episode = value["episode"]
    if episode and not (episode.isascii() and episode.isdigit()):
        raise InputError(f"the episode is a number (0 for the series), not {episode!r}")
    if len(value["q"]) > MAX_QUERY:
        raise InputError(f"a search is at most {MAX_QUERY} characters: shorten it")
    return Filters(**{**value, "episode": int(episode) if episode else None})


def found(memory: RoomMemory, filters: Filters) -> list[tuple[MemoryRecord, float | None]]:
    """The records to show with their closeness to the query: the nearest with a query, else the newest."""
    chosen = {
        "run_id": filters.run or None,
        "status": filters.status or None,
        "role": filters.role or None,
        "episode": filters.episode,
    }
    if filters.q:
        hits = memory.search(filters.q, kinds=filters.kind or None, k=SHOWN, **chosen)
        return [(h.record, h.score) for h in hits]
    records = memory.list(kind=filters.kind or None, **chosen)
    return [(r, None) for r in reversed(records[-SHOWN:])]


@router.get("/memory")
def memory(request: Request):
    control: Control = request.app.state.control
    run_ids = control.runs.run_ids()
    form = typed(request.query_params)
    try:
        rows, error = found(control.memory(), read_filters(form, run_ids)), None
    except InputError as exc:
        if "text/html" not in request.headers.get("accept", ""):
            raise
        rows, error = [], str(exc)  # a page: the error inline, above the form as it was filled in
    return page(
        request,
        "memory.html",
        status_code=400 if error else 200,
        form=form,
        error=error,
        rows=rows,
        shown=SHOWN,
        kinds=[k.value for k in Kind],
        roles=AUTHORS,
        statuses=[s.value for s in Status],
        run_ids=list(reversed(run_ids)),
    )
