"""The director 导演: pacing, hook, cliffhanger, shot list."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from agents import arc
from agents.artifact import Artifact, Held
from agents.base import Role
from agents.screenwriter import EpisodeScript
from tools import export
from tools.images.base import CameraMove, ShotSize


class Shot(BaseModel):
    id: str = Field(description="e.g. 1A, 1B, 2A", max_length=8)
    scene: int = Field(ge=1)
    size: ShotSize
    camera: CameraMove = CameraMove.STATIC
    characters: list[str] = Field(default_factory=list, max_length=6)
    location: str = Field(max_length=60)
    lines: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="indexes of the scene's dialogue lines spoken in this shot"
    )
    visual_intent: str = Field(max_length=300)


MAX_SHOTS = 60


class ShotList(BaseModel):
    episode: int = Field(ge=1)
    shots: list[Shot] = Field(min_length=1, max_length=MAX_SHOTS)


@cache
def shots_in(schema: type[ShotList], cast: tuple[str, ...], scenes: tuple[int, ...]) -> type[ShotList]:
    """`schema` with every shot's characters among `cast` and its scene among `scenes`, so a constrained
    decoder can name no one the bible does not have and no scene the script does not (empty: left free)."""
    fields: dict = {}
    if cast:
        fields["characters"] = (list[Literal[cast]], Field(default_factory=list, max_length=6))
    if scenes:
        fields["scene"] = (Literal[scenes], ...)
    shot = create_model("Shot", __base__=Shot, **fields)
    return create_model(schema.__name__, __base__=schema, shots=(list[shot], Field(min_length=1, max_length=MAX_SHOTS)))


def _shots_held_to_episode(artifacts: dict, small: bool, handed, episode: int) -> Held:
    """For every model a shot names only the bible's characters and the script's scenes."""
    from agents.speakers import character_names  # speakers reads this module's models

    script = artifacts.get("script")
    scenes = tuple(s.number for s in EpisodeScript.model_validate(script).scenes) if script else ()
    return Held(cast=tuple(character_names(artifacts.get("bible"))), scenes=scenes)


def _shots_shape(schema: type[BaseModel], episodes: int, held: Held) -> type[BaseModel]:
    return shots_in(schema, held.cast, held.scenes) if held.cast or held.scenes else schema


# the art direction, not a person, takes a shot list: its gate is the episode's final cut
ARTIFACTS = (
    Artifact(
        "shots",
        ShotList,
        2000,
        inputs=("episode", "script", "notes", "memory"),
        per_episode=True,
        gated=False,
        episode_field="episode",
        shape=_shots_shape,
        holds=_shots_held_to_episode,
        markdown=export.shots_md,
        small_model={"ShotList.shots": {"minItems": 4, "maxItems": 8}},
    ),  # left at 30, it loops to the token limit
)


ROLE = Role(
    name="director",
    titles={"en": "Director", "zh": "导演"},
    owns=tuple(a.name for a in ARTIFACTS),
    reviews=("pitch", "outline", "script"),
    tools=("memory_search",),
    check=arc.check,
)
