"""The five roles, and which artifacts exist, who owns them and who reviews them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, create_model

from agents import art_director, cultural_consultant, director, editor, screenwriter
from agents.base import Role
from agents.critique import Revision

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

    def schema_for(self, episodes: int) -> type[BaseModel]:
        """The schema for this series: an outline has exactly its number of episodes."""
        return screenwriter.outline_of(episodes) if self.name == "outline" else self.schema

    def revision_for(self, episodes: int) -> type[BaseModel]:
        return _revision_of(self.schema_for(episodes))


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
