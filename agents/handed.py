"""What the room hands a small model for its premise: the cast's names, the era, the places.

A small model copies its few-shot examples' names, places and era into every
series ("Present-day New York City" for a jazz singer in 1920s Chicago). So the
room hands it a setting chosen for the premise, from data a writer can extend
(`cultures.yaml`: names, time and place by culture; `settings.yaml`: places by
what the premise is about), and holds the bible to it in the schema. What the
premise says itself comes first: names it gives ("a nurse named Rosa"), the
era words or the year it names. The choice is deterministic: the same premise
gets the same setting.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from agents.cultural_consultant import YEAR, era_spans, era_year, word_pattern
from agents.han import CLAUSE_END, HAN_CLASS, place_opening
from agents.named_places import named_places

_NAMED = (
    re.compile(r"\b(?:named|called)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)"),
    re.compile(rf"(?:名叫|叫做|名为)([{HAN_CLASS}]{{2,3}})"),
)
_DECADE = re.compile(r"(?<![\w-])(1[0-9]{3}|20[0-9]{2})s(?![\w-])|[零一二三四五六七八九]十年代|[五六七八九]零年代")


@dataclass(frozen=True)
class Setting:
    """A premise's cast names, era and places, as handed to a small model."""

    names: tuple[str, ...]
    era: str
    places: tuple[str, ...]
    opening: str = ""  # what the pitch's logline opens with: the premise itself
    roles: tuple[tuple[str, ...], ...] = ()  # what each of the cast can be in the story (`cast_roles`)
    lang: str = "en"  # the language the series is written in


def _data(name: str) -> dict:
    return yaml.safe_load((resources.files("agents") / name).read_text(encoding="utf-8"))


@cache
def _cultures() -> list[dict]:
    return _data("cultures.yaml")["cultures"]


@cache
def _settings() -> list[dict]:
    return _data("settings.yaml")["settings"]


def _said_at(premise: str, words: list[str]) -> int | None:
    """Where the premise first says one of `words`; None when it says none."""
    return min((m.start() for w in words if (m := word_pattern(w).search(premise))), default=None)


def _years(text: str) -> list[int]:
    """The years `text` names: as numbers, and the year of the era it names (隋朝 is 618, 六十年代 1975: the
    consultant's lexicon)."""
    said = time_said(text)
    era = era_year(said) if said else None
    return [*(int(y) for y in YEAR.findall(text)), *([era] if era is not None else [])]


def _may_be_in(premise: str, culture: dict) -> bool:
    """Whether the premise may be set in `culture`: it says none of its `not` words (today's world for an ancient
    one), or it crosses into it (`crossing`: 穿越)."""
    said = _said_at(premise, culture.get("not", [])) is not None
    return not said or _said_at(premise, culture.get("crossing", [])) is not None


def culture_of(premise: str, lang: str) -> dict:
    """The culture the premise is set in: of those whose words it says, the first of the past ones (a pharaoh's
    Egyptian wife is ancient Egypt's) listed before today's, else the one of today's it says first (a Venetian
    apprentice whose master sells to the Ottomans is Italian); else the first whose years it names (`_years`), else
    the language's default."""
    cultures = [c for c in _cultures() if c["lang"] == lang and _may_be_in(premise, c)]
    said = [(at, c) for c in cultures if (at := _said_at(premise, c["words"])) is not None]
    if said:  # the words first: "in 1870s Nevada" is the frontier, not the 1870s' Britain
        if "era" in said[0][1]:
            return said[0][1]
        return min(((at, c) for at, c in said if "era" not in c), key=lambda hit: hit[0])[1]
    years = _years(premise)  # read through the era lexicon: only when no culture's words are said
    for culture in cultures:
        low, high = culture.get("years", (0, -1))
        if any(low <= y <= high for y in years):
            return culture
    return next(c for c in cultures if c.get("default"))


@cache
def _given_names() -> dict[str, frozenset[str]]:
    """Every given name of the pools (casefolded) -> the genders it is listed under."""
    found: dict[str, set[str]] = {}
    for culture in _cultures():
        for gender in ("female", "male"):
            for given in culture[gender]:
                found.setdefault(given.casefold(), set()).add(gender)
    return {given: frozenset(genders) for given, genders in found.items()}


def gender_of(name: str) -> str:
    """ "female" or "male" for a name with a given name of the pools ("Hannah Reed", "傅曼卿"), else "".

    A small model's cast is named from the pools, and what it writes about a character is no guide to the
    character's gender ("Ryan Porter", 60: "She gets scared when she sees Ryan").
    """
    name = " ".join(name.split()).casefold()
    keys = set(name.replace(".", " ").split())
    if " " not in name and not name.isascii():  # written as one word: a given name after its family name
        keys.update(name[-length:] for length in range(1, len(name)) if len(name) - length <= 2)
    hits = {gender for key in keys for gender in _given_names().get(key, ())}
    return next(iter(hits)) if len(hits) == 1 else ""


def named_in(premise: str) -> list[str]:
    """Names the premise gives its characters itself."""
    return list(dict.fromkeys(m for pattern in _NAMED for m in pattern.findall(premise)))


# what says a person's gender: in English a pronoun first (the first "she" or "his" of a premise is its lead's
# most often: "…the son of the man he killed"), else the first of its nouns; in Chinese the first of these
_PRONOUNS = {"female": ("she", "her", "hers", "herself"), "male": ("he", "him", "his", "himself")}
_NOUNS = {
    "en": {
        "female": "woman girl daughter mother wife sister queen princess bride widow lady heiress nun aunt niece"
        " grandmother actress waitress duchess empress",
        "male": "man boy son father husband brother king prince groom widower lord monk uncle nephew grandfather"
        " duke emperor",
    },
    "zh": {
        "female": "女 娘 姐 妹 妻 公主 皇后 妃 母亲 婆 媳 嫂",
        "male": "男 哥 弟 丈夫 皇子 王爷 少爷 公子 父亲 少年 小伙 爷爷 太子 书生",
    },
}


def lead_gender(premise: str, lang: str) -> str:
    """ "female" or "male": whom the premise is about, by the first word that says it; "" when none does."""
    if lang != "zh":
        words = re.findall(r"[a-z]+", premise.casefold())
        for found in (_PRONOUNS, {g: nouns.split() for g, nouns in _NOUNS["en"].items()}):
            hits = [(words.index(w), g) for g, ws in found.items() for w in ws if w in words]
            if hits:
                return min(hits)[1]
        return ""
    hits = [(premise.find(w), g) for g, ws in _NOUNS["zh"].items() for w in ws.split() if w in premise]
    return min(hits)[1] if hits else ""


def cast_names(premise: str, lang: str, count: int = 6) -> tuple[str, ...]:
    """`count` full names (women and men in turn, each family its own; a man first when the premise's lead is
    one: `lead_gender`) for the premise's cast."""
    culture = culture_of(premise, lang)
    rng = random.Random(hashlib.sha256(premise.encode()).digest())
    half = (count + 1) // 2
    pairs = zip(rng.sample(culture["female"], half), rng.sample(culture["male"], half))
    order = slice(None, None, -1 if lead_gender(premise, lang) == "male" else 1)
    given = [name for pair in pairs for name in pair[order]]
    family = rng.sample(culture["family"], min(count, len(culture["family"])))
    join = "" if lang == "zh" else " "
    full = [join.join((f, g) if culture["order"] == "family_first" else (g, f)) for g, f in zip(given, family * 2)][
        :count
    ]
    return tuple(dict.fromkeys([*named_in(premise), *full]))[: max(count, len(named_in(premise)))]


def time_said(premise: str) -> str:
    """The time the premise names, as it writes it: a decade, a year, else its words of an era in the
    consultant's lexicon (adjacent ones read as one: "唐朝长安"); "" when it names none, or eras of
    different years ("an ancient curse haunts a modern family": which one is the series'?)."""
    for pattern in (_DECADE, YEAR):
        if match := pattern.search(premise):
            return match.group(0)
    hits = era_spans(premise)
    if len({era_year(premise[start:end]) for start, end in hits}) != 1:
        return ""
    start, end = min(hits, key=lambda hit: (hit[0], -hit[1]))  # the earliest, at its longest
    while following := [e for s, e in hits if s == end]:
        end = max(following)
    return premise[start:end]


AGES = ("present", "period", "ancient")  # how far back a story is set, nearest the present first


def age_of(story: str, culture: dict) -> int:
    """How far back the story, set in `culture` (`culture_of`), is set (an index of `AGES`): the culture's `era`,
    else the oldest year the story names (before 1800 ancient, before 1990 a period), else present day."""
    if "era" in culture:
        return AGES.index(culture["era"])
    oldest = min(_years(story), default=9999)
    return 2 if oldest < 1800 else 1 if oldest < 1990 else 0


# the place the premise sets its story in, capitalised after "in" (and its time): "In 1940s Lisbon, …", "a chef in
# London", "In Tsarist St Petersburg" (the time's own words left out); not a name's possessive ("in Mark's flat")
_IN_PLACE = re.compile(r"\b[Ii]n (?:the )?(?:[0-9]{4}s? )?([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})\b(?!['’])")
_NOT_PLACES = frozenset("her his their its my our your this that a an the love".split())


def place_said(premise: str, time: str) -> str:
    """The place the premise says its story is in (`_IN_PLACE`), without the words of its `time`; "" if none."""
    capitals = [w[:1].isupper() for w in premise.split()]
    title = sum(capitals) * 2 > len(capitals)  # a title's every word is capitalised ("Lost In Translation")
    said = time.casefold().split()
    for match in _IN_PLACE.finditer(premise):
        if title and not any(c.isdigit() for c in match.group(0)):
            continue  # in a title only a time says a place follows
        words = match.group(1).split()
        while words and words[0].casefold() in said:
            words.pop(0)
        if words and words[0].casefold() not in _NOT_PLACES:
            return " ".join(words)
    return ""


def era_of(premise: str, lang: str) -> str:
    """When and where the series is set: the time the premise names (after it crosses into its culture's world,
    `crossing`), else its culture's; then the place the premise says it is in, else its culture's ("a Ghanaian chef
    in London" is in London, 民国上海 in 上海) unless the premise says it is somewhere the culture's is not (`place_not`)."""
    culture = culture_of(premise, lang)
    crossing = _said_at(premise, culture.get("crossing", []))
    told = premise if crossing is None else premise[crossing:]  # where it crosses to, not from: 现代女总裁穿越成…
    time = time_said(told) or culture["time"]
    own = _said_at(premise, culture.get("place_not", [])) is None  # a Gobi dig is in no 都市
    at = told.find(time)
    said = place_opening(told, at + len(time) if at >= 0 else 0) if lang == "zh" else ""
    said = "" if era_spans(said) else said  # an era's own place (辽国) is its time, which the premise left unsaid
    place = said or place_said(premise, time) or (culture.get("place", "") if own else "")
    if not place or place.casefold() in time.casefold():
        return time
    return f"{time}{'，' if lang == 'zh' else ', '}{place}"


def places_of(premise: str, lang: str, count: int = 6) -> tuple[str, ...]:
    """Up to `count` places for the series: those the premise names (`agents.named_places`), those its words
    call for, in the order it says them, each one's first place before any one's second (not today's for a premise
    set before 1800: `settings.yaml`), then its culture's (its `old_places` for a premise set before 1800 in a
    culture of today: no apartment kitchen in 1690s Salem). "内蒙古草原上的女牧民，拒绝把草场卖给矿业公司" is set on
    the grassland before a boardroom; a delivery rider who inherits a sect is handed its gate among the rich
    family's mansion and the rider's depot."""
    culture = culture_of(premise, lang)
    ancient = age_of(premise, culture) == AGES.index("ancient")
    called = sorted(
        (at, order)
        for order, setting in enumerate(_settings())
        if lang in setting
        and not (ancient and setting.get("modern"))
        and (at := _said_at(premise, setting["words"])) is not None
        and _said_at(premise, setting.get("not", [])) is None
    )
    lists = [_settings()[order][lang] for _, order in called]
    found = [places[i] for i in range(max(map(len, lists), default=0)) for places in lists if i < len(places)]
    named = named_places(premise, lang)
    own = culture.get("old_places", culture["places"]) if ancient and "era" not in culture else culture["places"]
    return tuple(dict.fromkeys([*named, *found, *own]))[:count]


def opening_of(premise: str, limit: int = 120) -> str:
    """The premise as a logline opens with it: one line, at most `limit` bytes of UTF-8, cut after a clause
    (else a word) when longer. A small model left to write the logline itself writes its example's.

    Bytes, not characters: a constrained decoder's lexer (llama.cpp's LLGuidance) reads the pattern an opening
    becomes byte by byte, and stopped on "too many expressions" at a script whose scenes opened on two beats of
    100 Chinese characters (300 bytes each); the same beats cut at 60 characters decoded."""
    text = " ".join(premise.split())
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    head = encoded[:limit].decode("utf-8", "ignore")
    size = len(head)
    ends = [m.end() for m in CLAUSE_END.finditer(head)]
    cut = ends[-1] if ends and ends[-1] > size // 3 else head.rfind(" ") if " " in head[size // 3 :] else size
    return head[:cut].rstrip(" ,，、;；:：—–")


@cache
def roles_of(lang: str) -> tuple[str, ...]:
    """The roles the screenwriter's bible examples give their characters, without what follows a comma
    ("protagonist", "antagonist", "love interest"; "女主", "反派", "男主"): what a small model, left free, writes
    as "actor" for every character."""
    from agents.prompt_file import load_prompts

    examples = load_prompts("screenwriter", lang).tasks["bible"].examples
    roles = (c.get("role", "") for e in examples if isinstance(e.output, dict) for c in e.output["characters"])
    return tuple(dict.fromkeys(kept for role in roles if (kept := re.split(r"[,，、(（]", role)[0].strip())))


def cast_roles(names: tuple[str, ...], lang: str) -> tuple[tuple[str, ...], ...]:
    """What each of `names` can be in the story, of the bible examples' roles (`roles_of`): the first is the lead,
    the first role of its gender or of none ("protagonist"; 女主, or for a man 男主); no other is the lead's role, nor
    one of the other gender (a woman is no 男主). Left to pick, the 270M model made all four of a lighthouse
    keeper's daughter's cast antagonists."""
    roles = roles_of(lang)
    if not roles or not names:
        return ()

    def fitting(name: str, among: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(role for role in among if lead_gender(role, lang) in ("", gender_of(name))) or among

    gender = gender_of(names[0])
    lead = min(roles, key=lambda role: {gender: 0, "": 1}.get(lead_gender(role, lang), 2)) if gender else roles[0]
    others = tuple(role for role in roles if role != lead) or roles
    return ((lead,), *(fitting(name, others) for name in names[1:]))


@cache
def setting_of(premise: str, lang: str) -> Setting:
    places = places_of(premise, lang)
    names = cast_names(premise, lang)
    return Setting(names, era_of(premise, lang), places, opening_of(premise), cast_roles(names, lang), lang)
