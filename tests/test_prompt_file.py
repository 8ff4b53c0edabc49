"""Reading a prompt file: what a broken one says."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
import yaml

from agents.errors import PromptError, PromptFileError
from agents.prompt_file import load_prompts, read_prompts
from agents.roles import tasks_of
from tools.errors import RoomError


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


@pytest.mark.parametrize(("change", "said"), [
    (lambda data: data["tasks"].update(cut=data["tasks"]["chat"]), "unknown task cut"),
    (lambda data: data.update(tone="dry"), "tone: Extra inputs are not permitted"),
    (lambda data: data["tasks"]["chat"].update(examples=[]), "the examples of chat go in their own file"),
    (lambda data: data["tasks"]["chat"].update(instruction="Answer {{ message }}."), "takes no variables"),
])
def test_a_malformed_role_file_is_refused(folder, change, said):
    role_file = folder / "en" / "editor.yaml"
    edit(role_file, change)
    with pytest.raises(PromptFileError, match=str(role_file)) as caught:
        read(folder)
    assert said in str(caught.value)


@pytest.mark.parametrize(("change", "said"), [
    (lambda examples: examples[0]["vars"].pop("memory"), "example 1 has the variables"),
    (lambda examples: examples[1].update(output={"verdict": "maybe"}), "example 2 is no valid Critique"),
    (lambda examples: examples[0].update(note="x"), "0.note: Extra inputs are not permitted"),
    (lambda examples: examples[0]["vars"].update(memory=3), "0.vars.memory: Input should be a valid string"),
])
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
