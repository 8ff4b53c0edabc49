"""Reading a prompt file: what a broken one says, and the answer summary an instruction shows."""

from __future__ import annotations

import shutil
from enum import StrEnum
from importlib import resources
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from agents.errors import PromptError, PromptFileError
from agents.prompt_file import answer_summary, load_prompts, read_prompts
from agents.roles import ROLES, tasks_of
from tools.errors import RoomError


class Mood(StrEnum):
    CALM = "calm"
    TENSE = "tense"


class Line(BaseModel):
    speaker: str
    mood: Mood


class Place(BaseModel):
    name: str
    rules: list[str]


class Scene(BaseModel):
    title: str
    age: int
    place: Place
    lines: list[Line]
    cast: list[str]


def test_the_keys_form_names_the_fields_and_spells_out_objects():
    assert answer_summary(Scene) == (
        '{"title", "age", "place": {"name", "rules"}, "lines": [{"speaker", "mood"}], "cast"}'
    )


def test_the_values_form_says_what_goes_in_each_field():
    assert answer_summary(Scene, "values", {"title": "a few words"}) == (
        '{"title": a few words, "age": ..., "place": {"name": ..., "rules": ...}, '
        '"lines": [{"speaker": ..., "mood": "calm" | "tense"}], "cast": ...}'
    )


def test_words_in_brackets_are_a_note_after_the_name_and_other_words_the_value():
    words = {"age": "(a number)", "place.rules": "[...]", "lines.mood": '"calm" or "tense"', "cast": "（名字）"}
    assert answer_summary(Scene, "keys", words) == (
        '{"title", "age" (a number), "place": {"name", "rules": [...]}, '
        '"lines": [{"speaker", "mood": "calm" or "tense"}], "cast"（名字）}'
    )


def test_words_for_no_field_are_refused():
    with pytest.raises(ValueError, match="place.size"):
        answer_summary(Scene, "keys", {"place.size": "(big)"})
    with pytest.raises(ValueError, match="place.name"):  # under a field its own words replace
        answer_summary(Scene, "keys", {"place": "an object", "place.name": "(a name)"})


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_instruction_that_shows_the_answer_renders_it_from_the_schema(role, lang):
    """No answer's JSON is written out by hand, so none can drift from its schema."""
    path = resources.files("agents") / "prompts" / lang / f"{role}.yaml"
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    for task, schema in tasks_of(role).items():
        instruction = written["tasks"][task]["instruction"]
        assert ("{{ answer }}" in instruction) == (schema is not None), task
        assert '{"' not in instruction, task


# ── the files ────────────────────────────────────────────────────────────


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the room's prompt files to break."""
    shutil.copytree(Path(str(resources.files("agents") / "prompts")), tmp_path / "prompts")
    return tmp_path / "prompts"


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def read(folder: Path, role: str = "editor", lang: str = "en"):
    return read_prompts(folder, role, lang, tasks_of(role))


def test_the_copy_reads_as_the_room_reads_it(folder):
    assert read(folder) == load_prompts("editor", "en")
    assert read(folder, "screenwriter", "zh") == load_prompts("screenwriter", "zh")


def test_an_error_names_the_file_and_is_the_rooms(folder):
    role_file = folder / "en" / "editor.yaml"
    edit(role_file, lambda data: data["tasks"].pop("chat"))
    with pytest.raises(PromptFileError, match=rf"{role_file}: no task chat") as caught:
        read(folder)
    assert isinstance(caught.value, PromptError) and isinstance(caught.value, RoomError)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda data: data["tasks"].update(cut=data["tasks"]["chat"]), "unknown task cut"),
        (lambda data: data.update(tone="dry"), "tone: Extra inputs are not permitted"),
        (lambda data: data["tasks"]["chat"].update(examples=[]), "the examples of chat go in their own file"),
        (lambda data: data["tasks"]["chat"].update(answer={"form": "keys"}), "chat answers in plain text"),
        (
            lambda data: data["tasks"]["critique"].update(answer={"fields": {"issues.page": "(a number)"}}),
            "no field issues.page in Critique",
        ),
        (lambda data: data["tasks"]["critique"].update(answer={"form": "prose"}), "tasks.critique.answer.form"),
        (lambda data: data["tasks"]["chat"].update(instruction="Answer {{ message }}."), "takes no variables"),
    ],
)
def test_a_malformed_role_file_is_refused(folder, change, said):
    role_file = folder / "en" / "editor.yaml"
    edit(role_file, change)
    with pytest.raises(PromptFileError, match=str(role_file)) as caught:
        read(folder)
    assert said in str(caught.value)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda examples: examples[0]["vars"].pop("memory"), "example 1 has the variables"),
        (lambda examples: examples[1].update(output={"verdict": "maybe"}), "example 2 is no valid Critique"),
        (lambda examples: examples[0].update(note="x"), "0.note: Extra inputs are not permitted"),
        (lambda examples: examples[0]["vars"].update(memory=3), "0.vars.memory: Input should be a valid string"),
    ],
)
def test_a_malformed_example_is_refused(folder, change, said):
    examples = folder / "en" / "examples" / "editor" / "critique.yaml"
    edit(examples, change)
    with pytest.raises(PromptFileError, match=str(examples)) as caught:
        read(folder)
    assert said in str(caught.value)


def test_a_missing_examples_file_is_named(folder):
    examples = folder / "en" / "examples" / "editor" / "chat.yaml"
    examples.unlink()
    with pytest.raises(PromptFileError, match=rf"{examples}: no such file"):
        read(folder)


def test_a_language_without_files_is_named():
    with pytest.raises(PromptFileError, match=r"fr/editor.yaml: no such file"):
        load_prompts("editor", "fr")
