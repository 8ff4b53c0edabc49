"""The development graph: premise → pitch → gate → bible → gate → outline → gate.

    plan ─▶ negotiate (subgraph) ─▶ gate ─▶ record ─┬─▶ plan        (approve / edit)
                 ▲                                  └─▶ negotiate   (reject with a note)

`gate` only interrupts with structured data and returns the person's answer:
it re-runs from its first line on resume, so it has no side effects. All
writes (memory, decisions log, exports) happen in `record`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graphs import services
from graphs.context import GATES, Context
from graphs.negotiation import dump, emit
from graphs.negotiation import graph as negotiation
from graphs.state import RoomState
from memory import Kind, MemoryRecord, Status
from tools import export

ACTIONS = ("approve", "edit", "reject")


def plan(state: RoomState) -> dict:
    """Pick the first artifact not yet approved; none left ends the run."""
    approved = state.get("approved", {})
    pending = [name for name in GATES if name not in approved]
    return {"current": pending[0] if pending else None, "decision": None}


def after_plan(state: RoomState) -> str:
    return "negotiate" if state.get("current") else END


def gate_payload(state: RoomState) -> dict[str, Any]:
    """What waits for the person: the artifact, its version, how the room got there, who disagrees."""
    name = state["current"]
    outcome = state.get("outcome", {})
    return {
        "gate": name,
        "run_id": state["run_id"],
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


def gate(state: RoomState, runtime: Runtime[Context]) -> dict:
    name = state["current"]
    if runtime.context.auto_approves(name):
        return {"decision": {"action": "approve", "by": "auto"}}
    answer = interrupt(gate_payload(state))
    return {"decision": {"by": "human", **answer}}


def _canon(run_id: str, name: str, version: int, content: dict, author: str) -> list[MemoryRecord]:
    """Break an approved artifact into canon records the room retrieves first."""
    base = {"role": author, "run_id": run_id, "artifact": name, "version": version, "status": Status.APPROVED}
    records: list[MemoryRecord] = []
    if name == "pitch":
        records.append(MemoryRecord(kind=Kind.EPISODE_SUMMARY, key="series", text=f"{content['title']}: {content['logline']}", **base))
    elif name == "bible":
        for c in content["characters"]:
            records.append(MemoryRecord(kind=Kind.CHARACTER, key=c["name"], text=dump(c), **base))
        for loc in content["locations"]:
            records.append(MemoryRecord(kind=Kind.LOCATION, key=loc["name"], text=dump(loc), **base))
        world = content["world"]
        records.append(MemoryRecord(kind=Kind.WORLD_RULE, key="era", text=f"Era: {world['era']}", **base))
        for i, rule in enumerate(world["rules"]):
            records.append(MemoryRecord(kind=Kind.WORLD_RULE, key=f"rule{i}", text=rule, **base))
        records.append(MemoryRecord(kind=Kind.STYLE, key="style", text=f"Tone: {content['tone']}. Visual style: {content['visual_style']}", **base))
    elif name == "outline":
        for ep in content["episodes"]:
            ep_base = {**base, "episode": ep["number"]}
            records.append(MemoryRecord(kind=Kind.EPISODE_SUMMARY, key="summary", text=f"Ep {ep['number']} {ep['title']}: hook {ep['hook']}; cliffhanger {ep['cliffhanger']}", **ep_base))
            for i, beat in enumerate(ep["beats"]):
                records.append(MemoryRecord(kind=Kind.BEAT, key=f"beat{i}", text=f"[{beat['intensity']}/10] {beat['description']}", **ep_base))
    return records


def record(state: RoomState, runtime: Runtime[Context]) -> dict:
    """Carry out the gate's answer: memory, decisions log, exports."""
    ctx, name, run_id = runtime.context, state["current"], state["run_id"]
    decision = state["decision"]
    action, by = decision["action"], decision.get("by", "human")
    version = state["versions"][name]
    mem = services.memory(ctx)
    update: dict[str, Any] = {}
    content = state["artifacts"][name]
    author = state.get("authors", {}).get(name, "")
    if action == "edit":
        # the person's version replaces the artifact and is recorded as theirs
        content, author, version = decision["content"], "human", version + 1
        mem.put([MemoryRecord(kind=Kind.ARTIFACT, text=dump(content), role="human", run_id=run_id,
                              artifact=name, version=version, status=Status.APPROVED)])
        update.update(artifacts={name: content}, versions={name: version}, authors={name: "human"})
    if action in ("approve", "edit"):
        mem.set_status(run_id, name, version, Status.APPROVED)
        mem.put(_canon(run_id, name, version, content, author))
        update["approved"] = {name: version}
        export.write_artifact(ctx.outputs_dir / run_id, name, content, state["lang"])
    else:
        note = decision.get("note", "").strip()
        mem.set_status(run_id, name, version, Status.REJECTED)
        mem.put([MemoryRecord(kind=Kind.NOTE, text=f"The writer rejected {name} v{version}: {note}", role="human",
                              run_id=run_id, artifact=name, version=version, key="reject")])
        update["notes"] = {name: [*state.get("notes", {}).get(name, []), note]}
    entry = {
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "gate": name, "action": action, "by": by, "version": version,
        "note": decision.get("note", ""), "rounds": state.get("outcome", {}).get("rounds", 0),
    }
    mem.put([MemoryRecord(kind=Kind.DECISION, text=f"{by} chose {action} for {name} v{version}. {entry['note']}".strip(),
                          role="human" if by == "human" else "room", run_id=run_id, artifact=name,
                          version=version, key=f"gate-{len(state.get('decisions', []))}")])
    export.write_decisions(ctx.outputs_dir / run_id, [*state.get("decisions", []), entry])
    emit(type="decision", artifact=name, action=action, by=by, version=version)
    return {**update, "decisions": [entry], "decision": None}


def after_record(state: RoomState) -> str:
    return "negotiate" if state["decisions"][-1]["action"] == "reject" else "plan"


builder = StateGraph(RoomState, context_schema=Context)
builder.add_node("plan", plan)
builder.add_node("negotiate", negotiation)
builder.add_node("gate", gate)
builder.add_node("record", record)
builder.add_edge(START, "plan")
builder.add_conditional_edges("plan", after_plan, ["negotiate", END])
builder.add_edge("negotiate", "gate")
builder.add_edge("gate", "record")
builder.add_conditional_edges("record", after_record, ["negotiate", "plan"])

# compiled without a checkpointer: the LangGraph server supplies its own, the CLI and tests compile `builder`
graph = builder.compile()
