"""The schemas the decoder is given: closed objects, small-model caps and floors, pinned episode numbers."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from pydantic import ValidationError

import factories as f
from agents.models import SMALL_MODEL_LIMITS
from agents.roles import ARTIFACTS, small_model_fields
from agents.structured import closed_schema


def _arrays(doc: dict) -> dict[str, dict]:
    """Every array property as "Model.property" -> its schema."""
    found = {}
    for title, node in [(doc.get("title"), doc), *((d.get("title"), d) for d in doc.get("$defs", {}).values())]:
        for name, prop in node.get("properties", {}).items():
            if prop.get("type") == "array":
                found[f"{title}.{name}"] = prop
    return found


def test_every_object_is_closed_and_strings_are_capped_for_small_models():
    doc = closed_schema(ARTIFACTS["bible"].schema, {}, SMALL_MODEL_LIMITS)
    objects = [doc, *doc["$defs"].values()]
    assert all(o["additionalProperties"] is False for o in objects if o.get("type") == "object")
    strings = [p for o in objects for p in o.get("properties", {}).values() if p.get("type") == "string"]
    assert strings and all(p["maxLength"] <= SMALL_MODEL_LIMITS["max_string"] for p in strings)
    assert "minItems" not in json.dumps(closed_schema(ARTIFACTS["bible"].schema)).replace('"minItems": 1', "")


@pytest.mark.parametrize("name", ["script", "shots"])  # a bible's cast: `agents.screenwriter.set_in`
def test_small_models_must_write_an_episodes_worth_and_no_more(name):
    fields = small_model_fields()
    for schema in (ARTIFACTS[name].schema_for(1, 1), ARTIFACTS[name].revision_for(1, 1)):
        arrays = _arrays(closed_schema(schema, {}, SMALL_MODEL_LIMITS))
        named = {k: v for k, v in arrays.items() if k in fields}
        assert named and all(v == {**v, **fields[k]} for k, v in named.items())
        assert all(
            v.get("minItems", 0) <= 1 for k, v in arrays.items() if k not in fields
        )  # "Shot.lines" is not "Scene.lines"
    plain = _arrays(closed_schema(ARTIFACTS[name].schema))  # a real model gets the schema as it is
    assert all(v.get("minItems", 0) <= 1 for v in plain.values())


def test_a_small_models_lines_are_short_enough_for_the_runtime():
    from agents.editor import TARGET_SECONDS, speaking_seconds

    doc = closed_schema(ARTIFACTS["script"].schema_for(1, 1), {}, SMALL_MODEL_LIMITS)
    longest = "word " * (doc["$defs"]["DialogueLine"]["properties"]["text"]["maxLength"] // 5)
    lines = doc["properties"]["scenes"]["maxItems"] * doc["$defs"]["Scene"]["properties"]["lines"]["maxItems"]
    assert lines * speaking_seconds(longest) <= TARGET_SECONDS[1] - 15  # room for pauses and dissolves


@pytest.mark.parametrize(("name", "field", "make"), [("script", "number", f.script), ("shots", "episode", f.shots)])
def test_script_and_shot_list_carry_their_episode_number(name, field, make):
    schema = ARTIFACTS[name].schema_for(3, 2)
    doc = closed_schema(schema)
    assert (doc["properties"][field]["minimum"], doc["properties"][field]["maximum"]) == (2, 2)
    assert getattr(schema.model_validate(make(2)), field) == 2
    with pytest.raises(ValidationError):
        schema.model_validate(make(1))
    assert ARTIFACTS[name].schema_for(3) is ARTIFACTS[name].schema  # outside an episode: unpinned
    assert schema is ARTIFACTS[name].schema_for(3, 2)  # built once


def test_outline_episodes_are_numbered_by_their_place():
    from agents.screenwriter import outline_of

    written = f.outline(3)
    for episode, number in zip(written["episodes"], (2, 2, 7)):
        episode["number"] = number
    assert [e.number for e in outline_of(3).model_validate(written).episodes] == [1, 2, 3]


def test_script_scenes_are_numbered_by_their_place():
    from agents.screenwriter import EpisodeScript

    written = f.script()
    for scene in written["scenes"]:
        scene["number"] = 1  # a small model repeats numbers: two scenes' lines would merge
    assert [s.number for s in EpisodeScript.model_validate(written).scenes] == [1, 2]


def test_script_drops_a_scene_written_out_again_and_a_line_said_twice_in_a_row():
    from agents.screenwriter import EpisodeScript

    written = f.script()
    first, second = written["scenes"]
    first["lines"].insert(1, {**first["lines"][0], "emotion": "louder"})  # the same words again at once
    again = {**first, "number": 9, "lines": list(first["lines"])}  # scene 1 word for word
    written["scenes"] = [first, again, second]
    script = EpisodeScript.model_validate(written)
    assert [s.heading for s in script.scenes] == [first["heading"], second["heading"]]
    assert [s.number for s in script.scenes] == [1, 2]
    texts = [line.text for line in script.scenes[0].lines]
    assert texts == [line["text"] for line in first["lines"] if line is not first["lines"][1]]
    assert len(texts) == len(first["lines"]) - 1


def test_a_scene_written_again_under_another_heading_is_dropped():
    from agents.screenwriter import EpisodeScript

    written = f.script()
    first, second = written["scenes"]
    curly = [{**line, "text": line["text"].replace("'", "’").upper()} for line in first["lines"]]
    again = {**first, "heading": "INT. BOARD ROOM - DAY", "time_of_day": "DAY", "lines": curly}
    written["scenes"] = [first, again, second]
    script = EpisodeScript.model_validate(written)
    assert [s.heading for s in script.scenes] == [first["heading"], second["heading"]]


def test_a_loop_is_cut_but_an_echo_by_another_speaker_is_kept():
    from agents.screenwriter import EpisodeScript

    written = f.script()
    lines = written["scenes"][0]["lines"]
    opening = lines[0]
    lines += [dict(line) for line in lines[:3]]  # the small model's loop: A B C ... A B C
    lines.append({**opening, "speaker": "Zhou Min"})  # he throws her opening line back at her
    kept = EpisodeScript.model_validate(written).scenes[0].lines
    assert [line.text for line in kept] == [*f.SCENE_ONE, opening["text"]]
    assert kept[-1].speaker == "Zhou Min"


def test_a_script_can_be_held_to_the_cast():
    spec = ARTIFACTS["script"]
    schema = spec.schema_for(1, 1, ("Lin Xia", "Zhou Min"))
    doc = closed_schema(schema, limits=SMALL_MODEL_LIMITS)
    assert doc["$defs"]["DialogueLine"]["properties"]["speaker"]["enum"] == ["Lin Xia", "Zhou Min"]
    assert doc["properties"]["number"] == {**doc["properties"]["number"], "minimum": 1, "maximum": 1}
    assert schema.model_validate(f.script()).scenes[0].lines[0].speaker == "Lin Xia"
    stranger = f.script()
    stranger["scenes"][1]["lines"][2]["speaker"] = "Claire Dunn"  # an example's character
    with pytest.raises(ValidationError, match="Lin Xia"):
        schema.model_validate(stranger)
    revision = spec.revision_for(1, 1, ("Lin Xia", "Zhou Min"))
    assert "enum" in json.dumps(revision.model_json_schema()["$defs"]["DialogueLine"])
    assert spec.schema_for(1, 1) is not schema and "enum" not in json.dumps(spec.schema_for(1, 1).model_json_schema())


@pytest.mark.parametrize("small", [True, False])
def test_only_a_small_model_writes_its_script_held_to_the_bible_cast(script, make_ctx, monkeypatch, small):
    from agents import models
    from graphs.negotiation import owner_schema

    load = models.load_chat_model
    monkeypatch.setattr(
        models,
        "load_chat_model",
        lambda spec, **kw: dataclasses.replace(load(spec, **kw), schema_limits=SMALL_MODEL_LIMITS if small else {}),
    )
    values = {"artifacts": {"bible": f.bible()}, "episode": 1, "episodes": 1}
    for revision in (False, True):
        model = models.load_chat_model("scripted:screenwriter")
        doc = json.dumps(
            owner_schema(ARTIFACTS["script"], values, make_ctx(), model, revision=revision).model_json_schema()
        )
        assert ('"enum": ["Lin Xia", "Zhou Min"]' in doc) is small


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("We have a lot of work ahead of us.,", "We have a lot of work ahead of us."),
        ("你，我……”，", "你，我……"),  # a closing quote that closes nothing
        ("她说：“你好”", "她说：“你好”"),
        ('"No!" she said"', '"No!" she said'),
        ("Don't,", "Don't"),
    ],
)
def test_a_line_loses_the_loose_ends_a_decoder_leaves(written, kept):
    from agents.screenwriter import DialogueLine

    line = DialogueLine(speaker="Lin Xia", text=written, emotion="惊恐”，}, {", parenthetical="(严厉”,)")
    assert (line.text, line.emotion, line.parenthetical) == (kept, "惊恐", "严厉")


def test_a_line_with_nothing_left_to_say_is_dropped():
    from agents.screenwriter import EpisodeScript

    written = f.script()
    written["scenes"][0]["lines"].insert(2, {"speaker": "Lin Xia", "text": "”，"})
    assert [line.text for line in EpisodeScript.model_validate(written).scenes[0].lines] == f.SCENE_ONE


def test_a_critique_keeps_only_the_issues_it_quotes_from_what_it_reviewed():
    from agents.critique import Critique

    artifact = ["Lin Xia walks into the board room her father threw her out of.", "She signs the contract."]
    copied = {
        "severity": "major",
        "quote": "Lin checks the time on her phone before sneaking out of the hall.",
        "problem": "Phones do not exist in the 8th century",
        "fix": "the watchman's drum",
    }
    real = {"severity": "minor", "quote": "walks into the board room", "problem": "flat", "fix": "storms in"}
    trimmed = {"severity": "minor", "quote": "She signs the contract!", "problem": "too easy", "fix": "she hesitates"}
    kept = Critique(verdict="revise", summary="s", issues=[copied, real, trimmed]).grounded_in(artifact)
    assert [i.quote for i in kept.issues] == [real["quote"], trimmed["quote"]] and kept.verdict == "revise"
    # a critique that asked for changes only with quotes from elsewhere asks for nothing that can be done
    only_copied = Critique(verdict="block", summary="s", issues=[copied]).grounded_in(artifact)
    assert only_copied.issues == [] and only_copied.verdict == "approve"
    summary_only = Critique(verdict="revise", summary="too slow", issues=[])
    assert summary_only.grounded_in(artifact) == summary_only


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_critique_in_its_examples_words_is_about_another_story(lang):
    """The embedded consultant approved a medieval bible with its example's summary ("…a phone in an ancient
    palace…, Lin addresses the Emperor…") and the art director asked for its example's 1926 suit: a problem, fix
    or summary sentence borrowed from a reviewer's examples is dropped, and a critique left asking for nothing
    approves."""
    from agents.copying import borrowed
    from agents.critique import Critique, sentences
    from agents.prompt_file import load_prompts

    critiques = [
        e.output for e in load_prompts("cultural_consultant", lang).tasks["critique"].examples if e.output["issues"]
    ]
    example = critiques[0]
    artifact = [
        issue["quote"] for issue in example["issues"]
    ]  # what it quotes is in the series: only its words are not
    own = "\n".join(artifact)

    def taken(text: str) -> bool:
        return borrowed(text, "cultural_consultant", lang, own)

    assert taken(example["summary"]) and all(taken(i["problem"]) or taken(i["fix"]) for i in example["issues"])
    written = "The forge and the tournament fit the period." if lang == "en" else "铁匠铺和比武大会都符合时代。"
    assert not taken(written)
    held = Critique.model_validate(example).grounded_in(artifact, taken)
    assert held.issues == [] and held.summary == "" and held.verdict == "approve"
    own_words = {"severity": "minor", "quote": artifact[0], "problem": written, "fix": written}
    kept = Critique.model_validate({**example, "issues": [*example["issues"], own_words]}).grounded_in(artifact, taken)
    assert [i.problem for i in kept.issues] == [written] and kept.verdict == example["verdict"]
    # judged a sentence at a time: an example's sentence goes, the reviewer's own words beside it stay
    copied = sentences(example["summary"])[0]
    mixed = Critique.model_validate(
        {**example, "summary": f"{copied}{written}", "issues": [{**own_words, "problem": f"{written} {copied}"}]}
    ).grounded_in(artifact, taken)
    assert mixed.summary == written and mixed.issues == [] and mixed.verdict == "approve"
    mine = Critique.model_validate({**example, "summary": f"{written} {written}", "issues": [own_words]})
    assert mine.grounded_in(artifact, taken) == mine
    # and a clause at a time: the example's clause after the reviewer's own and a "but" goes (stop 39)
    clause = {"en": ", but ", "zh": "，但"}[lang]
    example_clause = next(c for c in sentences(critiques[-1]["summary"]) if c.lstrip().startswith(("but", "但")))
    joined = f"{written.rstrip('.。')}{clause}{example_clause.removeprefix('but ').removeprefix('但')}"
    assert len(sentences(joined)) == 2
    assert Critique.model_validate({**example, "summary": joined}).grounded_in(
        artifact, taken
    ).summary == written.rstrip(".。")
    # a run of the prompt's words in a sentence of the reviewer's own is an echo of another story: the summary loses
    # it (the 270M consultant's "宫女对皇帝的称呼也受不了…" in a wuxia series), and an issue that says it goes
    from agents.copying import echoes as echoes_prompt

    def echoes(text: str) -> bool:
        return echoes_prompt(text, "cultural_consultant", lang, own)

    echo = {
        "en": "Here too a phone in a Tang palace breaks the mood of the chase and the pacing drags for the rest of it. ",
        "zh": "宫女对皇帝的称呼也受不了，她对师父的称谓和礼节都很随便。",
    }[lang]
    assert echoes(echo) and not taken(echo) and not echoes(written)
    asked = Critique(verdict="revise", summary=f"{echo}{written}", issues=[])
    held = asked.grounded_in(artifact, taken, echoes)
    assert (held.summary, held.verdict) == (written, "revise")  # what is left of the summary is still asked for
    assert asked.grounded_in(artifact, taken) == asked
    assert Critique(verdict="revise", summary=echo, issues=[]).grounded_in(artifact, taken, echoes).verdict == "approve"
    echoed = {"severity": "major", "quote": artifact[0], "problem": written, "fix": echo}
    own_fix = {"severity": "major", "quote": artifact[0], "problem": written, "fix": written}
    both = Critique.model_validate({"verdict": "revise", "summary": written, "issues": [echoed, own_fix]})
    assert [i.fix for i in both.grounded_in(artifact, taken, echoes).issues] == [written]
    assert len(both.grounded_in(artifact, taken).issues) == 2  # without the prompt's runs, both are its own


def test_a_line_said_again_in_a_later_scene_is_dropped():
    """A small model loops across scenes too: the same speaker's same line comes
    once (case and spacing aside); another speaker may echo it; a scene left without lines stays as action."""
    from agents.screenwriter import EpisodeScript

    def scene(n, lines):
        return {
            "number": n,
            "heading": f"INT. ROOM {n} - DAY",
            "location": f"Room {n}",
            "time_of_day": "DAY",
            "action": f"Action {n}.",
            "lines": [{"speaker": s, "text": t} for s, t in lines],
        }

    script = EpisodeScript(
        number=1,
        title="t",
        scenes=[
            scene(1, [("Lin", "You lied to me."), ("Mo", "I had to.")]),
            scene(2, [("Lin", "you  lied to ME."), ("Mo", "I had to."), ("Lin", "I had to.")]),
            scene(3, [("Mo", "I had to.")]),
        ],
    )
    assert [[(ln.speaker, ln.text) for ln in s.lines] for s in script.scenes] == [
        [("Lin", "You lied to me."), ("Mo", "I had to.")],
        [("Lin", "I had to.")],
        [],
    ]


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("The Letter of William Prynne to", "The Letter of William Prynne"),
        ("Lost, and", "Lost"),
        ("The Heiress Returns —", "The Heiress Returns"),
        ("Something to Live For", "Something to Live For"),
        ("Plan A", "Plan A"),
        ("The Story of a", "The Story"),
        ("The", "The"),
        ("七夕情人节", "七夕情人节"),
    ],
)
def test_a_title_does_not_end_on_the_word_a_model_was_cut_off_at(written, kept):
    from agents.screenwriter import TITLES, EpisodeOutline, EpisodeScript, patterned

    assert ARTIFACTS["pitch"].schema.model_validate(f.pitch(written)).title == kept
    episode = f.outline(1)["episodes"][0] | {"title": written}
    assert EpisodeOutline.model_validate(episode).title == kept
    assert EpisodeScript.model_validate(f.script() | {"title": written}).title == kept
    if re.fullmatch(TITLES["en"], written):  # a small model's pattern still holds, and still shows
        small = patterned(EpisodeOutline, "title", TITLES["en"])
        assert small.model_validate(episode).title == kept
        assert small.model_json_schema()["properties"]["title"]["pattern"] == TITLES["en"]


def test_episodes_titled_alike_are_told_apart_as_parts_within_the_title_length():
    from agents.screenwriter import TITLE_LENGTH, SeriesOutline

    outline = f.outline(5)
    long = "A" * TITLE_LENGTH
    for episode, title in zip(outline["episodes"], ["In My Dreams", "in my dreams", "Wanted", long, long], strict=True):
        episode["title"] = title
    titles = [e.title for e in SeriesOutline.model_validate(outline).episodes]
    assert titles[:3] == ["In My Dreams", "in my dreams, Part 2", "Wanted"]
    assert titles[4] == "A" * (TITLE_LENGTH - 8) + ", Part 2" and len(titles[4]) == TITLE_LENGTH
    again = SeriesOutline.model_validate({"episodes": [e | {"title": t} for e, t in zip(outline["episodes"], titles)]})
    assert [e.title for e in again.episodes] == titles  # held again as it was stored, it stays
    zh = f.outline(3)
    for episode in zh["episodes"]:
        episode["title"] = "卖烤冷面"
    assert [e.title for e in SeriesOutline.model_validate(zh).episodes] == [
        "卖烤冷面",
        "卖烤冷面（2）",
        "卖烤冷面（3）",
    ]


def test_a_run_two_sentences_hold_between_them_is_an_echo():
    """The 270M editor summed up an outline as "…the second one ends by releasing its tension, so no questions will be
    raised.": its example's run "ends by releasing its tension, so" split where a comma comes before "so", and no
    sentence alone held six of its words. Both sentences go; so does an issue whose problem holds such a run."""
    from agents.copying import echoes
    from agents.critique import Critique, sentences

    def echo(text: str) -> bool:
        return echoes(text, "editor", "en", "A jazz singer in 1920s Chicago")

    summary = (
        "Both episodes fit a minute. The second one ends by releasing its tension, so no questions will be raised."
    )
    said = sentences(summary)
    assert len(said) == 3 and not any(echo(sentence) for sentence in said) and echo(summary)
    held = Critique(verdict="revise", summary=summary, issues=[]).grounded_in([], echoes=echo)
    assert held.summary == "Both episodes fit a minute." and held.verdict == "revise"
    issue = {"severity": "major", "quote": "she sings", "problem": said[1] + said[2], "fix": "Cut the last beat."}
    asked = Critique.model_validate({"verdict": "revise", "summary": "s", "issues": [issue]})
    assert asked.grounded_in(["she sings"], echoes=echo).issues == []
    assert len(asked.grounded_in(["she sings"]).issues) == 1
