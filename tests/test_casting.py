"""A person's say over the cast: a recast is checked against what the backend offers, an edited cast.json is
checked before it is taken."""

from __future__ import annotations

import json

import pytest

from agents.production.casting import cast_path, edited_cast, recast
from graphs.room import Room
from tools.errors import InputError

VOICES = {
    "Lin Xia": {"backend": "espeak", "voice": "en-us+f2", "lang": "en", "rate": 1.0, "pitch": 0.0, "description": ""},
    "Zhou Min": {"backend": "espeak", "voice": "en-us+m3", "lang": "en", "rate": 1.0, "pitch": 0.0, "description": ""},
}


@pytest.fixture
def studio(make_ctx):
    return Room(make_ctx(speech="espeak")).studio


def values() -> dict:
    return {"run_id": "r1", "lang": "en", "voices": json.loads(json.dumps(VOICES))}


def test_a_recast_keeps_everyone_else_and_is_written_down(studio):
    voices = recast(studio, values(), "Zhou Min", "en-us+m1", pitch=-2)
    assert voices["Lin Xia"] == VOICES["Lin Xia"] and voices["Zhou Min"]["voice"] == "en-us+m1"
    assert voices["Zhou Min"]["pitch"] == -2 and voices["Zhou Min"]["rate"] == 1.0
    assert json.loads(cast_path(studio, "r1").read_text()) == voices
    assert edited_cast(studio, {**values(), "voices": voices}) is None  # the file is the run's cast


@pytest.mark.parametrize(
    "character, voice, settings, message",
    [
        ("Nobody", "en-us+m1", {}, "no one called 'Nobody' is cast; the cast: Lin Xia, Zhou Min"),
        ("Lin Xia", "en-us+zz", {}, "espeak has no voice 'en-us+zz' for en; it offers en-us+f"),
        ("Lin Xia", "en-us+f3", {"pitch": 40}, "the voice is not valid: pitch"),
    ],
)
def test_a_recast_to_no_voice_is_refused(studio, character, voice, settings, message):
    with pytest.raises(InputError, match=message.replace("+", r"\+")):
        recast(studio, values(), character, voice, **settings)


@pytest.mark.parametrize(
    "written, message",
    [
        ("{not json", "is not readable JSON"),
        ("[1, 2]", "must map each character to a voice"),
        (json.dumps({"Lin Xia": VOICES["Lin Xia"]}), "has no voice for Zhou Min"),
        (
            json.dumps({**VOICES, "Lin Xia": {**VOICES["Lin Xia"], "rate": 9}}),
            "the voice of 'Lin Xia' is not valid: rate",
        ),
        (json.dumps({**VOICES, "Lin Xia": {**VOICES["Lin Xia"], "colour": "red"}}), "not valid: colour"),
    ],
)
def test_an_edited_cast_file_is_checked(studio, written, message):
    cast_path(studio, "r1").parent.mkdir(parents=True, exist_ok=True)
    cast_path(studio, "r1").write_text(written)
    with pytest.raises(InputError, match=message):
        edited_cast(studio, values())


def test_an_edited_cast_file_is_taken(studio):
    cast_path(studio, "r1").parent.mkdir(parents=True, exist_ok=True)
    cast_path(studio, "r1").write_text(json.dumps({**VOICES, "Lin Xia": {**VOICES["Lin Xia"], "pitch": 3}}))
    assert edited_cast(studio, values())["Lin Xia"]["pitch"] == 3
