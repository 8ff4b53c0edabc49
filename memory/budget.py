"""Token budgets for recalled memory, without a tokenizer.

Retrieval must fit a fixed slice of the prompt whatever model is behind it, so
the estimate is deliberately simple and a little pessimistic: a CJK character
is about one token in every common tokenizer, other text about four characters
per token. The line shape lives here too, so the budget measures exactly what
the prompt receives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from memory.records import MemoryRecord

# CJK ideographs, kana, hangul and full-width punctuation
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
MAX_LINE_CHARS = 600


def estimate_tokens(text: str) -> int:
    """Rough token count: CJK ~1 token per character, other text ~1 per 4 characters."""
    cjk = len(_CJK.findall(text))
    return max(1, cjk + math.ceil((len(text) - cjk) / 4))


def render_line(record: MemoryRecord, max_chars: int = MAX_LINE_CHARS) -> str:
    """`- [kind · role · artifact vN] text`, on one line, long texts cut at a word boundary."""
    text = " ".join(record.text.split())
    if len(text) > max_chars:
        cut = text[:max_chars]
        space = cut.rfind(" ")
        if space > max_chars * 0.8:  # a word boundary close to the limit; CJK has none
            cut = cut[:space]
        text = cut.rstrip(" ,;:") + " …"
    return f"- [{record.kind} · {record.role} · {record.artifact} v{record.version}] {text}"


def pack(
    records: Iterable[MemoryRecord],
    budget_tokens: int,
    *,
    render: Callable[[MemoryRecord], str] = render_line,
) -> list[MemoryRecord]:
    """Keep records in the given (priority) order while their rendered lines fit the budget.

    Greedy: a record too large for what is left is skipped, and smaller ones
    after it may still fit.
    """
    kept, left = [], budget_tokens
    for record in records:
        cost = estimate_tokens(render(record))
        if cost <= left:
            kept.append(record)
            left -= cost
    return kept
