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
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import factories as f
from fault_server import FaultServer

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
STARTUP = 120  # seconds `langgraph dev` may take to serve (it imports every graph)

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ROOM_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_"))}


@pytest.fixture(scope="module")
def fault_server():
    s = FaultServer()
    s.plan(REPLIES)
    yield s
    s.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory, fault_server):
    """`langgraph dev` serving the room's graphs for a project on the fault server; its URL and project folder."""
    cli = _server_cli()
    project = tmp_path_factory.mktemp("served-project")
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
    port = _free_port()
    env = {
        **_clean_env(),
        "ROOM_PROJECT": str(project),
        "OPENAI_API_KEY": "sk-test",
        "PYTHONPATH": str(ROOT),  # this checkout's packages, whatever is installed
        "LANGSMITH_TRACING": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    }
    workdir = tmp_path_factory.mktemp("served-workdir")  # where the dev server keeps its own state
    config = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))  # the checkout's, its paths absolute
    config["dependencies"] = [str(ROOT)]
    config["graphs"] = {name: str(ROOT / spec) for name, spec in config["graphs"].items()}
    (workdir / "langgraph.json").write_text(json.dumps(config), encoding="utf-8")
    log = (workdir / "server.log").open("w")
    command = [cli, "dev", "--no-browser", "--no-reload", "--port", str(port), "--config", "langgraph.json"]
    process = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ok", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() - started > STARTUP:
                pytest.fail(f"`langgraph dev` did not serve: {(workdir / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        print(f"langgraph dev served in {time.monotonic() - started:.1f} s")
        yield url, project
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def room(url: str, project: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`room --server URL ...` in a folder of its own: everything it reads comes from the server."""
    env = {**_clean_env(), "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
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
