"""The director 导演: pacing, hook, cliffhanger, shot list."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from agents.base import Role


class ShotSize(StrEnum):
    EXTREME_WIDE = "extreme_wide"
    WIDE = "wide"
    MEDIUM = "medium"
    CLOSE_UP = "close_up"
    EXTREME_CLOSE_UP = "extreme_close_up"


class CameraMove(StrEnum):
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"


class Shot(BaseModel):
    id: str = Field(description="e.g. 1A, 1B, 2A", max_length=8)
    scene: int = Field(ge=1)
    size: ShotSize
    camera: CameraMove = CameraMove.STATIC
    characters: list[str] = Field(default_factory=list, max_length=6)
    location: str = Field(max_length=60)
    lines: list[int] = Field(default_factory=list, description="indexes of the scene's dialogue lines spoken in this shot")
    visual_intent: str = Field(max_length=300)


class ShotList(BaseModel):
    episode: int = Field(ge=1)
    shots: list[Shot] = Field(min_length=1, max_length=60)

ROLE = Role(
    name="director",
    titles={"en": "Director", "zh": "导演"},
    owns=("shots",),
    reviews=("pitch", "outline", "script"),
    tools=("memory_search",),
)
