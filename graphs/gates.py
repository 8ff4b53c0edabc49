"""Gates and what follows them: the person's answer, and carrying it out.

`gate` only interrupts with structured data and returns the person's answer:
it re-runs from its first line on resume, so it has no side effects. All
writes (memory, decisions log, exports) happen in `record`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents.roles import ARTIFACTS
from graphs.context import Context
from graphs.negotiation import dump, emit
from graphs.room import Room
from graphs.state import RoomState, artifact_id
from memory import Kind, MemoryRecord, Status
from tools import export

ACTIONS = ("approve", "edit", "reject")


def gate_payload(state: RoomState) -> dict[str, Any]:
    """What waits for the person: the artifact, its version, how the room got there, who disagrees."""
    name = state["current"]
    outcome = state.get("outcome", {})
    return {
        "gate": name,
        "run_id": state["run_id"],
        "episode": state.get("episode", 0) if ARTIFACTS[name].per_episode else 0,
        "version": state["versions"][name],
        "author": state.get("authors", {}).get(name, ""),
        "rounds": outcome.get("rounds", 0),
        "status": outcome.get("status", ""),
        "dissent": [
            {"reviewer": d["reviewer"], "verdict": d["verdict"], "summary": d["summary"], "issues": d["issues"]}
            for d in outcome.get("dissent", [])
        ],
        "content": state["artifacts"][name],
        "actions": list(ACTIONS),
    }


def auto_approved(state: RoomState, runtime: Runtime[Context], name: str) -> bool:
    """Whether the gate passes without a person: set for this process, or when the run was started."""
    started_with = state.get("auto_approve", [])
    return runtime.context.auto_approves(name) or "all" in started_with or name in started_with


def gate(state: RoomState, runtime: Runtime[Context]) -> dict:
    name = state["current"]
    if auto_approved(state, runtime, name):
        return {"decision": {"action": "approve", "by": "auto"}}
    answer = interrupt(gate_payload(state))
    return {"decision": {"by": "human", **answer}}


def _canon(run_id: str, name: str, version: int, content: dict, author: str, episode: int = 0) -> list[MemoryRecord]:
    """Break an approved artifact into the canon records it declares, which the room retrieves first."""
    base = {"role": author, "run_id": run_id, "artifact": artifact_id(name, episode), "version": version,
            "status": Status.APPROVED}
    return [MemoryRecord(kind=c.kind, key=c.key, text=c.text, episode=episode if c.episode is None else c.episode, **base)
            for c in ARTIFACTS[name].canon(content)]


def record(state: RoomState, runtime: Runtime[Context]) -> dict:
    """Carry out the gate's answer: memory, decisions log, exports."""
    room, name, run_id = Room.of(runtime, state), state["current"], state["run_id"]
    episode = state.get("episode", 0) if ARTIFACTS[name].per_episode else 0
    key = artifact_id(name, episode)
    run_dir = room.ctx.outputs_dir / run_id
    folder = run_dir / "episodes" / f"ep{episode:02d}" if episode else run_dir
    decision = state["decision"]
    action = decision["action"]
    version = state["versions"][name]
    mem = room.memory
    update: dict[str, Any] = {}
    content = state["artifacts"][name]
    author = state.get("authors", {}).get(name, "")
    if action == "edit":
        # the person's version replaces the artifact and is recorded as theirs
        content, author, version = decision["content"], "human", version + 1
        mem.put([MemoryRecord(kind=Kind.ARTIFACT, text=dump(content), role="human", run_id=run_id,
                              artifact=key, episode=episode, version=version, status=Status.APPROVED)])
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
        mem.put([MemoryRecord(kind=Kind.NOTE, text=f"The writer rejected {key} v{version}: {note}", role="human",
                              run_id=run_id, artifact=key, episode=episode, version=version, key="reject")])
        update["notes"] = {name: [*state.get("notes", {}).get(name, []), note]}
    entry = log_decision(room, state, gate=name, episode=episode, version=version, note=decision.get("note", ""),
                         rounds=state.get("outcome", {}).get("rounds", 0), subject=f"{key} v{version}", artifact=key,
                         memory_version=version, shown_as=name)
    return {**update, "decisions": [entry], "decision": None}


def log_decision(room: Room, state: RoomState, *, gate: str, episode: int, version: int, note: str, rounds: int,
                 subject: str, artifact: str, shown_as: str, memory_version: int = 0) -> dict:
    """Keep the answer of a gate three ways: a decision in memory, the decisions log, the live view.

    Returns the decisions-log entry, which the caller adds to the state. The
    entry's id is its place in the log, so the same answer, recorded again by
    a re-run node, is the same entry and the same memory record.
    """
    decision = state["decision"]
    action, by = decision["action"], decision.get("by", "human")
    number = len(state.get("decisions", [])) + 1
    entry = {"id": f"d{number}", "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "gate": gate,
             "episode": episode, "action": action, "by": by, "version": version, "note": note, "rounds": rounds}
    room.memory.put([MemoryRecord(
        kind=Kind.DECISION, text=f"{by} chose {action} for {subject}. {note}".strip(),
        role="human" if by == "human" else "room", run_id=state["run_id"], artifact=artifact, episode=episode,
        version=memory_version, key=f"decision-{number}")])
    export.write_decisions(room.ctx.outputs_dir / state["run_id"], [*state.get("decisions", []), entry])
    emit(type="decision", artifact=shown_as, action=action, by=by, version=version)
    return entry
