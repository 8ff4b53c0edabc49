"""Run control of runs that live on a LangGraph server (`room --server URL`), through its SDK.

`ServedRuns` is the part of `graphs.runs.Runs` that `room run`, `status`,
`approve`, `resume` and `chat` use — start, list, view, answer a gate, go on,
talk — read from and sent to a served deployment of `langgraph.json`
(`graphs.served`): a run is a thread of the `development` graph and its id is
the thread's; a chat session is a thread of the `chat` graph. The checks are
the local ones (`gate_answer`, `check_resumable`), so a command says the same
thing and ends with the same exit code either way. The server drives the run;
one run per thread at a time is the server's rule too (a second is refused,
not queued).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import APIConnectionError, ConflictError, LangGraphError, NotFoundError

from graphs.chat import Conversation
from graphs.context import Context
from graphs.errors import RunBusyError, RunStateError, UnknownRunError
from graphs.runs import RunView, check_premise, check_resumable, gate_answer, run_view
from graphs.served import RoomFailure, RunInputError
from tools.errors import ConfigError, InputError, RoomError

GRAPH = "development"  # the served graph a run is a thread of (langgraph.json)
CHAT = "chat"  # the served graph a chat session is a thread of
LISTED = 100  # the most runs `room status` lists from a server


class ServerUnavailableError(ConfigError):
    """The LangGraph server named by --server / ROOM_SERVER cannot be reached."""


class ServedRunError(RoomError):
    """A served run failed on the server; its error, as the server reports it."""


class ServedRuns:
    """The runs of a LangGraph server, as `room` reads and drives them."""

    def __init__(self, ctx: Context, url: str):
        self.ctx = ctx  # this machine's settings: where `room approve` writes the draft it shows
        self.url = url.rstrip("/")
        self.client = get_sync_client(url=self.url)

    def close(self) -> None:
        self.client.http.client.close()

    @contextmanager
    def _calling(self, run_id: str | None = None) -> Iterator[None]:
        """The SDK's and httpx's errors as the room's, in one place."""
        try:
            yield
        except NotFoundError:
            raise UnknownRunError(f"no run '{run_id}' on the server {self.url}") from None
        except ConflictError:
            raise RunBusyError(
                f"run {run_id} is being driven on the server {self.url}: try again when it waits"
            ) from None
        except (APIConnectionError, httpx.TransportError) as exc:
            raise ServerUnavailableError(f"cannot reach the LangGraph server at {self.url}: {exc}") from None
        except LangGraphError as exc:
            raise ServedRunError(f"the LangGraph server at {self.url} refused: {str(exc).splitlines()[0]}") from None

    # ── reading ──────────────────────────────────────────────────────────

    def run_ids(self) -> list[str]:
        """The served runs, oldest first."""
        with self._calling():
            threads = self.client.threads.search(
                metadata={"graph_id": GRAPH}, limit=LISTED, sort_by="created_at", sort_order="asc"
            )
        return [t["thread_id"] for t in threads if (t.get("values") or {}).get("premise")]

    def latest(self) -> str:
        ids = self.run_ids()
        if not ids:
            raise RunStateError(f"the server {self.url} has no run yet")
        return ids[-1]

    def view(self, run_id: str) -> RunView:
        return self._view(run_id, self._snapshot(run_id))

    def _snapshot(self, run_id: str) -> dict:
        """The run's thread's state, as the server gives it."""
        try:
            uuid.UUID(run_id)
        except ValueError:
            raise UnknownRunError(f"no run '{run_id}' on the server {self.url} (a served run's id is its thread's)")
        with self._calling(run_id):
            return self.client.threads.get_state(run_id)

    def _view(self, run_id: str, snap: dict) -> RunView:
        values = snap.get("values") or {}
        if not isinstance(values, dict) or not values.get("premise"):
            raise UnknownRunError(f"no run '{run_id}' on the server {self.url}")
        tasks = snap.get("tasks") or []
        return run_view(
            run_id,
            values,
            waiting=next((i["value"] for i in snap.get("interrupts") or []), None),
            pending=bool(snap.get("next") or tasks),
            errors=[(t["name"], str(t["error"])) for t in tasks if t.get("error")],
            checkpoint_id=(snap.get("checkpoint") or {}).get("checkpoint_id", ""),
            updated=snap.get("created_at") or "",
        )

    # ── driving ──────────────────────────────────────────────────────────

    def start(
        self,
        premise: str,
        *,
        lang: str | None = None,
        episodes: int | None = None,
        auto_approve: tuple[str, ...] | None = None,
        model: str | None = None,
    ) -> tuple[str, Iterator[dict]]:
        """A new served run of `premise` (a new thread); the terms not given are the server's project's."""
        if model:
            raise InputError(f"a served run's models are the server's settings ({self.url}): start it without one")
        given = {
            "premise": check_premise(premise),
            "lang": lang,
            "episodes": episodes,
            "auto_approve": list(auto_approve) if auto_approve is not None else None,
        }
        with self._calling():
            run_id = self.client.threads.create(metadata={"graph_id": GRAPH})["thread_id"]
        return run_id, self._stream(run_id, input={k: v for k, v in given.items() if v is not None})

    def answer(
        self,
        run_id: str,
        action: str,
        *,
        content: Any = None,
        note: str | None = None,
        gate: str | None = None,
        episode: int | None = None,
    ) -> Iterator[dict]:
        """Answer the gate a served run waits at, checked as a local run's answer is (see `Runs.answer`).

        The answer is addressed to the gate's interrupt as this command read it: if the run moved on meanwhile
        (another client answered it), the answer lands on no gate, and the command says so."""
        snap = self._snapshot(run_id)
        answer = gate_answer(self._view(run_id, snap), action, content=content, note=note, gate=gate, episode=episode)
        asked = next((i["id"] for i in snap.get("interrupts") or [] if i.get("id")), None)
        events = self._stream(run_id, command={"resume": {asked: answer} if asked else answer})
        return self._landed(run_id, events)

    def _landed(self, run_id: str, events: Iterator[dict]) -> Iterator[dict]:
        """The answer's events; an answer that no gate took (no decision was made) is a refusal at the end."""
        decided = False
        for event in events:
            decided = decided or event.get("type") == "decision"
            yield event
        if not decided:
            raise RunStateError(
                f"run {run_id} moved on since this command read it: another client answered it "
                f"(see `room status {run_id}`)"
            )

    def resume(self, run_id: str) -> Iterator[dict]:
        """Continue a served run that stopped between steps."""
        check_resumable(self.view(run_id))
        return self._stream(run_id, input=None)

    def render(self, run_id: str, *args: Any, **kwargs: Any) -> Any:
        raise local_only("rendering an episode again")

    def cast(self, run_id: str, *args: Any, **kwargs: Any) -> Any:
        raise local_only("casting a voice")

    def chat(self, run_id: str) -> ServedConversation:
        """A chat session on a served run: a thread of the server's chat graph."""
        self.view(run_id)  # unknown run → clear error before the prompt appears
        return ServedConversation(self, run_id)

    def _stream(self, run_id: str, graph: str = GRAPH, thread: str | None = None, **payload: Any) -> Iterator[dict]:
        """The run's own events (the custom stream the CLI shows) while the server drives `graph` on the run's
        thread (or on `thread`, a chat session's) to its next stop."""
        with self._calling(run_id):
            for part in self.client.runs.stream(
                thread or run_id,
                graph,
                stream_mode="custom",
                stream_subgraphs=True,
                multitask_strategy="reject",
                **payload,
            ):
                if part.event == "error":
                    data = part.data if isinstance(part.data, dict) else {"message": str(part.data)}
                    raise room_error(run_id, data.get("error", "error"), data.get("message", ""))
                if part.event.startswith("custom") and isinstance(part.data, dict):
                    yield part.data


class ServedConversation(Conversation):
    """One chat session on a served run, as `graphs.chat.Conversation` is on a local one: each line is a run of
    the server's `chat` graph on the session's thread."""

    def __init__(self, runs: ServedRuns, run_id: str):
        self.runs = runs
        self.run_id = run_id
        with runs._calling(run_id):
            self.session = runs.client.threads.create()["thread_id"]

    def _line(self, action: str, message: str = "", role: str | None = None) -> Iterator[dict]:
        line = {"run_id": self.run_id, "action": action, "message": message, "role": role}
        yield from self.runs._stream(self.run_id, CHAT, self.session, input=line)

    def session_values(self) -> dict:
        with self.runs._calling(self.run_id):
            return self.runs.client.threads.get_state(self.session)["values"]


def local_only(what: str) -> InputError:
    return InputError(f"{what} works on this project's runs, not on a server's (--server / ROOM_SERVER)")


def room_error(run_id: str, name: str, message: str) -> RoomError:
    """The room's error for a served run's error event: its refused input, a room error by its kind (so the command
    ends with the exit code it does locally), else the server's own words."""
    if name == RunInputError.__name__:
        return InputError(message)
    if name == RoomFailure.__name__:
        kind, _, text = message.partition(": ")
        known = _room_errors().get(kind)
        try:
            return known(text) if known else ServedRunError(message)
        except TypeError:  # one that is not made from a line (RunStopped)
            return ServedRunError(message)
    return ServedRunError(f"run {run_id} failed on the server: {name}: {message}")


def _room_errors() -> dict[str, type[RoomError]]:
    found: dict[str, type[RoomError]] = {}
    todo = [RoomError]
    while todo:
        kind = todo.pop()
        found[kind.__name__] = kind
        todo.extend(kind.__subclasses__())
    return found
