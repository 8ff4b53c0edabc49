"""A long series' outline written and revised a part at a time (`graphs.parts`), on the scripted model."""

from __future__ import annotations

import random

import pytest

import factories as f
from agents.roles import ARTIFACTS
from graphs.parts import Issue, Written, revise, write
from graphs.room import Room

SPEC = ARTIFACTS["outline"]
WORDS = "ledger father boardroom name sister debt harbour letter contract shares vote lawyer night rain ring".split()


def hook(n: int) -> str:
    return " and the ".join(random.Random(n).sample(WORDS, 8))


def outline(episodes: int, tag: str = "") -> dict:
    """An outline whose every text says which episode it is (and `tag`)."""
    content = f.outline(episodes)
    for episode in content["episodes"]:
        n = episode["number"]
        episode |= {"title": f"Episode {n}{tag}", "hook": f"{hook(n)}{tag}", "cliffhanger": f"end {n}{tag}"}
    return content


@pytest.mark.parametrize(
    ("episodes", "sizes"),
    [(1, [1]), (10, [10]), (11, [6, 5]), (25, [9, 8, 8]), (40, [10] * 4), (100, [10] * 10), (101, [10, 10] + [9] * 9)],
)
def test_a_series_is_cut_into_even_parts_in_order(episodes, sizes):
    parts = SPEC.parts(episodes)
    assert sorted(p.episodes for p in parts) == sorted(sizes)
    assert [p.first for p in parts] == [1] + [p.last + 1 for p in parts[:-1]] and parts[-1].last == episodes
    assert all(p.series == episodes for p in parts) and all(p.episodes <= max(SPEC.part_episodes, 1) for p in parts)


def revised_in_parts(
    script, make_ctx, issues: list[Issue], replies: list[dict], written: int = 25, **step
) -> tuple[dict | None, list, Written]:
    ctx = make_ctx()
    values = {"episodes": 25, "artifacts": {"outline": outline(written)}}
    script.enqueue("screenwriter", *(f.revision(reply) for reply in replies))
    room = Room(ctx, "run", "en", "A disowned heiress returns as a CEO")
    made = revise(
        room,
        SPEC,
        values,
        lambda part: SPEC.revision_for(part.episodes if part else 25),
        issues,
        notes="",
        stage="outline",
        own="",
        **step,
    )
    return made.content, made.answers, made


def test_a_revision_rewrites_only_the_part_an_issue_quotes(script, make_ctx):
    issue = Issue(hook(12), f'1. [major] director: "{hook(12)}" — flat → a threat')
    content, answers, _ = revised_in_parts(script, make_ctx, [issue], [outline(8, " revised")])
    asked = [call["messages"][-1].content for call in script.calls]
    assert len(asked) == 1 and "Episode 10" in asked[0] and "Episode 17" in asked[0]  # episodes 10-17, only
    assert "Episode 9" not in asked[0] and "Episode 18" not in asked[0]
    assert [e["number"] for e in content["episodes"]] == list(range(1, 26))
    titles = [e["title"] for e in content["episodes"]]
    assert titles[:9] == [f"Episode {n}" for n in range(1, 10)]  # the parts nobody quoted, as they were
    assert titles[9:17] == [f"Episode {n} revised" for n in range(1, 9)]
    assert titles[17:] == [f"Episode {n}" for n in range(18, 26)]
    assert [a.issue for a in answers] == [1]


def test_a_note_or_an_unplaced_issue_goes_to_every_part(script, make_ctx):
    issues = [Issue("", "1. [critical] writer: more rain"), Issue("a line nobody wrote", "2. [major] director: x")]
    content, answers, _ = revised_in_parts(
        script, make_ctx, issues, [outline(9, " x"), outline(8, " y"), outline(8, " z")]
    )
    assert len(script.calls) == 3 and all("more rain" in c["messages"][-1].content for c in script.calls)
    assert [e["title"] for e in content["episodes"]][8:10] == ["Episode 9 x", "Episode 1 y"]
    assert len(answers) == 3 and script.remaining() == 0


def test_an_outline_a_person_cut_short_is_written_again_to_the_series_length(script, make_ctx):
    issue = Issue(hook(3), f'1. [major] director: "{hook(3)}" — flat → a threat')
    content, _, _ = revised_in_parts(script, make_ctx, [issue], [outline(9), outline(8), outline(8)], written=12)
    assert len(script.calls) == 3 and len(content["episodes"]) == 25


@pytest.mark.parametrize("lang, asked", [("en", "Write the outline with 3 episodes."), ("zh", "请写 3 集的分集大纲。")])
def test_a_series_of_one_part_is_asked_for_as_it_always_was(script, make_ctx, lang, asked):
    script.enqueue("screenwriter", outline(3))
    room = Room(make_ctx(), "run", lang, "A disowned heiress returns as a CEO")
    variables = {"premise": room.premise, "pitch": "{}", "bible": "{}", "notes": "", "memory": ""}
    content = write(room, SPEC, {"episodes": 3}, lambda part: SPEC.schema_for(3), variables, own="").content
    prompt = script.calls[0]["messages"][-1].content
    assert prompt.endswith(asked) and "1 to 3" not in prompt and "第 1 集到" not in prompt
    assert len(script.calls) == 1 and len(content["episodes"]) == 3


def test_a_long_outline_is_written_a_part_per_step_going_on_from_the_episodes_done(script, make_ctx):
    room = Room(make_ctx(), "run", "en", "A disowned heiress returns as a CEO")
    variables = {"premise": room.premise, "pitch": "{}", "bible": "{}", "notes": "", "memory": ""}
    script.enqueue("screenwriter", outline(9, " x"), outline(8, " y"), outline(8, " z"))
    schema = lambda part: SPEC.schema_for(part.episodes if part else 25)  # noqa: E731
    steps, done = [], []
    while True:
        made = write(room, SPEC, {"episodes": 25}, schema, variables, own="", done=done, calls=1)
        steps.append((made.done, made.total, len(script.calls)))
        if made.content is not None:
            break
        done = made.episodes
    assert steps == [(1, 3, 1), (2, 3, 2), (3, 3, 3)]  # one call a step, none made twice
    assert "Ep 9: Episode 9 x" in script.calls[1]["messages"][-1].content  # the second part follows the first
    titles = [e["title"] for e in made.content["episodes"]]
    assert [e["number"] for e in made.content["episodes"]] == list(range(1, 26))
    assert titles[8:10] == ["Episode 9 x", "Episode 1 y"] and titles[-1] == "Episode 8 z"


def test_a_revision_in_steps_calls_only_for_the_parts_an_issue_reaches(script, make_ctx):
    issues = [Issue(hook(2), f'1. [major] director: "{hook(2)}" — flat'), Issue(hook(20), "2. [major] x")]
    replies = [
        f.revision(outline(9, " x")),
        {"artifact": outline(8, " z"), "answers": [{"issue": 2, "response": "ok"}]},
    ]
    ctx = make_ctx()
    values = {"episodes": 25, "artifacts": {"outline": outline(25)}}
    script.enqueue("screenwriter", *replies)
    room = Room(ctx, "run", "en", "A disowned heiress returns as a CEO")
    schema = lambda part: SPEC.revision_for(part.episodes if part else 25)  # noqa: E731
    first = revise(room, SPEC, values, schema, issues, notes="", stage="outline", own="", calls=1)
    assert (first.content, first.done, first.total, len(script.calls)) == (None, 1, 2, 1)
    assert len(first.episodes) == 17 and [a.issue for a in first.answers] == [1]  # the kept part goes in at once
    last = revise(
        room, SPEC, values, schema, issues, notes="", stage="outline", own="",
        done=first.episodes, answered=first.answers, calls=1,
    )  # fmt: skip
    assert (last.done, last.total, len(script.calls)) == (2, 2, 2) and [a.issue for a in last.answers] == [1, 2]
    titles = [e["title"] for e in last.content["episodes"]]
    assert titles[:9] == [f"Episode {n} x" for n in range(1, 10)]
    assert titles[9:17] == [f"Episode {n}" for n in range(10, 18)]  # kept, with no call
    assert titles[17:] == [f"Episode {n} z" for n in range(1, 9)]
