"""The room's own markup, copied by a model into what it writes.

A small model copies the scaffolding of its prompt as readily as its examples:
a recalled memory line's tag ("- [episode_summary · editor · ep01 v1] …") came
back as "…there were two people {v episode_summary}" in a scene's action, and a
field's name as "(…, target-audience}" in a character's look, a recalled beat's
"[6/10]" as a line's "3/1]", the issues it answered as an outline's title
("[major] director"). Prose has none of it: `unmarked` takes out the room's
identifiers (its memory kinds and the fields and variables its prompts name,
written with `_` or `-`), any other word joined by `_`, tags, JSON keys, HTML,
control characters, what is left of the answer's JSON (curly braces, brackets
standing together, quote marks that pair with none), and the brackets and
separators they leave behind. A value that is one word ("female_actor",
"ep01_s1") is left as written: it may be an id, unless it is one of the room's
own identifiers (a character's secret "speech_style"); and a list's item that
is only a field's name (a world rule "genre", the pitch's next key after the
premise it opens with) is not an item (`is_key`).
`agents.copying.scrub` applies both to every answer the room keeps.
"""

from __future__ import annotations

import re
from functools import cache

from agents.critique import Severity
from agents.han import HAN_CLASS
from agents.prompt_file import load_prompts
from memory.records import Kind

_SNAKE = r"[A-Za-z]+(?:_[A-Za-z0-9]+)+"
_OPEN, _CLOSE = r"[\[{(【（<]", r"[\]})】）>]"
# a bracket left holding no words: nothing, a version ("v", "v1"), numbers, a tag's dots and dashes
_EMPTY = re.compile(rf"\s*{_OPEN}[\s\d,.;:·/|–—-]*(?:v\d*)?[\s\d,.;:·/|–—-]*{_CLOSE}")
_ONE_WORD = re.compile(r"[\w.-]*")  # a value with no space and no bracket: a name or an id, as written
# a memory line's tag, `[kind · role · artifact vN]`, however its brackets and parts came back
_TAG = re.compile(rf"(?:^\s*-\s*)?\s*{_OPEN}[^\n\]}})】）>]*·[^\n\]}})】）>]*\bv\d+\s*{_CLOSE}", re.MULTILINE)
# a quote left quoting nothing, or nothing but separators ("“，，”"; an ellipsis, "“……”", is a silence)
_NO_QUOTE = re.compile(r"“[\s,;:，；：、。]*”|‘\s*’|\"\s*\"|「[\s,;:，；：、。]*」")
# the marks that come in pairs, opening -> closing: one that pairs with none is what is left of a quote or a
# title the answer's JSON cut ("新婚”。”,”“,“”，，”》，””"; "十十三年代的香港》")
_PAIRED = {"“": "”", "「": "」", "『": "』", "《": "》", "（": "）"}
_OPENED = {close: opening for opening, close in _PAIRED.items()}
# three or more separators standing together: what separated what went out ("。)，،，)", once its quotes went)
_MARKS = re.compile(r"[,;:，；：、。.!?！？|،؛](?:\s*[,;:，；：、。.!?！？|،؛]){2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# what is left of the answer's JSON: a curly brace (prose has none), or brackets standing together with nothing
# but separators between them ("十十三年代的香港》，, {}}, {", "}}} } } { 1.42 million people watched")
_DEBRIS = re.compile(r"[{}](?:[\s,;:\"']*[{}\[\]])*|[\[\]](?:[\s,;:\"']*[{}\[\]])+")
_LOOSE = ",;:|，；：、"  # what a text left without its markup may start or end with, and should not
_JSON_KEY = r"[\"“]?\b[A-Za-z_]+[\"”]\s*:\s*[\"“]?"  # a key of the answer's JSON: 'genre”: "'
_HAN_GAP = re.compile(rf"(?<=[{HAN_CLASS}，。；：！？、])\s+(?=[{HAN_CLASS}])")


@cache
def _markup(lang: str) -> re.Pattern[str]:
    """The room's markup its roles are shown: its identifiers, each written with `_` or `-` between its words, any
    other word joined by `_`, an issue's severity and reviewer ("[major] director:"), a recalled record's kind
    ("[scene 4:06-57") and a beat's intensity ("[6/10]", "3/1]"), a JSON key and an HTML tag."""
    from agents.roles import ROLES  # looked up late, as in `_tasks`

    spelled = "|".join(sorted((_spelled(name) for name in _identifiers(lang)), key=lambda s: (-len(s), s)))
    severity = "|".join(level.value for level in Severity)
    reviewer = "|".join(_spelled(role, "[_ -]") for role in ROLES)
    issue = rf"\[(?:{severity})\](?:\s*(?:{reviewer}))?\s*:?"
    kinds = "|".join(_spelled(kind.value) for kind in Kind)
    recalled = rf"\[\s*(?:{kinds})\s*[\d:.,/\s–-]*\]?|\[\d{{1,2}}/\d{{1,2}}[\]}}]?|\b\d{{1,2}}/\d{{1,2}}[\]}}]"
    return re.compile(
        rf"(?<![\w-])(?:{spelled}|{_SNAKE})(?![\w-])|{issue}|{recalled}|{_JSON_KEY}|</?[A-Za-z][\w-]*(?:\s[^<>]*)?>",
        re.I,
    )


@cache
def _identifiers(lang: str) -> frozenset[str]:
    """The room's own identifiers written with `_`: its memory kinds, its answers' fields, its prompts' variables."""
    names = {kind.value for kind in Kind if "_" in kind.value}
    names |= {key for key in _keys(lang) if "_" in key}
    names |= {name for task in _tasks(lang) for name in re.findall(r"{{\s*(\w+_\w+)", task.input)}
    return frozenset(names)


def _tasks(lang: str) -> list:
    """Every role's tasks in `lang`."""
    from agents.roles import ROLES  # the roles' modules import this one (through `agents.copying`): look up late

    return [task for role in ROLES for task in load_prompts(role, lang).tasks.values()]


@cache
def _keys(lang: str) -> frozenset[str]:
    """Every field name the answers' summaries in the roles' instructions have, one word or more."""
    return frozenset(key for task in _tasks(lang) for key in re.findall(r'"([a-z]+(?:_[a-z]+)*)"', task.instruction))


def is_key(text: str, lang: str) -> bool:
    """Whether `text` is only the name of a field of the room's answers ("genre", '"Rules",'), one or more."""
    word = text.strip().strip(_LOOSE + ".'\"“”‘’[]{}()").casefold()
    return word in _keys(lang) or (word.endswith("s") and word[:-1] in _keys(lang))


def _paired(text: str) -> str:
    """`text` without the quote and title marks that pair with none: a closing one nothing opened, an opening one
    nothing closes."""
    open_at: list[int] = []
    lone: list[int] = []
    for at, mark in enumerate(text):
        if mark in _PAIRED:
            open_at.append(at)
        elif mark in _OPENED:
            if open_at and text[open_at[-1]] == _OPENED[mark]:
                open_at.pop()
            else:
                lone.append(at)
    drop = set(lone + open_at)
    return "".join(mark for at, mark in enumerate(text) if at not in drop) if drop else text


def _spelled(name: str, between: str = "[_-]") -> str:
    """`name` as a regular expression, its words joined by any of `between`."""
    return re.escape(name).replace("_", between)


def unmarked(text: str, lang: str, own: str = "") -> str:
    """`text` without the room's markup in it or a control character (a terminal's escape); a value that is one
    word, as written, and markup the series' `own` text has ("null_pointer", a hacker's name in its premise)."""
    text = _CONTROL.sub("", text)
    if _ONE_WORD.fullmatch(text.strip()):  # a name or an id, unless it is one of the room's ("speech_style")
        word = text.strip()
        return "" if word.casefold() in _identifiers(lang) and word.casefold() not in own.casefold() else text
    held = own.casefold()
    bare = _markup(lang).sub(lambda mark: mark[0] if mark[0].casefold() in held else "", _TAG.sub("", text))
    bare = _paired(bare)
    if bare == text and not _DEBRIS.search(text):
        return text
    while (emptier := _EMPTY.sub("", _NO_QUOTE.sub("", bare))) != bare:
        bare = emptier
    bare = _DEBRIS.sub("", bare)
    bare = _HAN_GAP.sub("", re.sub(r"\s+([,.;:!?，。；：！？])", r"\1", bare))
    bare = re.sub(r"([,;:，；：。])[,;:，；：]+", r"\1", bare)  # the separators on both sides of what went
    bare = _MARKS.sub(lambda run: run[0] if len(set(run[0].replace(" ", ""))) == 1 else run[0][0], bare)
    bare = re.sub(r"[ \t]{2,}", " ", bare).strip().strip(_LOOSE).strip()
    return bare if re.search(r"[^\W_]", bare) else ""  # brackets and marks left saying nothing: "}},}"
