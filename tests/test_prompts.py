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

from agents.base import PromptError, load_prompts, render, task_messages
from agents.critique import Critique, Severity, Verdict
from agents.roles import ARTIFACTS, ROLES
from agents.screenwriter import Bible, Pitch, SeriesOutline

LANGS = ("en", "zh")
REVIEWERS = tuple(name for name, role in ROLES.items() if role.reviews)

# The variables the graph passes to each task (see graphs/negotiation.py and the chat graph).
TASK_VARS: dict[str, set[str]] = {
    "pitch": {"premise", "episodes", "notes", "memory"},
    "bible": {"premise", "pitch", "notes", "memory"},
    "outline": {"pitch", "bible", "episodes", "notes", "memory"},
    "revise_pitch": {"artifact", "issues", "notes", "memory"},
    "revise_bible": {"artifact", "issues", "notes", "memory"},
    "revise_outline": {"artifact", "issues", "notes", "memory"},
    "critique": {"artifact_name", "artifact", "focus", "memory"},
    "chat": {"message", "memory", "artifact_name", "artifact", "history"},
}
OWNER_TASKS = {"pitch", "bible", "outline", "revise_pitch", "revise_bible", "revise_outline", "chat"}
REVIEWER_TASKS = {"critique", "chat"}

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def expected_tasks(role: str) -> set[str]:
    owns = ROLES[role].owns
    tasks = {"chat"}
    tasks |= {name for name in owns} | {f"revise_{name}" for name in owns}
    if ROLES[role].reviews:
        tasks.add("critique")
    return tasks


def schema_for(task: str):
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


def spec(role: str, lang: str, task: str) -> dict:
    return load_prompts(role, lang)["tasks"][task]


def examples(role: str, lang: str, task: str) -> list[dict]:
    return spec(role, lang, task).get("examples") or []


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
    assert all(expected_tasks(r) == REVIEWER_TASKS for r in REVIEWERS)
    assert CJK.search("编剧") and CJK.search("，") and not CJK.search("Writer — note · 3→4")
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
    assert render(prompts["persona"], {})
    for name, task in prompts["tasks"].items():
        assert render(task["instruction"], {}), name


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", list(ROLES))
def test_reviewers_have_a_focus_for_each_artifact_they_review(role, lang):
    focus = load_prompts(role, lang).get("focus")
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
    assert set(en["tasks"]) == set(zh["tasks"])
    assert set(en.get("focus") or {}) == set(zh.get("focus") or {})
    for task in en["tasks"]:
        assert len(en["tasks"][task]["examples"]) == len(zh["tasks"][task]["examples"]), task


# ── rendering ────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("role", "lang", "task"), CASES, ids=CASE_IDS)
def test_input_template_uses_exactly_the_task_variables(role, lang, task):
    source = spec(role, lang, task)["input"]
    used = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(source))
    assert used == TASK_VARS[task]


@pytest.mark.parametrize(("role", "lang", "task"), CASES, ids=CASE_IDS)
def test_task_renders_with_its_examples(role, lang, task):
    shots = examples(role, lang, task)
    assert len(shots) == (1 if task == "chat" else 2)
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
    variables |= {"premise": "p", "pitch": "{}", "bible": "{}", "episodes": 3, "artifact": "{}", "issues": "1. x",
                  "artifact_name": "pitch", "focus": "f", "message": "hello"}
    variables = {k: v for k, v in variables.items() if k in TASK_VARS[task]}
    messages = task_messages(role, task, lang, variables)
    last = messages[-1].content
    assert "\n\n\n" not in last
    for label in ("notes", "memory", "conversation", "备注", "记忆", "对话"):
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
    for example in examples("screenwriter", lang, f"revise_{name}"):
        ARTIFACTS[name].schema.model_validate(json.loads(example["vars"]["artifact"]))
        numbered = [int(n) for n in re.findall(r"^(\d+)\.", example["vars"]["issues"], re.M)]
        assert numbered == list(range(1, len(numbered) + 1)) and numbered
        answered = [a["issue"] for a in example["output"]["answers"]]
        assert answered == numbered
        assert example["output"]["artifact"] != json.loads(example["vars"]["artifact"]), "the revision changes something"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", REVIEWERS)
def test_critique_examples_quote_a_valid_artifact_under_review(role, lang):
    focus = load_prompts(role, lang)["focus"]
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
            # every free-text field but the enum values (verdict, severity) and character names
            prose = [t for t in texts if t not in {"approve", "revise", "block", "minor", "major", "critical"}]
            with_cjk = [t for t in prose if CJK.search(t)]
            assert len(with_cjk) >= 0.8 * len(prose), [t for t in prose if not CJK.search(t)]
