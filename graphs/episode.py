"""Production: from an approved outline episode to a finished, labelled vertical video.

    next_episode ─▶ negotiate (script) ─▶ gate ─▶ record ─┬─▶ start_shots ─▶ negotiate (shots) ─▶ art ─▶ cast
         ▲                ▲                              └─ reject ─┘ (back to the script)                   │
         │                └──────────── reject (final cut) ◀─ record_final ◀─ final_gate ◀─ produce ◀─────┘
         └──────────────────────────── approve ─────────────────┘                     ▲   └─▶ collect ─┘
                                                                       (nothing made yet) └──────┘

When the final cut passes on its own, `produce` only starts the episode's production in the background
(`graphs.pipeline`) and `collect` takes it to its final cut once made, while the room writes the next episode;
`next_episode` goes to `collect` when everything is written and an episode is still being made, and an approved
final cut goes there first while one is, so that every episode made meanwhile has its final cut before the next is
written.

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
from agents.production.frames import fallback_style, settle_sheets
from agents.roles import ARTIFACTS
from graphs import pipeline
from graphs.context import Context
from graphs.events import emit
from graphs.gates import FINAL_CUT, auto_approved, final_cut_gate, final_gate, gate, log_decision, record
from graphs.negotiation import dump, graph as negotiation, task_variables
from graphs.room import Room
from graphs.state import EpisodeInput, EpisodeOutput, RoomState
from graphs.stops import at_safe_point
from memory import Kind, MemoryRecord, Status
from tools.errors import InputError, ModelOutputError

# an episode's artifacts in the order they are made: the script, then its shots
EPISODE = tuple(name for name, spec in ARTIFACTS.items() if spec.per_episode)


def episodes_where(state: RoomState, test) -> list[int]:
    """The outline's episodes (by place, as the outline numbers them) whose production entry passes `test`."""
    numbers = range(1, len(state["artifacts"]["outline"]["episodes"]) + 1)
    return [n for n in numbers if test(episode_entry(state, n))]


PENDING = ("pending", "inputs", "version")  # what an episode's entry holds while it is being made


def being_made(entry: dict) -> bool:
    return bool(entry.get("pending"))


def to_write(entry: dict) -> bool:
    return not entry.get("approved") and not entry.get("pending")


def next_episode(state: RoomState) -> dict:
    """The first outline episode not yet written (approved as a final cut, or being made); none left ends
    production, once no episode is being made."""
    pending = episodes_where(state, to_write)
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
    if state.get("current"):
        return "negotiate"
    return "collect" if episodes_where(state, being_made) else END


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
    try:
        direction: ArtDirection | None = room.perform(
            ART_DIRECTOR,
            spec.name,
            spec.schema_in(values, room.ctx.episodes, small=bool(model.schema_limits)),
            variables,
            max_tokens=spec.max_tokens,
            own=dump(state["artifacts"]),
        )
    except ModelOutputError as exc:
        # no one negotiates or gates the art direction: when the model cannot write one, the episode is drawn from
        # the shot list (each shot's visual intent) with fixed looks, rather than never made (a rerun would fail alike)
        direction = None
        emit(type="stand_in", role=ART_DIRECTOR.name, artifact=spec.name, reason=str(exc))
    known = state.get("art", {})
    style = known.get("style") or (
        direction.style.model_dump(mode="json") if direction else fallback_style(state["artifacts"]["bible"])
    )
    proposed = [s.model_dump(mode="json") for s in direction.sheets] if direction else []
    sheets = settle_sheets(state["artifacts"]["bible"], known.get("sheets", {}), proposed)
    prompts = direction.prompts if direction else []
    new = sorted(set(sheets) - set(known.get("sheets", {})))
    base = {"role": ART_DIRECTOR.name, "run_id": run_id, "artifact": "art", "status": Status.APPROVED}
    records = [MemoryRecord(kind=Kind.STYLE, key="style", text=dump(style), **base)] if not known.get("style") else []
    records += [MemoryRecord(kind=Kind.ASSET, key=f"sheet:{name}", text=dump(sheets[name]), **base) for name in new]
    if records:
        room.memory.put(records)
    entry = {
        **episode_entry(state, episode),
        "prompts": {p.shot_id: p.prompt for p in prompts},
        "negatives": {p.shot_id: p.negative_prompt for p in prompts if p.negative_prompt.strip()},
    }
    return {"art": {"style": style, "sheets": sheets}, "production": {episode_key(episode): entry}}


def cast(state: RoomState, runtime: Runtime[Context]) -> dict:
    """A voice per character and per bit part that speaks, chosen once and kept for the whole series."""
    voices = production.cast_episode(Room.of(runtime, state).studio, dict(state), state["artifacts"]["script"])
    return {"voices": voices} if voices else {}


def pipelined(state: RoomState, runtime: Runtime[Context]) -> bool:
    """Whether the episode is made in the background while the room writes the next one: its final cut passes on
    its own (a person who answers it sees the episode before anything else is written), and `pipeline` is on."""
    return runtime.context.pipeline and auto_approved(state, runtime, FINAL_CUT)


def produce(state: RoomState, runtime: Runtime[Context]) -> dict:
    """Frames, voices, the cut, the exports and the video (skipping what is unchanged); `pipelined`, started in the
    background, for `collect` to take to the final cut."""
    studio, episode = Room.of(runtime, state).studio, state["episode"]
    emit(type="speak", role="editor", action="renders", artifact=f"episode {episode}", round=1)
    inputs = chosen_inputs(studio, state, episode)
    if pipelined(state, runtime):
        pipeline.submit(studio, dict(state), episode, inputs)
        emit(type="producing", episode=episode)
        # what it is made from stays in the run until it is made: a new process (or a fork) makes it from there
        pending = {"pending": True, "inputs": inputs, "version": state["versions"]["script"]}
        return {"production": {episode_key(episode): {**episode_entry(state, episode), **pending}}}
    produced = production.produce_episode(studio, dict(state), episode, inputs)
    production.save_inputs(studio, state["run_id"], episode, inputs)
    return made_entry(state, episode, produced)


def chosen_inputs(studio: production.Studio, state: RoomState, episode: int) -> dict:
    """What the episode is made from: its artifacts and prompts, with a person's redraws and re-voices kept where
    the episode is made again and the shot or line is unchanged."""
    inputs = production.episode_inputs(state, episode)
    if production.inputs_saved(studio, state["run_id"], episode):  # made again: the person's choices stay
        try:
            previous = production.load_inputs(studio, dict(state), episode)
        except InputError:  # its saved inputs cannot be read: made again without them
            previous = {}
        inputs, kept = keep_choices(previous, inputs, state["artifacts"].get("bible"))
        if kept:
            emit(type="kept", episode=episode, shots=list(kept.shots), lines=list(kept.lines))
    return inputs


def made_entry(state: RoomState, episode: int, produced: production.Produced) -> dict:
    """The update that says the episode is made: its production entry with what was made, no longer pending."""
    entry = {k: v for k, v in episode_entry(state, episode).items() if k not in PENDING}
    emit(type="rendered", episode=episode, video=produced.video, duration=round(produced.duration, 1))
    return {"production": {episode_key(episode): {**entry, "produced": produced.as_state()}}}


def collect(state: RoomState, runtime: Runtime[Context]) -> dict:
    """The oldest episode being made whose job has ended, to its final cut; when nothing is left to write, the
    oldest, waited for. It is the episode in the works again, with the script and shots it was made from.

    Every episode being made has a job once it has passed here (`pipeline.poll` starts one where this process has
    none, to run in turn): a run resumed after a stop makes what the stop left while the room writes, rather than
    one left-over episode for each episode written. After a final cut the room comes back here (`after_final`), so
    the episodes made meanwhile are all taken before the next is written."""
    waiting = episodes_where(state, being_made)
    if not waiting:
        return {}
    studio, values = Room.of(runtime, state).studio, dict(state)
    ended = [n for n in waiting if pipeline.poll(studio, values, n, episode_entry(state, n)["inputs"])]
    if not ended and episodes_where(state, to_write):
        return {}  # the room writes the next episode meanwhile
    episode = (ended or waiting)[0]
    entry = episode_entry(state, episode)
    inputs = entry["inputs"]
    produced = pipeline.made(studio, values, episode, inputs)
    production.save_inputs(studio, state["run_id"], episode, inputs)
    version = entry.get("version", 1)
    return {
        **made_entry(state, episode, produced),
        "episode": episode,
        "artifacts": {name: inputs[name] for name in EPISODE},
        "versions": {"script": version},
    }


def made_yet(state: RoomState) -> str:
    """After `produce` or `collect`: whether the episode in the works is made and waits for its final cut, or not
    (still being made after `produce`, `collect` next; after `collect`, which took none, the next episode's
    writing)."""
    entry = episode_entry(state, state["episode"])
    return "made" if entry.get("produced") and not being_made(entry) and not entry.get("approved") else "not yet"


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
    """An approved episode: the episodes made meanwhile first (`collect`), then the next to write; a rejected one
    back to its script."""
    if state["decisions"][-1]["action"] != "approve":
        return "negotiate"
    return "collect" if episodes_where(state, being_made) else "next_episode"


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
        ("collect", collect),
        ("final_gate", final_gate),
        ("record_final", record_final),
    ):
        builder.add_node(name, node if name == "negotiate" else at_safe_point(node))
    builder.add_conditional_edges("next_episode", after_next, ["negotiate", "collect", END])
    builder.add_conditional_edges("negotiate", after_negotiate, ["gate", "art"])
    builder.add_edge("gate", "record")
    builder.add_conditional_edges("record", after_record, ["negotiate", "start_shots", *(["plan"] if develop else [])])
    builder.add_edge("start_shots", "negotiate")
    builder.add_edge("art", "cast")
    builder.add_edge("cast", "produce")
    builder.add_conditional_edges("produce", made_yet, {"not yet": "collect", "made": "final_gate"})
    builder.add_conditional_edges("collect", made_yet, {"not yet": "next_episode", "made": "final_gate"})
    builder.add_edge("final_gate", "record_final")
    builder.add_conditional_edges("record_final", after_final, ["next_episode", "collect", "negotiate"])
    return builder


# on its own: handed a run with an approved outline, it gives back what the episodes made (the cursor stays inside)
builder = add_production(
    StateGraph(RoomState, context_schema=Context, input_schema=EpisodeInput, output_schema=EpisodeOutput), develop=False
)
builder.add_edge(START, "next_episode")

graph = builder.compile()
