"""A run driven with scripted replies to the gate a test is about, and waiting there."""

from __future__ import annotations

import factories as f
from graphs.runs import Runs

SERIES = ("pitch", "bible", "outline")
PITCH_ROUND = {"screenwriter": [f.pitch()], "cultural_consultant": [f.approve()], "director": [f.approve()]}
BIBLE_ROUND = {"screenwriter": [f.bible()], "cultural_consultant": [f.approve()], "art_director": [f.approve()]}


def enqueue(script, rounds):
    for role, replies in rounds.items():
        script.enqueue(role, *replies)


def at_pitch_gate(script, ctx):
    """A run that negotiated its pitch and waits at the pitch gate."""
    enqueue(script, PITCH_ROUND)
    runs = Runs(ctx)
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    assert runs.view(run_id).waiting["gate"] == "pitch"
    return runs, run_id


def waiting_at(script, make_ctx, gate: str, **context) -> tuple[Runs, str]:
    """A one-episode run that passed every gate before `gate` on its own and waits there."""
    for role, replies in f.series(1).items():
        script.enqueue(role, *replies)
    automatic = SERIES[: SERIES.index(gate)] if gate in SERIES else SERIES  # the script gate is answered here
    settings = {"render": "tiny", "speech": "espeak", **context}
    runs = Runs(make_ctx(produce=gate not in SERIES, auto_approve=automatic, episodes=1, round_limit=1, **settings))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    if gate == "final_cut":
        list(runs.answer(run_id, "approve"))
    assert runs.view(run_id).waiting["gate"] == gate
    return runs, run_id
