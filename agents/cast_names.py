"""Names for a series' cast, right for the culture and era its premise is set in.

A small model copies the names of its few-shot examples into every series.
So the room hands it a cast of names chosen for the premise (from
`cast_names.yaml`, data a writer can extend) and holds the bible's characters
to them; names the premise itself gives ("a nurse named Rosa") come first.
The choice is deterministic: the same premise gets the same names.
"""

from __future__ import annotations

import hashlib
import random
import re
from functools import cache
from importlib import resources

import yaml

_NAMED = (re.compile(r"\b(?:named|called)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)"),
          re.compile(r"(?:名叫|叫做|名为)([\u4e00-\u9fff]{2,3})"))
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")


@cache
def _cultures() -> list[dict]:
    return yaml.safe_load((resources.files("agents") / "cast_names.yaml").read_text(encoding="utf-8"))["cultures"]


def _says(premise: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", premise, re.IGNORECASE) is not None
    return word in premise


def culture_of(premise: str, lang: str) -> dict:
    """The culture the premise is set in: the first that its words or years name, else the language's default."""
    years = [int(y) for y in _YEAR.findall(premise)]
    for culture in _cultures():
        if culture["lang"] != lang:
            continue
        low, high = culture.get("years", (0, -1))
        if any(_says(premise, w) for w in culture["words"]) or any(low <= y <= high for y in years):
            return culture
    return next(c for c in _cultures() if c["lang"] == lang and c.get("default"))


def named_in(premise: str) -> list[str]:
    """Names the premise gives its characters itself."""
    return list(dict.fromkeys(m for pattern in _NAMED for m in pattern.findall(premise)))


def cast_names(premise: str, lang: str, count: int = 6) -> tuple[str, ...]:
    """`count` full names (women and men in turn, each family its own) for the premise's cast."""
    culture = culture_of(premise, lang)
    rng = random.Random(hashlib.sha256(premise.encode()).digest())
    half = (count + 1) // 2
    given = [name for pair in zip(rng.sample(culture["female"], half), rng.sample(culture["male"], half)) for name in pair]
    family = rng.sample(culture["family"], min(count, len(culture["family"])))
    join = "" if lang == "zh" else " "
    full = [join.join((f, g) if culture["order"] == "family_first" else (g, f))
            for g, f in zip(given, family * 2)][:count]
    return tuple(dict.fromkeys([*named_in(premise), *full]))[:max(count, len(named_in(premise)))]
