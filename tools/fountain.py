"""An episode script as Fountain, the plain-text screenplay format editors open.

Fountain (https://fountain.io/syntax) infers each element from its shape:
a scene heading starts with INT./EXT. and stands between blank lines, a
character cue is an all-caps line followed by dialogue, a transition is an
all-caps line ending in "TO:". Text from the model does not always have that
shape (Chinese has no capitals, "闪回" does not end in "TO:"), so every element
that would not be recognised by its shape is *forced* with its marker:
"." for a heading, "@" for a cue, ">" for a transition, "!" for an action
paragraph that would otherwise read as something else.

The script comes as plain data, the shape `EpisodeScript.model_dump()` gives
(number, title, scenes of heading, location, time_of_day, action, lines of
speaker, text, emotion, parenthetical, and transition), so the tools need
nothing from the agents.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tools.files import atomic_write_text

AI_NOTE = "AI-generated / AI生成"

_TITLE_PAGE = {
    "en": {"episode": "Episode {number}: {title}", "credit": "Written by", "unknown": "VOICE"},
    "zh": {"episode": "第{number}集：{title}", "credit": "编剧", "unknown": "画外音"},
}
_NEUTRAL = {"", "neutral", "none", "中性", "无"}

_HEADING = re.compile(r"^(INT|EXT|EST|INT\.?/EXT|I/E)[.\s]", re.IGNORECASE)
_PLAIN_CUE = re.compile(r"[A-Z][A-Z .\-]+")  # what every parser reads as a cue without "@"
_PLAIN_TRANSITION = re.compile(r"[^a-z]+ TO:")
_MARKERS = tuple(".@>!~=#[/")  # a first character that would make a line something else


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _escape(text: str) -> str:
    """Fountain's emphasis markers (*bold*, _underline_) taken literally."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def _title_page(script: dict, series_title: str, author: str, lang: str, draft: date) -> list[str]:
    words = _TITLE_PAGE.get(lang, _TITLE_PAGE["en"])
    fields = [
        ("Title", series_title),
        ("Episode", words["episode"].format(number=script["number"], title=script["title"])),
        ("Credit", words["credit"]),
        ("Author", author),
        ("Draft date", draft.isoformat()),
        ("Notes", AI_NOTE),
    ]
    return [f"{key}: {_one_line(value)}" for key, value in fields] + [""]


def _from_alnum(text: str) -> str:
    """`text` from its first letter or digit: a forced heading is "." and one of those (".{" or "..." is action)."""
    start = next((i for i, c in enumerate(text) if c.isalnum()), len(text))
    return text[start:]


def _heading(scene: dict) -> str:
    text = (
        _from_alnum(_one_line(scene["heading"]))
        or _from_alnum(_one_line(f"{scene['location']} - {scene['time_of_day']}")).strip(" -")
        or str(scene["number"])
    )
    forced = "" if _HEADING.match(text) else "."
    return f"{forced}{text} #{scene['number']}#"


def _action(text: str) -> list[str]:
    """Action paragraphs, one blank line between; a first line that would read as another element is forced."""
    paragraphs: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line:
            paragraphs[-1].append(_escape(line))
        elif paragraphs[-1]:
            paragraphs.append([])
    out: list[str] = []
    for lines in filter(None, paragraphs):
        first = lines[0]
        looks_like_something_else = (
            first.startswith(_MARKERS)
            or _HEADING.match(first)
            or first.endswith("TO:")
            or (first.upper() == first != first.lower())  # all capitals: a cue or a transition
        )
        if looks_like_something_else:
            lines = ["!" + first, *lines[1:]]
        out += [*lines, ""]
    return out


def _cue(speaker: str, unknown: str) -> str:
    name = _one_line(speaker).lstrip("@").upper() or unknown
    return name if _PLAIN_CUE.fullmatch(name) and not name.endswith("TO:") else f"@{name}"


def _dialogue(line: dict, unknown: str) -> list[str]:
    text = [_escape(" ".join(part.split())) for part in line["text"].splitlines()]
    text = [part for part in text if part]
    if not text:
        return []
    wryly = _one_line(line["parenthetical"]).strip("()（） ")
    if not wryly and line["emotion"].strip().lower() not in _NEUTRAL:
        wryly = _one_line(line["emotion"])
    return [_cue(line["speaker"], unknown), *([f"({wryly})"] if wryly else []), *text, ""]


def _transition(text: str) -> list[str]:
    text = _one_line(text).upper().rstrip("<").strip()
    if not text:
        return []
    return [text if _PLAIN_TRANSITION.fullmatch(text) else f">{text.lstrip('>')}", ""]


def to_fountain(
    script: dict, *, series_title: str, author: str = "Writers' Room", lang: str, draft: date | None = None
) -> str:
    """The episode (`EpisodeScript.model_dump()`) as a Fountain screenplay: title page, then each scene.

    Every element is followed by one blank line (the title page too), cue,
    parenthetical and dialogue stand on consecutive lines, and the file ends in
    one newline.
    """
    unknown = _TITLE_PAGE.get(lang, _TITLE_PAGE["en"])["unknown"]
    lines = _title_page(script, series_title, author, lang, draft or date.today())
    for scene in script["scenes"]:
        lines += [_heading(scene), ""]
        lines += _action(scene["action"])
        for line in scene["lines"]:
            lines += _dialogue(line, unknown)
        lines += _transition(scene["transition"])
    return "\n".join(lines).rstrip("\n") + "\n"


def write_fountain(
    path: Path, script: dict, *, series_title: str, author: str = "Writers' Room", lang: str, draft: date | None = None
) -> Path:
    """`to_fountain` written atomically to `path` (normally `episode_NN.fountain`)."""
    return atomic_write_text(
        Path(path), to_fountain(script, series_title=series_title, author=author, lang=lang, draft=draft)
    )
