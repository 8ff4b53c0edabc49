"""Whether what a model wrote is about its premise, or nearer in meaning to one of its task's few-shot examples.

A small model shown one example writes a text of its form, and often of its story: a nurse's bible whose cast
wants and hides what the example's heir does, at a lobby like the example's hedge fund. No name of the example
need be in it (`agents.copying` finds those), so the room compares meanings: the text of the answer (the values
of its fields, keys, numbers and layout left out; a revision's artifact) is embedded with the bundled
multilingual e5 model, on the "passage:" side memory stores its records with, next to the premise and to the
output of each of the task's examples; `nearer` is how much more alike the answer is to the nearest example
than to the premise. Above 0 it is about another story, and `agents.base.perform` asks again.

Only the artifacts that tell the story (`MEASURED`), and only for a model shown some of the examples
(`RoomModel.few_shot`): two texts of one form are alike whatever their stories, so even the human-written
bibles are nearer each other than their own premises (bench/completion.py prints that reference). Held to it,
a model that writes a proper bible would be asked twice for every one.

The same measure scores the completion bench (`closer`): the room asks again on what the bench counts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from agents.prompt_file import load_prompts
from memory.embeddings import E5Embeddings

MAX_CHARS = 2000  # of a text embedded: e5 reads 512 tokens, about this many characters of English
# the story the room develops and an episode's script, and their revisions. Measured without the `FORM` fields,
# the 270M model's held-out scripts shown their one example were about their premise in 9 of 9 (7 of 9 in the
# bench run before), written without it in 7 of 9: a script nearer an example is drawn again (`agents.base`)
MEASURED = frozenset({"pitch", "bible", "outline", "script"})


def measured(task: str) -> bool:
    """Whether an answer to `task` is measured against its examples (`MEASURED`, or a revision of one)."""
    return task.removeprefix("revise_") in MEASURED


# fields that say how a scene is laid out and performed, alike in every script: a scene heading (its place and
# time again), the time of day, a transition, a line's emotion and parenthetical. Held-out scripts of the 270M
# model were nearer their example than their premise in 6 of 9 with them, 1 of 9 without them. And a bible
# character's role, which a small model picks from the examples' own roles (`agents.handed.roles_of`), and voice,
# how it sounds (pitch, pace, timbre): 32 kept bibles of the 270M model were closer to their premise in 26 with
# them, 31 without them
FORM = frozenset({"heading", "time_of_day", "transition", "emotion", "parenthetical", "role", "voice"})


def plain(value: Any) -> str:
    """The values of an artifact as one text, its keys, numbers and `FORM` fields left out: its story, not its
    form."""
    if isinstance(value, dict):
        return " ".join(text for key, v in value.items() if key not in FORM and (text := plain(v)))
    if isinstance(value, list):
        return " ".join(text for v in value if (text := plain(v)))
    return "" if isinstance(value, int | float) else str(value)


def story(value: Any) -> Any:
    """What of an answer tells a story: a revision's artifact, without its answers to the issues."""
    return value["artifact"] if isinstance(value, dict) and isinstance(value.get("artifact"), dict) else value


def vectors(texts: list[str]) -> np.ndarray:
    """Unit vectors (rows) of `texts` as passages, each cut to `MAX_CHARS`."""
    found = np.asarray(E5Embeddings()([t[:MAX_CHARS] for t in texts]), dtype=np.float32)
    return found / np.maximum(np.linalg.norm(found, axis=1, keepdims=True), 1e-12)


def example_outputs(role: str, task: str, lang: str) -> list[dict]:
    """The structured outputs of `role`'s few-shot examples of `task`."""
    spec = load_prompts(role, lang).tasks.get(task)
    return [e.output for e in (spec.examples if spec else ()) if isinstance(e.output, dict)]


@cache
def _example_vectors(role: str, task: str, lang: str) -> np.ndarray:
    return vectors([plain(story(output)) for output in example_outputs(role, task, lang)])


def closeness(answer: Any, premise: str, role: str, task: str, lang: str) -> tuple[float, float]:
    """How alike `answer` is to `premise`, and to the nearest example of `task` (cosine similarity)."""
    examples = _example_vectors(role, task, lang)
    answer_vector, premise_vector = vectors([plain(story(answer)), premise])
    nearest = float(np.max(examples @ answer_vector)) if len(examples) else 0.0
    return float(premise_vector @ answer_vector), nearest


def nearer(answer: Any, premise: str, role: str, task: str, lang: str) -> float:
    """How much more alike `answer` is to the nearest example of `task` than to `premise`: above 0, it is about
    another story."""
    to_premise, to_example = closeness(answer, premise, role, task, lang)
    return to_example - to_premise
