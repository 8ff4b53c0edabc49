"""Every error a person can cause is one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import factories as f
from cli_helpers import room as scripted_room, run_id_of, scripted_env
from memory.lock import WriterLock

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent


def room(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ROOM_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, "-m", "cli", "-C", str(project), *args],
        env={**clean, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def one_line_error(result: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_invalid_project_file(project):
    (project / "room.toml").write_text("[room\n")
    one_line_error(room(project, "run", "premise"), 3, "not valid TOML")


def test_unknown_model_string(project):
    one_line_error(room(project, "--model", "foo:bar", "run", "premise"), 3, "unknown model provider 'foo'")


def test_missing_key(project):
    one_line_error(room(project, "--model", "openai:gpt-4.1-mini", "run", "premise"), 3, "set OPENAI_API_KEY")


def test_unreachable_server_keeps_the_run(project):
    canary = "sk-canary-0123456789"
    result = room(
        project,
        "--model",
        "openai:m",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "run",
        "A premise",
        env={"OPENAI_API_KEY": canary},
    )
    one_line_error(result, 4, "cannot be reached")
    # the key went through the model factory, and was written nowhere: state, checkpoints, memory, logs
    for path in project.rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path
    status = json.loads(room(project, "status", "--json").stdout)
    assert len(status) == 1 and status[0]["state"] == "interrupted"  # nothing lost: it can be resumed
    one_line_error(room(project, "approve", status[0]["run_id"]), 5, "is not waiting for approval")


def test_unknown_run(project):
    one_line_error(room(project, "status", "nope"), 5, "no run 'nope'")


@pytest.mark.parametrize(
    "premise, text", [("   ", "the premise is empty"), ("x" * 2001, "keep it under 2000")], ids=["empty", "too-long"]
)
def test_bad_premise(project, premise, text):
    one_line_error(room(project, "run", premise), 6, text)


def test_second_writer_is_refused(project):
    with WriterLock(project):
        one_line_error(room(project, "run", "A premise"), 7, "is writing to")


def test_edit_file_errors_lose_nothing(project):
    first = scripted_room(
        project,
        "run",
        "A premise",
        script={"screenwriter": [f.pitch()], "cultural_consultant": [f.approve()], "director": [f.approve()]},
    )
    run_id = run_id_of(first.stdout)
    bad = project / "bad.json"
    bad.write_text(json.dumps({"title": "no logline"}))
    one_line_error(scripted_room(project, "approve", run_id, "--edit", str(bad)), 6, "the edited pitch is not valid")
    bad.write_text("{not json")
    one_line_error(scripted_room(project, "approve", run_id, "--edit", str(bad)), 6, "is not valid JSON")
    one_line_error(
        scripted_room(project, "approve", run_id, "--edit", str(project / "missing.json")), 6, "cannot read edit file"
    )
    one_line_error(scripted_room(project, "approve", run_id, "--reject", " "), 6, "needs a note")
    latin1_chat = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "room_scripted.py"), "-C", str(project), "chat", run_id],
        env=scripted_env(project, {}),
        input="Café?\n".encode("latin-1"),
        capture_output=True,
        timeout=120,
    )
    assert latin1_chat.returncode == 6, latin1_chat
    assert (
        latin1_chat.stderr.decode().strip() == "error: the chat line 'Caf�?' is not valid UTF-8: give it as UTF-8 text"
    )
    status = json.loads(scripted_room(project, "status", run_id, "--json").stdout)
    assert status["waiting"]["gate"] == "pitch" and status["waiting"]["version"] == 1


@pytest.mark.parametrize(
    "args, text",
    [
        (("--foo", "status"), "No such option: --foo"),
        (("nope",), "No such command 'nope'"),
        (("run",), "Missing argument 'premise'"),
        (("run", "--episodes", "abc", "A premise"), "Invalid value for '--episodes'"),
        (("memory", "search", "-k", "0", "her"), "Invalid value for '-k'"),
        (("status", "--bogus"), "see `room status --help`"),
    ],
    ids=["flag", "command", "argument", "episodes", "k", "command-flag"],
)
def test_usage_errors_are_one_line(project, args, text):
    one_line_error(room(project, *args), 2, text)


def test_a_premise_that_is_not_utf8(project):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ROOM_", "OPENAI_"))}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "-C", str(project), "run", b"caf\xe9 heiress"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    one_line_error(result, 6, "is not valid UTF-8")
    assert not (project / ".room" / "checkpoints.sqlite").exists()  # no run began


@pytest.mark.parametrize(
    "toml, text",
    [
        ('room = "zh"\n', "[room] must be a table of settings, not a str"),
        ("models = 3\n", "[models] must be a table"),
        ("[room]\nauto_approve = 5\n", "auto_approve must be gate names"),
    ],
    ids=["room", "models", "auto_approve"],
)
def test_project_file_of_the_wrong_shape(project, toml, text):
    (project / "room.toml").write_text(toml)
    one_line_error(room(project, "status"), 3, text)


def test_files_that_are_not_utf8(project):
    latin1 = project / "draft.json"
    latin1.write_bytes('{"title": "Café"}'.encode("latin-1"))
    one_line_error(room(project, "approve", "nope", "--edit", str(latin1)), 6, "edit file")
    one_line_error(room(project, "render", "nope", "--script", str(latin1)), 6, "script file")
    assert "is not valid UTF-8" in room(project, "render", "nope", "--script", str(latin1)).stderr
