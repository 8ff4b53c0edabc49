"""Production apart from writing: an episode is made in the background while the room writes the next one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import factories as f
from agents import production
from graphs import pipeline
from graphs.errors import RunStateError
from graphs.runs import Runs

pytestmark = pytest.mark.integration

PROPOSED = ("proposes", "script")
FAST = {"produce": True, "episodes": 2, "round_limit": 1, "render": "tiny", "speech": "espeak"}


def until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def final_cuts(runs: Runs, run_id: str) -> list[int]:
    return [d["episode"] for d in runs.view(run_id).values["decisions"] if d["gate"] == "final_cut"]


def process_ends(release: threading.Event) -> None:
    """The process that started the jobs ends: they are not there for the next one. The held ones are let go
    and waited for, so none writes after the test."""
    with pipeline._lock:
        jobs = list(pipeline._jobs.values())
        pipeline._jobs.clear()
    release.set()
    for job in jobs:
        job.result(timeout=120)


@pytest.mark.parametrize("pipelined", [True, False])
def test_an_episode_is_made_while_the_next_is_written(script, make_ctx, monkeypatch, pipelined):
    """Episode 1's production waits until the room calls a model again: it does when the episode is made in the
    background (the next script is being written), never when production holds the run."""
    for role, replies in f.series(2).items():
        script.enqueue(role, *replies)
    real, overlapped = production.produce_episode, {}

    def watched(studio, values, episode, inputs):
        if episode == 1:
            calls = len(script.calls)
            overlapped[1] = until(lambda: len(script.calls) > calls, 30 if pipelined else 3)
        return real(studio, values, episode, inputs)

    monkeypatch.setattr(production, "produce_episode", watched)
    runs = Runs(make_ctx(auto_approve=("all",), pipeline=pipelined, **FAST))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    seen = list(events)
    view = runs.view(run_id)
    assert view.state == "finished" and script.remaining() == 0
    assert overlapped == {1: pipelined}
    assert final_cuts(runs, run_id) == [1, 2]
    for n in (1, 2):
        entry = view.values["production"][str(n)]
        assert entry["approved"] and Path(entry["video"]).is_file() and "inputs" not in entry
    rendered = next(i for i, e in enumerate(seen) if e["type"] == "rendered" and e["episode"] == 1)
    proposed = [i for i, e in enumerate(seen) if e["type"] == "speak" and (e["action"], e["artifact"]) == PROPOSED]
    second_script = proposed[1]
    assert (second_script < rendered) is pipelined
    assert [e["episode"] for e in seen if e["type"] == "producing"] == ([1, 2] if pipelined else [])


def test_an_episode_left_being_made_is_made_by_the_process_that_goes_on(script, make_ctx, monkeypatch):
    """The run waits at episode 2's script while episode 1 is being made; the process ends (its job is gone), and
    the one that answers the gate makes episode 1 from what the run holds."""
    for role, replies in f.series(2).items():
        script.enqueue(role, *replies)
    real, release, made = production.produce_episode, threading.Event(), []

    def held(studio, values, episode, inputs):
        if episode == 1 and not made:
            release.wait(30)
        made.append(episode)
        return real(studio, values, episode, inputs)

    monkeypatch.setattr(production, "produce_episode", held)
    runs = Runs(make_ctx(auto_approve=("pitch", "bible", "outline", "final_cut"), **FAST))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    list(runs.answer(run_id, "approve"))  # episode 1's script: made in the background, episode 2 written
    view = runs.view(run_id)
    assert (view.waiting["gate"], view.waiting["episode"]) == ("script", 2)
    entry = view.values["production"]["1"]
    assert entry["pending"] and entry["inputs"]["script"]["title"] == f.script(1)["title"]
    with pytest.raises(RunStateError, match="episode 1 of run .* is being made"):
        runs.render(run_id, 1)
    process_ends(release)
    list(runs.answer(run_id, "approve"))
    view = runs.view(run_id)
    assert view.state == "finished" and script.remaining() == 0
    assert sorted(made) == [1, 1, 2]  # the first job, and episode 1 made again by the process that went on
    assert final_cuts(runs, run_id) == [1, 2]
    for n in (1, 2):
        entry = view.values["production"][str(n)]
        assert entry["approved"] and Path(entry["video"]).is_file() and set(entry) == {"approved", "video", "duration"}


def test_episodes_a_stop_left_being_made_are_all_started_at_once_and_taken_as_they_end(script, make_ctx, monkeypatch):
    """Episodes 1 and 2 are being made when the process stops (their jobs are gone) at episode 3's script. The
    process that goes on starts both jobs at its first `collect`, so episode 2 is made before episode 4, and takes
    every ended one before writing on: each episode has its final cut, every one at most once."""
    for role, replies in f.series(4).items():
        script.enqueue(role, *replies)
    real, release, made = production.produce_episode, threading.Event(), []

    def held(studio, values, episode, inputs):
        release.wait(30)
        made.append(episode)
        return real(studio, values, episode, inputs)

    monkeypatch.setattr(production, "produce_episode", held)
    runs = Runs(make_ctx(auto_approve=("pitch", "bible", "outline", "final_cut"), **{**FAST, "episodes": 4}))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    list(runs.answer(run_id, "approve"))
    list(runs.answer(run_id, "approve"))  # episodes 1 and 2 being made, episode 3's script at its gate
    view = runs.view(run_id)
    assert (view.waiting["gate"], view.waiting["episode"]) == ("script", 3)
    assert [n for n in (1, 2) if view.values["production"][str(n)].get("pending")] == [1, 2]
    process_ends(release)
    made.clear()
    going_on = Runs(make_ctx(auto_approve=("all",), **{**FAST, "episodes": 4}))
    list(going_on.answer(run_id, "approve"))
    view = going_on.view(run_id)
    assert view.state == "finished" and script.remaining() == 0
    assert made == [3, 1, 2, 4]  # in the order they were started: episode 2 not left until nothing is written
    assert sorted(final_cuts(going_on, run_id)) == [1, 2, 3, 4]
    for n in (1, 2, 3, 4):
        entry = view.values["production"][str(n)]
        assert entry["approved"] and Path(entry["video"]).is_file() and set(entry) == {"approved", "video", "duration"}
