"""A role's prompt files, read once and checked: who the role is, its tasks, each task's examples.

A role's prompts are package data in two parts, so the instructions read as
one page and the examples diff on their own:

- `prompts/<lang>/<role>.yaml`: the role's description (one line, for the
  chat's routing), persona, the focus of each review, and per task the
  instruction and the input template;
- `prompts/<lang>/examples/<role>/<task>.yaml`: the task's few-shot
  examples, a list of `vars` (the input's variables) and `output` (the answer).

Both are validated at load against the tasks the role performs: a missing or
unknown task, an unknown key or a malformed example (variables other than its
input's, an answer its task's schema rejects) is a `PromptFileError` naming
the file.

Where an instruction shows the answer's JSON it writes `{{ answer }}`, and the
summary is rendered from the task's schema (`answer_summary`): the field
names, their nesting and enum values come from the schema, the words a few
fields need from the task's `answer` in the file, in the file's language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal, get_args, get_origin

import jinja2
import jinja2.meta
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from agents.errors import PromptError, PromptFileError

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)
PROMPTS = resources.files("agents") / "prompts"


def render(template: str, variables: dict[str, Any]) -> str:
    try:
        return _ENV.from_string(template).render(**variables).strip()
    except jinja2.UndefinedError as exc:
        raise PromptError(f"prompt variable missing: {exc.message}") from None


class Example(BaseModel):
    """One few-shot example: the variables its input is rendered with, and the answer shown for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vars: dict[str, str]
    output: str | dict[str, Any]  # a JSON object for a structured task, text for the chat


class Answer(BaseModel):
    """How `{{ answer }}` shows the answer's JSON: its field names ("keys") or what goes in each field
    ("values"), and the words some fields need, by path through objects and lists ("characters.age")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    form: Literal["keys", "values"] = "keys"
    fields: dict[str, str] = Field(default_factory=dict)


class Task(BaseModel):
    """One task of a role. Loaded, its `instruction` has the answer's summary in place and its `examples`
    come from the task's own file (a role file that holds them is refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instruction: str
    answer: Answer | None = None
    input: str
    examples: tuple[Example, ...] = ()


class PromptFile(BaseModel):
    """A role's prompts in one language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    persona: str
    focus: dict[str, str] = Field(default_factory=dict)  # what the role checks in each artifact it reviews
    tasks: dict[str, Task]


_FILE, _EXAMPLES = TypeAdapter(PromptFile), TypeAdapter(list[Example])


def answer_summary(schema: type[BaseModel], form: str = "keys", words: Mapping[str, str] | None = None) -> str:
    """The JSON an answer in `schema` has, on one line, for an instruction to show.

    "keys" names the fields, objects and lists of objects spelled out:
    `{"number", "beats": [{"description", "intensity"}]}`; "values" says what
    goes in each, `...` where nothing is said and an enum's values:
    `{"title": ..., "verdict": "approve" | "revise" | "block"}`. `words` are
    a field's words by path: in brackets, a note after its name
    (`"age" (a number)`, `"age"（数字）`); else what goes in it
    (`"transition": "CUT TO:" or ""`). A path naming no field is a ValueError.
    """
    words = dict(words or {})
    unsaid = set(words)

    def object_of(model: type[BaseModel], prefix: str) -> str:
        fields = (field(name, info.annotation, prefix + name) for name, info in model.model_fields.items())
        return "{" + ", ".join(fields) + "}"

    def field(name: str, annotation: Any, path: str) -> str:
        key = json.dumps(name, ensure_ascii=False)
        said = words.get(path)
        unsaid.discard(path)
        if said is None:
            shape = shape_of(annotation, path)
            return f"{key}: {shape}" if shape else f"{key}: ..." if form == "values" else key
        if said.startswith("("):
            return f"{key} {said}"
        return key + said if said.startswith("（") else f"{key}: {said}"

    def shape_of(annotation: Any, path: str) -> str:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return object_of(annotation, path + ".")
        if get_origin(annotation) is list:
            inner = shape_of(get_args(annotation)[0], path)
            return f"[{inner}]" if inner.startswith("{") else ""
        if form == "values" and isinstance(annotation, type) and issubclass(annotation, Enum):
            return " | ".join(json.dumps(member.value, ensure_ascii=False) for member in annotation)
        return ""

    summary = object_of(schema, "")
    if unsaid:
        raise ValueError(f"no field {', '.join(sorted(unsaid))} in {schema.__name__}")
    return summary


def _read(path: Traversable, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptFileError(f"{path}: no such file ({what})") from None
    except yaml.YAMLError as exc:
        raise PromptFileError(f"{path}: not YAML: {exc}") from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'the file'}: {e['msg']}" for e in exc.errors()[:5])


def _validated(kind: TypeAdapter, data: Any, path: Traversable) -> Any:
    try:
        return kind.validate_python(data)
    except ValidationError as exc:
        raise PromptFileError(f"{path}: {_problems(exc)}") from None


def _examples(path: Traversable, task: Task, schema: type[BaseModel] | None) -> tuple[Example, ...]:
    """The task's examples, each with exactly its input's variables and an answer its schema accepts."""
    examples = _validated(_EXAMPLES, _read(path, "the task's examples"), path)
    inputs = jinja2.meta.find_undeclared_variables(_ENV.parse(task.input))
    for number, example in enumerate(examples, start=1):
        if set(example.vars) != inputs:
            raise PromptFileError(
                f"{path}: example {number} has the variables {sorted(example.vars)}, its input {sorted(inputs)}"
            )
        if schema is None and not isinstance(example.output, str):
            raise PromptFileError(f"{path}: example {number} answers with an object, the task in plain text")
        if schema is not None:
            try:
                schema.model_validate(example.output)
            except ValidationError as exc:
                raise PromptFileError(
                    f"{path}: example {number} is no valid {schema.__name__}: {_problems(exc)}"
                ) from None
    return tuple(examples)


def _instruction(path: Traversable, name: str, task: Task, schema: type[BaseModel] | None) -> str:
    """The instruction as the model reads it: the same for every input, with the answer's summary in place."""
    wanted = jinja2.meta.find_undeclared_variables(_ENV.parse(task.instruction))
    shows, others = "answer" in wanted, sorted(wanted - {"answer"})
    if others:
        raise PromptFileError(f"{path}: the instruction of {name} takes no variables, not {others}")
    if schema is None and (shows or task.answer):
        raise PromptFileError(f"{path}: {name} answers in plain text, it has no answer to summarise")
    if task.answer and not shows:
        raise PromptFileError(f"{path}: {name} describes its answer but its instruction has no {{{{ answer }}}}")
    if not shows:
        return render(task.instruction, {})
    answer = task.answer or Answer()
    try:
        return render(task.instruction, {"answer": answer_summary(schema, answer.form, answer.fields)})
    except ValueError as exc:
        raise PromptFileError(f"{path}: the answer of {name}: {exc}") from None


def read_prompts(folder: Traversable, role: str, lang: str, tasks: Mapping[str, type[BaseModel] | None]) -> PromptFile:
    """`role`'s prompts in `lang` from `folder`, which must hold exactly `tasks` (each task's answer
    schema, None for plain text)."""
    path = folder / lang / f"{role}.yaml"
    prompts: PromptFile = _validated(_FILE, _read(path, f"the {role}'s {lang} prompts"), path)
    problems = [f"no task {name}" for name in sorted(set(tasks) - set(prompts.tasks))]
    problems += [f"unknown task {name}" for name in sorted(set(prompts.tasks) - set(tasks))]
    if problems:
        raise PromptFileError(f"{path}: {'; '.join(problems)}")
    loaded = {}
    for name, task in prompts.tasks.items():
        examples = folder / lang / "examples" / role / f"{name}.yaml"
        if "examples" in task.model_fields_set:
            raise PromptFileError(f"{path}: the examples of {name} go in their own file, {examples}")
        loaded[name] = task.model_copy(
            update={
                "instruction": _instruction(path, name, task, tasks[name]),
                "examples": _examples(examples, task, tasks[name]),
            }
        )
    return prompts.model_copy(update={"tasks": loaded})


@cache
def load_prompts(role: str, lang: str) -> PromptFile:
    """`role`'s prompts in `lang`, checked against the tasks the role performs; read once a process."""
    from agents.roles import tasks_of  # the roles' modules import this one (through `agents.base`): look up late

    return read_prompts(PROMPTS, role, lang, tasks_of(role))
