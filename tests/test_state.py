"""State exactly once: one decisions entry per gate answer, checkpoints that do not grow with the series."""

from __future__ import annotations

import json

import pytest

import factories as f
from graphs import development, negotiation
from graphs.runs import Runs
from graphs.state import once_each
from waiting import waiting_at


def test_an_event_log_adds_each_entry_once():
    log = once_each([], [{"id": "d1", "gate": "pitch"}])
    log = once_each(log, [{"id": "d1", "gate": "pitch"}, {"id": "d2", "gate": "bible"}])  # handed back whole
    log = once_each(log, [{"id": "d2", "gate": "bible"}])
    assert [e["id"] for e in log] == ["d1", "d2"]


def test_the_negotiation_gives_back_only_what_it_produced(script, make_ctx):
    script.enqueue("screenwriter", f.pitch())
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    handed = {
        "run_id": "r1",
        "premise": "A premise",
        "lang": "en",
        "episodes": 1,
        "current": "pitch",
        "decisions": [{"id": "d1", "gate": "pitch"}],
        "approved": {"pitch": 1},
    }
    given_back = negotiation.graph.invoke(handed, context=make_ctx())
    assert {"artifacts", "versions", "authors", "round", "outcome"} <= set(given_back)
    assert set(given_back) <= {"artifacts", "versions", "authors", "notes", "round", "outcome"}  # no decisions
    assert given_back["outcome"]["status"] == "consensus" and given_back["versions"] == {"pitch": 1}


def test_production_steps_are_steps_of_the_run():
    """Every episode's gates are checkpoints of the run itself, so each can be rewound to."""
    nodes = set(development.builder.nodes)
    assert {"next_episode", "final_gate", "record_final", "produce"} <= nodes
    assert "negotiate_script" not in nodes


def test_an_episodes_script_and_shots_are_kept_once(script, make_ctx):
    """In the works, the episode's script and shot list are the run's artifacts, and production's entry holds only
    what production made; what the episode was made from is saved beside it, for `room render`."""
    from agents.production import INPUTS, INPUTS_FILE

    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    values = runs.view(run_id).values
    entry = values["production"]["1"]
    assert set(entry) <= {"prompts", "negatives", "produced"} and "prompts" in entry
    saved = json.loads((runs.ctx.outputs_dir / run_id / "episodes" / "ep01" / INPUTS_FILE).read_text())
    assert saved["script"] == values["artifacts"]["script"] and saved["shots"] == values["artifacts"]["shots"]
    assert saved["prompts"] == entry["prompts"] and set(saved) == set(INPUTS)


@pytest.mark.integration
def test_a_long_autonomous_run_keeps_one_entry_per_answer_and_a_flat_checkpoint(script, make_ctx):
    episodes = 10
    for role, replies in f.series(episodes).items():
        script.enqueue(role, *replies)
    runs = Runs(
        make_ctx(produce=True, auto_approve=("all",), episodes=episodes, round_limit=1, render="tiny", speech="espeak")
    )
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    view = runs.view(run_id)
    assert view.state == "finished" and script.remaining() == 0
    decisions = view.values["decisions"]
    gates = [(d["gate"], d["episode"]) for d in decisions]
    assert gates[:3] == [("pitch", 0), ("bible", 0), ("outline", 0)] and len(gates) == 3 + 2 * episodes
    # each episode's script, then its final cut; an episode made in the background meets its final cut while a
    # later one is written, so the two kinds interleave, each in episode order
    for gate in ("script", "final_cut"):
        assert [n for g, n in gates if g == gate] == list(range(1, episodes + 1))
    assert all(gates.index(("script", n)) < gates.index(("final_cut", n)) for n in range(1, episodes + 1))
    log = [json.loads(line) for line in (runs.ctx.outputs_dir / run_id / "decisions.jsonl").read_text().splitlines()]
    assert [(d["gate"], d["episode"]) for d in log] == gates and len({d["id"] for d in log}) == len(gates)
    sizes = runs.checkpoint_bytes(run_id)
    assert set(sizes) >= set(range(1, episodes + 1))
    assert sizes[episodes] <= 1.5 * sizes[2], sizes
