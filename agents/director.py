"""The director 导演: pacing, hook, cliffhanger, shot list."""

from __future__ import annotations

from agents.base import Role

ROLE = Role(
    name="director",
    titles={"en": "Director", "zh": "导演"},
    owns=(),
    reviews=("pitch", "outline"),
    tools=("memory_search",),
)
