"""One shot drawn again: the person's prompt or a seed of its own reaches that shot's request, and no other's; and
it, like a re-voiced line, stays when a rejected final cut makes the episode again."""

from __future__ import annotations

import json

import pytest

import factories as f
from agents.production import INPUTS_FILE, Redraw, Revoice, redrawn
from agents.production.choices import keep_choices
from agents.production.fitting import episode_as_cast
from agents.production.frames import _image_request
from tools.errors import InputError
from waiting import waiting_at


def _inputs() -> dict:
    art = f.art()
    return {
        "script": f.script(),
        "shots": f.shots(),
        "prompts": {p["shot_id"]: p["prompt"] for p in art["prompts"]},
        "negatives": {"1A": "text, watermark"},
        "seeds": {},
    }


def _requests(inputs: dict) -> dict:
    _, shots = episode_as_cast(f.bible(), inputs["script"], inputs["shots"])
    return {s.id: _image_request(s, inputs, {}, {}, "en", (90, 160)) for s in shots.shots}


def test_a_redraw_changes_that_shot_alone():
    before = _inputs()
    after = redrawn(before, f.bible(), Redraw(shot="1B", prompt="  Rain on [the] glass ", seed=11))
    old, new = _requests(before), _requests(after)
    assert new["1B"].prompt == "Rain on [the] glass" and new["1B"].generation_seed == 11
    assert {k for k in old if old[k] != new[k]} == {"1B"}
    assert before["prompts"]["1B"] == "storyboard frame 1B" and before["seeds"] == {}  # handed in, not changed


def test_a_redraw_without_a_seed_draws_with_a_new_one():
    seeds = {redrawn(_inputs(), f.bible(), Redraw(shot="2A"))["seeds"]["2A"] for _ in range(5)}
    assert len(seeds) > 1 and all(0 <= s < 2**31 for s in seeds)


def test_the_art_directors_negative_prompt_reaches_the_request():
    requests = _requests(_inputs())
    assert requests["1A"].negative_prompt == "text, watermark" and requests["1B"].negative_prompt == ""


@pytest.mark.parametrize(
    "redraw, message",
    [
        (Redraw(shot="../../zz"), "has no shot '../../zz'; its shots are 1A, 1B, 1C, 2A, 2B"),
        (Redraw(shot=""), "has no shot ''"),
        (Redraw(shot="1A", prompt="   "), "the prompt is empty"),
    ],
)
def test_a_redraw_of_no_shot_or_with_an_empty_prompt_is_refused(redraw, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace(".", r"\.")):
        redrawn(_inputs(), f.bible(), redraw)


def _chosen() -> dict:
    """Inputs after a person redrew 1B (their prompt, a seed) and 2A (a seed alone) and re-voiced line 1:0."""
    inputs = redrawn(_inputs(), f.bible(), Redraw(shot="1B", prompt="Rain on the glass", seed=11))
    inputs = redrawn(inputs, f.bible(), Redraw(shot="2A", seed=12))
    return {**inputs, "voicing": {"1:0": {"pitch": 2.0}, "2:1": {"rate": 1.2}}}


def _made_again(**changes) -> dict:
    """The episode's inputs as the art director gives them after the script and shots were made again."""
    made = _inputs() | {"negatives": {"1B": "blur"}}
    for shot, intent in changes.get("shots", {}).items():
        for item in made["shots"]["shots"]:
            if item["id"] == shot:
                item["visual_intent"] = intent
    for key, text in changes.get("lines", {}).items():
        scene, index = (int(n) for n in key.split(":"))
        made["script"]["scenes"][scene - 1]["lines"][index]["text"] = text
    return made


def test_a_shot_and_a_line_made_as_before_keep_the_persons_choice():
    inputs, kept = keep_choices(_chosen(), _made_again(), f.bible())
    assert kept.shots == ("1B", "2A") and kept.lines == ("1:0", "2:1")
    assert inputs["prompts"]["1B"] == "Rain on the glass" and inputs["seeds"] == {"1B": 11, "2A": 12}
    assert "1B" not in inputs["negatives"]  # the frame they chose was drawn without one
    assert inputs["voicing"] == {"1:0": {"pitch": 2.0}, "2:1": {"rate": 1.2}}
    assert inputs["prompts"]["1A"] == "storyboard frame 1A"  # the rest is the new art direction's


def test_a_shot_or_line_that_changed_is_the_new_ones():
    again = _made_again(shots={"1B": "a different beat"}, lines={"1:0": "Something else entirely."})
    inputs, kept = keep_choices(_chosen(), again, f.bible())
    assert kept.shots == ("2A",) and kept.lines == ("2:1",)
    assert inputs["prompts"]["1B"] == "storyboard frame 1B" and inputs["negatives"] == {"1B": "blur"}
    assert "1B" not in inputs["seeds"] and "1:0" not in inputs["voicing"]


def test_nothing_chosen_is_nothing_kept():
    again = _made_again()
    assert keep_choices(_inputs(), again, f.bible()) == (again, keep_choices({}, again, None)[1])
    assert not keep_choices({}, again, None)[1]


def test_a_rejected_final_cut_makes_the_episode_again_with_the_redraw_and_revoice(script, make_ctx):
    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    runs.render(run_id, 1, redraw=Redraw(shot="1B", prompt="Rain on the glass", seed=11))
    runs.render(run_id, 1, revoice=Revoice(line="1:1", pitch=5.0))
    script.enqueue("screenwriter", f.revision(f.script(1)))  # the same script, the same shots
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve(), f.shots(1))
    script.enqueue("editor", f.approve(), f.approve())
    script.enqueue("art_director", f.approve(), f.art())
    list(runs.answer(run_id, "reject", note="Slower: let the father speak last."))
    assert runs.view(run_id).waiting["gate"] == "script"
    events = list(runs.answer(run_id, "approve", gate="script", episode=1))
    assert runs.view(run_id).waiting["gate"] == "final_cut" and script.remaining() == 0
    assert {"type": "kept", "episode": 1, "shots": ["1B"], "lines": ["1:1"]} in events
    saved = json.loads((runs.ctx.outputs_dir / run_id / "episodes" / "ep01" / INPUTS_FILE).read_text())
    assert saved["prompts"]["1B"] == "Rain on the glass" and saved["seeds"] == {"1B": 11}
    assert saved["voicing"] == {"1:1": {"pitch": 5.0}}
