"""The editor 剪辑: timeline, durations, subtitles, music, final cut, labels."""

from __future__ import annotations

from agents.base import Role

ROLE = Role(
    name="editor",
    titles={"en": "Editor", "zh": "剪辑"},
    owns=(),
    reviews=("outline",),
    tools=("memory_search",),
)
