"""A chat change at every gate: the run goes back to the artifact's gate with the new version, and goes on."""

from __future__ import annotations

import pytest

import factories as f
from graphs.chat import Conversation
from graphs.runs import Runs, draft_name
from waiting import SERIES, waiting_at

CHANGED = {
    "pitch": lambda: f.pitch("Changed In Chat"),
    "bible": lambda: {**f.bible(), "tone": "changed in chat"},
    "outline": lambda: {"episodes": [{**f.outline(1)["episodes"][0], "title": "Changed In Chat"}]},
    "script": lambda: {**f.script(1), "title": "Changed In Chat"},
}


def change_in_chat(script, runs: Runs, run_id: str, name: str) -> dict:
    before = runs.view(run_id).values["versions"][name]
    script.enqueue_first("director", "Make it sharper.")
    script.enqueue_first("screenwriter", f.revision(CHANGED[name]()))
    talk = Conversation(runs, run_id)
    list(talk.answer("director", "make it sharper"))
    assert talk.accept() == (name, before + 1)
    return runs.view(run_id).waiting


@pytest.mark.parametrize("gate", SERIES)
def test_a_chat_change_at_a_series_gate(script, make_ctx, gate):
    runs, run_id = waiting_at(script, make_ctx, gate)
    waiting = change_in_chat(script, runs, run_id, gate)
    assert waiting["content"] == CHANGED[gate]()
    assert waiting["gate"] == gate and waiting["version"] == 2 and waiting["status"] == "changed in chat"
    list(runs.answer(run_id, "approve"))
    view = runs.view(run_id)
    assert view.approved[gate] == 2 and view.failed is None


@pytest.mark.integration
@pytest.mark.parametrize("gate", ["script", "final_cut"])
def test_a_chat_change_at_an_episode_gate(script, make_ctx, gate):
    runs, run_id = waiting_at(script, make_ctx, gate)
    waiting = change_in_chat(script, runs, run_id, "script")
    # at the final cut too, the change is the script's: the run goes back to the script gate with it
    assert (waiting["gate"], waiting["episode"], waiting["version"]) == ("script", 1, 2)
    assert waiting["content"]["title"] == "Changed In Chat" and draft_name(waiting) == "ep01.script.v2.json"
    if gate == "final_cut":  # the new script's shots: negotiated again, then rendered
        script.enqueue("director", f.shots(1))
        script.enqueue("art_director", f.approve(), f.art())
        script.enqueue("editor", f.approve())
    list(runs.answer(run_id, "approve"))
    view = runs.view(run_id)
    assert view.failed is None and view.waiting["gate"] == "final_cut" and view.waiting["episode"] == 1
