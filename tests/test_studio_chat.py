"""The studio's chat page: `room chat`'s conversation, its answers streamed to the page; accept and undo."""

from __future__ import annotations

import json
import threading

import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

import factories as f
from scripted import ScriptedChatModel
from studio_client import post, settle, studio_client
from waiting import at_pitch_gate

ANSWER = "Open on the slap itself, <script>alert(1)</script> not the lobby."


@pytest.fixture
def studio(script, make_ctx, monkeypatch):
    """A studio on a run waiting at the pitch gate; the scripted model streams its replies word by word."""

    def in_words(self, messages, stop=None, run_manager=None, **kwargs):
        text = self.script.next(self.role, list(messages))
        for word in text.split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=f"{word} "))

    monkeypatch.setattr(ScriptedChatModel, "_stream", in_words, raising=False)
    runs, run_id = at_pitch_gate(script, make_ctx())
    client, control = studio_client(runs)
    return client, control, run_id


def drive_events(control, run_id: str) -> list[dict]:
    """The events of the run's feed so far, after its drive has ended."""
    settle(control, run_id)
    return [event for _, event in control.feed(run_id).since(0, 0)]


def pushed(client, run_id: str, after: int = 0) -> list[dict]:
    """The events the page receives over Server-Sent Events, up to the end of a drive."""
    got = []
    with client.stream("GET", f"/runs/{run_id}/events?after={after}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                got.append(json.loads(line[5:]))
                if got[-1]["type"] == "done":
                    return got
    return got


def test_a_line_to_the_director_is_answered_by_the_director_streamed_in_chunks(script, studio):
    client, control, run_id = studio
    script.enqueue("director", ANSWER)
    assert client.get(f"/runs/{run_id}/chat").status_code == 200
    asked = post(client, f"/runs/{run_id}/chat", {"line": "@director how is the hook?"})
    assert asked.status_code == 303 and asked.headers["location"] == f"/runs/{run_id}/chat"
    events = drive_events(control, run_id)
    assert [e["type"] for e in events[:2]] == ["working", "answering"] and events[1]["role"] == "director"
    chunks = [e for e in events if e["type"] == "chunk"]
    assert len(chunks) == len(ANSWER.split(" ")) and {c["role"] for c in chunks} == {"director"}
    assert "".join(c["text"] for c in chunks).strip() == ANSWER  # in order, they are the answer
    assert events[-1] == {"type": "done", "state": "waiting", "gate": "pitch"}
    assert [e for e in pushed(client, run_id) if e["type"] == "chunk"] == chunks  # the page gets the same, pushed
    html = client.get(f"/runs/{run_id}/chat").text  # the conversation so far, when the page loads
    assert "how is the hook?" in html and "director" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; not the lobby." in html
    assert "@director" not in html.split('data-testid="turns"')[1].split("</ol>")[0]  # the address is not the line


def test_accept_makes_a_new_version_and_undo_puts_the_old_one_back(script, studio):
    client, control, run_id = studio
    before = control.runs.view(run_id).waiting
    script.enqueue("director", "Open on the slap itself.")
    post(client, f"/runs/{run_id}/chat", {"line": "how is the hook?", "role": "director"})
    settle(control, run_id)
    script.enqueue("screenwriter", f.revision(f.pitch("Slap First"), issues=2))
    assert post(client, f"/runs/{run_id}/chat/accept").status_code == 303
    events = drive_events(control, run_id)
    assert {"type": "changed", "action": "accept", "artifact": "pitch", "version": before["version"] + 1} in events
    waiting = control.runs.view(run_id).waiting
    assert (waiting["gate"], waiting["version"], waiting["content"]["title"]) == ("pitch", 2, "Slap First")
    assert 'data-testid="target">pitch v2<' in client.get(f"/runs/{run_id}/chat").text

    assert post(client, f"/runs/{run_id}/chat/undo").status_code == 303
    assert {"type": "changed", "action": "undo", "artifact": "pitch", "version": 3} in drive_events(control, run_id)
    waiting = control.runs.view(run_id).waiting
    assert (waiting["version"], waiting["content"]) == (3, before["content"])
    nothing = post(client, f"/runs/{run_id}/chat/undo")
    assert (nothing.status_code, nothing.text) == (400, "nothing to undo in this session")


@pytest.mark.parametrize(
    "form, said",
    [
        ({"line": ""}, "the chat line is empty"),
        ({"line": "   \n "}, "the chat line is empty"),
        ({"line": "hello", "role": "producer"}, "unknown role 'producer'"),
        ({"line": "x" * 4001}, "a chat line is at most 4000 characters"),
    ],
)
def test_a_bad_line_is_refused_in_one_line(studio, form, said):
    client, control, run_id = studio
    response = post(client, f"/runs/{run_id}/chat", form)
    assert response.status_code == 400 and response.text.startswith(said) and "\n" not in response.text
    assert not control.busy(run_id) and control.feed(run_id).since(0, 0) == []


def test_a_refused_line_stays_in_the_page_form(studio):
    client, _, run_id = studio
    response = post(
        client, f"/runs/{run_id}/chat", {"line": "<b>keep me</b>", "role": "nobody"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    assert 'data-testid="chat-error">unknown role' in response.text
    assert "&lt;b&gt;keep me&lt;/b&gt;</textarea>" in response.text


def test_nothing_to_accept_before_a_line(studio):
    client, control, run_id = studio
    response = post(client, f"/runs/{run_id}/chat/accept")
    assert (response.status_code, response.text) == (400, "nothing to accept yet: ask the room something first")
    assert control.runs.view(run_id).waiting["version"] == 1


def test_a_chat_while_the_studio_drives_the_run_is_refused(studio):
    client, control, run_id = studio
    release = threading.Event()

    def working():
        release.wait(30)
        yield {"type": "speak", "role": "screenwriter", "action": "revises", "artifact": "pitch", "round": 2}

    control.drive(run_id, working)
    try:
        refused = post(client, f"/runs/{run_id}/chat", {"line": "@director how is the hook?"})
        assert (
            refused.status_code == 409
            and refused.text == f"run {run_id} is already working in this studio: wait for it"
        )
        page = client.get(f"/runs/{run_id}/chat").text
        assert 'data-busy="1"' in page
    finally:
        release.set()
        settle(control, run_id)
    assert [e for e in control.feed(run_id).since(0, 0) if e[1]["type"] in ("answering", "chunk")] == []


def test_an_unknown_run_has_no_chat(studio):
    client, _, _ = studio
    response = client.get("/runs/nope/chat")
    assert response.status_code == 404 and "\n" not in response.text.strip()
