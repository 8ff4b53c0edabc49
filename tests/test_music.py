"""Music beds: a mood read from the episode's beats, the built-in pad in that mood, or the person's own files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from agents.production.music import mood_of
from tools.errors import InputError
from tools.music import pick, write_bed


def beats(*texts: str, last: int = 5) -> list[dict]:
    return [{"description": t, "intensity": 5} for t in texts[:-1]] + [{"description": texts[-1], "intensity": last}]


@pytest.mark.parametrize(
    "written, mood",
    [
        (beats("She finds the forged will", "He threatens her family"), "tense"),
        (beats("They meet at the wedding", "He confesses his love and they kiss"), "tender"),
        (beats("She exposes the CEO at the board meeting", "She wins back the company"), "triumphant"),
        (beats("林夏在订婚宴上当众揭穿继妹", "她夺回了公司"), "triumphant"),
        (beats("他为她撑伞", "两人拥抱，终于告白"), "tender"),
        (beats("He wins her love", "The kiss ends in victory", last=9), "triumphant"),  # a tie, lifted by the peak
        (beats("He wins her love", "The kiss ends in victory", last=3), "tender"),
        ([], "tense"),
    ],
)
def test_the_mood_is_what_the_beats_speak_of(written, mood):
    assert mood_of(written) == mood


def _samples(path):
    with wave.open(str(path)) as handle:
        data = np.frombuffer(handle.readframes(handle.getnframes()), "<i2").reshape(-1, handle.getnchannels())
        return data.mean(axis=1), handle.getframerate()


def _peaks(samples: np.ndarray, rate: int, count: int) -> list[float]:
    """The `count` strongest tones between 90 and 400 Hz, at least 10 Hz apart."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    bins = np.fft.rfftfreq(len(samples), 1 / rate)
    found: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if 90 < bins[index] < 400 and all(abs(bins[index] - f) > 10 for f in found):
            found.append(float(bins[index]))
            if len(found) == count:
                return sorted(found)
    return sorted(found)


CHORDS = {"tense": (110, 130.8, 155.6), "tender": (174.6, 220, 261.6), "triumphant": (130.8, 196, 329.6)}


def test_each_mood_is_its_own_chord_for_as_long_as_asked(tmp_path):
    for mood, chord in CHORDS.items():
        samples, rate = _samples(write_bed(tmp_path / f"{mood}.wav", 3.25, mood))
        assert abs(len(samples) / rate - 3.25) < 0.01 and np.abs(samples).max() > 500
        assert _peaks(samples, rate, 3) == pytest.approx(chord, abs=2), mood


def test_the_persons_music_is_picked_by_mood_then_in_turn(tmp_path):
    folder = tmp_path / "music"
    folder.mkdir()
    for name in ("a_theme.mp3", "b_theme.wav", "Tender Strings.ogg", "notes.txt"):
        (folder / name).write_bytes(b"x")
    assert pick(folder, "tender", 1).name == "Tender Strings.ogg"
    assert [pick(folder, "tense", n).name for n in (1, 2, 3, 4)] == [
        "Tender Strings.ogg",
        "a_theme.mp3",
        "b_theme.wav",
        "Tender Strings.ogg",
    ]
    assert pick(folder / "a_theme.mp3", "tender", 2).name == "a_theme.mp3"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no music in"):
        pick(tmp_path / "empty", "tense", 1)


def test_music_is_set_in_room_toml_from_the_project_folder(tmp_path):
    from graphs.context import load_context
    from tools.errors import ConfigError

    (tmp_path / "beds").mkdir()
    (tmp_path / "room.toml").write_text('[music]\nsource = "beds"\n')
    assert load_context(tmp_path, env={}).music == str((tmp_path / "beds").resolve())
    (tmp_path / "room.toml").write_text('[music]\nsource = "missing"\n')
    with pytest.raises(ConfigError, match="no music file or folder at"):
        load_context(tmp_path, env={})


@pytest.mark.integration
def test_the_persons_music_is_under_the_episode_and_on_its_timeline(make_ctx, tmp_path):
    import dataclasses

    import opentimelineio as otio

    import factories as f
    from agents.production import cast_episode, produce_episode
    from agents.production.frames import settle_sheets
    from graphs.room import Room

    own = write_bed(tmp_path / "mine" / "Tender piano.wav", 2.0, "tender")  # a file of the person's, looped
    studio = dataclasses.replace(Room(make_ctx(speech="espeak", render="tiny")).studio, music=str(own.parent))
    art = f.art()
    values = {
        "run_id": "music",
        "lang": "en",
        "artifacts": {"pitch": f.pitch(), "bible": f.bible(), "outline": f.outline(1)},
        "art": {"style": art["style"], "sheets": settle_sheets(f.bible(), {}, art["sheets"])},
    }
    inputs = {"script": f.script(), "shots": f.shots(), "prompts": {p["shot_id"]: p["prompt"] for p in art["prompts"]}}
    values["voices"] = cast_episode(studio, values, inputs["script"])
    produced = produce_episode(studio, values, 1, inputs)
    timeline = otio.adapters.read_from_file(produced.files["otio"])
    (music,) = [track for track in timeline.tracks if track.name == "Music"]
    (clip,) = music.find_clips()
    folder = Path(produced.files["otio"]).parent
    assert (folder / clip.media_reference.target_url).resolve() == own.resolve()
    assert not (folder / "music.wav").exists()  # the built-in pad is not made
