"""Gates: approve, edit, reject; resume in a new process and after SIGKILL; rewind."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

import factories as f
from cli_helpers import room, run_id_of, spawn
from graphs.errors import RunStateError
from graphs.room import project_memory
from graphs.runs import Runs
from memory import Kind, Status
from tools.errors import InputError
from waiting import BIBLE_ROUND, PITCH_ROUND, at_pitch_gate, enqueue


def test_approve_moves_on_and_records(script, make_ctx, checkpoints):
    runs, run_id = at_pitch_gate(script, make_ctx(checkpoints=checkpoints))
    enqueue(script, BIBLE_ROUND)
    list(runs.answer(run_id, "approve"))
    view = runs.view(run_id)
    assert view.approved == {"pitch": 1}
    assert view.waiting["gate"] == "bible"
    out = runs.ctx.outputs_dir / run_id
    assert json.loads((out / "pitch.json").read_text())["title"] == "The Heiress Returns"
    assert "# The Heiress Returns" in (out / "pitch.md").read_text()
    log = [json.loads(line) for line in (out / "decisions.jsonl").read_text().splitlines()]
    assert [(d["gate"], d["action"], d["by"], d["version"]) for d in log] == [("pitch", "approve", "human", 1)]
    mem = project_memory(runs.ctx)
    pitch_v1 = mem.list(run_id=run_id, artifact="pitch", kind="artifact")
    assert [r.status for r in pitch_v1] == [Status.APPROVED]
    assert mem.list(run_id=run_id, kind="episode_summary", status="approved")


def test_edit_replaces_and_is_recorded_as_the_persons(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    mine = f.pitch("My Own Title")
    with pytest.raises(InputError, match="the edited pitch is not valid"):
        runs.answer(run_id, "edit", content={"title": "only a title"})
    assert runs.view(run_id).waiting["gate"] == "pitch"  # nothing lost
    enqueue(script, BIBLE_ROUND)
    list(runs.answer(run_id, "edit", content=mine))
    values = runs.view(run_id).values
    assert values["artifacts"]["pitch"]["title"] == "My Own Title"
    assert (values["versions"]["pitch"], values["authors"]["pitch"], values["approved"]["pitch"]) == (2, "human", 2)
    human = project_memory(runs.ctx).list(run_id=run_id, artifact="pitch", kind="artifact")
    assert [(r.version, r.role, r.status) for r in human] == [
        (1, "screenwriter", Status.PROPOSED),
        (2, "human", Status.APPROVED),
    ]


def test_reject_sends_the_note_to_the_owner(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    with pytest.raises(InputError, match="needs a note"):
        runs.answer(run_id, "reject", note="  ")
    script.enqueue("screenwriter", f.revision(f.pitch("The Lawyer Returns")))
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    list(runs.answer(run_id, "reject", note="make the heroine a lawyer"))
    view = runs.view(run_id)
    assert (view.waiting["gate"], view.waiting["version"], view.waiting["rounds"]) == ("pitch", 2, 1)
    assert view.waiting["content"]["title"] == "The Lawyer Returns"
    revise_prompt = script.calls[-3]["messages"][-1].content
    assert "make the heroine a lawyer" in revise_prompt
    mem = project_memory(runs.ctx)
    notes = mem.list(run_id=run_id, kind="note")
    assert len(notes) == 1 and notes[0].role == "human" and "lawyer" in notes[0].text
    assert mem.list(run_id=run_id, artifact="pitch", kind="artifact", status="rejected")[0].version == 1


def test_a_place_the_writers_note_names_is_the_series_own(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    moved = {
        **f.pitch(),
        "logline": "An heiress returns to London as the CEO who owns her family.",
    }  # an example's city
    script.enqueue("screenwriter", f.revision(moved))
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    list(runs.answer(run_id, "reject", note="set it in London"))
    assert runs.view(run_id).waiting["content"]["logline"] == moved["logline"]
    assert script.remaining() == 0  # not sent back as a copy of the example


def test_a_place_a_person_approved_is_the_series_own_in_later_artifacts(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    in_london = {**f.pitch("My Own Title"), "logline": "An heiress returns to London as the CEO who owns her family."}
    london_bible = f.bible()
    london_bible["world"]["era"] = "present-day London"  # the examples' city, but the person put it in the pitch
    script.enqueue("screenwriter", london_bible)
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("art_director", f.approve())
    list(runs.answer(run_id, "edit", content=in_london))
    view = runs.view(run_id)
    assert view.waiting["gate"] == "bible" and view.waiting["content"]["world"]["era"] == "present-day London"
    assert script.remaining() == 0  # the bible was not sent back for it


def test_unknown_run_and_not_waiting(script, make_ctx):
    runs = Runs(make_ctx(auto_approve=("all",), episodes=1))
    with pytest.raises(RunStateError, match="no run 'nope'"):
        runs.view("nope")
    script.enqueue("screenwriter", f.pitch(), f.bible(), f.outline(1))
    script.enqueue("cultural_consultant", f.approve(), f.approve(), f.approve())
    script.enqueue("director", f.approve(), f.approve())
    script.enqueue("art_director", f.approve())
    script.enqueue("editor", f.approve())
    run_id, events = runs.start("A premise")
    list(events)
    assert runs.view(run_id).state == "finished"
    assert runs.view(run_id).approved == {"pitch": 1, "bible": 1, "outline": 1}
    with pytest.raises(RunStateError, match="is not waiting for approval"):
        runs.answer(run_id, "approve")
    mem = project_memory(runs.ctx)
    assert len(mem.list(run_id=run_id, kind=Kind.CHARACTER)) == 2
    assert len(mem.list(run_id=run_id, kind=Kind.BEAT)) == 2


def test_gates_a_run_was_started_to_pass_stay_passed(script, make_ctx):
    started = Runs(make_ctx(auto_approve=("bible",), episodes=1))
    enqueue(script, PITCH_ROUND)
    run_id, events = started.start("A premise")
    list(events)
    assert started.view(run_id).waiting["gate"] == "pitch"
    later = Runs(make_ctx(episodes=1))  # another process, started without --auto
    enqueue(script, BIBLE_ROUND)
    script.enqueue("screenwriter", f.outline(1))
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    script.enqueue("editor", f.approve())
    list(later.answer(run_id, "approve"))
    view = later.view(run_id)
    assert view.approved == {"pitch": 1, "bible": 1} and view.waiting["gate"] == "outline"


@pytest.mark.integration
def test_resume_in_a_new_process(project, checkpoints_env):
    env = checkpoints_env
    first = room(project, "run", "A disowned heiress returns as a CEO", script=PITCH_ROUND, env=env)
    assert first.returncode == 0, first.stderr
    run_id = run_id_of(first.stdout)
    assert "waiting for you" in first.stdout
    status = room(project, "status", run_id, "--json", env=env)
    assert json.loads(status.stdout)["waiting"]["gate"] == "pitch"
    second = room(project, "approve", run_id, name="second", script=BIBLE_ROUND, env=env)
    assert second.returncode == 0, second.stderr
    state = json.loads(room(project, "status", run_id, "--json", env=env).stdout)
    assert state["approved"] == {"pitch": 1} and state["waiting"]["gate"] == "bible"
    calls = {(u["role"], u["stage"]): u["calls"] for u in state["usage"]}  # the ledger spans both processes
    assert calls == {
        ("screenwriter", "pitch"): 1,
        ("screenwriter", "bible"): 1,
        ("cultural_consultant", "pitch"): 1,
        ("cultural_consultant", "bible"): 1,
        ("director", "pitch"): 1,
        ("art_director", "bible"): 1,
    }
    again = room(project, "approve", "nope", env=env)
    assert again.returncode == 5 and again.stderr.strip().startswith("error: no run 'nope'")
    assert "Traceback" not in again.stderr


@pytest.mark.integration
def test_resume_after_sigkill_repeats_nothing(project, checkpoints_env):
    slow = {
        "screenwriter": [f.pitch()],
        "cultural_consultant": [f.approve()],
        "director": [{"sleep": 60, "reply": f.approve()}],
    }
    proc = spawn(project, "run", "A disowned heiress returns as a CEO", script=slow, env=checkpoints_env)
    ledger = project / ".room" / "ledger.jsonl"
    deadline = time.time() + 90
    while time.time() < deadline:
        lines = ledger.read_text().splitlines() if ledger.exists() else []
        roles = [json.loads(line)["role"] for line in lines]
        if "screenwriter" in roles and "cultural_consultant" in roles:
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the first process never got to the reviews")
    time.sleep(0.5)  # let the consultant's finished task be checkpointed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run_id = next(line for line in proc.stdout.read().splitlines() if line.startswith("run ")).split()[1]
    # the second process has replies for the director only: any repeated call would fail for lack of a reply
    resumed = room(project, "resume", run_id, name="resume", script={"director": [f.approve()]}, env=checkpoints_env)
    assert resumed.returncode == 0, resumed.stderr
    assert "waiting for you" in resumed.stdout
    roles = [json.loads(line)["role"] for line in ledger.read_text().splitlines()]
    assert roles.count("screenwriter") == 1 and roles.count("cultural_consultant") == 1 and roles.count("director") == 1
    listing = room(project, "memory", "list", "--kind", "artifact", "--run", run_id)
    assert listing.stdout.count("artifact screenwriter · pitch v1") == 1


def test_rewind_forks_from_an_earlier_checkpoint(script, make_ctx, checkpoints):
    runs, run_id = at_pitch_gate(script, make_ctx(checkpoints=checkpoints))
    enqueue(script, BIBLE_ROUND)
    list(runs.answer(run_id, "approve"))
    before = runs.history(run_id)
    at_gate = next(r for r in before if r["next"] == ["gate"] and r["current"] == "pitch")
    assert at_gate["gate"] == "pitch"
    wanted = at_gate["checkpoint_id"]
    others = [r["checkpoint_id"] for r in before if r["checkpoint_id"] != wanted]
    unique = next(wanted[:n] for n in range(1, len(wanted) + 1) if not any(o.startswith(wanted[:n]) for o in others))
    forked_from, fork_id, events = runs.rewind(run_id, unique)  # the shortest unique prefix is enough
    list(events)
    assert forked_from == at_gate["checkpoint_id"] and fork_id != run_id
    fork = runs.view(fork_id)
    assert fork.waiting["gate"] == "pitch" and fork.waiting["run_id"] == fork_id and fork.approved == {}
    assert fork.forked_from == f"{run_id}@{wanted}"
    # the old run is as it was, and none of what it did after the checkpoint is the fork's
    old = runs.view(run_id)
    assert old.waiting["gate"] == "bible" and old.approved == {"pitch": 1}
    assert runs.history(run_id) == before
    mem = project_memory(runs.ctx)
    assert [r.status for r in mem.list(run_id=fork_id, artifact="pitch", kind="artifact")] == [Status.PROPOSED]
    assert not [r for r in mem.list(run_id=fork_id) if r.status == Status.APPROVED or r.artifact == "bible"]
    assert not (runs.ctx.outputs_dir / fork_id / "pitch.json").exists()
    assert (runs.ctx.outputs_dir / run_id / "pitch.json").exists()
    # the fork goes its own way
    enqueue(script, BIBLE_ROUND)
    list(runs.answer(fork_id, "approve"))
    assert runs.view(fork_id).approved == {"pitch": 1} and runs.view(run_id).approved == {"pitch": 1}
    with pytest.raises(RunStateError, match="starts with 'zzz'"):
        runs.rewind(run_id, "zzz")


def test_a_forks_state_points_at_its_own_copies_of_what_was_made():
    from graphs.forks import _moved

    old, new = "/p/outputs/abc", "/p/outputs/f00"
    values = {
        "production": {"1": {"approved": True, "video": f"{old}/episodes/ep01/ep01.mp4"}},
        "premise": f"text about {old}/x",
        "other": "/p/outputs/abcd/x",
        "n": 3,
    }
    moved = _moved(values, old, new)
    assert moved["production"]["1"]["video"] == f"{new}/episodes/ep01/ep01.mp4"
    assert moved["premise"] == values["premise"] and moved["other"] == values["other"] and moved["n"] == 3


def test_an_answer_meant_for_one_gate_never_lands_on_another(script, make_ctx):
    from graphs.errors import RunStateError
    from waiting import waiting_at

    runs, run_id = waiting_at(script, make_ctx, "script")
    for gate, episode in (("pitch", None), ("final_cut", None), ("script", 2)):
        with pytest.raises(RunStateError, match="waits at script of episode 1, not at"):
            runs.answer(run_id, "approve", gate=gate, episode=episode)
    assert runs.view(run_id).waiting["gate"] == "script"  # nothing was answered
    list(runs.answer(run_id, "approve", gate="script", episode=1))
    assert runs.view(run_id).waiting["gate"] == "final_cut"


def test_a_redo_waits_for_no_one(script, make_ctx):
    from graphs.errors import RunBusyError
    from waiting import waiting_at

    runs, run_id = waiting_at(script, make_ctx, "bible")
    before = runs.view(run_id).checkpoint_id
    with runs.checkpoints.driving(run_id):  # another driver holds the run
        with pytest.raises(RunBusyError):
            list(runs.redo(run_id, "pitch"))
    assert runs.view(run_id).checkpoint_id == before  # the redo wrote nothing
