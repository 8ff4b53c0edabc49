"""The cultural consultant 文化顾问: cultural/era accuracy, sensitivity, platform rules, localisation."""

from __future__ import annotations

from agents.base import Role

ROLE = Role(
    name="cultural_consultant",
    titles={"en": "Cultural consultant", "zh": "文化顾问"},
    owns=(),
    reviews=("pitch", "bible", "outline"),
    tools=("memory_search",),
)
