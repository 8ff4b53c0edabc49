"""The editor's arithmetic: runtime estimates and the cut timed from real audio."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from agents.director import ShotList
from agents.editor import GAP, SILENT_SHOT, check, estimate_runtime, speaking_seconds
from agents.production.cut import HOLD_STEP, LEAD_IN, MAX_HOLD, SCENE_DISSOLVE, TAIL, build_cut
from agents.screenwriter import EpisodeScript


def script(lines_per_scene=(2, 0), text="I am back and I own this company now."):
    return EpisodeScript(
        number=1,
        title="Back",
        scenes=[
            {
                "number": n + 1,
                "heading": f"INT. ROOM {n + 1} - NIGHT",
                "location": f"Room {n + 1}",
                "time_of_day": "NIGHT",
                "characters": ["Lin"],
                "action": "She walks in.",
                # every line its own: a line said again in a later scene is a loop, and is dropped
                "lines": [{"speaker": ("Lin", "Mo")[i % 2], "text": f"{text} ({n + 1}.{i + 1})"} for i in range(count)],
            }
            for n, count in enumerate(lines_per_scene)
        ],
    )


def shots():
    return ShotList(
        episode=1,
        shots=[
            {
                "id": "1A",
                "scene": 1,
                "size": "close_up",
                "camera": "push_in",
                "characters": ["Lin"],
                "location": "Room 1",
                "lines": [0, 1],
                "visual_intent": "her face",
            },
            {"id": "2A", "scene": 2, "size": "wide", "location": "Room 2", "visual_intent": "empty room"},
        ],
    )


def test_speaking_seconds_for_both_languages():
    assert speaking_seconds("你好我回来了") == pytest.approx(1.5)
    assert speaking_seconds("I am back now") == pytest.approx(1.6)
    assert speaking_seconds("她说 OK") == pytest.approx(2 / 4 + 1 / 2.5)


def test_runtime_check_flags_short_and_long_scripts():
    short = script((2,))
    assert estimate_runtime(short) < 60
    issues = check("script", short.model_dump(), "", "en")
    assert len(issues) == 1 and issues[0].severity == "major" and "outside 60–120 s" in issues[0].problem
    fine = script((4, 4), text="I came back to take what is mine, and nobody in this room will stop me now.")
    assert 60 <= estimate_runtime(fine) <= 120
    assert check("script", fine.model_dump(), "", "en") == []
    assert check("outline", {"episodes": []}, "", "en") == []


def test_cut_is_timed_from_real_audio():
    images = {"1A": Path("1a.png"), "2A": Path("2a.png")}
    audio = {(1, 0): (Path("a.wav"), 1.0), (1, 1): (Path("b.wav"), 2.0)}
    cut = build_cut(script(), shots(), images, audio, min_seconds=0)
    first, second = cut.clips
    assert [line.start for line in first.lines] == pytest.approx([LEAD_IN, LEAD_IN + 1.0 + GAP])
    assert first.duration == pytest.approx(LEAD_IN + 1.0 + GAP + 2.0 + TAIL)
    assert (second.start, second.duration) == (pytest.approx(first.duration), SILENT_SHOT)
    assert first.camera == "push_in" and not second.lines
    assert (first.transition_in, second.transition_in) == (0.0, SCENE_DISSOLVE)  # a dissolve into the new scene
    assert cut.duration == pytest.approx(first.duration + SILENT_SHOT)
    assert [t for t, _ in cut.spoken()] == pytest.approx([LEAD_IN, LEAD_IN + 1.0 + GAP])


def test_short_cut_is_held_longer_silent_shots_first():
    images = {"1A": Path("1a.png"), "2A": Path("2a.png")}
    audio = {(1, 0): (Path("a.wav"), 1.0), (1, 1): (Path("b.wav"), 2.0)}
    cut = build_cut(script(), shots(), images, audio, min_seconds=20)
    spoken, silent = cut.clips
    spoken_alone = LEAD_IN + 1.0 + GAP + 2.0 + TAIL
    assert silent.duration == pytest.approx(MAX_HOLD)  # the silent shot takes the extra first, up to the cap
    steps = -(-(20 - MAX_HOLD - spoken_alone) // HOLD_STEP)  # then the rest, in whole steps
    assert spoken.duration == pytest.approx(spoken_alone + steps * HOLD_STEP)
    assert 20 <= cut.duration < 20 + HOLD_STEP
    assert silent.start == pytest.approx(spoken.duration)
    assert [line.start for line in spoken.lines] == pytest.approx(
        [LEAD_IN, LEAD_IN + 1.0 + GAP]
    )  # lines keep their timing


def test_an_episode_of_few_shots_still_reaches_the_minimum_runtime():
    images = {"1A": Path("1a.png"), "2A": Path("2a.png")}
    audio = {(1, 0): (Path("a.wav"), 1.0), (1, 1): (Path("b.wav"), 2.0)}
    cut = build_cut(script(), shots(), images, audio, min_seconds=60)  # two shots can hold 24 s within the cap
    assert 60 <= cut.duration < 60 + HOLD_STEP
    spoken, silent = cut.clips
    assert spoken.duration > MAX_HOLD and silent.duration > MAX_HOLD  # past the cap, shared round-robin
    assert abs(spoken.duration - silent.duration) <= HOLD_STEP + 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.05, 9.0), min_size=2, max_size=2),
    st.sampled_from([4, 10, 30]),
    st.floats(0, 90),
)
def test_a_cut_on_any_frame_grid_never_ends_short_of_the_minimum(seconds, fps, minimum):
    """Shots are rounded to whole frames; rounding alone once ended a 4-fps episode at 59.75 s."""
    images = {"1A": Path("1a.png"), "2A": Path("2a.png")}
    audio = {(1, i): (Path(f"{i}.wav"), s) for i, s in enumerate(seconds)}
    cut = build_cut(script(), shots(), images, audio, min_seconds=minimum, fps=fps)
    assert cut.duration >= minimum - 1e-9
    assert all(round(c.duration * fps, 6).is_integer() and round(c.start * fps, 6).is_integer() for c in cut.clips)
    natural = build_cut(script(), shots(), images, audio, min_seconds=0, fps=fps).duration
    assert cut.duration <= max(minimum + HOLD_STEP, natural) + 2 / fps  # held no longer than it takes


def test_shot_list_is_fitted_to_cover_every_line_once():
    from agents.production.fitting import cover_script

    three = script((3, 2, 1))  # scene 1: lines 0-2, scene 2: lines 0-1, scene 3: line 0
    messy = ShotList(
        episode=1,
        shots=[
            {"id": "1A", "scene": 1, "size": "wide", "location": "Room 1", "lines": [0, 0, 7], "visual_intent": "a"},
            {"id": "1A", "scene": 1, "size": "close_up", "location": "Room 1", "lines": [0, 2], "visual_intent": "b"},
            {"id": "3A", "scene": 3, "size": "medium", "location": "Room 3", "lines": [], "visual_intent": "c"},
            {"id": "9A", "scene": 9, "size": "medium", "location": "Nowhere", "lines": [0], "visual_intent": "d"},
        ],
    )
    fitted = cover_script(messy, three)
    assert [s.id for s in fitted.shots] == ["1A", "1A2", "2A", "3A"]  # ids unique, scene 2 shown, no scene 9
    assert [(s.scene, s.lines) for s in fitted.shots] == [(1, [0, 1]), (1, [2]), (2, [0, 1]), (3, [0])]
    added = fitted.shots[2]
    assert (added.size, added.location, added.visual_intent) == ("medium", "Room 2", "She walks in.")
    spoken = [(s.scene, i) for s in fitted.shots for i in s.lines]
    assert sorted(spoken) == sorted({(sc.number, i) for sc in three.scenes for i in range(len(sc.lines))})
    assert cover_script(fitted, three) == fitted  # a fitted list stays as it is


def test_shot_list_is_put_in_scene_order_and_speaks_in_line_order():
    from agents.production.fitting import cover_script

    three = script((4, 2, 1))
    jumpy = ShotList(
        episode=1,
        shots=[
            {"id": "2A", "scene": 2, "size": "wide", "location": "Room 2", "lines": [0, 1], "visual_intent": "a"},
            {"id": "1B", "scene": 1, "size": "close_up", "location": "Room 1", "lines": [2, 3], "visual_intent": "b"},
            {"id": "1X", "scene": 1, "size": "wide", "location": "Room 1", "lines": [], "visual_intent": "cutaway"},
            {"id": "1A", "scene": 1, "size": "medium", "location": "Room 1", "lines": [0], "visual_intent": "c"},
            {"id": "3A", "scene": 3, "size": "medium", "location": "Room 3", "lines": [0], "visual_intent": "d"},
            {"id": "1C", "scene": 1, "size": "medium", "location": "Room 1", "lines": [], "visual_intent": "e"},
        ],
    )
    fitted = cover_script(jumpy, three)
    # scene 1's speaking shots swap places so line 0 comes first; the silent cutaways stay where they stood
    assert [(s.id, s.lines) for s in fitted.shots] == [
        ("1A", [0, 1]),
        ("1X", []),
        ("1B", [2, 3]),
        ("1C", []),
        ("2A", [0, 1]),
        ("3A", [0]),
    ]
    assert fitted.shots[0].characters == ["Lin", "Mo"]  # whoever speaks in a shot is seen in it
    assert fitted.shots[1].characters == []
    assert cover_script(fitted, three) == fitted
