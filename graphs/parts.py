"""An artifact of a long series written, and revised, a part of its episodes at a time.

One answer holding a 40-episode outline is about 17k tokens: more than many
providers write at once, and its revision reads all of it and writes it again,
more than the embedded model's slot holds beyond about 60 episodes. An artifact
with `part_episodes` has a longer series written in parts (`Artifact.parts`):
each part is one answer, told the episodes before it, and a revision rewrites
only the parts an issue quotes; the writer's notes, and an issue that quotes
nothing of one part, go to every part. A series of one part is one answer, as
it always was. The parts are joined and held to the whole series' schema.

Both go on from the episodes `done` before (`calls` parts at a time), so the
negotiation writes a long series a part per step: a stop between parts keeps
what was written, and a resume writes only the parts left.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel

from agents.artifact import Artifact, Part
from agents.critique import Answer, quoted_from, strings_of
from graphs.room import Room

RECAP_EPISODES = 10  # how many of the episodes before a part it is told of (title and cliffhanger)

# the schema for a part of the series (None: the whole series)
SchemaFor = Callable[[Part | None], type[BaseModel]]


class Written(NamedTuple):
    """Where writing an artifact, or revising it, stands: the series' episodes written so far, the owner's answers
    so far, how many of the parts that need a call are done, of how many, and, once every part is in, the whole
    content (None: parts are left)."""

    episodes: list[dict]
    answers: list[Answer]
    done: int
    total: int
    content: dict | None


class Issue(NamedTuple):
    """One numbered issue to answer: the artifact's words it quotes ("": none), and its line as the owner reads it."""

    quote: str
    line: str


def dump(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False)


def recap(episodes: list[dict]) -> str:
    """The episodes' titles and cliffhangers, one line each: what the next episode follows on from."""
    return "\n".join(f"Ep {e['number']}: {e['title']} — {e['cliffhanger']}" for e in episodes)


def write(
    room: Room,
    spec: Artifact,
    values: dict,
    schema: SchemaFor,
    variables: dict[str, Any],
    *,
    own: str,
    done: Sequence[dict] = (),
    calls: int | None = None,
) -> Written:
    """`spec`'s first version by its owner, a part at a time when the series is longer than a part: the parts
    after the episodes `done`, at most `calls` of them (None: all)."""
    parts = spec.parts(values.get("episodes", room.ctx.episodes))
    episodes = list(done)
    left = [part for part in parts if part.last > len(episodes)]
    for count, part in enumerate(left):
        if count == calls:
            return Written(episodes, [], len(parts) - len(left) + count, len(parts), None)
        earlier = recap(episodes[-RECAP_EPISODES:])
        asked = {**variables, **told(part, earlier)} if spec.part_episodes else variables
        answer = room.perform(
            spec.owner,
            spec.name,
            schema(None if part.whole else part),
            asked,
            max_tokens=spec.tokens_for(part.episodes),
            own=f"{own}\n{earlier}" if earlier else own,
        ).model_dump(mode="json")
        if part.whole:
            return Written([], [], 1, 1, answer)
        episodes += _numbered(answer["episodes"], part.first)
    whole = schema(None).model_validate({"episodes": episodes}).model_dump(mode="json")  # numbered in order
    return Written(episodes, [], len(parts), len(parts), whole)


def revise(
    room: Room,
    spec: Artifact,
    values: dict,
    schema: SchemaFor,
    issues: list[Issue],
    *,
    notes: str,
    stage: str,
    own: str | None,
    query: str = "",
    done: Sequence[dict] = (),
    answered: Sequence[Answer] = (),
    calls: int | None = None,
) -> Written:
    """`spec`'s current version revised by its owner to answer `issues`: the parts after the episodes `done` (with
    the answers `answered` so far), at most `calls` of those an issue reaches (None: all). A part no issue quotes
    stays as it is. Memory is recalled for `query`, or for what the part answers."""
    current = values["artifacts"][spec.name]
    parts = spec.parts(values.get("episodes", room.ctx.episodes))
    if len(parts) == 1:
        content, said = _revised(room, spec, schema(None), current, issues, notes, stage, own, query, parts[0])
        return Written([], said, 1, 1, content)
    episodes, answers = list(done), list(answered)
    placed = _placed(parts, current, issues)
    total = sum(map(bool, placed))
    made = sum(bool(asked) for part, asked in zip(parts, placed, strict=True) if part.last <= len(episodes))
    now = 0  # the calls made here
    for part, asked in zip(parts, placed, strict=True):
        if part.last <= len(episodes):
            continue
        content = {"episodes": current["episodes"][part.first - 1 : part.last]}
        if not asked:
            episodes += content["episodes"]
            continue
        if now == calls:
            return Written(episodes, answers, made + now, total, None)
        revised, said = _revised(room, spec, schema(part), content, asked, notes, stage, own, query, part)
        episodes += revised["episodes"]
        answers += said
        now += 1
    whole = schema(None).model_validate({"artifact": {"episodes": episodes}})  # held as its revision is
    return Written(episodes, answers, total, total, whole.artifact.model_dump(mode="json"))


def _placed(parts: list[Part], current: dict, issues: list[Issue]) -> list[list[Issue]]:
    """The issues each part answers: those quoting its text, and those quoting no part's (the writer's notes, a
    reviewer's summary). A person's edit that changed the count has every part written again."""
    texts = [list(strings_of({"episodes": current["episodes"][p.first - 1 : p.last]})) for p in parts]
    quoted = [{n for n, text in enumerate(texts) if quoted_from(issue.quote, text)} for issue in issues]
    placed = [
        [i for i, where in zip(issues, quoted, strict=True) if n in where or not where] for n in range(len(parts))
    ]
    if len(current["episodes"]) != parts[-1].last:
        placed = [asked or issues for asked in placed]
    return placed


def _numbered(episodes: list[dict], first: int) -> list[dict]:
    """A part's episodes numbered as in the series (its schema numbers them from 1)."""
    return [{**episode, "number": number} for number, episode in enumerate(episodes, start=first)]


def told(part: Part, earlier: str = "") -> dict[str, Any]:
    """What the owner's prompt is told of the part it writes: which episodes ("": the whole series), of how many,
    after what."""
    first, last = ("", "") if part.whole else (part.first, part.last)
    return {"episodes": part.episodes, "first": first, "last": last, "series": part.series, "so_far": earlier}


def _revised(
    room: Room,
    spec: Artifact,
    schema: type[BaseModel],
    content: dict,
    issues: list[Issue],
    notes: str,
    stage: str,
    own: str | None,
    query: str,
    part: Part,
) -> tuple[dict, list[Answer]]:
    text, current = "\n".join(i.line for i in issues), dump(content)
    revision = room.perform(
        spec.owner,
        f"revise_{spec.name}",
        schema,
        {"artifact": current, "issues": text, "notes": notes, "memory": room.recall(query or text or spec.name)},
        max_tokens=spec.tokens_for(part.episodes, revision=True),
        stage=stage,
        own=own,
        # the issues' words are not the artifact's (a small model writes "end on a reveal, a threat or a
        # question" back as a beat); what the version under revision says is, though the issues quote it
        said=text,
        revising=current,
    )
    return revision.artifact.model_dump(mode="json"), list(revision.answers)
