"""A role is data plus a prompt; `perform` runs one of its tasks.

Prompts are package data (`agents/prompts/<lang>/<role>.yaml`), rendered with
Jinja2 in strict mode so a missing variable fails loudly. Each task carries
few-shot examples of its exact output: small base models (the embedded
default) only stay on topic when shown the shape of the answer, and larger
models lose nothing by it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Callable

import jinja2
import yaml
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from agents.models import RoomModel
from agents.structured import UsageSink, Vet, ask_structured

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


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


class PromptError(Exception):
    """A prompt file is missing a task or a variable: a programming error."""


@cache
def load_prompts(role: str, lang: str) -> dict[str, Any]:
    path = resources.files("agents") / "prompts" / lang / f"{role}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def render(template: str, variables: dict[str, Any]) -> str:
    try:
        return _ENV.from_string(template).render(**variables).strip()
    except jinja2.UndefinedError as exc:
        raise PromptError(f"prompt variable missing: {exc.message}") from None


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def task_messages(role: str, task: str, lang: str, variables: dict[str, Any],
                  few_shot: int | None = None) -> list[BaseMessage]:
    """System prompt, few-shot examples as prior turns (the first `few_shot` of them, or all), then the real input."""
    prompts = load_prompts(role, lang)
    spec = prompts["tasks"].get(task)
    if spec is None:
        raise PromptError(f"role {role} has no task '{task}' in its {lang} prompts")
    system = render(prompts["persona"], variables) + "\n\n" + render(spec["instruction"], variables)
    messages: list[BaseMessage] = [SystemMessage(system)]
    for example in spec.get("examples", [])[:few_shot]:
        messages.append(HumanMessage(render(spec["input"], example["vars"])))
        output = example["output"]
        messages.append(AIMessage(output if isinstance(output, str) else _dump(output)))
    messages.append(HumanMessage(render(spec["input"], variables)))
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
    vet: Vet | None = None,
) -> BaseModel:
    """Run one structured task of a role and return the validated output (sent back once if `vet` finds a problem)."""
    messages = task_messages(role.name, task, lang, variables, model.few_shot)
    return ask_structured(model, messages, schema, retries=retries, max_tokens=max_tokens, on_usage=on_usage, vet=vet)


# ── what a model copies from its examples ────────────────────────────────

_NAMED_KEYS = ("name", "title", "location", "era", "speaker", "heading", "character", "characters")
_PERSON_KEYS = ("name", "speaker", "character", "characters")
# capitalised words in mid-sentence: the proper nouns of an example's prose (Halberd Capital, Chelsea)
_PROPER = re.compile(r"(?<=[a-z,;] )[A-Z][A-Za-z'-]{4,}(?: [A-Z][A-Za-z'-]{2,})*|(?<=[a-z,;] )[A-Z][A-Za-z'-]{2,}(?: [A-Z][A-Za-z'-]{2,})+")
_MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"}
COPIED = {
    "en": 'That answer takes {found} from the example, which is another story. This series is: "{premise}". '
          "Write it again for this series, with its own people and places.",
    "zh": "这个回答用了示例里另一个故事的{found}。本剧的故事创意是：“{premise}”。请为本剧重写，用本剧自己的人物和地点。",
}


def _texts(value: Any, key: str = ""):
    """(key, string) for every string in an example, JSON held in a string included."""
    if isinstance(value, dict):
        for k, item in value.items():
            yield from _texts(item, k)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)
    elif isinstance(value, str):
        if value[:1] in "{[":
            try:
                yield from _texts(json.loads(value), key)
                return
            except ValueError:
                pass
        yield key, value


@cache
def example_names(role: str, lang: str) -> frozenset[str]:
    """The names, places, eras and titles of a role's few-shot examples, and the proper nouns of their prose:
    what a model that copies its examples brings into another story. A title of one common word ("Wanted",
    "玉佩") is not a name, nor is a capitalised word the examples also write in lower case, nor one word of
    fewer than five letters ("Lin", "Mark": too common to tell a copy)."""
    found: set[str] = set()
    texts = [text for spec in load_prompts(role, lang)["tasks"].values() for example in spec.get("examples", [])
             for text in _texts([example["vars"], example["output"]])]
    lower = {word for _, text in texts for word in re.findall(r"[a-z][a-z'-]+", text)}
    for key, text in texts:
        text = text.strip()
        if key == "title" and len(text) < 4 + 4 * text.isascii() and " " not in text:
            continue
        if key in _NAMED_KEYS:
            found.add(text)
            if key in _PERSON_KEYS and text.isascii():
                found.update(w for word in text.split() if len(w := word.strip(",.;:")) >= 5 and w[:1].isupper())
        if text.isascii():
            found.update(_PROPER.findall(text))
    return frozenset(name for name in found if len(name) >= 2 and (" " in name or name.lower() not in lower)
                     and not name.isupper() and name not in _MONTHS)


def _appears(name: str, text: str) -> bool:
    if not name.isascii():
        return name in text
    flags = 0 if " " not in name else re.IGNORECASE  # one capitalised word is a proper noun only as written
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, flags) is not None


def copied_names(artifact: Any, role: str, lang: str, premise: str) -> list[str]:
    """The names and places of `role`'s examples that `artifact` uses although `premise` does not."""
    text = "\n".join(text for _, text in _texts(artifact))
    return sorted(name for name in example_names(role, lang)
                  if _appears(name, text) and not _appears(name, premise) and name.casefold() not in premise.casefold())


def copy_vet(role: str, lang: str, premise: str) -> Vet:
    """A vet that sends an answer back when it takes names or places from another story's example."""
    def vet(answer: BaseModel) -> str:
        found = copied_names(answer.model_dump(mode="json"), role, lang, premise)
        return COPIED.get(lang, COPIED["en"]).format(found=", ".join(found[:8]), premise=premise) if found else ""
    return vet
