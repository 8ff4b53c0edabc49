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
    story in view is the series' own; then, still copying, once more as the
    answer that copies least was asked for, another draw of the better prompt
    (the 270M model's Chinese bibles were nearer the premise than the example
    in 7 of 12 draws without it, 0 of 12 with it; its scripts in 9 of 9 with
    their example, 7 of 9 without). The answer that copies least stands
    (`agents.copying.Copying`), and `scrub` then takes out what it still
    copies word for word.
    """
    ask = dict(retries=retries, max_tokens=max_tokens, on_usage=on_usage)

    def asked(examples: int | None) -> BaseModel:
        return ask_structured(model, task_messages(role.name, task, lang, variables, examples), schema, **ask)

    shots = model.few_shot  # how the answer that stands was asked for
    answer = asked(shots)
    copied = copies(answer) if copies else None
    for bare in (True, False):  # without the examples, then as the answer that copies least was asked for
        if not copied:
            break
        shown = 0 if bare else shots
        try:
            other = asked(shown)
        except ModelOutputError:  # it gave nothing valid this time: the valid answer it gave stands
            continue
        if (found := copies(other)) < copied:
            answer, copied, shots = other, found, shown
    return scrub(answer) if scrub else answer
