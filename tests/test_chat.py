"""Chat: routing, and a scripted session driven through a subprocess's stdin."""

from __future__ import annotations

import json

import pytest

import factories as f
from cli_helpers import room, run_id_of
from graphs.chat import parse_address, route
from waiting import PITCH_ROUND


@pytest.mark.parametrize(
    "line, role, rest",
    [
        ("@director how is the hook?", "director", "how is the hook?"),
        ("@art_director  her coat?", "art_director", "her coat?"),
        ("@编剧 改一下结尾", "screenwriter", "改一下结尾"),
        ("no address here", None, "no address here"),
        ("@nobody hi", None, "@nobody hi"),
    ],
)
def test_parse_address(line, role, rest):
    assert parse_address(line) == (role, rest)


@pytest.mark.parametrize(
    "message, lang, role",
    [
        ("What does the cultural consultant think of episode 3?", "en", "cultural_consultant"),
        ("Ask the editor whether episode 2 runs long", "en", "editor"),
        ("导演觉得开场钩子够不够狠？", "zh", "director"),
    ],
)
def test_route_by_name(message, lang, role):
    assert route(message, lang) == role


def test_route_by_meaning():
    assert route("Is the cliffhanger strong enough and is the pacing too slow?", "en") == "director"


@pytest.mark.integration
def test_scripted_chat_session_through_stdin(project):
    first = room(project, "run", "A disowned heiress returns as a CEO", script=PITCH_ROUND)
    assert first.returncode == 0, first.stderr
    run_id = run_id_of(first.stdout)
    session = (
        "\n".join(
            [
                "@director how is the hook?",
                "/accept",
                "/pitch",
                "/undo",
                "/memory hook",
                "/approve",
                "/quit",
            ]
        )
        + "\n"
    )
    script = {
        "director": ["Open on the slap itself, not the lobby."],
        "screenwriter": [f.revision(f.pitch("Slap First"), issues=2), f.bible()],
        "cultural_consultant": [f.approve()],
        "art_director": [f.approve()],
    }
    chat = room(project, "chat", run_id, script=script, name="chat", stdin=session)
    assert chat.returncode == 0, chat.stderr
    out = chat.stdout
    assert "Director:" in out and "Open on the slap itself" in out
    assert "pitch is now v2" in out
    assert "Slap First" in out  # /pitch shows the accepted version
    assert "pitch put back as v3" in out
    assert "writer asked director" in out  # /memory found the exchange
    assert "waiting for you" in out and "bible v1" in out  # /approve moved the run to the next gate
    state = json.loads(room(project, "status", run_id, "--json").stdout)
    assert state["approved"] == {"pitch": 3}
    pitch = json.loads((project / "outputs" / run_id / "pitch.json").read_text())
    assert pitch["title"] == "The Heiress Returns"  # the undo restored the original
    decisions = room(project, "memory", "list", "--kind", "decision", "--run", run_id).stdout
    assert "writer accepted in chat" in decisions and "undid the last chat change" in decisions
