"""Which few-shot examples a model that is shown only some of them sees: the ones from its own world.

A small model is shown one example (`RoomModel.few_shot`) and copies it: its
genre, its audience, its era's words. Shown always the first, a Northern Song
premise was pitched as the modern rebirth example's "现代 重生复仇", and the
whole series followed it. So the examples a task shows are those whose story
is set nearest the series' time (present day, a period of the last two
centuries, or older: `agents.handed.age_of`), and among those the ones in its
culture (`agents.handed.culture_of`, the data the room hands a small model its
cast from): the premise against each example's premise, or, for a revision,
the artifact against each example's artifact. What a model copies from such an
example fits the series more often than not, and what it copies word for word
is taken out after (`agents.copying.scrub`). Among equals the file's order
stands, so the same input is shown the same examples; a model shown every
example sees them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.prompt_file import Example

# what an example's story is compared by, in order: the first variable both the example and the input have
_STORY = ("premise", "artifact")


def _world(story: str, lang: str) -> tuple[int, str]:
    """When the story is set (how far back: `agents.handed.age_of`) and in which culture."""
    from agents.handed import age_of, culture_of  # handed reads the cultural consultant, which imports prompts

    culture = culture_of(story, lang)
    return age_of(story, culture), str(culture["name"])


def shown(examples: Sequence[Example], variables: dict[str, Any], few_shot: int | None, lang: str) -> list[Example]:
    """The `few_shot` examples (all when None): those set nearest the input story's time first, then those of
    its culture among them, in file order."""
    if few_shot is None or few_shot >= len(examples):
        return list(examples)
    if few_shot <= 0:
        return []
    key = next((k for k in _STORY if str(variables.get(k) or "").strip() and all(k in e.vars for e in examples)), None)
    if key is None:
        return list(examples[:few_shot])
    age, culture = _world(str(variables[key]), lang)

    def nearness(i: int) -> tuple[int, bool, int]:
        their_age, their_culture = _world(str(examples[i].vars[key]), lang)
        return abs(their_age - age), their_culture != culture, i

    chosen = sorted(range(len(examples)), key=nearness)
    return [examples[i] for i in sorted(chosen[:few_shot])]
