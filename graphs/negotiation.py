"""The negotiation subgraph: the heart of the room.

    owner proposes ─▶ reviewers critique in parallel ─▶ tally      (a long outline: a part per step)
                           ▲                              │ all approve → consensus
                           └──── owner revises ◀──────────┤ round limit → escalated, dissent attached
                                                          └ otherwise  → revise

The same subgraph negotiates every artifact (`state["current"]`). It gets
what the room hands over (`NegotiationInput`) and gives back only the new
version and the outcome (`NegotiationOutput`); its critiques stay inside. Every
proposal, critique, revision and outcome is written to memory with its
provenance; ids are deterministic, so a node re-run after a crash upserts the
same records instead of duplicating them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send
from pydantic import BaseModel

from agents.artifact import Artifact, Part
from agents.copying import borrowed, echoes
from agents.critique import Answer, Critique, Verdict, strings_of
from agents.handed import Setting, setting_of
from agents.models import RoomModel
from agents.prompt_file import load_prompts
from agents.roles import ARTIFACTS, ROLES
from agents.screenwriter import outline_episode
from graphs import originality, parts
from graphs.context import Context
from graphs.events import emit, progress_event
from graphs.parts import Issue, SchemaFor, Written, dump, recap, told
from graphs.room import Room
from graphs.state import (
    CritiqueTask,
    NegotiationInput,
    NegotiationOutput,
    NegotiationState,
    artifact_id,
    review_key,
    run_terms,
)
from graphs.stops import at_safe_point
from memory import Kind, MemoryRecord


def issue_list(critiques: dict[str, dict], notes: list[str]) -> list[Issue]:
    """Number every open issue, the person's notes first: the owner answers each."""
    lines: list[Issue] = []
    for note in notes:
        lines.append(Issue("", f"{len(lines) + 1}. [critical] writer: {note}"))
    for reviewer, critique in critiques.items():
        if critique["verdict"] == Verdict.APPROVE and not critique["issues"]:
            continue
        if not critique["issues"]:
            lines.append(Issue("", f"{len(lines) + 1}. [major] {reviewer}: {critique['summary']}"))
        for issue in critique["issues"]:
            number, quote = len(lines) + 1, issue["quote"]
            lines.append(
                Issue(
                    quote,
                    f'{number}. [{issue["severity"]}] {reviewer}: "{quote}" — {issue["problem"]} → {issue["fix"]}',
                )
            )
    return lines


def current_reviews(state: NegotiationState) -> dict[str, dict]:
    """Reviewer -> critique of the artifact's current version."""
    return reviews_of(state, state["versions"][state["current"]])


def reviews_of(state: NegotiationState, version: int) -> dict[str, dict]:
    """Reviewer -> critique of `version` of the artifact under negotiation."""
    name, reviews = state["current"], state.get("reviews", {})
    return {
        r.name: reviews[key]
        for r in ARTIFACTS[name].reviewers
        if (key := review_key(name, version, r.name, state.get("episode", 0))) in reviews
    }


def _artifact_record(
    state: NegotiationState, name: str, version: int, round_: int, role: str, content: dict
) -> MemoryRecord:
    episode = state.get("episode", 0)
    return MemoryRecord(
        kind=Kind.ARTIFACT,
        text=dump(content),
        role=role,
        run_id=state["run_id"],
        artifact=artifact_id(name, episode),
        version=version,
        round=round_,
        episode=episode,
    )


def handed(state: NegotiationState, model: RoomModel) -> Setting | None:
    """The names, era and places a small model is handed for its series (left free, it sets every series
    where its examples are, with their people); None for a model that needs none."""
    return setting_of(state["premise"], state["lang"]) if model.schema_limits else None


def task_variables(spec: Artifact, state: NegotiationState, ctx: Context, model: RoomModel) -> dict[str, Any]:
    """What the owner's prompt for `spec` receives besides its notes and memory: of the premise, the
    approved artifacts (an input named after one is its content) and the episode in the works, exactly
    the inputs `spec` declares."""
    artifacts = state.get("artifacts", {})
    episode = state.get("episode", 0)
    outline = artifacts.get("outline") or {"episodes": []}  # the episode in the works, as the outline has it
    this = outline_episode(outline, episode)
    earlier = [e for e in outline["episodes"] if e["number"] < episode]
    setting = handed(state, model) if {"cast", "era", "places"} & set(spec.inputs) else None
    series = state.get("episodes", ctx.episodes)
    known = {
        "premise": state["premise"],
        "cast": ", ".join(setting.names) if setting else "",
        "era": setting.era if setting else "",
        "places": ", ".join(setting.places) if setting else "",
        **told(Part(1, series, series)),  # the part of the series it writes (`graphs.parts`): all of it
        "episode": episode,
        "outline_episode": dump(this),
        "previously": recap(earlier[-3:]).replace("\n", " "),
        **{name: dump(artifacts.get(name, {})) for name in ARTIFACTS},
    }
    return {name: known[name] for name in spec.inputs if name in known}


def series_own(state: NegotiationState, name: str, notes: list[str] = ()) -> str:
    """What the series itself says besides its premise: the writer's notes and every artifact but `name`
    (approved, or edited by a person). A name there is the series' own, not an example's to send back."""
    others = {other: content for other, content in state.get("artifacts", {}).items() if other != name and content}
    return "\n".join([*notes, dump(others)])


def owner_schema(
    spec: Artifact, values: dict, ctx: Context, model: RoomModel, *, revision: bool = False, part: Part | None = None
) -> type[BaseModel]:
    """The schema the owner, on `model`, writes `spec` (a `part` of it) in for this run and episode
    (`Artifact.schema_in`); a small model writes an artifact that takes the `handed` setting in it."""
    setting = handed(values, model) if spec.handed_setting else None
    small = bool(model.schema_limits)
    return spec.schema_in(values, ctx.episodes, small=small, handed=setting, revision=revision, part=part)


def schemas(spec: Artifact, values: dict, ctx: Context, model: RoomModel, *, revision: bool = False) -> SchemaFor:
    """`owner_schema` of a part of the series (None: the whole of it), for `graphs.parts`."""
    return lambda part: owner_schema(spec, values, ctx, model, revision=revision, part=part)


def owner_revision(room: Room, spec: Artifact, values: dict, issues: list[Issue], **asked: Any) -> Written:
    """`spec` revised by its owner to answer `issues` (`graphs.parts.revise`, `asked` its keywords), in the schema
    the owner's model writes a revision in."""
    model = room.model(spec.owner.name)
    return parts.revise(room, spec, values, schemas(spec, values, room.ctx, model, revision=True), issues, **asked)


# ── nodes ────────────────────────────────────────────────────────────────


def draft_of(state: NegotiationState, version: int) -> dict:
    """The current artifact's `version` as far as it is written (a long one is a part per step), or {}."""
    draft = state.get("draft") or {}
    mine = (draft.get("artifact"), draft.get("episode"), draft.get("version"))
    return draft if mine == (state["current"], state.get("episode", 0), version) else {}


def written_so_far(state: NegotiationState, version: int, written: Written) -> dict | None:
    """The step's update while parts of `version` are left (the next step writes the next), else None; a long
    artifact's parts are shown as a count."""
    if written.total > 1:
        progress_event(f"{state['current']} parts", written.done, written.total)
    if written.content is not None:
        return None
    answers = [a.model_dump(mode="json") for a in written.answers]
    where = {"artifact": state["current"], "episode": state.get("episode", 0), "version": version}
    return {"draft": where | {"episodes": written.episodes, "answers": answers}}


def propose(state: NegotiationState, runtime: Runtime[Context]) -> dict:
    room, name = Room.of(runtime, state), state["current"]
    spec = ARTIFACTS[name]
    owner = spec.owner
    draft = draft_of(state, 1)
    if not draft:
        emit(type="speak", role=owner.name, action="proposes", artifact=name, round=1)
    model = room.model(owner.name)
    variables = {
        **task_variables(spec, state, room.ctx, model),
        "notes": "",
        "memory": room.recall(f"{name}: {state['premise']}"),
    }
    schema = schemas(spec, state, room.ctx, model)
    own = series_own(state, name)
    written = parts.write(room, spec, state, schema, variables, own=own, done=draft.get("episodes", ()), calls=1)
    if (unfinished := written_so_far(state, 1, written)) is not None:
        return unfinished
    content = written.content
    room.memory.put([_artifact_record(state, name, 1, 1, owner.name, content)])
    return {
        "artifacts": {name: content},
        "versions": {name: 1},
        "authors": {name: owner.name},
        "round": 1,
        "draft": None,
    }


def critique(task: CritiqueTask, runtime: Runtime[Context]) -> dict:
    room, name, run_id = Room.of(runtime, task), task["current"], task["run_id"]
    reviewer = ROLES[task["reviewer"]]
    version = task["versions"][name]
    emit(type="speak", role=reviewer.name, action="reviews", artifact=name, round=task["round"])
    focus = load_prompts(reviewer.name, task["lang"]).focus.get(name, "")
    result: Critique = room.perform(
        reviewer,
        "critique",
        Critique,
        {
            "artifact_name": name,
            "artifact": dump(task["artifacts"][name]),
            "focus": focus,
            "memory": room.recall(f"{name} {focus}"),
        },
        max_tokens=700,
        stage=name,
    )
    own = f"{task['premise']}\n{dump(task['artifacts'])}"  # the series' own names are not an example's
    result = result.grounded_in(
        list(strings_of(task["artifacts"][name])),
        lambda text: borrowed(text, reviewer.name, task["lang"], own),
        lambda text: echoes(text, reviewer.name, task["lang"], own),
    )
    found = list(
        reviewer.check(name, task["artifacts"][name], task.get("era", ""), task["lang"]) if reviewer.check else []
    )
    report = originality.guard(room, task)
    found += report.issues(task["lang"]) if report else []
    judged = result.verdict  # the model's own verdict, before the room's checks have their say
    if found:  # a deterministic finding overrides a model's approval
        verdict = Verdict.BLOCK if result.verdict == Verdict.BLOCK else Verdict.REVISE
        result = result.model_copy(update={"verdict": verdict, "issues": [*found, *result.issues][:5]})
    score = report.summary() if report else {}
    text = f"{reviewer.name} on {name} v{version}: {result.verdict}. {result.summary}" + "".join(
        f'\n- [{i.severity}] "{i.quote}": {i.problem} → {i.fix}' for i in result.issues
    )
    text += originality.score_line(score) if score else ""
    room.memory.put(
        [
            MemoryRecord(
                kind=Kind.CRITIQUE,
                text=text,
                role=reviewer.name,
                run_id=run_id,
                artifact=artifact_id(name, task.get("episode", 0)),
                episode=task.get("episode", 0),
                version=version,
                round=task["round"],
                key=reviewer.name,
            )
        ]
    )
    emit(
        type="verdict",
        role=reviewer.name,
        artifact=name,
        round=task["round"],
        verdict=str(result.verdict),
        issues=len(result.issues),
        summary=result.summary,
    )
    review = result.model_dump(mode="json") | {"judged": str(judged), "checked": len(found)}
    review |= {"originality": score} if score else {}
    return {"reviews": {review_key(name, version, reviewer.name, task.get("episode", 0)): review}}


STALLED = " (its revision fixed none of the room's own checks' findings)"


def stalled(state: NegotiationState, dissent: list[dict]) -> bool:
    """Whether another round would only repeat this one: the owner's revision fixed none of the findings of the
    room's own checks (arc, era, originality: `Role.check` and the guard), and no reviewer's model dissents
    for a reason of its own. A model sent back for what it does not see writes the same faults again (the
    270M default did, for every outline, up to the round limit); the findings go to the gate instead."""
    name = state["current"]
    if state["round"] < 2 or not dissent:
        return False
    previous, episode, reviews = state["versions"][name] - 1, state.get("episode", 0), state.get("reviews", {})
    return all(
        d.get("judged") == Verdict.APPROVE
        and 0 < reviews.get(review_key(name, previous, d["reviewer"], episode), {}).get("checked", 0) <= d["checked"]
        for d in dissent
    )


def dissent_of(reviews: dict[str, dict]) -> list[dict]:
    return [{"reviewer": r, **c} for r, c in reviews.items() if c["verdict"] != Verdict.APPROVE]


def originality_of(reviews: dict[str, dict]) -> dict:
    """The originality guard's score of the version reviewed, shown at the gate whether or not it was flagged."""
    return next((c["originality"] for c in reviews.values() if c.get("originality")), {})


def checked(reviews: dict[str, dict]) -> int:
    """How many findings the room's own checks made, over the reviewers."""
    return sum(c.get("checked", 0) for c in reviews.values())


def restored(state: NegotiationState, room: Room, found: int) -> dict | None:
    """The version before the current one (of this negotiation: its round is past the first), when the revision
    that escalates has more of the room's own findings than it: the 270M model, sent back for 10 episodes of a
    40-episode outline that said an earlier one again, wrote 23 such. None when the revision is no worse, or
    the version before is not in memory. `found`: the current version's findings."""
    name, version = state["current"], state["versions"][state["current"]]
    if checked(reviews_of(state, version - 1)) >= found:
        return None
    records = room.memory.list(
        run_id=state["run_id"], kind=Kind.ARTIFACT, artifact=artifact_id(name, state.get("episode", 0))
    )
    return next((json.loads(r.text) for r in reversed(records) if r.version == version - 1), None)


def tally(state: NegotiationState, runtime: Runtime[Context]) -> dict:
    """Consensus, escalation, or another round: decided from the current version's critiques. A revision that
    escalates with more of the room's own findings than the version before goes to the gate as that version
    again, a version of its own."""
    ctx, name = runtime.context, state["current"]
    reviews = current_reviews(state)
    dissent = dissent_of(reviews)
    rounds = state["round"]
    score = originality_of(reviews)
    stuck = stalled(state, dissent)
    if dissent and rounds < ctx.round_limit and not stuck:
        return {
            "outcome": {
                "artifact": name,
                "status": "revising",
                "rounds": rounds,
                "dissent": dissent,
                "originality": score,
            }
        }
    status = "escalated" if dissent else "consensus"
    room, version, update = Room.of(runtime, state), state["versions"][name], {}
    found = checked(reviews)
    if dissent and rounds > 1 and (earlier := restored(state, room, found)) is not None:
        reviews = reviews_of(state, version - 1)
        dissent = dissent_of(reviews)
        score = originality_of(reviews)
        version += 1
        room.memory.put([_artifact_record(state, name, version, rounds, ARTIFACTS[name].owner.name, earlier)])
        update = {"artifacts": {name: earlier}, "versions": {name: version}}
    text = (
        f"{name} v{version}: {status} after {rounds} round(s)"
        + (STALLED if stuck else "")
        + (restored_line(version, found, checked(reviews)) if update else "")
        + "".join(f"\n- {d['reviewer']} ({d['verdict']}): {d['summary']}" for d in dissent)
    )
    room.memory.put(
        [
            MemoryRecord(
                kind=Kind.DECISION,
                text=text,
                role="room",
                run_id=state["run_id"],
                artifact=artifact_id(name, state.get("episode", 0)),
                episode=state.get("episode", 0),
                version=version,
                round=rounds,
                key=status,
            )
        ]
    )
    emit(type="outcome", artifact=name, status=status, rounds=rounds, dissent=len(dissent), stalled=stuck)
    outcome = {"artifact": name, "version": version, "status": status, "rounds": rounds, "dissent": dissent}
    outcome |= {"stalled": True} if stuck else {}
    outcome |= {"restored": version - 2} if update else {}
    return {"outcome": outcome | {"originality": score}, **update}


def restored_line(version: int, found: int, before: int) -> str:
    return f" (v{version} is v{version - 2} again: its revision had {found} of the room's own findings, it {before})"


def revise(state: NegotiationState, runtime: Runtime[Context]) -> dict:
    """The owner answers every open issue (reviewers' and the person's) with a new version."""
    room, name, run_id = Room.of(runtime, state), state["current"], state["run_id"]
    spec = ARTIFACTS[name]
    owner = spec.owner
    notes = state.get("notes", {}).get(name, [])
    # notes start a fresh negotiation (after a rejection or a chat change); critiques continue one
    round_ = 1 if notes else state["round"] + 1
    version = state["versions"][name] + 1
    draft = draft_of(state, version)
    if not draft:
        emit(type="speak", role=owner.name, action="revises", artifact=name, round=round_)
    issues = issue_list({} if notes else current_reviews(state), notes)
    written = owner_revision(
        room,
        spec,
        state,
        issues,
        notes="\n".join(notes),
        stage=name,
        own=series_own(state, name, notes),
        done=draft.get("episodes", ()),
        answered=[Answer.model_validate(a) for a in draft.get("answers", ())],
        calls=1,
    )
    if (unfinished := written_so_far(state, version, written)) is not None:
        return unfinished
    content, answered = written.content, written.answers
    lines = "\n".join(issue.line for issue in issues)
    answers = "\n".join(f"{a.issue}. {'accepted' if a.accepted else 'declined'}: {a.response}" for a in answered)
    room.memory.put(
        [
            _artifact_record(state, name, version, round_, owner.name, content),
            MemoryRecord(
                kind=Kind.REVISION,
                text=f"{owner.name} revised {name} to v{version}.\nIssues:\n{lines}\nAnswers:\n{answers}",
                role=owner.name,
                run_id=run_id,
                artifact=artifact_id(name, state.get("episode", 0)),
                episode=state.get("episode", 0),
                version=version,
                round=round_,
            ),
        ]
    )
    return {
        "artifacts": {name: content},
        "versions": {name: version},
        "authors": {name: owner.name},
        "round": round_,
        "notes": {name: []},
        "draft": None,
    }


# ── routing ──────────────────────────────────────────────────────────────


def start_route(state: NegotiationState) -> str:
    name = state["current"]
    if not state.get("artifacts", {}).get(name):
        return "propose"
    if state.get("notes", {}).get(name):
        return "revise"
    return "review"


def series_era(state: NegotiationState) -> str:
    """The era the bible sets (the bible under review counts)."""
    bible = state.get("artifacts", {}).get("bible") or {}
    return bible.get("world", {}).get("era", "")


def fan_out(state: NegotiationState) -> list[Send]:
    """One critique task per reviewer; LangGraph runs them in parallel."""
    name = state["current"]
    return [
        Send(
            "critique",
            CritiqueTask(
                run_id=state["run_id"],
                lang=state["lang"],
                current=name,
                round=state["round"],
                artifacts={name: state["artifacts"][name]},
                versions={name: state["versions"][name]},
                reviewer=reviewer.name,
                premise=state.get("premise", ""),
                era=series_era(state),
                episode=state.get("episode", 0),
                **run_terms(state),
            ),
        )
        for reviewer in ARTIFACTS[name].reviewers
    ]


def writing(step: str) -> Callable[[NegotiationState], str | list[Send]]:
    """After `step` (propose or revise): `step` again while its version has parts left, then the reviewers."""

    def route(state: NegotiationState) -> str | list[Send]:
        return step if state.get("draft") else fan_out(state)

    return route


def after_tally(state: NegotiationState) -> str:
    return "revise" if state["outcome"]["status"] == "revising" else END


def review(state: NegotiationState) -> dict:
    """Entry for an artifact that exists but has not been reviewed at this version."""
    return {"round": 1}


# its own state, handed in and given back through declared schemas: the room's lists never pass through it
builder = StateGraph(
    NegotiationState, context_schema=Context, input_schema=NegotiationInput, output_schema=NegotiationOutput
)
builder.add_node("propose", at_safe_point(propose))
builder.add_node("review", at_safe_point(review))
builder.add_node("critique", at_safe_point(critique))
builder.add_node("tally", at_safe_point(tally))
builder.add_node("revise", at_safe_point(revise))
builder.add_conditional_edges(START, start_route, ["propose", "revise", "review"])
builder.add_conditional_edges("review", fan_out, ["critique"])
for step in ("propose", "revise"):
    builder.add_conditional_edges(step, writing(step), ["critique", step])
builder.add_edge("critique", "tally")
builder.add_conditional_edges("tally", after_tally, ["revise", END])

graph = builder.compile()
