"""The art director 美术指导: style guide, character and location looks, image prompts, visual consistency.

A character's visual sheet is fixed once (appearance tokens, palette, seed) and
reused in every shot of every episode, so the character looks the same.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, create_model

from agents.artifact import Artifact, Held
from agents.base import Role

Hex = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class StyleGuide(BaseModel):
    look: str = Field(description="the overall look in one sentence", max_length=200)
    palette: list[Hex] = Field(min_length=3, max_length=6, description="hex colours")
    lighting: str = Field(max_length=160)
    lens: str = Field(max_length=120)
    texture: str = Field(max_length=120)


class VisualSheet(BaseModel):
    character: str = Field(max_length=40)
    appearance_tokens: list[str] = Field(min_length=3, max_length=10, description="fixed words used in every prompt")
    palette: list[Hex] = Field(min_length=2, max_length=4, description="hex colours of hair, skin, clothes")
    seed: int = Field(ge=0, le=2**31 - 1)


class ShotPrompt(BaseModel):
    shot_id: str = Field(max_length=8)
    prompt: str = Field(max_length=400)
    negative_prompt: str = Field(default="", max_length=200)


class ArtDirection(BaseModel):
    """What the art director hands to image generation for one episode."""

    style: StyleGuide
    sheets: list[VisualSheet] = Field(min_length=1, max_length=8)
    prompts: list[ShotPrompt] = Field(min_length=1, max_length=60)


@cache
def direction_for(cast: tuple[str, ...], shot_ids: tuple[str, ...]) -> type[ArtDirection]:
    """ArtDirection with a sheet only for the bible's characters and a prompt only for the shot list's
    shots, and no more of either than there are, so a constrained decoder can name nothing else and cannot go
    on listing them until it runs out of tokens (empty: left free)."""

    def held(model: type[BaseModel], field: str, names: tuple[str, ...], limits: dict) -> tuple:
        if not names:
            return list[model], Field(**limits)
        own = create_model(model.__name__, __base__=model, **{field: (Literal[names], ...)})
        return list[own], Field(**(limits | {"max_length": min(limits["max_length"], len(names))}))

    return create_model(
        "ArtDirection",
        __base__=ArtDirection,
        sheets=held(VisualSheet, "character", cast, {"min_length": 1, "max_length": 8}),
        prompts=held(ShotPrompt, "shot_id", shot_ids, {"min_length": 1, "max_length": 60}),
    )


ROLE = Role(
    name="art_director",
    titles={"en": "Art director", "zh": "美术指导"},
    owns=(),
    reviews=("bible", "shots"),
    tools=("memory_search",),
)


def _direction_held_to_episode(artifacts: dict, small: bool, handed, episode: int) -> Held:
    """A sheet only for the bible's characters, a prompt only for the shot list's shots (as production takes them)."""
    from agents.speakers import character_names  # speakers reads the screenwriter's and director's models

    shots = (artifacts.get("shots") or {}).get("shots", [])
    return Held(cast=tuple(character_names(artifacts.get("bible"))), shot_ids=tuple(s["id"] for s in shots))


# A task of an artifact's shape that no one negotiates or gates: the art director hands it straight to image
# generation, and the episode's final cut is where a person sees it.
DIRECTION = Artifact(
    "art",
    ArtDirection,
    2000,
    inputs=("bible", "shots", "notes", "memory"),
    per_episode=True,
    gated=False,
    shape=lambda schema, episodes, held: direction_for(held.cast, held.shot_ids),
    holds=_direction_held_to_episode,
)
