"""Negotiation: consensus, revision, escalation, parallel reviewers, invalid replies."""

from __future__ import annotations

import threading

import pytest

import factories as f
from agents.copying import copied_names
from graphs.room import project_memory
from graphs.runs import Runs
from memory import Kind
from tools.errors import ModelOutputError


def start(ctx, premise="A disowned heiress returns as a CEO"):
    runs = Runs(ctx)
    run_id, events = runs.start(premise)
    seen = list(events)
    return runs, run_id, seen


def test_consensus_in_round_one(script, make_ctx):
    script.enqueue("screenwriter", f.pitch())
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs, run_id, events = start(make_ctx())
    view = runs.view(run_id)
    assert view.state == "waiting"
    assert view.waiting["gate"] == "pitch"
    assert (view.waiting["status"], view.waiting["rounds"], view.waiting["version"]) == ("consensus", 1, 1)
    assert view.waiting["dissent"] == []
    assert view.waiting["content"]["title"] == "The Heiress Returns"
    verdicts = sorted(e["role"] for e in events if e["type"] == "verdict")
    assert verdicts == ["cultural_consultant", "director"]
    mem = project_memory(runs.ctx)
    kinds = sorted(r.kind for r in mem.list(run_id=run_id))
    assert kinds == sorted([Kind.ARTIFACT, Kind.CRITIQUE, Kind.CRITIQUE, Kind.DECISION])
    assert script.remaining() == 0


def test_revise_then_approve(script, make_ctx):
    better = f.pitch("The Heiress Returns, Revised")
    script.enqueue("screenwriter", f.pitch(), f.revision(better))
    script.enqueue("cultural_consultant", f.revise(), f.approve())
    script.enqueue("director", f.approve(), f.approve())
    runs, run_id, _ = start(make_ctx())
    waiting = runs.view(run_id).waiting
    assert (waiting["status"], waiting["rounds"], waiting["version"]) == ("consensus", 2, 2)
    assert waiting["content"]["title"] == better["title"]
    # the owner saw the reviewer's issue, numbered, when revising
    revise_call = [c for c in script.calls if c["role"] == "screenwriter"][1]
    assert '1. [major] cultural_consultant: "board room"' in revise_call["messages"][-1].content
    revisions = project_memory(runs.ctx).list(run_id=run_id, kind="revision")
    assert len(revisions) == 1 and revisions[0].version == 2 and "accepted: done" in revisions[0].text


def test_round_limit_escalates_with_dissent(script, make_ctx):
    script.enqueue("screenwriter", f.pitch(), f.revision(f.pitch("Second try")))
    script.enqueue("cultural_consultant", f.revise(verdict="block"), f.revise(verdict="block", problem="still wrong"))
    script.enqueue("director", f.approve(), f.approve())
    runs, run_id, _ = start(make_ctx(round_limit=2))
    waiting = runs.view(run_id).waiting
    assert (waiting["status"], waiting["rounds"]) == ("escalated", 2)
    assert [d["reviewer"] for d in waiting["dissent"]] == ["cultural_consultant"]
    assert waiting["dissent"][0]["summary"] == "still wrong."
    assert script.remaining() == 0


def test_reviewers_run_in_parallel(script, make_ctx):
    barrier = threading.Barrier(2, timeout=20)

    def meet(reply):
        def answer(_messages):
            barrier.wait()  # both reviewers must be inside a model call at the same time
            return reply

        return answer

    script.enqueue("screenwriter", f.pitch())
    script.enqueue("cultural_consultant", meet(f.approve()))
    script.enqueue("director", meet(f.approve()))
    runs, run_id, _ = start(make_ctx())
    assert runs.view(run_id).waiting["status"] == "consensus"
    assert not barrier.broken


def test_invalid_reply_goes_back_to_the_model(script, make_ctx):
    script.enqueue("screenwriter", "this is not json", {"title": "missing fields"}, f.pitch())
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs, run_id, _ = start(make_ctx())
    assert runs.view(run_id).waiting["content"]["title"] == "The Heiress Returns"
    third = [c for c in script.calls if c["role"] == "screenwriter"][2]["messages"]
    assert "not a valid Pitch" in third[-1].content and "logline" in third[-1].content


@pytest.mark.parametrize("lang, copied", [("en", "Eli Marsh"), ("zh", "苏晚")])
def test_an_answer_that_copies_an_example_is_asked_again_without_the_examples(script, make_ctx, lang, copied):
    copying = {**f.pitch(), "logline": f"{copied} returns as the CEO."}
    own = {**f.pitch(), "logline": "The heiress returns as the CEO."}
    script.enqueue("screenwriter", copying, own)
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs, run_id, _ = start(make_ctx(lang=lang))
    assert runs.view(run_id).waiting["content"]["logline"] == own["logline"]
    first, again = [c["messages"] for c in script.calls if c["role"] == "screenwriter"]
    assert len(first) > 2 and len(again) == 2  # system and input: no example to copy this time
    assert again[-1].content == first[-1].content and copied not in again[0].content + again[-1].content


def test_the_answer_that_copies_less_stands(script, make_ctx):
    copying = {**f.pitch(), "logline": "Eli Marsh returns as the CEO."}
    worse = {**f.pitch(), "logline": "Eli Marsh returns to Halberd Capital as the CEO."}
    script.enqueue("screenwriter", copying, worse, worse)
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs, run_id, _ = start(make_ctx())
    assert runs.view(run_id).waiting["content"]["logline"] == copying["logline"]


def test_a_copying_answer_stands_when_the_model_gives_nothing_valid_without_the_examples(script, make_ctx):
    copying = {**f.pitch(), "logline": "Eli Marsh returns as the CEO."}
    script.enqueue("screenwriter", copying, "no", "still no", "never", "nor", "nor yet", "not ever")
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs, run_id, _ = start(make_ctx())
    assert runs.view(run_id).waiting["content"]["logline"] == copying["logline"]


def test_an_answer_of_the_premises_own_passes_the_copy_check(script, make_ctx):
    own = {**f.pitch(), "logline": "Eli Marsh, the janitor, owns Halberd Capital."}
    script.enqueue("screenwriter", own)
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs = Runs(make_ctx())
    run_id, events = runs.start("Eli Marsh, a janitor at Halberd Capital, is the founder's heir")
    list(events)
    assert runs.view(run_id).waiting["content"]["logline"] == own["logline"]
    assert len([c for c in script.calls if c["role"] == "screenwriter"]) == 1


@pytest.mark.parametrize(
    "text, copied",
    [
        ("Segun Okonkwo: I don't want the secret I have been keeping.", []),  # an example episode's title, "I Don't"
        ("The wrong bride walks in.", []),  # part of an example's title, "The Wrong Bride"
        ("Episode one: I Don't", ["I Don't"]),
        ("They meet in the dunn & ashdown car park.", ["Dunn & Ashdown car park"]),  # a place, whatever its case
        ("Mia chen waves from the lobby.", ["Mia Chen"]),
    ],
)
def test_a_title_is_copied_as_written_and_a_name_whatever_its_case(text, copied):
    assert copied_names({"text": text}, "screenwriter", "en", "") == copied


def test_model_that_never_validates_raises_typed_error(script, make_ctx):
    script.enqueue("screenwriter", "no", "still no", "never")
    with pytest.raises(ModelOutputError, match="no valid Pitch in 3 attempts"):
        start(make_ctx())


def test_consultant_flags_a_planted_anachronism(script, make_ctx):
    tang = f.bible()
    tang["world"]["era"] = "Tang dynasty"
    tang["characters"][0]["visual_description"] = "palace maid in a green ruqun who hides a smartphone in her sleeve"
    fixed = f.bible()
    fixed["world"]["era"] = "Tang dynasty"
    script.enqueue("screenwriter", f.pitch(), tang, f.revision(fixed))
    script.enqueue("cultural_consultant", f.approve(), f.approve(), f.approve())  # the model itself misses it
    script.enqueue("director", f.approve())
    script.enqueue("art_director", f.approve(), f.approve())
    runs, run_id, events = start(make_ctx(auto_approve=("pitch",)))
    waiting = runs.view(run_id).waiting
    assert (waiting["gate"], waiting["version"], waiting["rounds"]) == ("bible", 2, 2)
    flagged = next(
        e for e in events if e["type"] == "verdict" and e["role"] == "cultural_consultant" and e["artifact"] == "bible"
    )
    assert flagged["verdict"] == "revise"
    revise_prompt = [c for c in script.calls if c["role"] == "screenwriter"][-1]["messages"][-1].content
    assert "[critical] cultural_consultant" in revise_prompt and "smartphone" in revise_prompt


def tang_bible(sleeve: str) -> dict:
    bible = f.bible()
    bible["world"]["era"] = "Tang dynasty"
    bible["characters"][0]["visual_description"] = f"palace maid in a green ruqun who hides {sleeve} in her sleeve"
    return bible


@pytest.mark.parametrize(
    ("consultant", "rounds", "status"),
    [
        # the model approves each time, the check finds the smartphone each time: the third round is not asked for
        ((f.approve(), f.approve()), 2, "escalated"),
        # the consultant's model dissents for its own reason too: another round, up to the limit
        ((f.approve(), f.revise(), f.approve()), 3, "consensus"),
    ],
)
def test_a_revision_that_fixes_none_of_the_checks_findings_goes_to_the_gate(
    script, make_ctx, consultant, rounds, status
):
    versions = [tang_bible("a smartphone"), tang_bible("a charged smartphone"), f.bible()]
    versions[2]["world"]["era"] = "Tang dynasty"
    script.enqueue("screenwriter", f.pitch(), versions[0], *(f.revision(v) for v in versions[1:rounds]))
    script.enqueue("cultural_consultant", f.approve(), *consultant)
    script.enqueue("director", f.approve())
    script.enqueue("art_director", *[f.approve()] * rounds)
    runs, run_id, events = start(make_ctx(auto_approve=("pitch",), round_limit=3))
    waiting = runs.view(run_id).waiting
    assert (waiting["gate"], waiting["status"], waiting["rounds"], waiting["version"]) == (
        "bible",
        status,
        rounds,
        rounds,
    )
    outcome = next(e for e in events if e["type"] == "outcome" and e["artifact"] == "bible")
    assert outcome["stalled"] is (status == "escalated")
    if status == "escalated":  # the finding the revision kept is what the person sees
        assert [d["reviewer"] for d in waiting["dissent"]] == ["cultural_consultant"]
        assert "smartphone" in waiting["dissent"][0]["issues"][0]["quote"]
        decision = project_memory(runs.ctx).list(run_id=run_id, kind=Kind.DECISION, artifact="bible")
        assert "fixed none of the room's own checks' findings" in decision[0].text
    assert script.remaining() == 0


@pytest.mark.parametrize(
    ("second", "round_limit"),
    [
        (f.approve(), 3),  # the model approves, the checks find more: stalled
        (f.revise(), 2),  # the model dissents for a reason of its own too: the round limit
    ],
)
def test_a_revision_that_escalates_with_more_findings_goes_to_the_gate_as_the_version_before_it(
    script, make_ctx, second, round_limit
):
    worse = tang_bible("a smartphone")
    worse["locations"][0]["description"] = "a laptop glows on the throne"
    script.enqueue("screenwriter", f.pitch(), tang_bible("a smartphone"), f.revision(worse))
    script.enqueue("cultural_consultant", f.approve(), f.approve(), second)
    script.enqueue("director", f.approve())
    script.enqueue("art_director", f.approve(), f.approve())
    runs, run_id, events = start(make_ctx(auto_approve=("pitch",), round_limit=round_limit))
    waiting = runs.view(run_id).waiting
    assert (waiting["gate"], waiting["status"], waiting["rounds"], waiting["version"]) == ("bible", "escalated", 2, 3)
    assert waiting["content"] == tang_bible("a smartphone")
    assert [issue["quote"] for issue in waiting["dissent"][0]["issues"]] == [
        tang_bible("a smartphone")["characters"][0]["visual_description"]
    ]
    outcome = next(e for e in events if e["type"] == "outcome" and e["artifact"] == "bible")
    assert outcome["stalled"] is (round_limit == 3)
    mem = project_memory(runs.ctx)
    stored = {r.version: r.text for r in mem.list(run_id=run_id, kind=Kind.ARTIFACT, artifact="bible")}
    assert sorted(stored) == [1, 2, 3] and stored[3] == stored[1] != stored[2]
    decision = mem.list(run_id=run_id, kind=Kind.DECISION, artifact="bible")[0]
    assert "v3 is v1 again: its revision had 2 of the room's own findings, it 1" in decision.text
    script.enqueue("screenwriter", f.outline(3))
    for reviewer in ("cultural_consultant", "director", "editor"):
        script.enqueue(reviewer, f.approve())
    list(runs.answer(run_id, "approve"))
    view = runs.view(run_id)
    assert view.waiting["gate"] == "outline" and view.values["approved"]["bible"] == 3
    assert [r.version for r in mem.list(run_id=run_id, kind=Kind.ARTIFACT, artifact="bible", status="approved")] == [3]
    assert script.remaining() == 0


def test_an_owner_prompt_receives_exactly_the_inputs_its_artifact_declares(make_ctx):
    from types import SimpleNamespace

    from agents.art_director import DIRECTION
    from agents.roles import ARTIFACTS
    from graphs.negotiation import task_variables

    state = {
        "premise": "p",
        "episode": 1,
        "artifacts": {
            "pitch": f.pitch(),
            "bible": f.bible(),
            "outline": f.outline(),
            "script": f.script(1),
            "shots": f.shots(1),
        },
    }
    real = SimpleNamespace(schema_limits={})  # a model handed no setting
    for spec in (*ARTIFACTS.values(), DIRECTION):
        assert set(task_variables(spec, state, make_ctx(), real)) | {"notes", "memory"} == set(spec.inputs), spec.name
