"""Names in a script and shot list matched to the bible's characters."""

from __future__ import annotations

import pytest

import factories as f
from agents.director import ShotList
from agents.screenwriter import EpisodeScript
from agents.speakers import bit_parts, in_cast, match_name

CAST = ["Priya", "Katelyn", "Mark"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Priya", "Priya"),
        ("  PRIYA ", "Priya"),  # case and spacing
        ("Katelyan", "Katelyn"),  # a misspelling
        ("Mark Ashdown", "Mark"),  # a full name for a first name
        ("Claire Dunn", None),  # a bit part
        ("", None),
    ],
)
def test_a_name_means_the_character_it_plainly_names(written, meant):
    assert match_name(written, CAST) == meant


def test_a_name_that_fits_two_characters_is_nobodys():
    assert match_name("Mark", ["Mark Ashdown", "Mark Chen"]) is None
    assert match_name("Mark Chen", ["Mark Ashdown", "Mark Chen"]) == "Mark Chen"


def test_chinese_names_match_whole_or_by_spelling():
    assert match_name("林晚晴", ["林晚晴", "顾言"]) == "林晚晴"
    assert match_name("顾总", ["林晚晴", "顾言"]) is None


def test_in_cast_rewrites_speakers_scene_characters_and_shot_characters():
    written = f.script()
    written["scenes"][0]["lines"][0]["speaker"] = "lin xai"
    written["scenes"][0]["characters"] = ["Lin Xia Chen", "Zhou Min"]
    written["scenes"][1]["lines"][1]["speaker"] = "Waiter"
    shots = f.shots()
    shots["shots"][0]["characters"] = ["Zhou", "Waiter"]
    script, fitted = in_cast(
        EpisodeScript.model_validate(written), ShotList.model_validate(shots), ["Lin Xia", "Zhou Min"]
    )
    assert script.scenes[0].lines[0].speaker == "Lin Xia"
    assert script.scenes[0].characters == ["Lin Xia", "Zhou Min"]
    assert script.scenes[1].lines[1].speaker == "Waiter"
    assert fitted.shots[0].characters == ["Zhou Min", "Waiter"]
    assert bit_parts(script, ["Lin Xia", "Zhou Min"]) == ["Waiter"]


def test_bit_parts_in_the_order_they_first_speak():
    written = f.script()
    lines = written["scenes"][0]["lines"]
    lines[3]["speaker"], lines[1]["speaker"], lines[5]["speaker"] = "Guard", "Driver", "Guard"
    assert bit_parts(EpisodeScript.model_validate(written), ["Lin Xia", "Zhou Min"]) == ["Driver", "Guard"]
