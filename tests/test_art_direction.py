"""The art director's direction of an episode: bounded by its shot list, and never what keeps an episode unmade."""

from __future__ import annotations

from pathlib import Path

import pytest

import factories as f
from agents.art_director import StyleGuide, direction_for
from agents.models import SMALL_MODEL_LIMITS
from agents.structured import closed_schema
from graphs.runs import Runs

pytestmark = pytest.mark.integration

FAST = {"produce": True, "episodes": 1, "round_limit": 1, "render": "tiny", "speech": "espeak"}


def test_a_direction_lists_no_more_sheets_and_prompts_than_the_cast_and_shots():
    """A small model looping over the same shot ids until its tokens ran out was the reply cut off every time."""
    schema = closed_schema(direction_for(("Lin Xia", "Zhou Min"), ("1A", "1B", "2A")), limits=SMALL_MODEL_LIMITS)
    props = schema["properties"]
    assert (props["sheets"]["maxItems"], props["prompts"]["maxItems"]) == (2, 3)
    unheld = closed_schema(direction_for((), ()))["properties"]
    assert (unheld["sheets"]["maxItems"], unheld["prompts"]["maxItems"]) == (8, 60)


def test_an_episode_the_art_director_cannot_direct_is_drawn_from_its_shot_list(script, make_ctx):
    replies = f.series(1)
    replies["art_director"][-1:] = ["I would light it like a Caravaggio, all candles."] * 3  # no direction, 3 times
    for role, queued in replies.items():
        script.enqueue(role, *queued)
    runs = Runs(make_ctx(auto_approve=("all",), **FAST))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    seen = list(events)
    view = runs.view(run_id)
    assert view.state == "finished" and script.remaining() == 0
    (stood,) = [e for e in seen if e["type"] == "stand_in"]
    assert stood["role"] == "art_director" and "ArtDirection" in stood["reason"]
    entry = view.values["production"]["1"]
    assert entry["approved"] and Path(entry["video"]).is_file()
    art = view.values["art"]
    assert set(art["sheets"]) == {c["name"] for c in f.bible()["characters"]}  # fixed looks for every character
    assert StyleGuide.model_validate(art["style"]).look == f.bible()["visual_style"][:200]
