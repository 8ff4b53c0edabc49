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
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

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


class Task(BaseModel):
    """One task of a role. Loaded, its `examples` come from the task's own file (a role file that holds
    them is refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instruction: str
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
            raise PromptFileError(f"{path}: example {number} has the variables {sorted(example.vars)}, "
                                  f"its input {sorted(inputs)}")
        if schema is None and not isinstance(example.output, str):
            raise PromptFileError(f"{path}: example {number} answers with an object, the task in plain text")
        if schema is not None:
            try:
                schema.model_validate(example.output)
            except ValidationError as exc:
                raise PromptFileError(
                    f"{path}: example {number} is no valid {schema.__name__}: {_problems(exc)}") from None
    return tuple(examples)


def _instruction(path: Traversable, name: str, task: Task) -> str:
    """The instruction as the model reads it: the same for every input."""
    wanted = sorted(jinja2.meta.find_undeclared_variables(_ENV.parse(task.instruction)))
    if wanted:
        raise PromptFileError(f"{path}: the instruction of {name} takes no variables, not {wanted}")
    return render(task.instruction, {})


def read_prompts(folder: Traversable, role: str, lang: str,
                 tasks: Mapping[str, type[BaseModel] | None]) -> PromptFile:
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
        loaded[name] = task.model_copy(update={"instruction": _instruction(path, name, task),
                                               "examples": _examples(examples, task, tasks[name])})
    return prompts.model_copy(update={"tasks": loaded})


@cache
def load_prompts(role: str, lang: str) -> PromptFile:
    """`role`'s prompts in `lang`, checked against the tasks the role performs; read once a process."""
    from agents.roles import tasks_of  # the roles' modules import this one (through `agents.base`): look up late

    return read_prompts(PROMPTS, role, lang, tasks_of(role))
