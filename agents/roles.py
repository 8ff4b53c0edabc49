"""The five roles, and the artifacts their modules declare, collected in one registry."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from agents import art_director, cultural_consultant, director, editor, screenwriter
from agents.artifact import Artifact
from agents.base import Role
from agents.critique import Critique
from tools import export

ROLES: dict[str, Role] = {
    m.ROLE.name: m.ROLE for m in (screenwriter, cultural_consultant, director, art_director, editor)
}

# in the order the room develops them: the series' artifacts, then an episode's
ARTIFACTS: dict[str, Artifact] = {a.name: a for a in (*screenwriter.ARTIFACTS, *director.ARTIFACTS)}

# what a role makes that no one negotiates: the art direction goes straight to image generation
UNGATED: dict[str, tuple[Artifact, ...]] = {art_director.ROLE.name: (art_director.DIRECTION,)}


def small_model_fields() -> dict[str, Mapping[str, int]]:
    """Every artifact's decoder keywords for a small model, by "Model.field" (`Artifact.small_model`)."""
    return {key: keywords for artifact in ARTIFACTS.values() for key, keywords in artifact.small_model.items()}


def role_named(name: str) -> Role:
    return ROLES[name]


def tasks_of(role: str) -> dict[str, type[BaseModel] | None]:
    """The tasks `role` performs (what its prompt files hold) and the schema each answers in; None for the
    chat, answered in plain text."""
    tasks: dict[str, type[BaseModel] | None] = {}
    for name in ROLES[role].owns:
        tasks |= {name: ARTIFACTS[name].schema, f"revise_{name}": ARTIFACTS[name].revision_schema}
    if ROLES[role].reviews:
        tasks["critique"] = Critique
    tasks |= {spec.name: spec.schema for spec in UNGATED.get(role, ())}
    return tasks | {"chat": None}


def to_markdown(name: str, content: dict, lang: str) -> str:
    """`content` of `name` in Markdown: an artifact by its declared renderer, anything else (the final cut)
    as `tools.export` renders it."""
    spec = ARTIFACTS.get(name)
    return export.to_markdown(name, content, lang, spec.markdown if spec else None)
