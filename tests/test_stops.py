"""Every stop is resumable: SIGINT and SIGTERM stop at a safe point; a failed step is retried or made again."""

from __future__ import annotations

import json
import signal
import time

import pytest

import factories as f
from cli_helpers import room, spawn
from graphs.errors import RunStateError
from graphs.runs import Runs


def started(marks, timeout: float = 90) -> None:
    """Wait until every scripted call that touches one of `marks` is under way."""
    deadline = time.time() + timeout
    while not all(m.exists() for m in marks):
        if time.time() > deadline:
            pytest.fail(f"the calls never started: {marks}")
        time.sleep(0.05)


@pytest.mark.integration
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_run_at_a_safe_point_and_resume_repeats_nothing(project, signum, code, checkpoints_env):
    env = checkpoints_env
    marks = [project.parent / "consultant.started", project.parent / "director.started"]
    slow = {
        "screenwriter": [f.pitch()],
        "cultural_consultant": [{"sleep": 3, "reply": f.approve(), "mark": str(marks[0])}],
        "director": [{"sleep": 3, "reply": f.approve(), "mark": str(marks[1])}],
    }
    proc = spawn(project, "run", "A disowned heiress returns as a CEO", script=slow, env=env)
    started(marks)
    proc.send_signal(signum)  # both reviewers are at work
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "room resume" in err.strip().splitlines()[-1]
    run_id = next(line for line in out.splitlines() if line.startswith("run ")).split()[1]
    status = json.loads(room(project, "status", run_id, "--json", env=env).stdout)
    assert status["state"] == "interrupted" and status["failed"] is None
    # the reviewers were in flight: their steps finished before the stop, so resume asks nobody again
    resumed = room(project, "resume", run_id, name="resume", script={}, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert "waiting for you" in resumed.stdout
    calls = [json.loads(line)["role"] for line in (project / ".room" / "ledger.jsonl").read_text().splitlines()]
    assert sorted(calls) == ["cultural_consultant", "director", "screenwriter"]


def test_a_failed_step_is_named_retried_and_can_be_made_again(script, make_ctx, checkpoints):
    runs = Runs(make_ctx(checkpoints=checkpoints))
    script.enqueue("screenwriter", "not json at all", "still not", "nor this")  # the pitch fails on what was written
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    with pytest.raises(Exception, match="gave no valid Pitch"):
        list(events)
    view = runs.view(run_id)
    assert view.state == "interrupted" and view.failed["stage"] == "pitch"
    assert view.failed["error"].startswith("ModelOutputError: ") and "gave no valid Pitch" in view.failed["error"]
    # resume retries the step; a good reply now goes through
    script.enqueue("screenwriter", f.pitch())
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    list(runs.resume(run_id))
    view = runs.view(run_id)
    assert view.waiting["gate"] == "pitch" and view.failed is None
    # --redo makes an approved step again from scratch, keeping what came before it
    script.enqueue("screenwriter", f.bible())
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("art_director", f.approve())
    list(runs.answer(run_id, "approve"))
    assert runs.view(run_id).waiting["gate"] == "bible"
    script.enqueue("screenwriter", f.pitch("A Pitch Made Again"))
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    list(runs.redo(run_id, "pitch"))
    view = runs.view(run_id)
    assert view.waiting["gate"] == "pitch" and view.waiting["content"]["title"] == "A Pitch Made Again"
    assert view.waiting["version"] == 1 and view.approved == {}
    assert script.remaining() == 0
    with pytest.raises(RunStateError, match="no script step of episode 1"):
        runs.redo(run_id, "script", 1)


@pytest.mark.integration
def test_a_second_ctrl_c_stops_at_once_and_the_run_is_still_resumable(project):
    mark = project.parent / "pitch.started"
    slow = {"screenwriter": [{"sleep": 60, "reply": f.pitch(), "mark": str(mark)}]}
    proc = spawn(project, "run", "A disowned heiress returns as a CEO", script=slow)
    started([mark])
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    asked = time.time()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.time() - asked < 10  # not after the 60 s call
    assert "Traceback" not in err
    status = json.loads(room(project, "status", "--json").stdout)
    assert status[0]["state"] == "interrupted"
    again = {"screenwriter": [f.pitch()], "cultural_consultant": [f.approve()], "director": [f.approve()]}
    resumed = room(project, "resume", status[0]["run_id"], name="again", script=again)
    assert resumed.returncode == 0 and "waiting for you" in resumed.stdout, resumed.stderr


def part(tag: str) -> dict:
    """Ten episodes of an outline, titled with `tag`."""
    content = f.outline(10)
    for episode in content["episodes"]:  # each part's own cliffhangers: its hooks are the other parts' too
        episode |= {"title": f"{tag} {episode['number']}", "cliffhanger": f"{tag} {episode['number']}?"}
    return content


@pytest.mark.integration
def test_a_stop_while_a_long_outline_is_written_keeps_the_parts_done_and_resume_writes_the_rest(project):
    mark = project.parent / "second.started"
    first = {
        "screenwriter": [f.pitch(), f.bible(), part("One"), {"sleep": 3, "reply": part("Two"), "mark": str(mark)}],
        "cultural_consultant": [f.approve(), f.approve()],
        "director": [f.approve()],
        "art_director": [f.approve()],
    }
    args = ("run", "A disowned heiress returns as a CEO", "--episodes", "30", "--auto", "pitch,bible")
    proc = spawn(project, *args, script=first)
    started([mark])
    proc.send_signal(signal.SIGINT)  # the second of the outline's three parts is being written
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    run_id = next(line for line in out.splitlines() if line.startswith("run ")).split()[1]
    ledger = project / ".room" / "ledger.jsonl"
    outline_calls = lambda: [(c["role"], c["stage"]) for c in map(json.loads, ledger.read_text().splitlines())].count(  # noqa: E731
        ("screenwriter", "outline")
    )
    assert outline_calls() == 2
    again = {
        "screenwriter": [part("Three")],
        **{r: [f.approve()] for r in ("cultural_consultant", "director", "editor")},
    }
    resumed = room(project, "resume", run_id, name="resume", script=again)
    assert resumed.returncode == 0 and "waiting for you" in resumed.stdout, resumed.stderr
    assert outline_calls() == 3  # the third part only: the two written before the stop were kept
    status = json.loads(room(project, "status", run_id, "--json").stdout)
    written = status["waiting"]["content"]["episodes"]
    assert [e["number"] for e in written] == list(range(1, 31))
    assert [written[n]["title"] for n in (0, 9, 10, 19, 20, 29)] == [
        "One 1",
        "One 10",
        "Two 1",
        "Two 10",
        "Three 1",
        "Three 10",
    ]
