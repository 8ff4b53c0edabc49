"""Personal data kept from a model off this machine: found, replaced by placeholders, put back in the answer.

A request to a remote model (chat or embeddings) carries the writer's
premise, notes and chat lines. Before it leaves, `Redactor.redact` replaces
what reads as personal data with a placeholder (`⟦PHONE_1⟧`, `⟦NAME_2⟧`):
phone numbers (Chinese mobiles and landlines, +CC international, US
formats), e-mail addresses, Chinese resident ID numbers (the check digit and
the birth date verified, so any 18 digits are not one), street addresses (a
number and a street word; 省/市/区, a 路/街 and a 号) and the names the
writer marks, `[[Li Wei]]` in the premise or a note, or lists in
`private_names`. A placeholder stands for one value for the life of the
redactor (a project, in one process), so a model keeps who is who across
calls; `restore` puts the values back in what comes back, and the marks
never reach any model (`strip_marks` for one on this machine).

The map lives only in this process: graph state, checkpoints, memory and
logs keep the writer's own text (restored), never the map. Text that
already looks like a placeholder is itself replaced, so restoring gives back
exactly the text redacted, whatever it was.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PLACEHOLDER = re.compile(r"⟦([A-Z]+)_(\d+)⟧")
_LONGEST_PLACEHOLDER = 24  # how much of a streamed answer's tail may be a placeholder still arriving
# a name the writer marks: letters (any script), spaces, dots, hyphens, apostrophes; never JSON's `[["a", "b"]]`
MARK = re.compile(r"\[\[( *[^\W\d_](?:[^\W\d_]|[ .'’·-]){0,79})\]\]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][\w.+%-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_CN_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_PHONES = (
    # Chinese mobiles: 13812345678, 138-1234-5678, 138 1234 5678, with +86 or 86 before
    re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"),
    # Chinese landlines: 010-12345678, 0755-1234567, (021) 12345678
    re.compile(r"(?<![\d-])(?:0\d{2,3}-|\(0\d{2,3}\)\s?)\d{7,8}(?![\d-])"),
    # international: +44 20 7946 0958, +1-202-555-0143, +852 2345 6789
    re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){1,5}(?![\d])"),
    # US: (555) 123-4567, 555-123-4567, 555.123.4567
    re.compile(r"(?<![\d(])(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}(?![\d-])"),
)
_STREET_WORDS = (
    r"Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Way|Terrace|Square|Parkway|Highway|Close|Crescent|Row"
    r"|Alley|(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Sq|Pkwy|Hwy)\b\.?"
)
_EN_ADDRESS = re.compile(
    rf"(?<![\w$£€¥.,])\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][A-Za-z'-]*\.?\s+){{1,4}}(?:{_STREET_WORDS})(?![A-Za-z])"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Unit|Flat|Room)\.?\s*#?[\dA-Za-z-]+)?"
)
# a Chinese place: CJK characters, not the words around an address ("她住在", "寄到")
_ZH = r"(?:(?![在住于到从往至的是了和与及或她他它我你们搬寄送去])[\u4e00-\u9fff])"
_ZH_NUMBER = r"[0-9０-９一二三四五六七八九十百零〇]+"
_ZH_ADDRESS = re.compile(
    rf"(?:{_ZH}{{2,5}}?(?:省|自治区))?(?:{_ZH}{{2,4}}?市)?(?:{_ZH}{{1,5}}?(?:区|县|旗))?"
    rf"(?:{_ZH}{{1,8}}?(?:路|街|大道|大街|巷|弄|胡同)(?:{_ZH_NUMBER}段)?{_ZH_NUMBER}号"
    rf"|{_ZH}{{1,8}}?(?:小区|花园|公寓|大厦|新村){_ZH_NUMBER}(?:栋|幢|号楼))"
    rf"(?:{_ZH_NUMBER}(?:栋|幢|号楼|单元|层|楼|室|号))*"
)


@dataclass(frozen=True)
class Found:
    """One piece of personal data in a text: where, what kind, and the value it stands for."""

    start: int
    end: int
    kind: str
    value: str


def valid_cn_id(number: str) -> bool:
    """A Chinese resident ID number: 17 digits, a check digit (ISO 7064 MOD 11-2) and a real birth date."""
    if not re.fullmatch(r"\d{17}[0-9Xx]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != number[17].upper():
        return False
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def strip_marks(text: str) -> str:
    """The text with the writer's name marks taken off (`[[Li Wei]]` -> `Li Wei`): what a model on this
    machine reads."""
    return MARK.sub(lambda m: m.group(1).strip(), text)


def marked_names(values: Any) -> set[str]:
    """Every name marked `[[...]]` in a text, or in the strings of a nested mapping or list (a run's state)."""
    found: set[str] = set()
    stack = [values]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "[[" in item:
                found.update(m.group(1).strip() for m in MARK.finditer(item) if m.group(1).strip())
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def find_personal_data(text: str, names: Iterable[str] = ()) -> list[Found]:
    """The personal data in `text`, in order and never overlapping: marked names first, then what looks like a
    placeholder (taken as data, so a round trip is exact), ID numbers, e-mails, phones, addresses and the known
    `names`."""
    candidates = [Found(m.start(), m.end(), "NAME", m.group(1).strip()) for m in MARK.finditer(text)]
    candidates += [Found(m.start(), m.end(), "TEXT", m.group()) for m in PLACEHOLDER.finditer(text)]
    candidates += [Found(m.start(), m.end(), "ID", m.group()) for m in _CN_ID.finditer(text) if valid_cn_id(m.group())]
    candidates += [Found(m.start(), m.end(), "EMAIL", m.group()) for m in _EMAIL.finditer(text)]
    for pattern in _PHONES:
        candidates += [
            Found(m.start(), m.end(), "PHONE", m.group())
            for m in pattern.finditer(text)
            if 7 <= _digits(m.group()) <= 15
        ]
    for pattern in (_EN_ADDRESS, _ZH_ADDRESS):
        candidates += [Found(m.start(), m.end(), "ADDRESS", m.group()) for m in pattern.finditer(text)]
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        edge = r"(?<![A-Za-z0-9])" if name[0].isascii() else ""
        tail = r"(?![A-Za-z0-9])" if name[-1].isascii() else ""
        candidates += [
            Found(m.start(), m.end(), "NAME", m.group()) for m in re.finditer(edge + re.escape(name) + tail, text)
        ]
    chosen: list[Found] = []
    taken: list[tuple[int, int]] = []
    for item in candidates:  # in order of priority: a later kind never takes text an earlier one found
        if item.start < item.end and all(item.end <= s or item.start >= e for s, e in taken):
            chosen.append(item)
            taken.append((item.start, item.end))
    return sorted(chosen, key=lambda f: f.start)


class Redactor:
    """Placeholders for one project's personal data in this process, stable across calls; thread-safe."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._names: set[str] = set()
        self._placeholders: dict[tuple[str, str], str] = {}  # (kind, value) -> placeholder
        self._values: dict[str, str] = {}  # placeholder -> value
        self._counts: dict[str, int] = {}
        self.learn(names)

    def learn(self, names: Iterable[str]) -> None:
        """Names to hide wherever they appear from now on (the writer's marks, `private_names`)."""
        with self._lock:
            self._names.update(n.strip() for n in names if n.strip())

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._placeholders:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"⟦{kind}_{self._counts[kind]}⟧"
            self._placeholders[key] = placeholder
            self._values[placeholder] = value
        return self._placeholders[key]

    def redact(self, text: str) -> str:
        """The text with its personal data replaced by placeholders (and its marks gone)."""
        with self._lock:
            self._names.update(m.group(1).strip() for m in MARK.finditer(text) if m.group(1).strip())
            found = find_personal_data(text, self._names)
            parts: list[str] = []
            at = 0
            for item in found:
                parts += [text[at : item.start], self._placeholder(item.kind, item.value)]
                at = item.end
            return "".join([*parts, text[at:]])

    def restore(self, text: str, escape: Callable[[str], str] | None = None) -> str:
        """The text with every placeholder this redactor made put back (`escape` each value first: inside a
        JSON string); any other text, an unknown placeholder too, stays as it is."""
        with self._lock:
            values = dict(self._values)

        def back(match: re.Match) -> str:
            value = values.get(match.group())
            if value is None:
                return match.group()
            return escape(value) if escape else value

        return PLACEHOLDER.sub(back, text)

    def restore_stream(self, chunks: Iterable[str]) -> Iterator[str]:
        """A streamed answer restored chunk by chunk: a placeholder cut between chunks is held until whole."""
        held = ""
        for chunk in chunks:
            held += chunk
            cut = held.rfind("⟦")
            if cut == -1 or "⟧" in held[cut:] or len(held) - cut > _LONGEST_PLACEHOLDER:
                cut = len(held)
            if cut:
                yield self.restore(held[:cut])
            held = held[cut:]
        if held:
            yield self.restore(held)
