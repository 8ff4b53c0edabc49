"""The development graph: premise → pitch → gate → bible → gate → outline → gate → production.

    plan ─▶ negotiate (subgraph) ─▶ gate ─▶ record ─┬─▶ plan        (approve / edit)
      │          ▲                                  └─▶ negotiate   (reject with a note)
      └─▶ produce (the episode graph) when the outline is approved
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from graphs.context import DEVELOPMENT, Context
from graphs.episode import graph as episodes
from graphs.gates import gate, record
from graphs.negotiation import graph as negotiation
from graphs.state import RoomState


def plan(state: RoomState) -> dict:
    """Pick the first artifact not yet approved; none left ends the run."""
    approved = state.get("approved", {})
    pending = [name for name in DEVELOPMENT if name not in approved]
    return {"current": pending[0] if pending else None, "decision": None}


def after_plan(state: RoomState, runtime: Runtime[Context]) -> str:
    if state.get("current"):
        return "negotiate"
    return "produce" if runtime.context.produce else END


def after_record(state: RoomState) -> str:
    return "negotiate" if state["decisions"][-1]["action"] == "reject" else "plan"


builder = StateGraph(RoomState, context_schema=Context)
builder.add_node("plan", plan)
builder.add_node("negotiate", negotiation)
builder.add_node("gate", gate)
builder.add_node("record", record)
builder.add_node("produce", episodes)
builder.add_edge(START, "plan")
builder.add_edge("produce", END)
builder.add_conditional_edges("plan", after_plan, ["negotiate", "produce", END])
builder.add_edge("negotiate", "gate")
builder.add_edge("gate", "record")
builder.add_conditional_edges("record", after_record, ["negotiate", "plan"])

# compiled without a checkpointer: the LangGraph server supplies its own, the CLI and tests compile `builder`
graph = builder.compile()
