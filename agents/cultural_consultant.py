"""The cultural consultant 文化顾问: cultural/era accuracy, sensitivity, platform rules, localisation.

Besides the model's judgment, the consultant runs a deterministic era check:
the bible's era names a year, and any thing in the text that came into use
later (a phone in a Tang palace) is a critical issue, quoted where it stands.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from agents.base import Role
from agents.critique import Issue, Severity, strings_of


def check(name: str, artifact: dict, era: str, lang: str) -> list[Issue]:
    """The deterministic part of a review: every string of the artifact against the era."""
    return era_issues(list(strings_of(artifact)), era, lang) if era else []


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


@cache
def word_pattern(word: str) -> re.Pattern:
    """How a word of the room's data is found in a text: English on word boundaries, case-blind (a trailing *
    takes any ending); Chinese as a substring."""
    if not word.isascii():
        return re.compile(re.escape(word))
    stem, end = (word[:-1], r"[\w-]*") if word.endswith("*") else (word, r"(?![\w-])")
    return re.compile(r"(?<![\w-])" + re.escape(stem) + end, re.IGNORECASE)


def era_words() -> list[str]:
    """Every word of the lexicon that names an era."""
    return [word for entry in _lexicon()["eras"] for word in entry["words"]]


def era_year(era: str) -> int | None:
    """The year an era description stands for, from the lexicon (the first era it names), else a year it names."""
    found = [
        (m.start(), entry["year"])
        for entry in _lexicon()["eras"]
        for w in entry["words"]
        if (m := word_pattern(w).search(era))
    ]
    if not found and (year := YEAR.search(era)):
        return int(year.group(1))
    return min(found)[1] if found else None


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a match, to quote."""
    left = max(text.rfind(c, 0, start) for c in ".!?。！？\n") + 1
    rights = [i for c in ".!?。！？\n" if (i := text.find(c, end)) != -1]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()[:300]


def era_issues(texts: list[str], era: str, lang: str = "en") -> list[Issue]:
    """Critical issues for things in `texts` that did not exist in `era`."""
    year = era_year(era)
    if year is None:
        return []
    issues: list[Issue] = []
    seen: set[str] = set()
    for thing in _lexicon()["things"]:
        if thing["year"] <= year:
            continue
        for word in thing["words"]:
            for text in texts:
                match = word_pattern(word).search(text)
                if match and word.lower() not in seen:
                    seen.add(word.lower())
                    quote = _sentence(text, match.start(), match.end())
                    if lang == "zh":
                        problem, fix = (
                            f"“{match.group(0)}”在{era}还不存在（约{thing['year']}年才出现）",
                            f"换成{era}真实存在的东西",
                        )
                    else:
                        problem, fix = (
                            f"'{match.group(0)}' in {era}: it came into use around {thing['year']}",
                            f"replace it with something of {era}",
                        )
                    issues.append(Issue(severity=Severity.CRITICAL, quote=quote, problem=problem, fix=fix))
    return issues
