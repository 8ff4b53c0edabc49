"""The room's graph: premise → pitch → gate → bible → gate → outline → gate → every episode.

    plan ─▶ negotiate (subgraph) ─▶ gate ─▶ record ─┬─▶ plan        (approve / edit)
      │          ▲                                  └─▶ negotiate   (reject with a note)
      └─▶ next_episode (production, see graphs.episode) when the outline is approved

Production's nodes are this graph's own, not a nested graph: every episode's
steps and gates are checkpoints of the run, and nothing a nested graph hands
back is added to the room's state twice.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from graphs.context import DEVELOPMENT, Context
from graphs.episode import add_production
from graphs.state import RoomState, RunInput, RunOutput
from graphs.stops import at_safe_point


def plan(state: RoomState) -> dict:
    """Pick the first artifact not yet approved; none left goes on to production (or ends the run)."""
    approved = state.get("approved", {})
    pending = [name for name in DEVELOPMENT if name not in approved]
    return {"current": pending[0] if pending else None, "decision": None}


def after_plan(state: RoomState, runtime: Runtime[Context]) -> str:
    if state.get("current"):
        return "negotiate"
    return "next_episode" if runtime.context.produce else END


builder = add_production(
    StateGraph(RoomState, context_schema=Context, input_schema=RunInput, output_schema=RunOutput), develop=True
)
builder.add_node("plan", at_safe_point(plan))
builder.add_edge(START, "plan")
builder.add_conditional_edges("plan", after_plan, ["negotiate", "next_episode", END])

# compiled without a checkpointer: the LangGraph server supplies its own, the CLI and tests compile `builder`
graph = builder.compile()
