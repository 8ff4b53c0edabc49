"""The five roles, and the artifacts their modules declare, collected in one registry."""

from __future__ import annotations

from agents import art_director, cultural_consultant, director, editor, screenwriter
from agents.artifact import Artifact
from agents.base import Role
from tools import export

ROLES: dict[str, Role] = {
    m.ROLE.name: m.ROLE for m in (screenwriter, cultural_consultant, director, art_director, editor)
}

# in the order the room develops them: the series' artifacts, then an episode's
ARTIFACTS: dict[str, Artifact] = {a.name: a for a in (*screenwriter.ARTIFACTS, *director.ARTIFACTS)}


def role_named(name: str) -> Role:
    return ROLES[name]


def to_markdown(name: str, content: dict, lang: str) -> str:
    """`content` of `name` in Markdown: an artifact by its declared renderer, anything else (the final cut)
    as `tools.export` renders it."""
    spec = ARTIFACTS.get(name)
    return export.to_markdown(name, content, lang, spec.markdown if spec else None)
