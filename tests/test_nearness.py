"""An answer nearer in meaning to one of its task's examples than to its premise is about another story: a model
shown only some examples is asked again, without them and then as the answer that copies least was asked, and the
answer nearest the premise stands."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

import factories as f
from agents import models
from agents.base import perform
from agents.copying import Copying, copy_check
from agents.models import RoomModel
from agents.nearness import example_outputs, measured, nearer, plain, story
from agents.screenwriter import ROLE as SCREENWRITER, Pitch
from graphs.runs import Runs
from scripted import Script, ScriptedChatModel

HEIRESS = "A disowned heiress returns as a CEO"
# the first en pitch example's story with its names left out: nothing `copied_names` finds
JANITOR = {
    **f.pitch(),
    "title": "The Mop and the Fortune",
    "logline": "Mocked for mopping floors at a hedge fund, a quiet janitor is the founder's missing grandson, "
    "with 30 days to expose the CFO who stole his inheritance.",
    "hook": "The CFO pours hot coffee over a janitor's head in a packed lobby.",
}
OWN = {
    **f.pitch(),
    "logline": "Disowned by her family, the heiress they threw out returns as the CEO of the company they lost.",
    "hook": "The disowned heiress walks in as the new CEO.",
}


def test_an_example_retold_without_its_names_is_nearer_the_example_and_the_premises_own_story_is_not():
    assert nearer(JANITOR, HEIRESS, "screenwriter", "pitch", "en") > 0.05
    assert nearer(OWN, HEIRESS, "screenwriter", "pitch", "en") < 0
    assert copy_check("screenwriter", "en", HEIRESS)(Pitch.model_validate(JANITOR)) == Copying()  # no name in it


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("task", ["pitch", "bible", "outline", "script"])
def test_every_example_written_again_for_another_premise_is_about_its_own_story(lang, task):
    """Each example's output is nearest itself: for the premise of another story it is about another story."""
    other = {
        "en": "A lighthouse keeper on Mars hears a voice in the static",
        "zh": "火星灯塔看守人在杂音里听见一个声音",
    }
    for output in example_outputs("screenwriter", task, lang):
        assert nearer(output, other[lang], "screenwriter", task, lang) > 0


def test_a_revision_is_measured_by_its_artifact_and_the_text_by_its_values():
    revision = {"artifact": {"title": "T", "logline": "L"}, "answers": [{"issue": 1, "response": "R"}]}
    assert story(revision) == {"title": "T", "logline": "L"}
    assert story({"artifact": "not an artifact"}) == {"artifact": "not an artifact"}
    assert plain({"title": "T", "tropes": ["a", "b"], "n": 3}) == "T a b"
    scene = {"number": 1, "heading": "INT. LOBBY - NIGHT", "location": "Lobby", "time_of_day": "NIGHT", "action": "A"}
    line = {"speaker": "Ada", "text": "Go.", "emotion": "calm", "parenthetical": "(low)"}
    assert plain({**scene, "lines": [line], "transition": "CUT TO:"}) == "Lobby A Ada Go."
    character = {"name": "Ada", "role": "protagonist", "want": "home", "voice": "low, slow, warm"}
    assert plain({"characters": [character]}) == "Ada home"


def test_fewer_names_copy_less_than_any_nearness_and_as_many_names_the_nearer_premise_wins():
    assert Copying(("Eli Marsh",)) and Copying((), 0.01) and not Copying((), -0.2)
    assert Copying((), 0.3) < Copying(("Eli Marsh",), 0.0)
    assert Copying((), 0.01) < Copying((), 0.02)
    assert not Copying((), -0.5) < Copying((), -0.1)  # both about the premise: neither copies less
    assert not Copying(("Eli Marsh",)) < Copying(("Nora Quinn",))


@pytest.fixture
def shown_one(script, monkeypatch):
    """The scripted models shown one example a task, as the embedded model is."""
    load = models.load_chat_model
    monkeypatch.setattr(models, "load_chat_model", lambda spec, **kw: dataclasses.replace(load(spec, **kw), few_shot=1))
    return script


def _pitch_run(make_ctx, script, *answers):
    script.enqueue("screenwriter", *answers)
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs = Runs(make_ctx())
    run_id, events = runs.start(HEIRESS)
    list(events)
    asked = [c["messages"] for c in script.calls if c["role"] == "screenwriter"]
    return runs.view(run_id).waiting["content"], asked


def test_a_model_shown_one_example_that_retells_it_is_asked_again_without_it(shown_one, make_ctx):
    content, asked = _pitch_run(make_ctx, shown_one, JANITOR, OWN)
    assert content["logline"] == OWN["logline"]
    assert len(asked) == 2 and len(asked[0]) == 4 and len(asked[1]) == 2  # one example, then none
    assert shown_one.remaining() == 0


def test_the_retelling_stands_when_no_answer_asked_for_again_is_nearer_the_premise(shown_one, make_ctx):
    nearer_still = {**JANITOR, "target_audience": "Adults 22-45 who love underdog revenge."}  # the example's
    content, asked = _pitch_run(make_ctx, shown_one, JANITOR, nearer_still, nearer_still)
    assert content["target_audience"] == JANITOR["target_audience"]
    assert [len(messages) for messages in asked] == [4, 2, 4]  # one example, none, the one example again


def test_a_second_draw_as_first_asked_stands_when_it_alone_is_about_the_premise(shown_one, make_ctx):
    content, asked = _pitch_run(make_ctx, shown_one, JANITOR, JANITOR, OWN)
    assert content["logline"] == OWN["logline"] and len(asked) == 3 and asked[2] == asked[0]
    assert shown_one.remaining() == 0


def test_an_answer_about_its_premise_is_not_asked_again(shown_one, make_ctx):
    content, asked = _pitch_run(make_ctx, shown_one, OWN)
    assert content["logline"] == OWN["logline"] and len(asked) == 1


def test_a_model_shown_every_example_is_not_measured(script, make_ctx):
    """Two texts of one form are alike whatever their stories: a model that writes the form well is not asked
    twice for it."""
    content, asked = _pitch_run(make_ctx, script, JANITOR)
    assert len(asked) == 1
    # its words, less the clause an example has word for word ("with 30 days to expose the CFO…": `scrub`)
    assert (
        content["logline"]
        == "Mocked for mopping floors at a hedge fund, a quiet janitor is the founder's missing grandson."
    )


def test_only_the_story_the_room_develops_is_measured():
    assert [measured(t) for t in ("pitch", "revise_bible", "outline", "script", "revise_script", "shots")] == [
        True,
        True,
        True,
        True,
        True,
        False,
    ]


@settings(max_examples=80, deadline=None)
@given(
    found=st.lists(
        st.builds(
            Copying, st.lists(st.sampled_from(["Eli Marsh", "Nora Quinn"]), max_size=2).map(tuple), st.floats(-0.2, 0.2)
        ),
        min_size=3,
        max_size=3,
    )
)
def test_an_answer_is_asked_for_again_while_it_copies_at_most_twice_and_the_least_copying_stands(found):
    """The first ask shows the model its one example, the second none, the third what the better of those two
    was shown; asking stops at the first answer that does not copy, and of those asked the first that copies
    least stands."""
    script = Script()
    script.enqueue("screenwriter", *({**f.pitch(), "logline": str(i)} for i in range(3)))
    model = RoomModel(chat=ScriptedChatModel(script=script, role="screenwriter"), spec="scripted:s", few_shot=1)
    variables = {"premise": HEIRESS, "cast": "", "episodes": 1, "notes": "", "memory": ""}
    answer = perform(
        SCREENWRITER,
        "pitch",
        Pitch,
        model=model,
        lang="en",
        variables=variables,
        copies=lambda pitch: found[int(pitch.logline)],
    )
    asked = next((i + 1 for i, c in enumerate(found) if not c), 3)
    best = min(range(asked), key=lambda i: (len(found[i].names), max(found[i].nearer, 0.0), i))
    assert answer.logline == str(best)
    shown = [len(call["messages"]) for call in script.calls]  # system, an example's two turns, the input
    assert shown == [4, 2, 2 if found[1] < found[0] else 4][:asked]
