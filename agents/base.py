"""A role is data plus a prompt; `perform` runs one of its tasks.

Prompts are package data (`agents/prompts/<lang>/<role>.yaml`, read and
checked by `agents.prompt_file`), rendered with Jinja2 in strict mode so a
missing variable fails loudly. Each task carries few-shot examples of its
exact output: small base models (the embedded default) only stay on topic
when shown the shape of the answer, and larger models lose nothing by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from agents.errors import PromptError
from agents.examples import shown
from agents.models import RoomModel
from agents.prompt_file import load_prompts, render
from agents.structured import UsageSink, ask_structured
from tools.errors import ModelOutputError

if TYPE_CHECKING:
    from agents.copying import Copying


@dataclass(frozen=True)
class Role:
    """Who a role is, what it owns, what it reviews, which tools it may call."""

    name: str
    titles: dict[str, str]
    owns: tuple[str, ...]
    reviews: tuple[str, ...]
    tools: tuple[str, ...] = field(default_factory=tuple)
    # deterministic checks run beside the model's review: (artifact name, content, era, lang) -> issues
    check: Callable[[str, dict, str, str], list] | None = None

    def title(self, lang: str) -> str:
        return self.titles.get(lang, self.titles["en"])


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def task_messages(
    role: str, task: str, lang: str, variables: dict[str, Any], few_shot: int | None = None
) -> list[BaseMessage]:
    """System prompt, few-shot examples as prior turns (all, or the `few_shot` nearest the input's story:
    `agents.examples.shown`), then the real input."""
    prompts = load_prompts(role, lang)
    spec = prompts.tasks.get(task)
    if spec is None:
        raise PromptError(f"role {role} has no task '{task}' in its {lang} prompts")
    system = render(prompts.persona, variables) + "\n\n" + spec.instruction
    messages: list[BaseMessage] = [SystemMessage(system)]
    for example in shown(spec.examples, variables, few_shot, lang):
        messages.append(HumanMessage(render(spec.input, example.vars)))
        output = example.output
        messages.append(AIMessage(output if isinstance(output, str) else _dump(output)))
    messages.append(HumanMessage(render(spec.input, variables)))
    return messages


def perform(
    role: Role,
    task: str,
    schema: type[BaseModel],
    *,
    model: RoomModel,
    lang: str,
    variables: dict[str, Any],
    retries: int = 2,
    max_tokens: int = 1024,
    on_usage: UsageSink | None = None,
    copies: Callable[[BaseModel], Copying] | None = None,
    scrub: Callable[[BaseModel], BaseModel] | None = None,
) -> BaseModel:
    """Run one structured task of a role and return the validated output.

    An answer in which `copies` finds another story's names (its few-shot
    examples'), or which is nearer in meaning to an example than to its
    premise, is asked for again: first without the examples, since a small
    model copies what it is shown, and told so it copies again, while without
    an example the constrained decoder still gives the shape and the only
    story in view is the series' own; then, still copying, once more as first
    asked, another draw (the 270M model's scripts shown their one example were
    about their premise more often than without it). The answer that copies
    least stands (`agents.copying.Copying`), and `scrub` then takes out what
    it still copies word for word.
    """
    ask = dict(retries=retries, max_tokens=max_tokens, on_usage=on_usage)

    def asked(shots: int | None) -> BaseModel:
        return ask_structured(model, task_messages(role.name, task, lang, variables, shots), schema, **ask)

    answer = asked(model.few_shot)
    copied = copies(answer) if copies else None
    for shots in (0, model.few_shot):  # without the examples, then as first asked
        if not copied:
            break
        try:
            other = asked(shots)
        except ModelOutputError:  # it gave nothing valid this time: the valid answer it gave stands
            continue
        if (found := copies(other)) < copied:
            answer, copied = other, found
    return scrub(answer) if scrub else answer
