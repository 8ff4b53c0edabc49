"""The originality guard: the trope library, what it flags and what it lets through (the premise's own trope
above all), the director's finding in a negotiation, the score at the gate, and its precision and recall."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import factories as f
from agents import originality
from cli import views
from graphs.room import project_memory
from graphs.runs import Runs
from memory import Kind
from studio_client import studio_client

ROOT = Path(__file__).resolve().parent.parent
STOCK = "Mocked by his girlfriend's snobbish family, a poor delivery guy is secretly heir to a billion-dollar empire."
FRESH = (
    "A night guard at a natural history museum realises the dinosaur skeleton is being rearranged, one bone a "
    "night, into a message."
)
HEIR = next(t for t in originality.tropes() if t.id == "en-hidden-heir")


def bench():
    """`bench/originality.py`, imported by path (the bench folder is no package)."""
    spec = importlib.util.spec_from_file_location("bench_originality", ROOT / "bench" / "originality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def pitch(logline: str) -> dict:
    return {**f.pitch(), "logline": logline}


def test_the_library_holds_at_least_150_entries_in_both_languages():
    entries = originality.tropes()
    assert len(entries) >= 150
    assert len({t.id for t in entries}) == len(entries)
    by_lang = {lang: [t for t in entries if t.lang == lang] for lang in ("en", "zh")}
    assert min(len(v) for v in by_lang.values()) >= 60
    assert all(any("\u4e00" <= c <= "\u9fff" for c in t.text) for t in by_lang["zh"])
    assert originality.library_vectors().shape == (len(entries), originality.DIMENSIONS)
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["agents"]
    assert any((ROOT / "agents" / "tropes.yaml").match(str(ROOT / "agents" / g)) for g in globs)  # it ships


def test_a_stock_logline_is_flagged_quoting_its_library_neighbour():
    report = originality.check("pitch", pitch(STOCK), premise="A delivery rider in Chicago")
    (issue,) = report.issues("en")
    assert issue.quote == STOCK
    assert HEIR.text in issue.problem and "en-hidden-heir" in issue.problem
    assert report.summary()["source"] == "en-hidden-heir" and report.summary()["similarity"] > 0.9


def test_a_fresh_logline_is_not_flagged():
    report = originality.check("pitch", pitch(FRESH), premise="A museum at night")
    assert report.issues("en") == []
    assert report.summary()["flagged"] == 0


def test_a_premise_that_is_a_trope_does_not_block_its_own_pitch_but_the_stock_version_of_it_is_flagged():
    premise = "A contract marriage with a CEO"
    own = (
        "Beekeeper Nora marries the CEO of a pesticide firm on paper so his board will sign off on a merger; she "
        "spends the year quietly gathering evidence that his product is killing her hives."
    )
    assert originality.check("pitch", pitch(own), premise=premise).flagged == []
    stock = next(t for t in originality.tropes() if t.id == "en-contract-marriage").text
    assert [n.source for n in originality.check("pitch", pitch(stock), premise=premise).flagged] == [
        "en-contract-marriage"
    ]


def outline(*episodes: tuple[str, list[str], str]) -> dict:
    return {
        "episodes": [
            {
                "number": n,
                "title": f"Ep {n}",
                "hook": hook,
                "beats": [{"description": b, "intensity": 5} for b in beats],
                "cliffhanger": cliff,
            }
            for n, (hook, beats, cliff) in enumerate(episodes, 1)
        ]
    }


LIGHTHOUSE = outline(
    (
        "Ava finds a stranger washed up below the lighthouse with a sealed letter.",
        ["Ava's father burns the letter before she can read it.", "Ava hides the stranger in the lamp room."],
        "The stranger wakes and calls Ava by her dead mother's name.",
    ),
    (
        "The stranger wakes and calls Ava by her dead mother's name, then faints again.",  # picks up the cliffhanger
        ["Before Ava can read the letter, her father throws it into the fire."],  # a repeat
        "Ava rows out to the wreck and finds her own baby photo in the captain's cabin.",
    ),
)


def test_a_repeated_earlier_beat_is_flagged_quoting_it_and_a_hook_may_pick_up_the_cliffhanger():
    report = originality.check("outline", LIGHTHOUSE, premise="A lighthouse keeper's daughter")
    flagged = report.flagged
    assert [(n.unit.where, n.source) for n in flagged] == [("ep 2 beat 1", "ep 1 beat 1")]
    (issue,) = report.issues("zh")
    assert "Ava's father burns the letter before she can read it." in issue.problem and "重复" in issue.problem


def test_a_script_repeating_an_earlier_episodes_scenes_is_flagged():
    report = originality.check("script", f.script(2), earlier_scripts=[f.script(1)])
    assert {n.source for n in report.flagged} == {"ep 1 scene 1", "ep 1 scene 2"}
    assert originality.check("script", f.script(1)).flagged == []  # the first episode has nothing to repeat


def test_the_library_vectors_are_kept_in_the_project_and_read_back(tmp_path):
    first = originality.library_vectors(tmp_path)
    (kept,) = tmp_path.glob("tropes-*.npy")
    originality._LIBRARY.clear()
    kept.write_bytes(kept.read_bytes()[:100])  # cut short: embedded again, not trusted
    assert (originality.library_vectors(tmp_path) == first).all()


def run_to_pitch_gate(script, make_ctx, replies: list[dict], round_limit: int = 3):
    rounds = len(replies)
    script.enqueue("screenwriter", replies[0], *(f.revision(r) for r in replies[1:]))
    script.enqueue("cultural_consultant", *[f.approve()] * rounds)
    script.enqueue("director", *[f.approve()] * rounds)  # the director's model approves: the guard does not
    runs = Runs(make_ctx(originality=True, round_limit=round_limit))
    run_id, events = runs.start("A delivery rider in Chicago")
    list(events)
    return runs, run_id


def test_a_flagged_pitch_makes_the_screenwriter_revise_and_the_finding_is_in_the_critique_and_memory(script, make_ctx):
    runs, run_id = run_to_pitch_gate(script, make_ctx, [pitch(STOCK), pitch(FRESH)])
    waiting = runs.view(run_id).waiting
    assert (waiting["status"], waiting["rounds"], waiting["version"]) == ("consensus", 2, 2)
    assert waiting["originality"]["flagged"] == 0 and waiting["originality"]["text"] == FRESH
    revise_prompt = [c for c in script.calls if c["role"] == "screenwriter"][1]["messages"][-1].content
    assert f'[major] director: "{STOCK}"' in revise_prompt and HEIR.text in revise_prompt
    critiques = project_memory(runs.ctx).list(run_id=run_id, kind=Kind.CRITIQUE, role="director")
    first = next(c for c in critiques if c.version == 1)
    assert "revise" in first.text and HEIR.text in first.text and "originality: logline 0.9" in first.text
    assert script.remaining() == 0


def test_the_guard_is_bounded_by_the_round_limit_and_the_gate_shows_the_score(script, make_ctx):
    runs, run_id = run_to_pitch_gate(script, make_ctx, [pitch(STOCK), pitch(STOCK)], round_limit=2)
    view = runs.view(run_id)
    waiting = view.waiting
    assert (waiting["status"], waiting["rounds"]) == ("escalated", 2)
    assert [d["reviewer"] for d in waiting["dissent"]] == ["director"]
    score = waiting["originality"]
    assert (score["source"], score["flagged"]) == ("en-hidden-heir", 1)
    shown = views.originality_line(score).plain
    assert f"originality: {score['similarity']:.2f} similar (limit {score['limit']:.2f})" in shown
    assert "en-hidden-heir" in shown
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/gate").text
    dd = page[page.index('data-testid="originality"') : page.index("</dd>", page.index('data-testid="originality"'))]
    assert f"{score['similarity']:.2f}" in dd and "en-hidden-heir" in dd and "1 of 1 texts too close" in dd
    assert script.remaining() == 0


def test_precision_and_recall_on_the_dev_half_are_at_least_0_8():
    measured = bench().measure(bench().planted())["dev"]
    assert measured["precision"] >= 0.8 and measured["recall"] >= 0.8, measured


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.text(max_size=60), st.lists(st.text(max_size=80), max_size=3))
def test_any_text_in_any_language_never_raises(text, premise, beats):
    assert originality.check("pitch", pitch(text), premise=premise) is not None
    episode = (text, beats, premise)
    assert originality.check("outline", outline(episode, episode)) is not None
    assert originality.check("bible", f.bible()) is None


@pytest.mark.parametrize("flag", ["0", "false"])
def test_the_guard_can_be_turned_off(tmp_path, flag):
    from graphs.context import load_context

    assert load_context(tmp_path, env={"ROOM_ORIGINALITY": flag}).originality is False
    assert load_context(tmp_path, env={}).originality is True
