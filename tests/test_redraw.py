"""One shot drawn again: the person's prompt or a seed of its own reaches that shot's request, and no other's."""

from __future__ import annotations

import pytest

import factories as f
from agents.production import Redraw, redrawn
from agents.production.fitting import episode_as_cast
from agents.production.frames import _image_request
from tools.errors import InputError


def _inputs() -> dict:
    art = f.art()
    return {
        "script": f.script(),
        "shots": f.shots(),
        "prompts": {p["shot_id"]: p["prompt"] for p in art["prompts"]},
        "negatives": {"1A": "text, watermark"},
        "seeds": {},
    }


def _requests(inputs: dict) -> dict:
    _, shots = episode_as_cast(f.bible(), inputs["script"], inputs["shots"])
    return {s.id: _image_request(s, inputs, {}, {}, "en", (90, 160)) for s in shots.shots}


def test_a_redraw_changes_that_shot_alone():
    before = _inputs()
    after = redrawn(before, f.bible(), Redraw(shot="1B", prompt="  Rain on [the] glass ", seed=11))
    old, new = _requests(before), _requests(after)
    assert new["1B"].prompt == "Rain on [the] glass" and new["1B"].generation_seed == 11
    assert {k for k in old if old[k] != new[k]} == {"1B"}
    assert before["prompts"]["1B"] == "storyboard frame 1B" and before["seeds"] == {}  # handed in, not changed


def test_a_redraw_without_a_seed_draws_with_a_new_one():
    seeds = {redrawn(_inputs(), f.bible(), Redraw(shot="2A"))["seeds"]["2A"] for _ in range(5)}
    assert len(seeds) > 1 and all(0 <= s < 2**31 for s in seeds)


def test_the_art_directors_negative_prompt_reaches_the_request():
    requests = _requests(_inputs())
    assert requests["1A"].negative_prompt == "text, watermark" and requests["1B"].negative_prompt == ""


@pytest.mark.parametrize(
    "redraw, message",
    [
        (Redraw(shot="../../zz"), "has no shot '../../zz'; its shots are 1A, 1B, 1C, 2A, 2B"),
        (Redraw(shot=""), "has no shot ''"),
        (Redraw(shot="1A", prompt="   "), "the prompt is empty"),
    ],
)
def test_a_redraw_of_no_shot_or_with_an_empty_prompt_is_refused(redraw, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace(".", r"\.")):
        redrawn(_inputs(), f.bible(), redraw)
