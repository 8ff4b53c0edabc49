"""Production: from an approved outline episode to a finished, labelled vertical video.

    next_episode ─▶ negotiate (script) ─▶ gate ─▶ record ─┬─▶ start_shots ─▶ negotiate (shots) ─▶ art ─▶ cast
         ▲                ▲                              └─ reject ─┘ (back to the script)                   │
         │                └──────────── reject (final cut) ◀─ record_final ◀─ final_gate ◀─ produce ◀─────┘
         └──────────────────────────── approve ─────────────────┘

`add_production` puts these nodes into a graph that has (or gets) the room's
`negotiate`, `gate` and `record` nodes: the development graph, so that every
episode's steps and gates are checkpoints of the run itself (each one can be
rewound to), and this module's own `graph`, usable alone with an approved
outline in state. Gates only interrupt; every side effect is in another node.
The model-calling steps (script, shots, art direction) are this graph's; `cast`
and `produce` call `agents.production`, the pipeline `room render` calls too.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents import production
from agents.art_director import DIRECTION, ROLE as ART_DIRECTOR, ArtDirection
from agents.production import episode_entry, episode_key
from agents.production.choices import keep_choices
from agents.production.fitting import episode_as_cast
from agents.production.frames import settle_sheets
from agents.roles import ARTIFACTS
from graphs.context import Context
from graphs.events import emit
from graphs.gates import final_cut_gate, final_gate, gate, log_decision, record
from graphs.negotiation import dump, graph as negotiation, task_variables
from graphs.room import Room
from graphs.state import EpisodeInput, EpisodeOutput, RoomState
from graphs.stops import at_safe_point
from memory import Kind, MemoryRecord, Status
from tools.errors import InputError

# an episode's artifacts in the order they are made: the script, then its shots
EPISODE = tuple(name for name, spec in ARTIFACTS.items() if spec.per_episode)


def next_episode(state: RoomState) -> dict:
    """The first outline episode not yet approved as a final cut; none left ends production."""
    done = {n for n, p in state.get("production", {}).items() if p.get("approved")}
    numbers = range(1, len(state["artifacts"]["outline"]["episodes"]) + 1)  # by place, as the outline numbers them
    pending = [n for n in numbers if episode_key(n) not in done]
    if not pending:
        return {"episode": 0, "current": None}
    return {
        "episode": pending[0],
        "current": EPISODE[0],
        "artifacts": {name: {} for name in EPISODE},
        "versions": {name: 0 for name in EPISODE},
        "outcome": {},
        "decision": None,
    }


def after_next(state: RoomState) -> str:
    return "negotiate" if state.get("current") else END


def after_negotiate(state: RoomState) -> str:
    """An ungated artifact (a shot list) goes to the art director; every other artifact to its gate."""
    return "gate" if ARTIFACTS[state["current"]].gated else "art"


def after_record(state: RoomState) -> str:
    """A rejection goes back to the owner; a series artifact to the next one; an approved script to its shots."""
    if state["decisions"][-1]["action"] == "reject":
        return "negotiate"
    return "start_shots" if ARTIFACTS[state["current"]].per_episode else "plan"


def start_shots(state: RoomState) -> dict:
    """The approved script is the episode's; the next episode artifact (the director's shots) starts from it.

    The script stays where it is, in the run's artifacts, until the next episode's replaces it (production saves
    what it made an episode from in the episode's folder). Named for what it does in this room; the name is kept
    because checkpoints stand at it."""
    following = EPISODE[EPISODE.index(state["current"]) + 1]
    return {"current": following, "artifacts": {following: {}}, "versions": {following: 0}}


def art(state: RoomState, runtime: Runtime[Context]) -> dict:
    """Style guide and visual sheets (fixed once for the series), and a prompt per shot."""
    room, run_id, episode = Room.of(runtime, state), state["run_id"], state["episode"]
    spec = DIRECTION
    emit(type="speak", role=ART_DIRECTOR.name, action="designs", artifact=spec.name, round=1)
    bible = state["artifacts"]["bible"]
    _, shots = episode_as_cast(bible, state["artifacts"]["script"], state["artifacts"]["shots"])
    # the art director works from the shot list as production takes it (every name resolved, the script covered)
    values = {**state, "artifacts": {**state["artifacts"], "shots": shots.model_dump(mode="json")}}
    model = room.model(ART_DIRECTOR.name)
    variables = {
        **task_variables(spec, values, room.ctx, model),
        "notes": "",
        "memory": room.recall("visual style characters looks"),
    }
    direction: ArtDirection = room.perform(
        ART_DIRECTOR,
        spec.name,
        spec.schema_in(values, room.ctx.episodes, small=bool(model.schema_limits)),
        variables,
        max_tokens=spec.max_tokens,
        own=dump(state["artifacts"]),
    )
    known = state.get("art", {})
    style = known.get("style") or direction.style.model_dump(mode="json")
    sheets = settle_sheets(
        state["artifacts"]["bible"], known.get("sheets", {}), [s.model_dump(mode="json") for s in direction.sheets]
    )
    new = sorted(set(sheets) - set(known.get("sheets", {})))
    base = {"role": ART_DIRECTOR.name, "run_id": run_id, "artifact": "art", "status": Status.APPROVED}
    records = [MemoryRecord(kind=Kind.STYLE, key="style", text=dump(style), **base)] if not known.get("style") else []
    records += [MemoryRecord(kind=Kind.ASSET, key=f"sheet:{name}", text=dump(sheets[name]), **base) for name in new]
    if records:
        room.memory.put(records)
    entry = {
        **episode_entry(state, episode),
        "prompts": {p.shot_id: p.prompt for p in direction.prompts},
        "negatives": {p.shot_id: p.negative_prompt for p in direction.prompts if p.negative_prompt.strip()},
    }
    return {"art": {"style": style, "sheets": sheets}, "production": {episode_key(episode): entry}}


def cast(state: RoomState, runtime: Runtime[Context]) -> dict:
    """A voice per character and per bit part that speaks, chosen once and kept for the whole series."""
    voices = production.cast_episode(Room.of(runtime, state).studio, dict(state), state["artifacts"]["script"])
    return {"voices": voices} if voices else {}


def produce(state: RoomState, runtime: Runtime[Context]) -> dict:
    """Frames, voices, the cut, the exports and the video (skipping what is unchanged)."""
    studio, episode = Room.of(runtime, state).studio, state["episode"]
    emit(type="speak", role="editor", action="renders", artifact=f"episode {episode}", round=1)
    inputs = production.episode_inputs(state, episode)
    if production.inputs_saved(studio, state["run_id"], episode):  # made again: the person's choices stay
        try:
            previous = production.load_inputs(studio, dict(state), episode)
        except InputError:  # its saved inputs cannot be read: made again without them
            previous = {}
        inputs, kept = keep_choices(previous, inputs, state["artifacts"].get("bible"))
        if kept:
            emit(type="kept", episode=episode, shots=list(kept.shots), lines=list(kept.lines))
    produced = production.produce_episode(studio, dict(state), episode, inputs)
    production.save_inputs(studio, state["run_id"], episode, inputs)
    entry = {**episode_entry(state, episode), "produced": produced.as_state()}
    emit(type="rendered", episode=episode, video=produced.video, duration=round(produced.duration, 1))
    return {"production": {episode_key(episode): entry}}


def finished(entry: dict) -> dict:
    """What the run keeps of an approved episode: where it is and how long. The rest is in its folder,
    so the state, and every checkpoint, stays the same size however many episodes are done."""
    produced = entry.get("produced", {})
    return {"approved": True, "video": produced.get("video", ""), "duration": produced.get("duration", 0.0)}


def record_final(state: RoomState, runtime: Runtime[Context]) -> dict:
    """Carry out the final cut's answer: an approved episode is finished, a rejected one goes back to its script."""
    episode = state["episode"]
    note = state["decision"].get("note", "").strip()
    entry = log_decision(Room.of(runtime, state), state, final_cut_gate(state), note=note)
    update: dict[str, Any] = {"decisions": [entry], "decision": None}
    if entry["action"] == "approve":
        update["production"] = {episode_key(episode): finished(episode_entry(state, episode))}
    else:  # back to the script, with the person's note
        update.update(current="script", notes={"script": [*state.get("notes", {}).get("script", []), note]})
    return update


def after_final(state: RoomState) -> str:
    return "next_episode" if state["decisions"][-1]["action"] == "approve" else "negotiate"


def add_production(builder: StateGraph, *, develop: bool) -> StateGraph:
    """The room's negotiation, gate and record nodes, and production's, with their edges.

    With `develop` the development graph's `plan` node (added by the caller) is
    where an approved series artifact goes next.
    """
    for name, node in (
        ("negotiate", negotiation),
        ("gate", gate),
        ("record", record),
        ("next_episode", next_episode),
        ("start_shots", start_shots),
        ("art", art),
        ("cast", cast),
        ("produce", produce),
        ("final_gate", final_gate),
        ("record_final", record_final),
    ):
        builder.add_node(name, node if name == "negotiate" else at_safe_point(node))
    builder.add_conditional_edges("next_episode", after_next, ["negotiate", END])
    builder.add_conditional_edges("negotiate", after_negotiate, ["gate", "art"])
    builder.add_edge("gate", "record")
    builder.add_conditional_edges("record", after_record, ["negotiate", "start_shots", *(["plan"] if develop else [])])
    builder.add_edge("start_shots", "negotiate")
    builder.add_edge("art", "cast")
    builder.add_edge("cast", "produce")
    builder.add_edge("produce", "final_gate")
    builder.add_edge("final_gate", "record_final")
    builder.add_conditional_edges("record_final", after_final, ["next_episode", "negotiate"])
    return builder


# on its own: handed a run with an approved outline, it gives back what the episodes made (the cursor stays inside)
builder = add_production(
    StateGraph(RoomState, context_schema=Context, input_schema=EpisodeInput, output_schema=EpisodeOutput), develop=False
)
builder.add_edge(START, "next_episode")

graph = builder.compile()
