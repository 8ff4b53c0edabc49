"""An artifact of a long series written, and revised, a part of its episodes at a time.

One answer holding a 40-episode outline is about 17k tokens: more than many
providers write at once, and its revision reads all of it and writes it again,
more than the embedded model's slot holds beyond about 60 episodes. An artifact
with `part_episodes` has a longer series written in parts (`Artifact.parts`):
each part is one answer, told the episodes before it, and a revision rewrites
only the parts an issue quotes; the writer's notes, and an issue that quotes
nothing of one part, go to every part. A series of one part is one answer, as
it always was. The parts are joined and held to the whole series' schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from pydantic import BaseModel

from agents.artifact import Artifact, Part
from agents.critique import Answer, quoted_from, strings_of
from graphs.room import Room

RECAP_EPISODES = 10  # how many of the episodes before a part it is told of (title and cliffhanger)

# the schema for a part of the series (None: the whole series)
SchemaFor = Callable[[Part | None], type[BaseModel]]


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
) -> dict:
    """`spec`'s first version, by its owner: a part at a time when the series is longer than a part."""
    parts = spec.parts(values.get("episodes", room.ctx.episodes))
    episodes: list[dict] = []
    for part in parts:
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
            return answer
        episodes += _numbered(answer["episodes"], part.first)
    return schema(None).model_validate({"episodes": episodes}).model_dump(mode="json")  # numbered in order


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
) -> tuple[dict, list[Answer]]:
    """`spec`'s current version revised by its owner to answer `issues`, and its answers. A part no issue quotes
    stays as it is. Memory is recalled for `query`, or for what the part answers."""
    current = values["artifacts"][spec.name]
    parts = spec.parts(values.get("episodes", room.ctx.episodes))
    if len(parts) == 1:
        return _revised(room, spec, schema(None), current, issues, notes, stage, own, query, parts[0])
    slices = [{"episodes": current["episodes"][p.first - 1 : p.last]} for p in parts]
    texts = [list(strings_of(s)) for s in slices]
    quoted = [{n for n, text in enumerate(texts) if quoted_from(issue.quote, text)} for issue in issues]
    placed = [
        [i for i, where in zip(issues, quoted, strict=True) if n in where or not where] for n in range(len(parts))
    ]
    if len(current["episodes"]) != parts[-1].last:  # a person's edit changed the count: every part is written again
        placed = [asked or issues for asked in placed]
    episodes: list[dict] = []
    answers: list[Answer] = []
    for part, content, asked in zip(parts, slices, placed, strict=True):
        if not asked:
            episodes += content["episodes"]
            continue
        revised, said = _revised(room, spec, schema(part), content, asked, notes, stage, own, query, part)
        episodes += revised["episodes"]
        answers += said
    whole = schema(None).model_validate({"artifact": {"episodes": episodes}})  # held as its revision is
    return whole.artifact.model_dump(mode="json"), answers


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
