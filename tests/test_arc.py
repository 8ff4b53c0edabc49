"""The director's deterministic arc check: a flat arc, a missing hook, a missing cliffhanger, an episode again."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings, strategies as st

import factories as f
from agents import arc
from agents.screenwriter import EpisodeScript, SeriesOutline
from test_negotiation import start
from test_production_properties import drawn_as

CASES = yaml.safe_load((Path(__file__).parent / "data" / "arc_cases.yaml").read_text(encoding="utf-8"))


def _agreement(cases: list[dict], judge, key: str) -> float:
    return sum(judge(case["text"]) == case[key] for case in cases) / len(cases)


def test_the_check_agrees_with_a_reader_on_cliffhangers_and_hooks_in_both_languages():
    for lang in ("en", "zh"):
        cliffs = [c for c in CASES["cliffhangers"] if (c["text"].isascii()) == (lang == "en")]
        hooks = [c for c in CASES["hooks"] if (c["text"].isascii()) == (lang == "en")]
        assert _agreement(cliffs, arc.opens_question, "open") >= 0.9, lang
        assert _agreement(hooks, arc.at_stake, "stake") >= 0.9, lang


def _episode(beats: list[int], hook: str = "a slap in the lobby", cliff: str = "her father recognises her") -> dict:
    return {
        "number": 1,
        "title": "One",
        "hook": hook,
        "beats": [{"description": f"beat {i}", "intensity": level} for i, level in enumerate(beats, 1)],
        "cliffhanger": cliff,
    }


def _problems(episode: dict, lang: str = "en") -> list[str]:
    return [i.problem for i in arc.outline_issues(SeriesOutline.model_validate({"episodes": [episode]}), lang)]


def test_a_climbing_episode_with_a_hook_and_an_open_ending_passes():
    assert _problems(_episode([4, 6, 9])) == []
    assert arc.check("outline", f.outline(3), "", "en") == []
    assert arc.check("script", f.script(), "", "en") == []


@pytest.mark.parametrize(
    "episode, expected",
    [
        (_episode([7, 7, 7]), "arc is flat"),
        (_episode([6, 7]), "arc is flat"),
        (_episode([5, 9, 6]), "peaks at intensity 9 before its last beat (6)"),
        (_episode([4, 9], cliff="They make up and everyone cheers."), "cliffhanger opens no question"),
        (_episode([4, 9], cliff=""), "cliffhanger opens no question"),
        (_episode([4, 9], hook="A quiet morning in the village."), "nothing is at stake in episode 1's hook"),
    ],
)
def test_each_flaw_is_named(episode, expected):
    problems = _problems(episode)
    assert len(problems) == 1 and expected in problems[0]


def test_a_flaw_is_named_in_the_runs_language_and_quotes_the_outline():
    episode = _episode([8, 8, 8], hook="清晨，小镇上阳光明媚。", cliff="一家人围坐吃团圆饭，从此再无争吵。")
    issues = arc.outline_issues(SeriesOutline.model_validate({"episodes": [episode]}), "zh")
    assert [i.problem[:7] for i in issues] == ["第1集情绪平：", "第1集的结尾钩", "第1集开头没有"]
    assert [i.quote for i in issues] == ["beat 1", episode["cliffhanger"], episode["hook"]]


def test_a_script_that_opens_on_nothing_and_ends_settled_is_flagged():
    dull = f.script()
    dull["scenes"][0]["action"] = "Lin Xia walks along the river."
    dull["scenes"][0]["lines"] = [{"speaker": "Lin Xia", "text": "Good morning.", "emotion": "calm"}]
    dull["scenes"][-1]["action"] = "They sit down to dinner."
    dull["scenes"][-1]["lines"] = [
        {"speaker": "Zhou Min", "text": "We made up, and everyone is happy.", "emotion": "warm"}
    ]
    problems = [i.problem for i in arc.check("script", dull, "", "en")]
    assert problems == ["nothing is at stake in the episode's first seconds", "the episode ends without a cliffhanger"]


def test_the_directors_finding_sends_a_flat_outline_back_to_the_screenwriter(script, make_ctx):
    flat = f.outline(3)
    for episode in flat["episodes"]:
        for beat in episode["beats"]:
            beat["intensity"] = 5
    script.enqueue("screenwriter", f.pitch(), f.bible(), flat, f.revision(f.outline(3)))
    script.enqueue("cultural_consultant", f.approve(), f.approve(), f.approve(), f.approve())
    script.enqueue("director", f.approve(), f.approve(), f.approve())  # the model itself misses it
    script.enqueue("art_director", f.approve())
    script.enqueue("editor", f.approve(), f.approve())
    runs, run_id, events = start(make_ctx(auto_approve=("pitch", "bible")))
    waiting = runs.view(run_id).waiting
    assert (waiting["gate"], waiting["version"], waiting["rounds"]) == ("outline", 2, 2)
    flagged = next(
        e for e in events if e["type"] == "verdict" and e["role"] == "director" and e["artifact"] == "outline"
    )
    assert (flagged["verdict"], flagged["issues"]) == ("revise", 3)
    revise_prompt = [c for c in script.calls if c["role"] == "screenwriter"][-1]["messages"][-1].content
    assert "[major] director" in revise_prompt and "arc is flat" in revise_prompt


def test_the_final_cut_says_when_its_first_line_is_heard():
    assert arc.hook_timing(0.4) == {"first_line_at": 0.4, "late_hook": False}
    assert arc.hook_timing(3.4) == {"first_line_at": 3.4, "late_hook": True}
    assert arc.hook_timing(None) == {"first_line_at": None, "late_hook": True}


@settings(max_examples=60, deadline=None)
@given(
    drawn_as(SeriesOutline, 4, 120),
    drawn_as(EpisodeScript, 3, 120),
    st.sampled_from(["en", "zh"]),
)
def test_any_outline_or_script_a_model_may_write_is_checked_without_an_error(outline, script, lang):
    for name, artifact in (("outline", outline), ("script", script)):
        for issue in arc.check(name, artifact, "", lang):
            assert issue.problem and issue.fix and len(issue.quote) <= 300


def _series(*episodes: tuple[str, str]) -> SeriesOutline:
    return SeriesOutline.model_validate(
        {"episodes": [_episode([4, 9], hook, cliff) | {"number": n} for n, (hook, cliff) in enumerate(episodes, 1)]}
    )


def test_episodes_that_only_say_an_earlier_one_again_are_one_finding_named_first():
    first = ("She doesn't want us to keep the video!", "Who sent the tape?")
    again = ("she doesn't want us to keep the Video!", "Who sent the tape…?")
    other = ("The contest is tomorrow and the bar is broke!", "Will the judge come?")
    series = _series(first, other, again, other, again, (first[0], "The judge is her son?"))
    issues = arc.outline_issues(series, "en")
    assert [i.problem for i in issues] == [
        "episodes 3, 5 only say episode 1 again",
        "episode 4 only says episode 2 again",
    ]
    assert [i.quote for i in issues] == [first[0], other[0]]
    zh = arc.outline_issues(_series(("他撕了合同！", "谁动了账本？"), ("他撕掉了合同！", "谁动了账本？")), "zh")
    assert [i.problem for i in zh] == ["第2集只是把第1集又写了一遍"]


def test_the_repeat_finding_comes_before_each_episodes_own_so_a_review_keeps_it():
    flat = _episode([5, 5, 5])
    series = SeriesOutline.model_validate({"episodes": [flat | {"number": n} for n in range(1, 8)]})
    problems = [i.problem for i in arc.outline_issues(series, "en")]
    assert problems[0] == "episodes 2, 3, 4, 5, 6, 7 only say episode 1 again"
    assert len(problems) == 1 + 7


@settings(max_examples=60, deadline=None)
@given(drawn_as(SeriesOutline, 4, 120), st.data())
def test_an_episode_written_again_at_the_end_of_any_outline_is_found(outline, data):
    series = SeriesOutline.model_validate(outline)
    copied = data.draw(st.sampled_from(series.episodes))
    assume(any(word.isalnum() for word in copied.hook) and any(word.isalnum() for word in copied.cliffhanger))
    longer = SeriesOutline.model_validate({"episodes": [*outline["episodes"], copied.model_dump()]})
    last = longer.episodes[-1].number
    assert any(last in again for again in arc.repeats(longer.episodes).values())
    assert sum(map(len, arc.repeats(longer.episodes).values())) == 1 + sum(
        map(len, arc.repeats(series.episodes).values())
    )
