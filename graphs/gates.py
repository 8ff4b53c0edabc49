"""Gates and what follows them: the person's answer, and carrying it out.

Every gate is described the same way, by a `Gate`: what waits (its name, the
artifact, episode and version), what the person is shown, the answers it takes
and how its decision is recorded. The room has two kinds, `artifact_gate` (a
negotiated artifact: pitch, bible, outline, an episode's script) and
`final_cut_gate` (an episode's video); one node, `ask`, serves both.

A gate node only interrupts with structured data and returns the person's
answer: it re-runs from its first line on resume, so it has no side effects.
All writes (memory, decisions log, exports) happen in the node after it
(`record`, or the episode graph's `record_final`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents.arc import hook_timing
from agents.production import episode_entry
from agents.roles import ARTIFACTS
from graphs.context import Context
from graphs.events import emit
from graphs.negotiation import dump
from graphs.room import Room
from graphs.state import RoomState, artifact_id
from memory import Kind, MemoryRecord, Status
from tools import export

ACTIONS = ("approve", "edit", "reject")
FINAL_CUT = "final_cut"


@dataclass(frozen=True)
class Gate:
    """One gate as it stands: what waits, what the person is shown, and how the answer is recorded."""

    name: str  # the gate ("pitch", "script", "final_cut"): what auto-approval and the person call it
    episode: int  # the episode it is of (0 = a series artifact)
    version: int
    artifact: str  # memory's id of what the decision is about ("bible", "ep01.script")
    subject: str  # how the decision reads in memory ("ep01.script v2", "the final cut of episode 1")
    shown_as: str  # how the live view names it
    author: str = ""
    rounds: int = 0
    status: str = ""
    dissent: list[dict] = field(default_factory=list)
    originality: dict = field(default_factory=dict)  # the originality guard's score (`graphs.originality`)
    content: dict = field(default_factory=dict)
    actions: tuple[str, ...] = ACTIONS
    memory_version: int = 0  # the version the decision's memory record names (0: none in particular)

    def payload(self, run_id: str) -> dict[str, Any]:
        """What waits for the person: the artifact, its version, how the room got there, who disagrees."""
        return {
            "gate": self.name,
            "run_id": run_id,
            "episode": self.episode,
            "version": self.version,
            "author": self.author,
            "rounds": self.rounds,
            "status": self.status,
            "dissent": self.dissent,
            "originality": self.originality,
            "content": self.content,
            "actions": list(self.actions),
        }

    def at_version(self, version: int) -> Gate:
        """The same gate answered with another version of its artifact (the person's edit)."""
        return replace(self, version=version, subject=f"{self.artifact} v{version}", memory_version=version)


def artifact_gate(state: RoomState) -> Gate:
    """The gate of the artifact the room negotiated (`state["current"]`)."""
    name = state["current"]
    outcome = state.get("outcome", {})
    episode = state.get("episode", 0) if ARTIFACTS[name].per_episode else 0
    key, version = artifact_id(name, episode), state["versions"][name]
    return Gate(
        name=name,
        episode=episode,
        version=version,
        artifact=key,
        subject=f"{key} v{version}",
        shown_as=name,
        author=state.get("authors", {}).get(name, ""),
        rounds=outcome.get("rounds", 0),
        status=outcome.get("status", ""),
        dissent=[
            {"reviewer": d["reviewer"], "verdict": d["verdict"], "summary": d["summary"], "issues": d["issues"]}
            for d in outcome.get("dissent", [])
        ],
        originality=outcome.get("originality") or {},
        content=state["artifacts"][name],
        memory_version=version,
    )


def final_cut_gate(state: RoomState) -> Gate:
    """The gate of an episode's video: approving it finishes the episode, rejecting it goes back to the script."""
    episode = state["episode"]
    produced = episode_entry(state, episode).get("produced", {})
    return Gate(
        name=FINAL_CUT,
        episode=episode,
        version=state.get("versions", {}).get("script", 1),
        artifact=artifact_id("script", episode),
        subject=f"the final cut of episode {episode}",
        shown_as=f"final cut {episode}",
        author="editor",
        status="rendered",
        content={
            "video": produced.get("video"),
            "duration": round(produced.get("duration", 0), 1),
            **hook_timing(produced.get("first_line_at")),
            "files": produced.get("files"),
        },
        actions=("approve", "reject"),
    )


def auto_approved(state: RoomState, runtime: Runtime[Context], name: str) -> bool:
    """Whether the gate passes without a person: set for this process, or when the run was started."""
    started_with = state.get("auto_approve", [])
    return runtime.context.auto_approves(name) or "all" in started_with or name in started_with


def ask(describe: Callable[[RoomState], Gate]) -> Callable[..., dict]:
    """A gate node: the gate `describe` gives passes on its own, or waits for the person's answer."""

    def node(state: RoomState, runtime: Runtime[Context]) -> dict:
        gate = describe(state)
        if auto_approved(state, runtime, gate.name):
            return {"decision": {"action": "approve", "by": "auto"}}
        answer = interrupt(gate.payload(state["run_id"]))
        return {"decision": {"by": "human", **answer}}

    node.__name__ = node.__qualname__ = f"ask_{describe.__name__}"
    return node


gate = ask(artifact_gate)
final_gate = ask(final_cut_gate)


def _canon(run_id: str, name: str, version: int, content: dict, author: str, episode: int = 0) -> list[MemoryRecord]:
    """Break an approved artifact into the canon records it declares, which the room retrieves first."""
    base = {
        "role": author,
        "run_id": run_id,
        "artifact": artifact_id(name, episode),
        "version": version,
        "status": Status.APPROVED,
    }
    return [
        MemoryRecord(kind=c.kind, key=c.key, text=c.text, episode=episode if c.episode is None else c.episode, **base)
        for c in ARTIFACTS[name].canon(content)
    ]


def record(state: RoomState, runtime: Runtime[Context]) -> dict:
    """Carry out the gate's answer: memory, decisions log, exports."""
    room, name, run_id = Room.of(runtime, state), state["current"], state["run_id"]
    answered = artifact_gate(state)
    episode, key = answered.episode, answered.artifact
    run_dir = room.ctx.outputs_dir / run_id
    folder = run_dir / "episodes" / f"ep{episode:02d}" if episode else run_dir
    decision = state["decision"]
    action = decision["action"]
    version = answered.version
    mem = room.memory
    update: dict[str, Any] = {}
    content = answered.content
    author = answered.author
    if action == "edit":
        # the person's version replaces the artifact and is recorded as theirs
        content, author, version = decision["content"], "human", version + 1
        answered = answered.at_version(version)
        mem.put(
            [
                MemoryRecord(
                    kind=Kind.ARTIFACT,
                    text=dump(content),
                    role="human",
                    run_id=run_id,
                    artifact=key,
                    episode=episode,
                    version=version,
                    status=Status.APPROVED,
                )
            ]
        )
        update.update(artifacts={name: content}, versions={name: version}, authors={name: "human"})
    if action in ("approve", "edit"):
        mem.set_status(run_id, key, version, Status.APPROVED)
        mem.put(_canon(run_id, name, version, content, author, episode))
        if not episode:
            update["approved"] = {name: version}
        export.write_artifact(folder, name, content, state["lang"], ARTIFACTS[name].markdown)
    else:
        note = decision.get("note", "").strip()
        mem.set_status(run_id, key, version, Status.REJECTED)
        mem.put(
            [
                MemoryRecord(
                    kind=Kind.NOTE,
                    text=f"The writer rejected {key} v{version}: {note}",
                    role="human",
                    run_id=run_id,
                    artifact=key,
                    episode=episode,
                    version=version,
                    key="reject",
                )
            ]
        )
        update["notes"] = {name: [*state.get("notes", {}).get(name, []), note]}
    entry = log_decision(room, state, answered, note=decision.get("note", ""))
    return {**update, "decisions": [entry], "decision": None}


def log_decision(room: Room, state: RoomState, gate: Gate, *, note: str) -> dict:
    """Keep the answer of `gate` three ways: a decision in memory, the decisions log, the live view.

    Returns the decisions-log entry, which the caller adds to the state. The
    entry's id is its place in the log, so the same answer, recorded again by
    a re-run node, is the same entry and the same memory record.
    """
    decision = state["decision"]
    action, by = decision["action"], decision.get("by", "human")
    number = len(state.get("decisions", [])) + 1
    entry = {
        "id": f"d{number}",
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "gate": gate.name,
        "episode": gate.episode,
        "action": action,
        "by": by,
        "version": gate.version,
        "note": note,
        "rounds": gate.rounds,
    }
    room.memory.put(
        [
            MemoryRecord(
                kind=Kind.DECISION,
                text=f"{by} chose {action} for {gate.subject}. {note}".strip(),
                role="human" if by == "human" else "room",
                run_id=state["run_id"],
                artifact=gate.artifact,
                episode=gate.episode,
                version=gate.memory_version,
                key=f"decision-{number}",
            )
        ]
    )
    export.write_decisions(room.ctx.outputs_dir / state["run_id"], [*state.get("decisions", []), entry])
    emit(type="decision", artifact=gate.shown_as, action=action, by=by, version=gate.version)
    return entry
