"""Graph state: plain JSON-able data only, so checkpoints stay portable.

Artifacts are stored as dicts (validated pydantic dumps); infrastructure and
secrets never enter state.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


def merge(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, earlier keys stay."""
    return {**(left or {}), **(right or {})}


class RoomState(TypedDict, total=False):
    run_id: str
    premise: str
    lang: str
    episodes: int
    auto_approve: list[str]  # gates the run was started to pass on its own ("all" for every gate): kept on resume
    # which artifact the room is working on now, and how its negotiation went
    current: str | None
    round: int
    outcome: dict[str, Any]
    # artifact name -> content / current version / who wrote that version / approved version
    artifacts: Annotated[dict[str, dict], merge]
    versions: Annotated[dict[str, int], merge]
    authors: Annotated[dict[str, str], merge]
    approved: Annotated[dict[str, int], merge]
    # "artifact@vN/reviewer" -> Critique dump
    reviews: Annotated[dict[str, dict], merge]
    # artifact name -> the person's notes not yet answered by a revision
    notes: Annotated[dict[str, list[str]], merge]
    # the answer of the last gate, and every answer so far
    decision: dict[str, Any] | None
    decisions: Annotated[list[dict[str, Any]], operator.add]
    # production: the episode in the works (0 = none), per-episode data, the series' art and voice cast
    episode: int
    production: Annotated[dict[str, dict], merge]  # "1" -> {"script", "shots", "prompts", "produced", "approved"}
    art: dict[str, Any]  # {"style": StyleGuide, "sheets": {character: VisualSheet}}: fixed once, reused
    voices: Annotated[dict[str, dict], merge]  # character -> VoiceSpec: chosen once


class CritiqueTask(TypedDict):
    """What one reviewer receives through `Send` (runs in parallel with the others)."""

    run_id: str
    lang: str
    current: str
    round: int
    artifacts: dict[str, dict]
    versions: dict[str, int]
    reviewer: str
    episode: int
    era: str  # the bible's era, for deterministic era checks ("" before there is a bible)


EPISODE_ARTIFACTS = ("script", "shots")


def artifact_id(name: str, episode: int = 0) -> str:
    """How memory and reviews name an artifact: "bible", or "ep01.script" for an episode's."""
    return f"ep{episode:02d}.{name}" if episode and name in EPISODE_ARTIFACTS else name


def review_key(artifact: str, version: int, reviewer: str, episode: int = 0) -> str:
    return f"{artifact_id(artifact, episode)}@v{version}/{reviewer}"
