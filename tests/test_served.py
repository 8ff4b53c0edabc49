"""The graphs as LangGraph's server serves them (graphs/served.py), in this process: a premise alone starts a run.

The server itself (`langgraph dev`) is tests/test_langgraph_server.py's.
"""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

import factories as f
from graphs import served
from graphs.context import load_context
from graphs.runs import Runs
from tools.errors import InputError
from waiting import BIBLE_ROUND, PITCH_ROUND, enqueue

PREMISE = "A disowned heiress returns as the CEO who owns them"
THREAD = {"configurable": {"thread_id": "0b7d3c9e-thread"}}


def settings(project, text: str = "") -> None:
    """The served project's room.toml: every role on its script queue, and `text` besides."""
    roles = "\n".join(f'{r} = "scripted:{r}"' for r in ("screenwriter", "cultural_consultant", "director"))
    roles += '\nart_director = "scripted:art_director"\neditor = "scripted:editor"'
    (project / "room.toml").write_text(
        f'[room]\nmodel = "scripted:*"\nproduce = false\n{text}\n[models]\n{roles}\n', encoding="utf-8"
    )


def test_a_new_run_is_completed_from_its_premise_and_the_project(project):
    settings(project, 'lang = "zh"\nepisodes = 4\nauto_approve = ["pitch"]')
    ctx = load_context(project, env={})
    state = served.start_run({"premise": f"  {PREMISE} "}, THREAD, ctx)
    assert state["run_id"] == "0b7d3c9e-thread" and state["premise"] == PREMISE and state["decisions"] == []
    assert (state["lang"], state["episodes"], state["auto_approve"]) == ("zh", 4, ["pitch"])  # the project's
    assert state["models"] == ctx.models()

    given = served.start_run({"premise": PREMISE, "lang": "en", "episodes": 2, "auto_approve": []}, THREAD, ctx)
    assert (given["lang"], given["episodes"], given["auto_approve"]) == ("en", 2, [])  # the client's terms win

    for other in (None, {"run_id": "x"}, Command(resume={"action": "approve"})):  # not a new run: as it is
        assert served.start_run(other, THREAD, ctx) is other


@pytest.mark.parametrize(
    "given, config, said",
    [
        ({"premise": ""}, THREAD, "the premise is empty"),
        ({"premise": PREMISE, "episodes": 0}, THREAD, "invalid run input episodes"),
        ({"premise": PREMISE, "lang": "fr"}, THREAD, "invalid run input lang"),
        ({"premise": PREMISE, "auto_approve": ["casting"]}, THREAD, "unknown gate(s) casting"),
        ({"premise": PREMISE, "project_dir": "/etc"}, THREAD, "invalid run input project_dir"),
        ({"premise": PREMISE}, {}, "a served run needs a thread"),
    ],
)
def test_bad_input_is_refused_in_one_line(project, given, config, said):
    settings(project)
    with pytest.raises(InputError) as caught:
        served.start_run(given, config, load_context(project, env={}))
    assert said in str(caught.value) and len(str(caught.value).splitlines()) == 1


def test_the_served_graph_runs_on_the_servers_project_whatever_context_it_is_given(script, project, monkeypatch):
    settings(project)
    monkeypatch.setenv(served.PROJECT_ENV, str(project))
    graph = served.development_graph.copy({"checkpointer": InMemorySaver()})
    assert graph.get_input_jsonschema()["required"] == ["premise"] and graph.get_context_jsonschema() is None

    enqueue(script, PITCH_ROUND)
    list(graph.stream({"premise": PREMISE, "episodes": 1}, THREAD, context={"project_dir": "/elsewhere"}))
    snap = graph.get_state(THREAD)
    assert [i.value["gate"] for i in snap.interrupts] == ["pitch"]
    assert snap.values["run_id"] == THREAD["configurable"]["thread_id"] and snap.values["episodes"] == 1
    assert (project / ".room").is_dir()  # the project's stores, not the context's folder

    enqueue(script, BIBLE_ROUND)
    list(graph.stream(Command(resume={"action": "approve"}), THREAD))
    snap = graph.get_state(THREAD)
    assert [i.value["gate"] for i in snap.interrupts] == ["bible"] and snap.values["approved"] == {"pitch": 1}
    assert not Runs(load_context(project, env={}), writer=False).run_ids()  # the server's run, not the project's


def test_served_chat_talks_about_and_changes_a_run_in_the_servers_checkpoints(script, project, monkeypatch):
    settings(project)
    monkeypatch.setenv(served.PROJECT_ENV, str(project))
    saver = InMemorySaver()  # the server's: both graphs keep their threads in it
    development = served.development_graph.copy({"checkpointer": saver})
    chat = served.chat_graph.copy({"checkpointer": saver})
    enqueue(script, PITCH_ROUND)
    list(development.stream({"premise": PREMISE, "episodes": 1}, THREAD))
    run_id = THREAD["configurable"]["thread_id"]
    session = {"configurable": {"thread_id": "chat-session"}}

    script.enqueue("director", "Open on the slap itself, not the lobby.")
    said = chat.invoke({"run_id": run_id, "action": "ask", "message": "@director how is the hook?"}, session)
    assert said == {"role": "director", "answer": "Open on the slap itself, not the lobby."}

    script.enqueue("screenwriter", f.revision(f.pitch("Slap First"), issues=2))
    accepted = chat.invoke({"run_id": run_id, "action": "accept"}, session)
    assert accepted["changed"] == {"artifact": "pitch", "version": 2}
    snap = development.get_state(THREAD)  # the served run has the new version, and waits at its gate again
    assert snap.values["artifacts"]["pitch"]["title"] == "Slap First"
    assert [(i.value["gate"], i.value["version"]) for i in snap.interrupts] == [("pitch", 2)]
    assert not Runs(load_context(project, env={}), writer=False).run_ids()  # nothing in the project's database
