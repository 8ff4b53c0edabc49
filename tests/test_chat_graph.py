"""Chat is a graph: it compiles, routes a scripted line, and accepts and undoes a change on the run it talks about."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver

import factories as f
from graphs.chat import builder
from graphs.runs import Runs


@pytest.fixture
def waiting_at_pitch(script, make_ctx) -> tuple[Runs, str]:
    script.enqueue("screenwriter", f.pitch())
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs = Runs(make_ctx(round_limit=1))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    assert runs.view(run_id).waiting["gate"] == "pitch"
    return runs, run_id


def line(run_id: str, action: str, message: str = "", role: str | None = None) -> dict:
    return {"run_id": run_id, "action": action, "message": message, "role": role}


def test_a_session_is_a_thread_of_the_chat_graph(script, waiting_at_pitch):
    runs, run_id = waiting_at_pitch
    chat = builder.compile(checkpointer=InMemorySaver())
    session = {"configurable": {"thread_id": "session-1"}}
    script.enqueue("director", "Open on the slap itself, not the lobby.")
    events = list(
        chat.stream(line(run_id, "ask", "@director how is the hook?"), session, context=runs.ctx, stream_mode="custom")
    )
    assert events[0] == {"type": "answering", "role": "director"}
    assert "".join(e["text"] for e in events if e["type"] == "chunk") == "Open on the slap itself, not the lobby."
    said = chat.get_state(session).values
    assert (said["role"], said["message"]) == ("director", "how is the hook?")
    assert said["turns"] == [
        {"role": "director", "message": "how is the hook?", "answer": "Open on the slap itself, not the lobby."}
    ]

    script.enqueue("cultural_consultant", "Nothing in it is out of its time.")
    routed = chat.invoke(line(run_id, "ask", "What does the cultural consultant think?"), session, context=runs.ctx)
    assert routed["role"] == "cultural_consultant" and len(chat.get_state(session).values["turns"]) == 2

    script.enqueue("screenwriter", f.revision(f.pitch("Slap First"), issues=2))
    accepted = chat.invoke(line(run_id, "accept"), session, context=runs.ctx)
    assert accepted["changed"] == {"artifact": "pitch", "version": 2}
    waiting = runs.view(run_id).waiting
    assert (waiting["gate"], waiting["version"], waiting["content"]["title"]) == ("pitch", 2, "Slap First")

    undone = chat.invoke(line(run_id, "undo"), session, context=runs.ctx)
    assert undone["changed"] == {"artifact": "pitch", "version": 3}
    assert runs.view(run_id).waiting["content"]["title"] == "The Heiress Returns"
    with pytest.raises(ValueError, match="nothing to undo"):
        chat.invoke(line(run_id, "undo"), session, context=runs.ctx)


def test_a_new_session_has_nothing_to_accept(waiting_at_pitch):
    runs, run_id = waiting_at_pitch
    chat = builder.compile(checkpointer=InMemorySaver())
    with pytest.raises(ValueError, match="nothing to accept yet"):
        chat.invoke(line(run_id, "accept"), {"configurable": {"thread_id": "s"}}, context=runs.ctx)
