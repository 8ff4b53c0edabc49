"""The room's graphs on LangGraph's own server: `langgraph dev`, driven with the SDK and with `room --server`.

The server serves `langgraph.json` from a project whose model is the fault
server's scripted replies (tests/fault_server.py). A run starts from a premise
alone, stops at the pitch gate, is approved, and stops at the bible's; the chat
graph answers a question about it; `room
--server URL status | approve | resume | run | chat` read, answer, start and discuss runs as they do local ones.

Without the `server` extra (`langgraph` CLI) the test is skipped, saying so;
`ROOM_TEST_SERVER=1` (CI: see .ci/run) makes it fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import factories as f
from fault_server import FaultServer
from langgraph_dev import clean_env, langgraph_dev

ROOT = Path(__file__).resolve().parent.parent
PREMISE = "A disowned heiress returns as the CEO who owns them"
REPLIES = {
    "Pitch": [f.pitch()],
    "Bible": [f.bible()],
    "SeriesOutline": [f.outline(1)],
    "Critique": [f.approve()],
    "text": ["Noted."],
}
SERVER_TESTS = os.environ.get("ROOM_TEST_SERVER", "")  # "1": required; read here, each test's guard clears ROOM_*

pytestmark = pytest.mark.integration


def _server_cli() -> str:
    """The `langgraph` command of the `server` extra; a skip (or, with ROOM_TEST_SERVER=1, a failure) without it."""
    found = shutil.which("langgraph")
    try:
        import langgraph_api  # noqa: F401  (langgraph-cli[inmem]: what `langgraph dev` serves with)
    except ImportError:
        found = None
    if not found:
        reason = 'no `langgraph` CLI with its in-memory server: pip install -e ".[server]"'
        if SERVER_TESTS == "1":
            pytest.fail(f"ROOM_TEST_SERVER=1 but {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def fault_server():
    s = FaultServer()
    s.plan(REPLIES)
    yield s
    s.close()


def served_project(project: Path, fault_server: FaultServer) -> Path:
    """A project whose model and embeddings are the fault server's; its folder."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "room.toml").write_text(
        "[room]\n"
        'model = "openai:test"\n'
        f'base_url = "{fault_server.base_url}"\n'
        "produce = false\n"
        "request_timeout = 20\n"
        'embeddings = "openai:test"\n'
        f'embeddings_base_url = "{fault_server.base_url}"\n',
        encoding="utf-8",
    )
    return project


@pytest.fixture(scope="module")
def served(tmp_path_factory, fault_server):
    """`langgraph dev` serving the room's graphs for a project on the fault server; its URL and project folder."""
    cli = _server_cli()
    project = served_project(tmp_path_factory.mktemp("served-project"), fault_server)
    workdir = tmp_path_factory.mktemp("served-workdir")  # where the dev server keeps its own state
    with langgraph_dev(cli, project, workdir, {"OPENAI_API_KEY": "sk-test"}) as url:
        yield url, project


def room(url: str, project: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`room --server URL ...` in a folder of its own: everything it reads comes from the server."""
    env = {**clean_env(), "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "cli", "-C", str(project), "--server", url, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def test_a_served_run_starts_from_a_premise_alone_and_room_answers_its_gate(served, fault_server, tmp_path):
    from langgraph_sdk import get_sync_client

    url, project = served
    client = get_sync_client(url=url)
    started = time.monotonic()

    # the SDK: a premise alone; the run's id, terms and models are the graph's and the project's to fill in
    thread = client.threads.create()
    run_id = thread["thread_id"]
    client.runs.wait(run_id, "development", input={"premise": PREMISE, "episodes": 1})
    state = client.threads.get_state(run_id)
    (waiting,) = [i["value"] for i in state["interrupts"]]
    assert waiting["gate"] == "pitch" and waiting["content"]["title"] == f.pitch()["title"]
    values = state["values"]
    assert values["run_id"] == run_id and values["premise"] == PREMISE and values["episodes"] == 1
    assert values["models"]["model"] == "openai:test"  # the served project's settings, not the defaults
    assert (project / "outputs" / run_id).is_dir() or (project / ".room").is_dir()  # the project's folder

    # the SDK resumes the gate: the bible is made and waits for approval
    client.runs.wait(run_id, "development", command={"resume": {"action": "approve"}})
    state = client.threads.get_state(run_id)
    (waiting,) = [i["value"] for i in state["interrupts"]]
    assert waiting["gate"] == "bible" and state["values"]["approved"] == {"pitch": 1}
    assert state["values"]["artifacts"]["bible"]["tone"] == f.bible()["tone"]

    # chat is a served graph too: a question and a run id; it reads the served run, in the server's checkpoints
    session = client.threads.create()["thread_id"]
    said = client.runs.wait(
        session, "chat", input={"run_id": run_id, "action": "ask", "message": "@screenwriter what is it about?"}
    )
    assert said["role"] == "screenwriter" and said["answer"] == REPLIES["text"][0], said

    # `room --server`: status as it is shown locally, then an answer with the local checks and exit codes
    here = tmp_path / "elsewhere"
    here.mkdir()
    status = room(url, here, "status", run_id, "--json")
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["state"] == "waiting" and shown["waiting"]["gate"] == "bible" and shown["approved"] == {"pitch": 1}

    wrong = room(url, here, "approve", run_id, "--gate", "outline")
    assert wrong.returncode == 5 and f"run {run_id} waits at bible, not at outline" in wrong.stderr, wrong.stderr
    missing = room(url, here, "status", "no-such-run")
    assert missing.returncode == 5 and "no run 'no-such-run'" in missing.stderr, missing.stderr
    local = room(url, here, "history", run_id)
    assert local.returncode == 6 and "not on a server's" in local.stderr, local.stderr

    approved = room(url, here, "approve", run_id, "--gate", "bible")
    assert approved.returncode == 0, approved.stderr
    assert "waiting for you: outline v1" in approved.stdout, approved.stdout
    listed = room(url, here, "status")
    assert listed.returncode == 0 and run_id[:8] in listed.stdout, listed.stdout
    state = client.threads.get_state(run_id)
    assert state["values"]["approved"] == {"pitch": 1, "bible": 1}

    chat = room(url, here, "chat", run_id, stdin="@screenwriter what is it about?\n/status\n/quit\n")
    assert chat.returncode == 0 and REPLIES["text"][0] in chat.stdout, chat.stdout + chat.stderr
    assert "outline" in chat.stdout and "Traceback" not in chat.stdout + chat.stderr

    not_stopped = room(url, here, "resume", run_id)
    assert not_stopped.returncode == 5 and "waits at the outline gate" in not_stopped.stderr, not_stopped.stderr

    # `room --server run`: a new thread, the run shown as a local one is, waiting at its first gate
    fault_server.plan(REPLIES)
    second = room(url, here, "run", PREMISE, "--episodes", "1")
    assert second.returncode == 0 and "waiting for you: pitch v1" in second.stdout, second.stdout + second.stderr
    refused = room(url, here, "run", PREMISE, "--auto", "casting")
    assert refused.returncode == 6 and "unknown gate(s) casting" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    # a run the model server refuses stops with the line and the exit code it has locally (3: a refused key)
    fault_server.plan(REPLIES, [{"fault": "status", "status": 401, "times": 9}])
    failed = room(url, here, "run", PREMISE, "--episodes", "1")
    assert failed.returncode == 3 and "refused the key (401)" in failed.stderr, failed.stdout + failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1 and "Traceback" not in failed.stdout + failed.stderr
    fault_server.plan(REPLIES)
    print(f"a served run through two gates, with room --server: {time.monotonic() - started:.1f} s")


def test_a_served_run_refuses_bad_input_in_one_line(served):
    from langgraph_sdk import get_sync_client

    url, _ = served
    client = get_sync_client(url=url)
    thread = client.threads.create()
    for given, said in [
        ({"premise": "  ", "episodes": 1}, "the premise is empty"),
        ({"premise": PREMISE, "lang": "fr"}, "invalid run input lang"),
        ({"premise": PREMISE, "auto_approve": ["casting"]}, "unknown gate(s) casting"),
        ({"premise": PREMISE, "model": "openai:gpt-4o"}, "invalid run input model"),
    ]:
        result = client.runs.wait(thread["thread_id"], "development", input=given, raise_error=False)
        error = result.get("__error__") if isinstance(result, dict) else None
        assert error and error["error"] == "RunInputError" and said in error["message"], (given, result)
        assert len(error["message"].splitlines()) == 1


def test_served_runs_outlive_their_server_which_runs_as_many_at_once_as_it_is_told(checkpoints, fault_server, tmp_path):
    """Two runs on a server told to run 2 jobs are driven at once; a second server on the same project (1 job)
    finds both at their gates, in the project's database (SQLite or Postgres), apart from its local runs."""
    from langgraph_sdk import get_sync_client

    cli = _server_cli()
    project = served_project(tmp_path / "project", fault_server)
    workdir = tmp_path / "server"
    workdir.mkdir()
    env = {"OPENAI_API_KEY": "sk-test", **({"ROOM_CHECKPOINTS": checkpoints} if checkpoints else {})}
    # each run's first model call hangs 4 s: long enough to see whether the other run is driven meanwhile
    fault_server.plan(REPLIES, [{"fault": "hang", "seconds": 4, "match": "Pitch", "times": 2}])
    with langgraph_dev(cli, project, workdir, env, jobs=2) as url:
        client = get_sync_client(url=url)
        threads = [client.threads.create()["thread_id"] for _ in range(2)]
        runs = [client.runs.create(t, "development", input={"premise": PREMISE, "episodes": 1}) for t in threads]
        together, deadline = False, time.monotonic() + 30
        while not together and time.monotonic() < deadline:
            statuses = [client.runs.get(t, r["run_id"])["status"] for t, r in zip(threads, runs, strict=True)]
            together = statuses == ["running", "running"]
            time.sleep(0.2)
        assert together, statuses
        for thread, run in zip(threads, runs, strict=True):
            client.runs.join(thread, run["run_id"])
    fault_server.plan(REPLIES)

    with langgraph_dev(cli, project, workdir, env, jobs=1) as url:
        here = tmp_path / "elsewhere"
        here.mkdir()
        for thread in threads:
            status = room(url, here, "status", thread, "--json")
            assert status.returncode == 0, status.stderr
            assert json.loads(status.stdout)["waiting"]["gate"] == "pitch"
        approved = room(url, here, "approve", threads[0], "--gate", "pitch")
        assert approved.returncode == 0 and "waiting for you: bible v1" in approved.stdout, approved.stderr

    # where they are: the project's database, not the server's memory, and not among the project's own runs
    local = subprocess.run(
        [sys.executable, "-m", "cli", "-C", str(project), "status", "--json"],
        env={**clean_env(), **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert local.returncode in (0, 5) and not any(t in local.stdout for t in threads), local.stdout + local.stderr
    assert set(served_threads(project, checkpoints)) == set(threads)


def served_threads(project: Path, checkpoints: str | None) -> list[str]:
    """The threads whose checkpoints the served runs' database holds (see graphs.checkpoints.served_checkpoints)."""
    query = "SELECT DISTINCT thread_id FROM checkpoints"
    if checkpoints is None:
        import sqlite3

        with sqlite3.connect(project / ".room" / "served-checkpoints.sqlite") as conn:
            return [row[0] for row in conn.execute(query)]
    import psycopg

    with psycopg.connect(checkpoints, options="-c search_path=room_served") as conn:
        return [row[0] for row in conn.execute(query)]


def test_the_studio_starts_answers_and_discusses_a_servers_runs(served, fault_server):
    """`room --server URL studio`: the studio's pages on the runs a server serves, as on the project's own."""
    from langgraph_sdk import get_sync_client

    from graphs.context import load_context
    from graphs.served_runs import ServedRuns
    from studio_client import post, settle, studio_client

    url, project = served
    fault_server.plan(REPLIES)
    client, control = studio_client(ServedRuns(load_context(project), url))

    # the start form starts a served run: a thread of the server's, waiting at its pitch gate
    started = post(client, "/runs", {"premise": PREMISE, "episodes": "1"})
    assert started.status_code == 303, started.text
    run_id = started.headers["location"].rsplit("/", 1)[1]
    settle(control, run_id)
    server = get_sync_client(url=url)
    assert [i["value"]["gate"] for i in server.threads.get_state(run_id)["interrupts"]] == ["pitch"]
    assert run_id[:8] in client.get("/").text
    gate = client.get(f"/runs/{run_id}/gate")
    assert gate.status_code == 200 and f.pitch()["title"] in gate.text

    # the gate's form answers it on the server, which goes on to the bible
    answered = post(client, f"/runs/{run_id}/gate", {"action": "approve", "gate": "pitch", "episode": "0"})
    assert answered.status_code == 303, answered.text
    settle(control, run_id)
    state = server.threads.get_state(run_id)
    assert state["values"]["approved"] == {"pitch": 1}
    assert [i["value"]["gate"] for i in state["interrupts"]] == ["bible"]

    # chat goes through the server's chat graph
    asked = post(client, f"/runs/{run_id}/chat", {"line": "@screenwriter what is it about?"})
    assert asked.status_code == 303, asked.text
    settle(control, run_id)
    assert REPLIES["text"][0] in client.get(f"/runs/{run_id}/chat").text

    # what only a local run can do is refused in one line, and so is a model the server did not choose
    recast = post(client, f"/runs/{run_id}/episodes/1/recast", {"character": "Mara", "voice": "joe"})
    assert recast.status_code == 400 and "not on a server's" in recast.text, recast.text
    chosen = post(client, "/runs", {"premise": PREMISE, "model": "openai:gpt-4o"})
    assert chosen.status_code == 400 and "the server's settings" in chosen.text, chosen.text
    control.runs.close()


def test_an_answer_to_a_gate_another_client_answered_first_lands_on_no_gate(served, fault_server):
    """Read at the pitch gate, sent after another client approved it: the bible gate is not answered for it."""
    from langgraph_sdk import get_sync_client

    from graphs.context import load_context
    from graphs.errors import RunStateError
    from graphs.served_runs import ServedRuns

    url, project = served
    fault_server.plan(REPLIES)
    server = get_sync_client(url=url)
    run_id = server.threads.create()["thread_id"]
    server.runs.wait(run_id, "development", input={"premise": PREMISE, "episodes": 1})
    runs = ServedRuns(load_context(project), url)
    late = runs.answer(run_id, "approve")  # read now, at the pitch gate; sent when its events are read
    server.runs.wait(run_id, "development", command={"resume": {"action": "approve"}})  # the other client
    with pytest.raises(RunStateError, match="moved on since this command read it"):
        list(late)
    state = server.threads.get_state(run_id)
    assert state["values"]["approved"] == {"pitch": 1}  # the bible was not approved by the late answer
    assert [i["value"]["gate"] for i in state["interrupts"]] == ["bible"]
    assert [d["gate"] for d in state["values"]["decisions"]] == ["pitch"]
    # read after, the same answer lands on the bible gate it was read at
    decided = [e for e in runs.answer(run_id, "approve") if e.get("type") == "decision"]
    assert len(decided) == 1 and server.threads.get_state(run_id)["values"]["approved"] == {"pitch": 1, "bible": 1}
    runs.close()
