"""The prompt files: every task renders, every few-shot example is a valid answer.

The embedded default model is a tiny base model that copies the shape of the
examples it is shown, so a broken example is a broken room: these tests check
the examples as strictly as the graph checks the model's own answers.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import jinja2
import jinja2.meta
import pytest
import yaml
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agents.art_director import DIRECTION, ArtDirection
from agents.base import task_messages
from agents.critique import Critique, Severity, Verdict
from agents.director import CameraMove, ShotList, ShotSize
from agents.editor import estimate_runtime
from agents.errors import PromptError
from agents.prompt_file import Task, load_prompts, render
from agents.roles import ARTIFACTS, ROLES
from agents.screenwriter import Bible, EpisodeOutline, EpisodeScript, Pitch, SeriesOutline

LANGS = ("en", "zh")
REVIEWERS = tuple(name for name, role in ROLES.items() if role.reviews)

# The variables each task receives: an artifact's owner tasks and the art direction as they declare them
# (the graphs pass exactly those), the reviewers' and chat tasks as the graphs pass them.
TASK_VARS: dict[str, set[str]] = {
    **{name: set(spec.inputs) for name, spec in ARTIFACTS.items()},
    **{f"revise_{name}": set(spec.revision_inputs) for name, spec in ARTIFACTS.items()},
    DIRECTION.name: set(DIRECTION.inputs),
    "critique": {"artifact_name", "artifact", "focus", "memory"},
    "chat": {"message", "memory", "artifact_name", "artifact", "history"},
}
OWNER_TASKS = {
    "pitch",
    "bible",
    "outline",
    "script",
    "revise_pitch",
    "revise_bible",
    "revise_outline",
    "revise_script",
    "chat",
}
REVIEWER_TASKS = {"critique", "chat"}
# tasks a role performs that make no negotiated artifact (the art direction goes straight to image generation)
EXTRA_TASKS: dict[str, set[str]] = {"art_director": {"art"}}

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# values that stay in English (or are codes) in the zh files too: enum values, shot ids, hex colours,
# screenplay times of day and transitions ("NIGHT", "CUT TO:")
ENUM_VALUES = {str(v) for enum in (Verdict, Severity, ShotSize, CameraMove) for v in enum}
CODE = re.compile(r"#[0-9a-fA-F]{6}|\d+[A-Z]|[A-Z][A-Z .:]*")


def is_code(text: str) -> bool:
    return text in ENUM_VALUES or bool(CODE.fullmatch(text))


def expected_tasks(role: str) -> set[str]:
    owns = ROLES[role].owns
    tasks = {"chat"}
    tasks |= {name for name in owns} | {f"revise_{name}" for name in owns}
    if ROLES[role].reviews:
        tasks.add("critique")
    return tasks | EXTRA_TASKS.get(role, set())


def schema_for(task: str):
    if task == "art":
        return ArtDirection
    if task in ARTIFACTS:
        return ARTIFACTS[task].schema
    if task.startswith("revise_"):
        return ARTIFACTS[task.removeprefix("revise_")].revision_schema
    if task == "critique":
        return Critique
    return None  # chat: free text


CASES = [(role, lang, task) for role in ROLES for lang in LANGS for task in sorted(expected_tasks(role))]
CASE_IDS = [f"{lang}-{role}-{task}" for role, lang, task in CASES]
STRUCTURED = [c for c in CASES if c[2] != "chat"]
STRUCTURED_IDS = [f"{lang}-{role}-{task}" for role, lang, task in STRUCTURED]


def spec(role: str, lang: str, task: str) -> Task:
    return load_prompts(role, lang).tasks[task]


def examples(role: str, lang: str, task: str) -> list[dict]:
    return [example.model_dump() for example in spec(role, lang, task).examples]


def strings(value) -> list[str]:
    """Every string leaf of a nested JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


# ── files and tasks ──────────────────────────────────────────────────────


def test_the_sanity_checks_themselves_catch_mistakes():
    assert expected_tasks("screenwriter") == OWNER_TASKS
    assert expected_tasks("director") == REVIEWER_TASKS | {"shots", "revise_shots"}
    assert expected_tasks("art_director") == REVIEWER_TASKS | {"art"}
    assert expected_tasks("cultural_consultant") == expected_tasks("editor") == REVIEWER_TASKS
    assert schema_for("art") is ArtDirection and schema_for("revise_shots") is ARTIFACTS["shots"].revision_schema
    assert CJK.search("编剧") and CJK.search("，") and not CJK.search("Writer — note · 3→4")
    assert all(is_code(c) for c in ("revise", "close_up", "push_in", "2B", "#a4161a", "NIGHT", "SMASH CUT TO:"))
    assert not any(is_code(t) for t in ("Mop that up.", "INT. 苏家别墅餐厅 - NIGHT", "愤怒", "Eli", "#12345"))
    assert schema_for("revise_outline") is ARTIFACTS["outline"].revision_schema
    assert schema_for("pitch") is Pitch and schema_for("bible") is Bible and schema_for("outline") is SeriesOutline


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", list(ROLES))
def test_file_has_description_persona_and_exactly_the_role_tasks(role, lang):
    text = (resources.files("agents") / "prompts" / lang / f"{role}.yaml").read_text(encoding="utf-8")
    prompts = yaml.safe_load(text)
    assert isinstance(prompts["description"], str) and prompts["description"].strip()
    assert "\n" not in prompts["description"].strip(), "description is one sentence on one line"
    assert isinstance(prompts["persona"], str) and len(prompts["persona"].strip()) > 40
    assert set(prompts["tasks"]) == expected_tasks(role)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", list(ROLES))
def test_persona_and_instructions_need_no_variables(role, lang):
    prompts = load_prompts(role, lang)
    assert render(prompts.persona, {})
    for name, task in prompts.tasks.items():
        assert render(task.instruction, {}), name


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", list(ROLES))
def test_reviewers_have_a_focus_for_each_artifact_they_review(role, lang):
    focus = load_prompts(role, lang).focus
    reviews = set(ROLES[role].reviews)
    if not reviews:
        assert not focus, "a role that reviews nothing has no focus"
        return
    assert set(focus) == reviews
    for name, text in focus.items():
        assert isinstance(text, str) and len(text.strip()) > 20, name
        assert render(text, {}) == text.strip(), f"focus[{name}] is passed as a value, not rendered"


@pytest.mark.parametrize("role", list(ROLES))
def test_both_languages_have_the_same_shape(role):
    en, zh = load_prompts(role, "en"), load_prompts(role, "zh")
    assert set(en.tasks) == set(zh.tasks)
    assert set(en.focus) == set(zh.focus)
    for task in en.tasks:
        assert len(en.tasks[task].examples) == len(zh.tasks[task].examples), task


# ── rendering ────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("role", "lang", "task"), CASES, ids=CASE_IDS)
def test_input_template_uses_exactly_the_task_variables(role, lang, task):
    source = spec(role, lang, task).input
    used = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(source))
    assert used == TASK_VARS[task]


PERIOD_TOO = {("screenwriter", task) for task in ("pitch", "bible", "outline", "script")}


@pytest.mark.parametrize(("role", "lang", "task"), CASES, ids=CASE_IDS)
def test_task_renders_with_its_examples(role, lang, task):
    shots = examples(role, lang, task)
    # the writer's first drafts: two set today and one in the past (agents.examples shows a small model the nearest)
    assert len(shots) == (1 if task == "chat" else 3 if (role, task) in PERIOD_TOO else 2)
    for example in shots:
        assert set(example["vars"]) == TASK_VARS[task]
        messages = task_messages(role, task, lang, example["vars"])
        assert len(messages) == 1 + 2 * len(shots) + 1
        assert isinstance(messages[0], SystemMessage)
        assert all(isinstance(m, HumanMessage) for m in messages[1::2])
        assert all(isinstance(m, AIMessage) for m in messages[2::2])
        for shot, answer in zip(shots, messages[2::2]):
            out = shot["output"]
            assert answer.content == (out if isinstance(out, str) else json.dumps(out, ensure_ascii=False))
        assert "\n\n\n" not in messages[-1].content
        for name, value in example["vars"].items():
            if value.strip() and name != "artifact_name":  # a label, translated in the zh prompts
                assert value.strip() in messages[-1].content, name


@pytest.mark.parametrize(("role", "lang", "task"), CASES, ids=CASE_IDS)
def test_task_renders_with_the_graph_variables_when_optional_ones_are_empty(role, lang, task):
    variables = {name: "" for name in TASK_VARS[task]}
    variables |= {
        "premise": "p",
        "pitch": "{}",
        "bible": "{}",
        "episodes": 3,
        "artifact": "{}",
        "issues": "1. x",
        "artifact_name": "pitch",
        "focus": "f",
        "message": "hello",
        "episode": 1,
        "outline_episode": "{}",
        "script": "{}",
        "shots": "{}",
    }
    variables = {k: v for k, v in variables.items() if k in TASK_VARS[task]}
    messages = task_messages(role, task, lang, variables)
    last = messages[-1].content
    assert "\n\n\n" not in last
    for label in ("notes", "memory", "conversation", "previously", "备注", "记忆", "对话", "前情提要"):
        assert not re.search(rf"{label}[^\n]*[:：]\s*$", last, re.M | re.I), f"empty {label} label left in:\n{last}"


@pytest.mark.parametrize(("role", "lang", "task"), CASES, ids=CASE_IDS)
def test_a_missing_variable_raises_prompt_error(role, lang, task):
    full = examples(role, lang, task)[0]["vars"]
    for name in TASK_VARS[task]:
        partial = {k: v for k, v in full.items() if k != name}
        with pytest.raises(PromptError):
            task_messages(role, task, lang, partial)


# ── the examples are valid answers ───────────────────────────────────────


@pytest.mark.parametrize(("role", "lang", "task"), STRUCTURED, ids=STRUCTURED_IDS)
def test_structured_example_outputs_validate(role, lang, task):
    schema = schema_for(task)
    for example in examples(role, lang, task):
        assert isinstance(example["output"], dict)
        schema.model_validate(example["output"])


@pytest.mark.parametrize("lang", LANGS)
def test_outline_examples_have_exactly_the_episodes_asked_for(lang):
    for example in examples("screenwriter", lang, "outline"):
        numbers = [e["number"] for e in example["output"]["episodes"]]
        assert numbers == list(range(1, int(example["vars"]["episodes"]) + 1))


@pytest.mark.parametrize("lang", LANGS)
def test_outline_examples_fit_one_to_three_minutes(lang):
    """3-6 beats an episode: what the editor asks for, so the writer's own examples must obey it."""
    for task in ("outline", "revise_outline"):
        for example in examples("screenwriter", lang, task):
            outline = example["output"] if task == "outline" else example["output"]["artifact"]
            for episode in outline["episodes"]:
                assert 3 <= len(episode["beats"]) <= 6, (task, episode["title"])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(ARTIFACTS))
def test_revision_examples_start_from_a_valid_artifact_and_answer_every_issue(name, lang):
    revisions = examples(ARTIFACTS[name].owner.name, lang, f"revise_{name}")
    assert len(revisions) == 2
    for example in revisions:
        ARTIFACTS[name].schema.model_validate(json.loads(example["vars"]["artifact"]))
        numbered = [int(n) for n in re.findall(r"^(\d+)\.", example["vars"]["issues"], re.M)]
        assert numbered == list(range(1, len(numbered) + 1)) and numbered
        answered = [a["issue"] for a in example["output"]["answers"]]
        assert answered == numbered
        assert example["output"]["artifact"] != json.loads(example["vars"]["artifact"]), (
            "the revision changes something"
        )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", REVIEWERS)
def test_critique_examples_quote_a_valid_artifact_under_review(role, lang):
    focus = load_prompts(role, lang).focus
    for example in examples(role, lang, "critique"):
        name = example["vars"]["artifact_name"]
        assert name in ROLES[role].reviews
        assert example["vars"]["focus"].strip() == focus[name].strip()
        ARTIFACTS[name].schema.model_validate(json.loads(example["vars"]["artifact"]))
        for issue in example["output"]["issues"]:
            assert issue["quote"] in example["vars"]["artifact"], issue["quote"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", REVIEWERS)
def test_critique_examples_show_one_approval_and_one_request_for_changes(role, lang):
    critiques = [Critique.model_validate(e["output"]) for e in examples(role, lang, "critique")]
    approvals = [c for c in critiques if c.verdict == Verdict.APPROVE]
    changes = [c for c in critiques if c.verdict != Verdict.APPROVE]
    assert len(approvals) == 1 and len(changes) == 1
    assert all(i.severity == Severity.MINOR for i in approvals[0].issues)
    assert changes[0].issues and any(i.severity != Severity.MINOR for i in changes[0].issues)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", list(ROLES))
def test_chat_example_is_a_short_answer_about_the_artifact(role, lang):
    for example in examples(role, lang, "chat"):
        out = example["output"]
        assert isinstance(out, str)
        sentences = [s for s in re.split(r"(?<=[.!?。！？])\s*", out.strip()) if s.strip()]
        assert 2 <= len(sentences) <= 4, sentences
        assert example["vars"]["artifact"].strip(), "the chat example has an artifact to talk about"


@pytest.mark.parametrize(("role", "lang", "task"), CASES, ids=CASE_IDS)
def test_example_outputs_are_in_the_file_language(role, lang, task):
    for example in examples(role, lang, task):
        texts = strings(example["output"])
        if lang == "en":
            assert not [t for t in texts if CJK.search(t)]
        else:
            # every free-text field but the enum values and codes (shot ids, hex colours, NIGHT, CUT TO:)
            prose = [t for t in texts if not is_code(t)]
            with_cjk = [t for t in prose if CJK.search(t)]
            assert len(with_cjk) >= 0.8 * len(prose), [t for t in prose if not CJK.search(t)]


# ── episodes: script, shots, art ─────────────────────────────────────────

HEADING = re.compile(r"(INT|EXT|INT\./EXT)\. (?P<place>.+) - (?P<time>[A-Z]+)")
TIMES_OF_DAY = {"DAY", "NIGHT", "DAWN", "DUSK", "MORNING", "EVENING", "CONTINUOUS"}
SHOT_ID = re.compile(r"(?P<scene>\d+)(?P<letter>[A-D])")
SUBTITLE = {"en": 12, "zh": 18}  # at most: words (en) or Chinese characters (zh) in one line
SIZE_WORDS = {
    "en": {
        "extreme_wide": "extreme wide shot",
        "wide": "wide shot",
        "medium": "medium shot",
        "close_up": "close-up",
        "extreme_close_up": "extreme close-up",
    },
    "zh": {
        "extreme_wide": "大远景",
        "wide": "全景",
        "medium": "中景",
        "close_up": "特写",
        "extreme_close_up": "大特写",
    },
}


def length(text: str, lang: str) -> int:
    """Words in English, Chinese characters in Chinese."""
    return len(text.split()) if lang == "en" else len(re.findall(r"[\u4e00-\u9fff]", text))


def written_scripts(lang: str) -> list[EpisodeScript]:
    """Every finished script the examples show: the writer's drafts and revisions."""
    outputs = [e["output"] for e in examples("screenwriter", lang, "script")]
    outputs += [e["output"]["artifact"] for e in examples("screenwriter", lang, "revise_script")]
    return [EpisodeScript.model_validate(o) for o in outputs]


def shot_lists(lang: str) -> list[ShotList]:
    outputs = [e["output"] for e in examples("director", lang, "shots")]
    outputs += [e["output"]["artifact"] for e in examples("director", lang, "revise_shots")]
    return [ShotList.model_validate(o) for o in outputs]


def coverage_problems(script: EpisodeScript, shots: ShotList) -> list[str]:
    """What is wrong with how `shots` covers `script`; empty when every line is in exactly one shot."""
    problems = []
    scenes = {s.number: s for s in script.scenes}
    if [s.scene for s in shots.shots] != sorted(s.scene for s in shots.shots):
        problems.append("shots out of scene order")
    for number, scene in scenes.items():
        in_scene = [s for s in shots.shots if s.scene == number]
        if not 1 <= len(in_scene) <= 4:
            problems.append(f"scene {number} has {len(in_scene)} shots")
        spoken = sorted(i for s in in_scene for i in s.lines)
        if spoken != list(range(len(scene.lines))):
            problems.append(f"scene {number}: lines {spoken}, expected each of 0..{len(scene.lines) - 1} once")
        for shot in in_scene:
            if shot.location != scene.location:
                problems.append(f"{shot.id} is not at {scene.location}")
            for i in shot.lines:
                if i < len(scene.lines) and scene.lines[i].speaker not in shot.characters:
                    problems.append(f"{shot.id}: {scene.lines[i].speaker} speaks off screen")
    problems += [f"{s.id} is in no scene of the script" for s in shots.shots if s.scene not in scenes]
    return problems


def test_the_episode_checks_themselves_catch_mistakes():
    example = examples("director", "en", "shots")[0]
    script = EpisodeScript.model_validate(json.loads(example["vars"]["script"]))
    shots = ShotList.model_validate(example["output"])
    assert coverage_problems(script, shots) == []
    twice = shots.model_copy(deep=True)
    twice.shots[1].lines.append(twice.shots[0].lines[0])
    assert coverage_problems(script, twice)
    missing = shots.model_copy(deep=True)
    missing.shots[0].lines = []
    assert coverage_problems(script, missing)
    off_screen = shots.model_copy(deep=True)
    off_screen.shots[0].characters = []
    assert coverage_problems(script, off_screen)
    assert HEADING.fullmatch("INT. 陆氏集团会议室 - NIGHT") and not HEADING.fullmatch("Board room, night")
    assert length("Mop that up too, friend.", "en") == 5 and length("世子呢？", "zh") == 3


@pytest.mark.parametrize("lang", LANGS)
def test_script_examples_play_as_one_episode(lang):
    """60-120 s by the editor's own estimate, 2-4 scenes, 8-16 subtitle-length lines, screenplay headings."""
    scripts = written_scripts(lang)
    assert len(scripts) == 5
    for script in scripts:
        assert 2 <= len(script.scenes) <= 4, script.title
        assert [s.number for s in script.scenes] == list(range(1, len(script.scenes) + 1))
        assert 8 <= sum(len(s.lines) for s in script.scenes) <= 16, script.title
        assert 60 <= estimate_runtime(script) <= 120, (script.title, estimate_runtime(script))
        assert script.scenes[0].lines, "the hook is heard in scene 1"
        assert script.scenes[-1].lines and script.scenes[-1].transition == "", "the cliffhanger is the very end"
        for scene in script.scenes:
            heading = HEADING.fullmatch(scene.heading)
            assert heading, scene.heading
            assert heading["place"] == scene.location.upper() and heading["time"] == scene.time_of_day in TIMES_OF_DAY
            for line in scene.lines:
                assert line.speaker in scene.characters, (scene.heading, line.speaker)
                assert length(line.text, lang) <= SUBTITLE[lang], line.text
                one_word = r"[a-z]+" if lang == "en" else r"[\u4e00-\u9fff]{1,4}"
                assert re.fullmatch(one_word, line.emotion), line.emotion
                assert length(line.parenthetical, lang) <= (4 if lang == "en" else 6), line.parenthetical


@pytest.mark.parametrize("lang", LANGS)
def test_script_examples_follow_their_outline_episode_and_bible(lang):
    for example in examples("screenwriter", lang, "script"):
        outline = EpisodeOutline.model_validate(json.loads(example["vars"]["outline_episode"]))
        bible = Bible.model_validate(json.loads(example["vars"]["bible"]))
        script = EpisodeScript.model_validate(example["output"])
        assert script.number == outline.number == int(example["vars"]["episode"])
        names = {c.name for c in bible.characters}
        for scene in script.scenes:
            assert set(scene.characters) <= names, scene.characters


@pytest.mark.parametrize("lang", LANGS)
def test_shot_examples_cover_each_line_of_their_script_exactly_once(lang):
    for example in examples("director", lang, "shots"):
        script = EpisodeScript.model_validate(json.loads(example["vars"]["script"]))
        shots = ShotList.model_validate(example["output"])
        assert shots.episode == script.number == int(example["vars"]["episode"])
        assert sorted({s.scene for s in shots.shots}) == [s.number for s in script.scenes], "every scene is shot"
        assert coverage_problems(script, shots) == []


@pytest.mark.parametrize("lang", LANGS)
def test_shot_lists_are_well_formed(lang):
    """Ids 1A, 1B, 2A in order, varied sizes, a close-up on the hook, each scene's lines covered once."""
    lists = shot_lists(lang)
    assert len(lists) == 4
    for shots in lists:
        scenes = sorted({s.scene for s in shots.shots})
        assert scenes == list(range(1, len(scenes) + 1))
        for number in scenes:
            in_scene = [s for s in shots.shots if s.scene == number]
            assert 1 <= len(in_scene) <= 4
            assert [s.id for s in in_scene] == [f"{number}{letter}" for letter in "ABCD"[: len(in_scene)]]
            spoken = sorted(i for s in in_scene for i in s.lines)
            assert spoken == list(range(len(spoken))), (number, spoken)
        assert shots.shots[0].size in (ShotSize.CLOSE_UP, ShotSize.EXTREME_CLOSE_UP), "a close-up on the hook"
        assert len({s.size for s in shots.shots}) >= 3, "varied sizes"
        assert all(s.visual_intent.strip() for s in shots.shots)


@pytest.mark.parametrize("lang", LANGS)
def test_revision_examples_of_episodes_fix_what_the_issues_quote(lang):
    """A quoted line of a script is rewritten; the shot a quote points at is changed or cut."""
    for role, name in (("screenwriter", "script"), ("director", "shots")):
        for example in examples(role, lang, f"revise_{name}"):
            before, after = json.loads(example["vars"]["artifact"]), example["output"]["artifact"]
            quotes = re.findall(r'^\d+\. \[\w+\] \w+: "(.+?)" — ', example["vars"]["issues"], re.M)
            assert quotes
            for quote in quotes:
                assert quote in json.dumps(before, ensure_ascii=False), quote
                if name == "script":
                    assert quote not in json.dumps(after, ensure_ascii=False), quote
                else:
                    quoted = next(s for s in before["shots"] if quote in s["visual_intent"])
                    assert quoted not in after["shots"], quote


@pytest.mark.parametrize("lang", LANGS)
def test_art_examples_draw_every_shot_of_their_shot_list(lang):
    for example in examples("art_director", lang, "art"):
        bible = Bible.model_validate(json.loads(example["vars"]["bible"]))
        shots = ShotList.model_validate(json.loads(example["vars"]["shots"]))
        art = ArtDirection.model_validate(example["output"])
        appearing = list(dict.fromkeys(c for s in shots.shots for c in s.characters))
        assert [sheet.character for sheet in art.sheets] == appearing, "one sheet per character, in order of appearance"
        assert set(appearing) <= {c.name for c in bible.characters}
        assert len({sheet.seed for sheet in art.sheets}) == len(art.sheets), "one seed per character"
        assert all(3 <= len(sheet.appearance_tokens) <= 6 for sheet in art.sheets)
        assert [p.shot_id for p in art.prompts] == [s.id for s in shots.shots], "one prompt per shot, in order"
        tokens = {sheet.character: sheet.appearance_tokens for sheet in art.sheets}
        for shot, prompt in zip(shots.shots, art.prompts):
            size = SIZE_WORDS[lang][shot.size]
            assert re.search(rf"(?<!extreme )(?<!大){re.escape(size)}", prompt.prompt), (shot.id, size)
            assert shot.location in prompt.prompt, shot.id
            for character in shot.characters:
                for token in tokens[character]:
                    assert token in prompt.prompt, (shot.id, token)


@pytest.mark.parametrize("lang", LANGS)
def test_art_example_keeps_a_remembered_sheet(lang):
    """A sheet from an earlier episode in memory comes back word for word, with its seed."""
    remembered = [e for e in examples("art_director", lang, "art") if e["vars"]["memory"]]
    assert remembered
    for example in remembered:
        for sheet in ArtDirection.model_validate(example["output"]).sheets:
            if sheet.character in example["vars"]["memory"]:
                assert re.search(rf"(?<!\w){sheet.seed}(?!\w)", example["vars"]["memory"]), sheet.seed
                assert all(token in example["vars"]["memory"] for token in sheet.appearance_tokens)
                break
        else:
            pytest.fail("no sheet of the remembered character")


@pytest.mark.parametrize("role", list(ROLES))
def test_zh_inputs_name_every_artifact_in_chinese(role):
    for task in ("critique", "chat"):
        if task not in load_prompts(role, "zh").tasks:
            continue
        for name in ARTIFACTS:
            variables = {k: "" for k in TASK_VARS[task]} | {
                "artifact_name": name,
                "artifact": "{}",
                "focus": "f",
                "message": "m",
            }
            text = task_messages(role, task, "zh", variables)[-1].content
            assert name not in text, (task, name, text)


def test_bible_keeps_one_character_and_one_location_per_name():
    from factories import bible, character

    repeated = bible()
    repeated["characters"].append({**character("lin  xia", 40), "role": "a second Lin"})
    repeated["locations"].append({"name": "Board Room", "description": "again"})
    kept = Bible.model_validate(repeated)
    assert [c.name for c in kept.characters] == ["Lin Xia", "Zhou Min"]
    assert kept.characters[0].age == character()["age"]  # the first entry under a name wins
    assert [loc.name for loc in kept.locations] == ["Board room"]
