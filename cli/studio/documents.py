"""An artifact as a person reads it, in HTML: the room's Markdown of it (`agents.roles.to_markdown`) rendered by
markdown-it, commonmark with tables. Raw HTML in model text comes out escaped and images are never loaded from
it, so what this returns is HTML of the studio's making and safe to mark as such."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

from agents.roles import to_markdown

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def document(name: str, content: dict, lang: str) -> Markup:
    return Markup(_MARKDOWN.render(to_markdown(name, content, lang)))
