"""The art director 美术指导: style guide, character and location looks, visual consistency."""

from __future__ import annotations

from agents.base import Role

ROLE = Role(
    name="art_director",
    titles={"en": "Art director", "zh": "美术指导"},
    owns=(),
    reviews=("bible",),
    tools=("memory_search",),
)
