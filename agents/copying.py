"""What a model copies from its few-shot examples into another story.

A small base model follows its examples more than its instructions: left
alone it brings their people, places and titles into every series ("Claire
Dunn" at "St Mary's Church, Chelsea" for a nurse's story). The room lists
what the examples name and finds it in an answer (`copy_check`, for every
model: a real one that copies is wrong too); `agents.base.perform` then asks
once more without the examples. The names a premise, a writer's note or an
approved artifact gives are the series' own. Chinese is compared in simplified
characters (`folded`): an example's title written in traditional ones is
still the example's.

It copies its prompt's words too (its persona as a character's look, an
example's "who love revenge and workplace romance" as every audience):
`copied_phrases` finds the runs. They are measured (bench/completion.py) and
taken out (`scrub`: a field mostly copied, or a clause of one), not asked for
again: asked without its examples, the 270M model answered a Chinese pitch
whose audience was an example's with an empty title and hook.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate
from typing import Any

import opencc
from pydantic import BaseModel, ValidationError

from agents.han import CLAUSE_END, HAN, han
from agents.markup import is_key, unmarked
from agents.named_places import named_places
from agents.nearness import nearer
from agents.prompt_file import load_prompts

_NAMED_KEYS = ("name", "title", "location", "era", "speaker", "heading", "character", "characters")
_PERSON_KEYS = ("name", "speaker", "character", "characters")
# capitalised words in mid-sentence: the proper nouns of an example's prose (Halberd Capital, Chelsea)
_PROPER = re.compile(
    r"(?<=[a-z,;] )[A-Z][A-Za-z'-]{4,}(?: [A-Z][A-Za-z'-]{2,})*|(?<=[a-z,;] )[A-Z][A-Za-z'-]{2,}(?: [A-Z][A-Za-z'-]{2,})+"
)
_MONTHS = {
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
}


_SIMPLIFIED = opencc.OpenCC("t2s")


@lru_cache(maxsize=256)
def folded(text: str) -> str:
    """`text` as the copy checks compare it: casefolded, its Chinese in simplified characters (a small model
    wrote the Chinese example's episode title 天台惊醒 as 天台驚醒)."""
    return _SIMPLIFIED.convert(text).casefold()


def _texts(value: Any, key: str = ""):
    """(key, string) for every string in an example, JSON held in a string included."""
    if isinstance(value, dict):
        for k, item in value.items():
            yield from _texts(item, k)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)
    elif isinstance(value, str):
        if value[:1] in "{[":
            try:
                yield from _texts(json.loads(value), key)
                return
            except ValueError:
                pass
        yield key, value


@cache
def example_names(role: str, lang: str) -> frozenset[str]:
    """The names, places, eras and titles of a role's few-shot examples, and the proper nouns of their prose:
    what a model that copies its examples brings into another story. A title of one common word ("Wanted",
    "玉佩") is not a name in prose (a title that is one is copied: `example_titles`), nor is a capitalised word
    the examples also write in lower case, nor one word of fewer than five letters ("Lin", "Mark": too common to
    tell a copy)."""
    found: set[str] = set()
    texts = _example_texts(role, lang)
    lower = {word for _, text in texts for word in re.findall(r"[a-z][a-z'-]+", text)}
    for key, text in texts:
        text = text.strip()
        if key == "title" and len(text) < 4 + 4 * text.isascii() and " " not in text:
            continue
        if key in _NAMED_KEYS:
            found.add(text)
            if key in _PERSON_KEYS and text.isascii():
                found.update(w for word in text.split() if len(w := word.strip(",.;:")) >= 5 and w[:1].isupper())
        if text.isascii():
            found.update(_PROPER.findall(text))
    return frozenset(
        name
        for name in found
        if len(name) >= 2 and (" " in name or name.lower() not in lower) and not name.isupper() and name not in _MONTHS
    )


@cache
def _example_texts(role: str, lang: str) -> tuple[tuple[str, str], ...]:
    """(key, string) for every string of a role's examples, their variables and answers."""
    return tuple(
        text
        for task in load_prompts(role, lang).tasks.values()
        for example in task.examples
        for text in _texts([example.vars, example.output])
    )


@cache
def _as_written(role: str, lang: str) -> frozenset[str]:
    """The example names found only as written: a title or part of one ("I Don't", "Wrong Bride"), phrases anyone
    may write in lower case."""
    titles = [text.strip() for key, text in _example_texts(role, lang) if key == "title"]
    return frozenset(name for name in example_names(role, lang) if any(name in title for title in titles))


def _appears(name: str, text: str, as_written: bool = False) -> bool:
    """Whether an example's name is in `text` as a word: a name of several words whatever its case ("Dunn &
    Ashdown car park"), unless `as_written`; one capitalised word as written."""
    if not name.isascii():
        return folded(name) in folded(text)
    flags = re.IGNORECASE if " " in name and not as_written else 0
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, flags) is not None


def copied_names(artifact: Any, role: str, lang: str, own: str) -> list[str]:
    """The names and places of `role`'s examples that `artifact` uses (as words), and its titles that are
    an example's, that the series' `own` text (its premise, notes, approved artifacts) does not hold anywhere
    (a title: as written, `_copied_title`)."""
    text = artifact_text(artifact)
    held = folded(own)
    as_written = _as_written(role, lang)
    names = {
        name for name in example_names(role, lang) if not _held(name, held) and _appears(name, text, name in as_written)
    }
    titles = {text.strip() for key, text in _texts(artifact) if key == "title" and _copied_title(text, role, lang, own)}
    found = {folded(name) for name in names}  # a title that is also an example's name is listed once, as the name
    return sorted(names | {title for title in titles if folded(title) not in found})


@cache
def example_titles(role: str, lang: str) -> frozenset[str]:
    """The titles of `role`'s examples, and what its instructions say goes in a title ("剧名"), folded (`_fold`):
    a title written as one of them is copied however short (three English series of the 270M model had an
    episode "Wanted", as an outline example's has; a 民国 series was titled 剧名)."""
    tasks = load_prompts(role, lang).tasks.values()
    said = (
        text
        for task in tasks
        if task.answer
        for key, text in task.answer.fields.items()
        if key.split(".")[-1] == "title"
    )
    shown = (text for key, text in _example_texts(role, lang) if key == "title")
    return frozenset(words for text in (*shown, *said) if (words := _fold(text)))


def _copied_title(title: str, role: str, lang: str, own: str) -> bool:
    """Whether `title` is one of the examples' titles that the series' `own` text does not hold as written (a
    Lisbon series' bible in which "he wanted Simon's help" does not make an episode titled "Wanted" its own), or
    says a word of one that the series' text does not say (`_title_words`)."""
    said = _fold(title)
    if said in example_titles(role, lang) and not _appears(title.strip(), own, as_written=True):
        return True
    held = _fold(own)
    if lang == "zh":
        return any(word in said and word not in held for word in _title_words(role, lang))
    return any(
        re.search(rf"\b{word}(?:e?s)?\b", said) and not re.search(rf"\b{word}", held)
        for word in _title_words(role, lang)
    )


# words of an example's title too plain to tell its story from another's
_PLAIN_TITLE_WORDS = frozenset("from them back tell with into over what when your owns fake wrong".split())


@cache
def _title_words(role: str, lang: str) -> frozenset[str]:
    """The words of the examples' titles that tell their stories (in English of four letters or more, not
    `_PLAIN_TITLE_WORDS`; a Chinese title whole): the 270M model titled a Welsh miner's widow's series "The
    Laundress of Widow" and a chess prodigy's "The Laundress of Leningrad", after "The Laundress of Fifth Avenue"."""
    if lang == "zh":
        return frozenset(title for title in example_titles(role, lang) if len(title) >= 2) - {_fold("剧名")}
    words = (word for title in example_titles(role, lang) for word in title.split())
    return frozenset(word for word in words if len(word) >= 4 and word not in _PLAIN_TITLE_WORDS)


# a title that names the form of a story, not a story: the 270M model titled series 电视剧, 小说, 女主角 and "The story is
# about a girl" (matched whole, as `_fold` writes it)
_FORM_TITLES = {
    "en": re.compile(
        r"(?:an? |the |my )?(?:(?:romance|revenge|period|costume|short|micro|vertical|web|tv|love) )?"
        r"(?:episode|part|chapter|title|story|series|drama|show|pitch|logline|heroine|hero)"
        r"|(?:the|this|my|our) (?:story|series|drama) is\b.*|this is (?:a|the|my) (?:story|series|drama)\b.*"
    ),
    "zh": re.compile(
        r"集|(?:微|短|网络|电视|连续|古装|都市|言情|悬疑|仙侠|武侠|甜宠|宫廷|家庭|偶像|历史|爽|竖屏)?(?:短)?剧|小说|剧本|剧名|标题"
        r"|故事|片名|[女男]?主角|[女男]主|[女男]一号"
    ),
}
# an episode's number as a title: a series' is no title (a one-episode series titled "Episode 786"), an episode's
# stays (what an outline of forty episodes each titled "Episode N" says is so)
_NUMBERED = {
    "en": re.compile(r"(?:episode|part|chapter) \d+"),
    "zh": re.compile(r"第?[一二三四五六七八九十百零\d]+集"),
}


def form_title(title: str, lang: str, own: str, series: bool = False) -> bool:
    """Whether `title` names a story's form (`_FORM_TITLES`), or, the `series`' own title, an episode's number
    (`_NUMBERED`), not the story, and the series' `own` text does not hold it as written: a title the room gives
    the premise's words instead (`scrub`). Not a copy of an example, so never asked for again."""
    patterns = (_FORM_TITLES, _NUMBERED) if series else (_FORM_TITLES,)
    folded_title = _fold(title)
    return any(p.get(lang, p["en"]).fullmatch(folded_title) for p in patterns) and not _appears(
        title.strip(), own, as_written=True
    )


def artifact_text(artifact: Any) -> str:
    """Every string of an artifact, one a line."""
    return "\n".join(text for _, text in _texts(artifact))


# a run this long of a prompt's words is copied, not written: 6 English words, 8 Chinese characters
_RUN = {"en": 6, "zh": 8}


def _units(text: str, lang: str) -> list[str]:
    """Words (English, case-blind) or Han characters (Chinese): what a run of copied text is counted in."""
    if lang == "zh":
        return HAN.findall(folded(text))
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.casefold())


def _runs(units: list[str], length: int) -> set[tuple[str, ...]]:
    return {tuple(units[i : i + length]) for i in range(len(units) - length + 1)}


@cache
def prompt_runs(role: str, lang: str) -> frozenset[tuple[str, ...]]:
    """Every run of `_RUN` words of what `role` is shown besides the series: its persona, its instructions and
    its examples (the stock phrases a small model copies: "who love revenge and workplace romance", or the
    persona itself as a character's look)."""
    prompts = load_prompts(role, lang)
    texts = [
        prompts.persona,
        *(task.instruction for task in prompts.tasks.values()),
        *(
            text
            for task in prompts.tasks.values()
            for example in task.examples
            for _, text in _texts([example.vars, example.output])
        ),
    ]
    length = _RUN.get(lang, _RUN["en"])
    return frozenset(run for text in texts for run in _runs(_units(text, lang), length))


@lru_cache(maxsize=8)
def _text_runs(text: str, lang: str) -> frozenset[tuple[str, ...]]:
    """Every run of `_RUN` units of `text`: of the series' own text and of what a call said, read once for
    all the fields of an answer (`scrub` asks of each)."""
    return frozenset(_runs(_units(text, lang), _RUN.get(lang, _RUN["en"])))


def copied_phrases(text: str, role: str, lang: str, own: str = "", said: str = "") -> list[str]:
    """The runs of words `text` copies from `role`'s prompt, or from what else its call `said` to it that is
    not the series' (the reviewers' issues it answers), that the series' `own` text does not hold, overlapping
    runs joined: each as the copied words ("who love revenge and workplace romance")."""
    units = _units(text, lang)
    join = "" if lang == "zh" else " "
    return list(
        dict.fromkeys(join.join(units[start:end]) for start, end in _copied_spans(units, role, lang, own, said))
    )


def _copied_spans(units: list[str], role: str, lang: str, own: str, said: str) -> list[list[int]]:
    """[start, end) of the runs of `units` that `copied_phrases` finds, runs that overlap or touch joined."""
    length = _RUN.get(lang, _RUN["en"])
    known, heard, held = prompt_runs(role, lang), _text_runs(said, lang), _text_runs(own, lang)
    spans: list[list[int]] = []
    for i in range(len(units) - length + 1):
        if ((run := tuple(units[i : i + length])) in known or run in heard) and run not in held:
            if spans and i <= spans[-1][1]:
                spans[-1][1] = i + length
            else:
                spans.append([i, i + length])
    return spans


def uncopied(text: str, role: str, lang: str, own: str, said: str = "") -> str:
    """`text` without its clauses that hold a run of `role`'s prompt or of what its call `said` that the series'
    `own` text does not (`copied_phrases`), each clause before one cut out ended as that one was: the 270M model
    wrote its instructions' "留一个让观众忍不住划到下一集" into an outline's beat of its own. `text` when it holds
    none; "" when every clause does."""
    pieces: list[tuple[str, str]] = []  # (clause, the marks that end it)
    start = 0
    for mark in CLAUSE_END.finditer(text):
        pieces.append((text[start : mark.start()], mark.group()))
        start = mark.end()
    if start < len(text):
        pieces.append((text[start:], ""))
    units = [_units(clause, lang) for clause, _ in pieces]
    bounds = list(accumulate((len(u) for u in units), initial=0))
    spans = _copied_spans([unit for clause in units for unit in clause], role, lang, own, said)
    if not spans:
        return text
    kept: list[tuple[str, str]] = []
    for k, (clause, mark) in enumerate(pieces):
        if not any(first < bounds[k + 1] and bounds[k] < last for first, last in spans):
            kept.append((clause, mark))
        elif kept:  # the clause before ends as the one cut out did ("letter; <cut>. She" is "letter. She")
            kept[-1] = (kept[-1][0], mark)
    text = "".join(clause + mark for clause, mark in kept).strip()
    return uncopied(text, role, lang, own, said) if text else ""  # clauses now side by side may make a run


def _held(name: str, held: str) -> bool:
    """Whether the series' own (`folded`) text `held` holds `name`: the whole of it, or, for an English phrase,
    every name in it after its first word ("Present-day London" once the series is set in London)."""
    if folded(name) in held:
        return True
    names = [word.strip(",.;:") for word in name.split()[1:] if word[:1].isupper()]
    return bool(names) and name.isascii() and all(word.casefold() in held for word in names)


@dataclass(frozen=True)
class Copying:
    """What an answer takes from another story: the examples' `names` in it, and how much `nearer` in meaning it
    is to the nearest example than to its premise (`agents.nearness`; 0 when not measured)."""

    names: tuple[str, ...] = ()
    nearer: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.names) or self.nearer > 0

    def __lt__(self, other: Copying) -> bool:
        """Copies less: fewer names, then, as many, less near another story."""
        return (len(self.names), max(self.nearer, 0.0)) < (len(other.names), max(other.nearer, 0.0))


def copy_check(
    role: str, lang: str, premise: str, own: str = "", task: str | None = None
) -> Callable[[BaseModel], Copying]:
    """What an answer takes from another story's examples; a name the premise or the series' `own` text gives
    (the writer's notes, what a person approved) is the series'. Given its `task`, how near in meaning it is to
    the task's examples too."""

    def check(answer: BaseModel) -> Copying:
        found = answer.model_dump(mode="json")
        names = tuple(copied_names(found, role, lang, f"{premise}\n{own}"))
        return Copying(names, nearer(found, premise, role, task, lang) if task else 0.0)

    return check


# ── taking out what was copied word for word ─────────────────────────────

# a field whose words are at least this share copied is the example's, not the series'
_MOSTLY = 0.5
# a short field equal to an example's ("现代 重生复仇", "真假千金") counts from this many words or Han characters
_SHORT = {"en": 3, "zh": 4}


@cache
def _example_values(role: str, lang: str) -> frozenset[str]:
    """Every string of `role`'s examples' answers and what its instructions say goes in a field ("（想要什么）",
    "(pitch, pace, timbre)"), folded (`_fold`): what a short field copies whole."""
    tasks = load_prompts(role, lang).tasks.values()
    answers = (text for task in tasks for example in task.examples for _, text in _texts(example.output))
    words = (text for task in tasks if task.answer for text in task.answer.fields.values())
    return frozenset(folded_words for text in (*answers, *words) if (folded_words := _fold(text)))


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", folded(text)))


def _leaves(value: Any, path: tuple = ()):
    """(path, string) for every string of a dumped answer, deepest and last first (so a list item can be
    dropped without moving the ones still to come)."""
    if isinstance(value, dict):
        for key in reversed(list(value)):
            yield from _leaves(value[key], (*path, key))
    elif isinstance(value, list):
        for index in reversed(range(len(value))):
            yield from _leaves(value[index], (*path, index))
    elif isinstance(value, str):
        yield path, value


def is_copied(text: str, role: str, lang: str, own: str, said: str = "") -> bool:
    """Whether a field is another story's: mostly runs of `role`'s prompt or of what its call `said`
    (`copied_phrases`), or, short, an example's answer word for word that the series' `own` text does not hold
    (`_held`: "present-day London" is the series' once it is set in London)."""
    units = _units(text, lang)
    if not units:
        return False
    copied = sum(len(_units(run, lang)) for run in copied_phrases(text, role, lang, own, said))
    if copied >= _MOSTLY * len(units):
        return True
    return (
        len(units) >= _SHORT.get(lang, 3)
        and _fold(text) in _example_values(role, lang)
        and not _held(text, folded(own))
    )


def echoes(text: str, role: str, lang: str, own: str) -> bool:
    """Whether a text carries any run of words of `role`'s prompt that the series' `own` text does not hold: what a
    reviewer's summary, its own judgement of this story, may not (`Critique.grounded_in`)."""
    return bool(copied_phrases(text, role, lang, own))


def borrowed(text: str, role: str, lang: str, own: str) -> bool:
    """Whether a text is about another story: mostly in the words of `role`'s prompt (`is_copied`), or naming
    its examples' people and places that the series' `own` text does not (`copied_names`)."""
    return is_copied(text, role, lang, own) or bool(copied_names(text, role, lang, own))


def _set(node: Any, path: tuple, value: Any) -> Any:
    """`node` with the item at `path` replaced (`value`) or, with `_DROP`, taken out of its list: a copy where it is
    a dump (a dict or list), in place where it is a model (a validated answer, which validated again would change)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, list | tuple):
        items = list(node)
        if not rest and value is _DROP:
            del items[head]
        else:
            items[head] = _set(items[head], rest, value)
        return type(node)(items)
    if isinstance(node, dict):
        return {**node, head: _set(node[head], rest, value)}
    setattr(node, head, _set(getattr(node, head), rest, value))
    return node


_DROP = object()
_SAID = ("text",)  # a field that is its list item's whole point: a dialogue line's words


# what a copied field says in place of the series' premise, where the premise would not read as one
_PLAIN = {
    "genre": {"en": "drama", "zh": "短剧"},
    "target_audience": {"en": "viewers of vertical short drama", "zh": "爱看竖屏短剧的观众"},
}


def plain(path: tuple, lang: str, premise: str) -> str:
    """What a copied field at `path` becomes: a plain word for a genre or an audience, a title from the
    premise (`title_of`), else the premise."""
    if path[-1] == "title":
        return title_of(premise, lang)
    words = _PLAIN.get(str(path[-1]), {})
    return words.get(lang, words.get("en", premise))


def title_of(premise: str, lang: str) -> str:
    """A title in the premise's words: the first place it names, else a few words of its first clause, as a
    small model's titles are written (`agents.screenwriter.TITLES`); "" when it has too few."""
    places = named_places(premise, lang, 1)
    text = places[0] if places else re.split(r"[,，;；:：。.!?！？]", premise, maxsplit=1)[0]
    if lang == "zh":
        chars = han(text)[:8]
        return chars if len(chars) >= 2 else ""
    words = [word for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", text) if len(word) <= 20][:4]
    return " ".join(word[:1].upper() + word[1:] for word in words)


def scrub(
    answer: BaseModel, role: str, lang: str, own: str, fallback: Callable[[tuple], str], said: str = ""
) -> tuple[BaseModel, list[str]]:
    """`answer` without the room's markup in its prose (`agents.markup.unmarked`), and with every field that
    is another story's word for word, or the words its call `said` (`is_copied`: a revision that writes the
    reviewers' issues into the artifact), taken out of its list of strings, or else replaced by
    `fallback(path)` (`plain`: the series' premise), whichever its schema still accepts; a field neither fits
    stays, measured by the bench. A title that names a form and not a story (`form_title`) is replaced too. A
    field of its own with a clause of the prompt in it loses the clause (`uncopied`), or, with too little left to
    say anything, goes as a copied one does. Returns the answer and the fields changed, as dotted paths.

    A mend is judged by the answer's schema, less what the answer itself no longer fits: a small model's schema
    holds its answer to the premise with patterns that its own checks then change the answer past (a later
    scene's action that only restated the opening is left empty, and no longer opens with its beat), and judged
    by all of it, no mend fit, and a script of the 270M model kept its example's lines word for word."""
    schema = type(answer)
    data = answer.model_dump(mode="json")
    unfit = _unfit(schema, data)
    mends: list[tuple[tuple, Any]] = []

    def mended(where: tuple, mend: Any) -> bool:
        """Whether `mend` at `where` fits the schema as far as the answer did; if it does, it is made."""
        nonlocal data
        if not _unfit(schema, candidate := _set(data, where, mend)) <= unfit:
            return False
        data = candidate
        mends.append((where, mend))
        return True

    for path, text in list(_leaves(data)):
        item = isinstance(path[-1], int)
        if (bare := "" if item and is_key(text, lang) else unmarked(text, lang, own)) != text:
            dropped = not bare and item  # a list's item that was only markup goes
            if mended(path, _DROP if dropped else bare):
                if dropped:
                    continue
                text = bare
        title = path[-1] == "title" and (
            _copied_title(text, role, lang, own) or form_title(text, lang, own, series=len(path) == 1)
        )
        if not title and not is_copied(text, role, lang, own, said):
            if (cut := uncopied(text, role, lang, own, said)) == text:
                continue
            if len(_units(cut, lang)) >= _SHORT.get(lang, 3):  # else what is left says nothing: the field goes
                mended(path, cut)
                continue
        tries = [(path, _DROP)] if item else []
        if path[-1] in _SAID and len(path) > 1 and isinstance(path[-2], int):
            tries.append((path[:-1], _DROP))  # a copied line is not said, rather than said as the premise
        tries.append((path, fallback(path)))
        any(mended(where, mend) for where, mend in tries)
    if not mends:
        return answer, []
    changed = list(dict.fromkeys(".".join(map(str, where)) for where, _ in mends))
    if not unfit:
        return schema.model_validate(data), changed
    for where, mend in mends:  # as its checks left it: validated again, they would change it past its schema
        _set(answer, where, mend)
    return answer, changed


def _unfit(schema: type[BaseModel], data: Any) -> frozenset[tuple]:
    """Where and how `data` does not fit `schema` (empty when it does)."""
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        return frozenset((tuple(map(str, e["loc"])), e["type"]) for e in exc.errors())
    return frozenset()
