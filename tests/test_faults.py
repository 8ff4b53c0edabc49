"""The real client path against a server that fails on purpose (tests/fault_server.py).

For every fault the room either recovers (a retry, with the validation
message when the model caused it) or stops with one typed line within
bounded tries and time; the run loses nothing and `resume` finishes the step
once the fault clears. The scripted model tests the room; this tests the wire.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

import factories as f
from agents.models import load_chat_model
from agents.roles import ARTIFACTS
from agents.screenwriter import Pitch
from agents.structured import ask_structured, stream_text
from cli.app import exit_code
from cli_helpers import run_id_of
from fault_server import CHARS_PER_TOKEN as FAULTS_CHARS_PER_TOKEN, FaultServer
from graphs.context import load_context
from graphs.runs import Runs
from memory.embeddings import OpenAIEmbeddings
from tools.errors import KeyRefusedError, ModelOutputError, ModelUnavailableError, RoomError
from tools.images.base import ImageRequest
from tools.images.openai_backend import OpenAIImageBackend
from tools.speech.base import VoiceSpec
from tools.speech.openai_backend import OpenAISpeechBackend

ROOT = Path(__file__).resolve().parent.parent
PREMISE = "A disowned heiress returns as the CEO who owns them"
REPLIES = {"Pitch": [f.pitch()], "Critique": [f.approve()], "text": ["She came back for the company, not for them."]}
TIMEOUT = 1.0  # ROOM_TIMEOUT for these runs: a hang is noticed within seconds


@pytest.fixture(scope="module")
def server():
    s = FaultServer()
    yield s
    s.close()


@pytest.fixture
def ctx(project, server, monkeypatch):
    """A project on the fault server, for chat and for embeddings (cheap vectors, and one more caller on the wire)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.plan(REPLIES)
    return load_context(
        project,
        {
            "model": "openai:test",
            "base_url": server.base_url,
            "produce": False,
            "request_timeout": TIMEOUT,
            "embeddings": "openai:test",
            "embeddings_base_url": server.base_url,
        },
        env={},
    )


def develop(ctx) -> tuple[Runs, str, RoomError | None]:
    """Start a run up to the pitch gate; the typed error that stopped it, if one did."""
    runs = Runs(ctx)
    run_id, events = runs.start(PREMISE)
    try:
        list(events)
    except RoomError as exc:
        return runs, run_id, exc
    return runs, run_id, None


# ── one fault, then the server is well again: the room recovers ─────────

MODEL_FAULTS = ["prose", "truncated", "wrong_types", "empty", "length"]
SERVER_FAULTS = [
    {"fault": "500"},
    {"fault": "drop"},
    {"fault": "html", "status": 502},
    {"fault": "hang", "seconds": 3 * TIMEOUT},
    {"fault": "429", "retry_after": 1},
]


@pytest.mark.parametrize("kind", MODEL_FAULTS)
def test_a_bad_reply_goes_back_to_the_model_with_the_reason(ctx, server, kind):
    server.plan(REPLIES, [{"fault": kind, "match": "Pitch"}])
    runs, run_id, error = develop(ctx)
    assert error is None and runs.view(run_id).waiting["gate"] == "pitch"
    first, retry = [entry for entry in server.log() if entry["schema"] == "Pitch"]
    assert first["fault"] == kind and retry["fault"] is None
    reason = "cut off at the token limit" if kind == "length" else "That reply is not a valid Pitch"
    assert reason in retry["asked"]


@pytest.mark.parametrize("fault", SERVER_FAULTS, ids=lambda fault: fault["fault"])
def test_a_passing_server_fault_is_retried_as_it_was(ctx, server, fault):
    server.plan(REPLIES, [{**fault, "match": "Pitch"}])
    started = time.monotonic()
    runs, run_id, error = develop(ctx)
    assert error is None and runs.view(run_id).waiting["gate"] == "pitch"
    first, retry = [entry for entry in server.log() if entry["schema"] == "Pitch"]
    assert first["fault"] == fault["fault"] and retry["fault"] is None
    assert retry["asked"] == first["asked"]  # the same request again: the model did nothing wrong
    if "retry_after" in fault:
        assert retry["at"] - first["at"] >= fault["retry_after"] * 0.95  # Retry-After was honoured
    assert time.monotonic() - started < 15


# ── a fault that lasts: one typed line, bounded tries, nothing lost ─────

LASTING = [
    *[pytest.param({"fault": kind}, ModelOutputError, "gave no valid Critique", id=kind) for kind in MODEL_FAULTS],
    pytest.param({"fault": "500"}, ModelUnavailableError, "answered 500", id="500"),
    pytest.param({"fault": "429", "retry_after": 1}, ModelUnavailableError, "rate-limiting", id="429"),
    pytest.param({"fault": "drop"}, ModelUnavailableError, "cannot be reached", id="drop"),
    pytest.param(
        {"fault": "hang", "seconds": 3 * TIMEOUT},
        ModelUnavailableError,
        "did not answer in time",
        marks=pytest.mark.integration,
        id="hang",
    ),  # three timeouts and two backoffs: ~5 s
    pytest.param({"fault": "html"}, ModelUnavailableError, "HTML page", id="html"),
]


@pytest.mark.parametrize("fault, error_type, text", LASTING)
def test_a_lasting_fault_stops_typed_and_resume_finishes_the_step(ctx, server, fault, error_type, text):
    server.plan(REPLIES, [{**fault, "match": "Critique", "times": 99}])
    started = time.monotonic()
    runs, run_id, error = develop(ctx)
    assert isinstance(error, error_type) and exit_code(error) == 4, error
    assert text in str(error) and len(str(error).splitlines()) == 1
    assert time.monotonic() - started < 20
    critiques = [entry for entry in server.log() if entry["schema"] == "Critique"]
    assert len(critiques) <= 2 * 3  # two reviewers, three tries each at most
    view = runs.view(run_id)
    assert view.state == "interrupted" and text in view.failed["error"]  # resumable, and status says why

    server.plan(REPLIES)  # the fault clears
    list(runs.resume(run_id))
    assert runs.view(run_id).waiting["gate"] == "pitch"
    assert "Pitch" not in [entry["schema"] for entry in server.log()]  # the finished proposal is not asked again


# ── a long series: the outline's answer is as long as the series ────────


WORDS = (
    "ledger father boardroom floor name sister debt harbour letter contract shares vote lawyer night rain "
    "mother ring photograph witness secret brother station fire bank scandal promise wedding driver gun"
).split()


def long_outline(episodes: int) -> dict:
    """An outline of `episodes` episodes the size a real model writes (about 1,000 characters each), every text
    its own (a text that says an earlier one again is a finding of the room's own checks)."""

    def text(seed: int) -> str:
        return "She " + " and the ".join(random.Random(seed).sample(WORDS, 16)) + "."

    outline = f.outline(episodes)
    for n, episode in enumerate(outline["episodes"]):
        episode["hook"], episode["cliffhanger"] = text(10 * n), text(10 * n + 1)
        episode["beats"] = [{"description": text(10 * n + 2 + i), "intensity": 5 + i} for i in range(4)]
    return outline


def test_a_forty_episode_outline_is_written_in_parts_none_cut_off_at_its_token_limit(ctx, server):
    episodes = 40
    outline, spec = long_outline(episodes), ARTIFACTS["outline"]
    tokens = len(json.dumps(outline)) // FAULTS_CHARS_PER_TOKEN
    assert tokens > spec.tokens_for(spec.part_episodes)  # in one answer, a provider's limit would cut it off
    parts = [outline["episodes"][first : first + 10] for first in range(0, episodes, 10)]
    replies = {
        "Bible": [f.bible()],
        "SeriesOutline": [{"episodes": part} for part in parts],
        "SeriesOutlineRevision": [f.revision({"episodes": part}) for part in parts],
    }
    server.plan({**REPLIES, **replies})
    runs = Runs(ctx)
    run_id, events = runs.start(PREMISE, episodes=episodes, auto_approve=("pitch", "bible"))
    list(events)
    view = runs.view(run_id)
    assert view.waiting["gate"] == "outline"
    written = view.values["artifacts"]["outline"]["episodes"]
    assert [e["number"] for e in written] == list(range(1, episodes + 1))
    asked = [entry for entry in server.log() if entry["schema"] == "SeriesOutline"]
    assert len(asked) == 4 and not [entry for entry in asked if "cut off" in entry["asked"]]
    bodies = [json.loads(entry["body"]) for entry in asked]
    assert {body["max_completion_tokens"] for body in bodies} == {spec.tokens_for(10)}
    for number, body in enumerate(bodies):  # each part goes on from the one before it
        prompt = body["messages"][-1]["content"]
        assert f"episodes {10 * number + 1} to {10 * number + 10}: 10 episodes" in prompt
        assert number == 0 or f"Ep {10 * number}: {parts[number - 1][-1]['title']}" in prompt
    revised = [entry for entry in server.log() if entry["schema"] == "SeriesOutlineRevision"]
    assert 1 <= len(revised) <= 4 and {json.loads(e["body"])["max_completion_tokens"] for e in revised} == {
        spec.tokens_for(10, True)
    }


# ── every caller of the openai client: one error for one failure ────────


def _chat(server, project):
    ask_structured(
        load_chat_model("openai:test", base_url=server.base_url, timeout=TIMEOUT), [HumanMessage("hi")], Pitch
    )


def _stream(server, project):
    list(stream_text(load_chat_model("openai:test", base_url=server.base_url, timeout=TIMEOUT), [HumanMessage("hi")]))


def _embeddings(server, project):
    OpenAIEmbeddings("test", base_url=server.base_url)(["a line of memory"])


def _images(server, project):
    OpenAIImageBackend(api_key="sk-test", base_url=server.base_url, timeout=TIMEOUT).render(
        ImageRequest("1A"), project / "1A.png"
    )


def _speech(server, project):
    OpenAISpeechBackend(base_url=server.base_url, timeout=TIMEOUT).synthesize(
        "Hi.", VoiceSpec(backend="openai", voice="onyx"), project / "x.wav"
    )


CALLERS = {"chat": _chat, "streaming": _stream, "embeddings": _embeddings, "images": _images, "speech": _speech}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    "fault, error_type, code, text",
    [
        ({"fault": "status", "status": 401}, KeyRefusedError, 3, "refused the key (401): check OPENAI_API_KEY"),
        ({"fault": "status", "status": 403}, KeyRefusedError, 3, "refused the key (403)"),
        ({"fault": "html"}, ModelUnavailableError, 4, "answered 200 with an HTML page"),
        ({"fault": "not_json"}, ModelUnavailableError, 4, "answered 200 with a body that is not JSON"),
    ],
    ids=["401", "403", "html", "not_json"],
)
def test_every_caller_maps_a_failure_to_one_error(server, project, monkeypatch, caller, fault, error_type, code, text):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.plan(REPLIES, [{**fault, "times": 9}])
    with pytest.raises(error_type) as caught:
        CALLERS[caller](server, project)
    assert exit_code(caught.value) == code and text in str(caught.value) and len(str(caught.value).splitlines()) == 1
    assert not list(project.iterdir())  # nothing half-written


# ── the command line: one line on stderr, its exit code, then resume ────


def room(project: Path, server: FaultServer, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ROOM_", "OPENAI_"))}
    env = {
        **clean,
        "COLUMNS": "200",
        "ROOM_TIMEOUT": str(TIMEOUT),
        "OPENAI_API_KEY": "sk-test",
        "ROOM_EMBEDDINGS": "openai:test",
        "ROOM_EMBEDDINGS_BASE_URL": server.base_url,
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "-C",
            str(project),
            "--model",
            "openai:test",
            "--base-url",
            server.base_url,
            *args,
        ],
        env=env,
        input=stdin,
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


@pytest.mark.integration
def test_cli_stops_on_a_web_page_resumes_and_chats_through_a_rate_limit(project, server):
    server.plan(REPLIES, [{"fault": "html", "times": 99}])
    stopped = room(project, server, "run", PREMISE)
    one_line_error(stopped, 4, "HTML page, not the API's JSON: is the base URL right?")
    run_id = run_id_of(stopped.stdout)

    server.plan(REPLIES)
    resumed = room(project, server, "resume", run_id)
    assert resumed.returncode == 0 and "waiting for you: pitch v1" in resumed.stdout, resumed.stderr

    server.plan(REPLIES, [{"fault": "429", "retry_after": 1, "match": "text", "times": 3}])
    chat = room(project, server, "chat", run_id, stdin="@screenwriter what is it about?\nand the ending?\n/quit\n")
    assert chat.returncode == 0 and "Traceback" not in chat.stdout + chat.stderr, chat.stderr
    (limited,) = [line for line in chat.stdout.splitlines() if "rate-limiting" in line]
    assert "429, asking to wait 1 s" in limited
    assert "She came back for the company" in chat.stdout  # the next question is answered


@pytest.mark.integration
def test_cli_refused_key_is_a_configuration_error(project, server):
    server.plan(REPLIES, [{"fault": "status", "status": 401, "times": 9}])
    one_line_error(room(project, server, "run", PREMISE), 3, "refused the key (401)")
