"""The five roles, and which artifacts exist, who owns them and who reviews them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, Field, create_model

from agents import art_director, cultural_consultant, director, editor, screenwriter
from agents.base import Role
from agents.critique import Revision
from agents.handed import Setting
from agents.speakers import character_names, location_names

ROLES: dict[str, Role] = {
    m.ROLE.name: m.ROLE for m in (screenwriter, cultural_consultant, director, art_director, editor)
}


@dataclass(frozen=True)
class ArtifactSpec:
    name: str
    schema: type[BaseModel]
    max_tokens: int

    @property
    def owner(self) -> Role:
        return next(r for r in ROLES.values() if self.name in r.owns)

    @property
    def reviewers(self) -> list[Role]:
        return [r for r in ROLES.values() if self.name in r.reviews]

    @property
    def revision_schema(self) -> type[BaseModel]:
        return _revision_of(self.schema)

    def schema_for(self, episodes: int, episode: int = 0, cast: tuple[str, ...] = (),
                   scenes: tuple[int, ...] = (), places: tuple[str, ...] = (), era: str = "") -> type[BaseModel]:
        """The schema for this series and episode: an outline has exactly its number of episodes,
        a script and a shot list carry the number of the episode they are for, a script's
        speakers, a bible's characters and a shot's characters are held to `cast` when one is
        given, a shot's scene to `scenes`, a script's scenes and a bible's locations to `places`,
        and a bible's era to `era`."""
        if self.name == "outline":
            return screenwriter.outline_of(episodes)
        schema = self.schema
        if episode and self.name in _EPISODE_FIELD:
            schema = _pinned(schema, _EPISODE_FIELD[self.name], episode)
        if cast and self.name == "script":
            schema = screenwriter.spoken_by(schema, cast, places)
        if cast and self.name == "bible":
            schema = screenwriter.set_in(schema, cast, places, era)
        if (cast or scenes) and self.name == "shots":
            schema = director.shots_in(schema, cast, scenes)
        return schema

    def revision_for(self, episodes: int, episode: int = 0, cast: tuple[str, ...] = (),
                     scenes: tuple[int, ...] = (), places: tuple[str, ...] = (), era: str = "") -> type[BaseModel]:
        return _revision_of(self.schema_for(episodes, episode, cast, scenes, places, era))

    def schema_in(self, values: dict, episodes: int, *, small: bool, handed: Setting | None = None,
                  revision: bool = False) -> type[BaseModel]:
        """The schema the owner writes this artifact in, in the run whose state is `values`.

        For every model a shot names only the bible's characters and the
        script's scenes. A small model also writes a script whose speakers are
        the bible's characters and whose scenes are at its locations: left free,
        it copies its examples' names and places (a real model may bring in a
        bit part, which production resolves); and a bible set in the setting it
        was `handed` (names, era, places).
        """
        artifacts = values.get("artifacts", {})
        cast: tuple[str, ...] = ()
        places: tuple[str, ...] = ()
        era = ""
        if self.name == "bible" and handed:
            cast, places, era = handed.names, handed.places, handed.era
        if self.name == "shots":
            cast = tuple(character_names(artifacts.get("bible")))
        if self.name == "script" and small:
            cast, places = tuple(character_names(artifacts.get("bible"))), tuple(location_names(artifacts.get("bible")))
        scenes: tuple[int, ...] = ()
        if self.name == "shots" and artifacts.get("script"):
            scenes = tuple(s.number for s in screenwriter.EpisodeScript.model_validate(artifacts["script"]).scenes)
        build = self.revision_for if revision else self.schema_for
        return build(values.get("episodes", episodes), values.get("episode", 0), cast=cast, scenes=scenes,
                     places=places, era=era)


_EPISODE_FIELD = {"script": "number", "shots": "episode"}


@cache
def _pinned(schema: type[BaseModel], field: str, value: int) -> type[BaseModel]:
    """`schema` with the integer `field` held to `value` (the decoder can write nothing else)."""
    return create_model(schema.__name__, __base__=schema, **{field: (int, Field(ge=value, le=value))})


@cache
def _revision_of(schema: type[BaseModel]) -> type[BaseModel]:
    """A plainly named revision model ("PitchRevision"): tool and schema names must be identifiers."""
    return create_model(f"{schema.__name__}Revision", __base__=Revision[schema])


ARTIFACTS: dict[str, ArtifactSpec] = {
    a.name: a
    for a in (
        ArtifactSpec("pitch", screenwriter.Pitch, 600),
        ArtifactSpec("bible", screenwriter.Bible, 2000),
        ArtifactSpec("outline", screenwriter.SeriesOutline, 2000),
        ArtifactSpec("script", screenwriter.EpisodeScript, 2500),
        ArtifactSpec("shots", director.ShotList, 2000),
    )
}


def role_named(name: str) -> Role:
    return ROLES[name]
