"""The cultural consultant 文化顾问: cultural/era accuracy, sensitivity, platform rules, localisation.

Besides the model's judgment, the consultant runs a deterministic check,
its rules data in `era_lexicon.yaml`: the bible's era names a span of years
(and a place), and a word of the text that came into use later (a phone in a
Tang palace), had ended before (the imperial examination in 1925), belongs
to another place (dollars in Victorian London) or breaks a platform rule (a
real brand, a swear word) is an issue, quoted where it stands.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from agents.base import Role
from agents.critique import Issue, Severity, strings_of


def check(name: str, artifact: dict, era: str, lang: str) -> list[Issue]:
    """The deterministic part of a review: every string of the artifact against the era and the platform rules."""
    return era_issues(list(strings_of(artifact)), era, lang)


ROLE = Role(
    name="cultural_consultant",
    titles={"en": "Cultural consultant", "zh": "文化顾问"},
    owns=(),
    reviews=("pitch", "bible", "outline", "script"),
    tools=("memory_search",),
    check=check,
)


# a year as a premise or an era names one ("in 1890", "1890年"), not an age ("a 1000-year-old vampire")
YEAR = re.compile(r"(?<![\d-])(1[0-9]{3}|20[0-9]{2})(?!\d|\s*-?\s*(?:years?|yrs?)\b)", re.IGNORECASE)


@cache
def _lexicon() -> dict:
    return yaml.safe_load((resources.files("agents") / "era_lexicon.yaml").read_text(encoding="utf-8"))


# the lexicon's lists of rules, one per kind of mistake
KINDS = ("objects", "titles", "currency", "idioms", "customs", "platform")
# what continues an English word: a letter or a digit, or a hyphen before it (e-mail is not mail); not a Chinese
# character (说OK吧), nor a hyphen after it (an Edo-period town is of Edo)
_LATIN = r"[0-9A-Za-z_\u00C0-\u024F]"


@cache
def word_pattern(word: str) -> re.Pattern:
    """How a word of the room's data is found in a text: English on word boundaries, case-blind (a trailing *
    takes any ending), also beside Chinese ("说OK吧"); Chinese as a substring."""
    if not word.isascii():
        return re.compile(re.escape(word), re.IGNORECASE)
    stem, end = (word[:-1], _LATIN + "*") if word.endswith("*") else (word, f"(?!{_LATIN})")
    return re.compile(f"(?<!{_LATIN}|-)" + re.escape(stem) + end, re.IGNORECASE)


def era_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names an era with a word of the lexicon: each word's first place, not inside a longer word
    the era lists as fine (`not`: 来自未来, a thing from the future, sets no story there)."""
    return [
        match.span()
        for entry in _lexicon()["eras"]
        for word in entry["words"]
        if (match := _first(word, entry, text, []))
    ]


def era_entry(era: str) -> dict | None:
    """The lexicon's entry for an era description (the first era it names), else one for a year it names."""
    eras = _lexicon()["eras"]
    found = [
        (m.start(), i) for i, entry in enumerate(eras) for w in entry["words"] if (m := word_pattern(w).search(era))
    ]
    if found:
        return eras[min(found)[1]]
    if year := YEAR.search(era):
        return {"year": int(year.group(1))}
    return None


def era_year(era: str) -> int | None:
    """The year an era description stands for: the latest year its setting allows."""
    entry = era_entry(era)
    return entry["year"] if entry else None


def breach(rule: dict, era: dict | None) -> str | None:
    """Which limit of a lexicon rule `era` is outside (the name of its message), or None when the rule holds.
    A rule with no limit of time or place (a platform rule) is broken in any era."""
    if era is not None:
        if rule.get("since", era["year"]) > era["year"]:
            return "since"
        if rule.get("until", era.get("start", era["year"])) < era.get("start", era["year"]):
            return "until"
        if era.get("region") and rule.get("regions") and era["region"] not in rule["regions"]:
            return "regions"
    if not {"since", "until", "regions"} & rule.keys():
        return rule["message"]
    return None


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a match, to quote."""
    left = max(text.rfind(c, 0, start) for c in ".!?。！？\n") + 1
    rights = [i for c in ".!?。！？\n" if (i := text.find(c, end)) != -1]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()[:300]


def _first(word: str, rule: dict, text: str, taken: list[tuple[int, int]]) -> re.Match | None:
    """The first place `word` stands in `text` as itself: not inside one of the rule's longer fine words
    (`not`), and not over a place another word was already reported at (手机 inside 刷手机)."""
    fine = [m.span() for other in rule.get("not", ()) for m in word_pattern(other).finditer(text)]
    for match in word_pattern(word).finditer(text):
        start, end = match.span()
        if any(s <= start and end <= e for s, e in fine) or any(s < end and start < e for s, e in taken):
            continue
        return match
    return None


def era_issues(texts: list[str], era: str, lang: str = "en") -> list[Issue]:
    """Issues for words in `texts` that break a rule of the lexicon in `era`: a thing not yet in use, one no
    longer in use, one of another place, or one no platform allows. Each word once, quoted where it stands."""
    lexicon, setting = _lexicon(), era_entry(era) if era else None
    taken: list[list[tuple[int, int]]] = [[] for _ in texts]
    issues: list[Issue] = []
    for rule in (rule for kind in KINDS for rule in lexicon.get(kind, ())):
        if (broken := breach(rule, setting)) is None:
            continue
        message = lexicon["messages"][broken]["zh" if lang == "zh" else "en"]
        for word in rule["words"]:
            for index, text in enumerate(texts):
                if match := _first(word, rule, text, taken[index]):
                    taken[index].append(match.span())
                    values = {"word": match.group(0), "era": era, "year": rule.get(broken, "")}
                    issues.append(
                        Issue(
                            severity=Severity(rule.get("severity", "critical")),
                            quote=_sentence(text, *match.span()),
                            problem=message["problem"].format(**values)[:300],
                            fix=message["fix"].format(**values)[:300],
                        )
                    )
                    break
    return issues
