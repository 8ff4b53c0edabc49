"""Chinese characters, as the room finds them in what a model or a person writes: the unified ideographs, extension
A and the compatibility ideographs (a name may be written in any of them)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

HAN_CLASS = r"\u3400-\u9fff\uf900-\ufaff"  # inside a character class
HAN = re.compile(f"[{HAN_CLASS}]")  # one Chinese character
# where a clause ends, in Chinese or English: a Chinese mark, a dash, or an ASCII one before a space, the end or
# a Chinese character (a small model writes "宫斗线很紧,歌词" with an ASCII comma; "1,000" goes on)
CLAUSE_END = re.compile(r"(?:[。！？；，、…：]|[.!?;,:](?=\s|$|[^\x00-\x7f])|\s[—–-]+(?=\s)|—)+")


def han(text: str) -> str:
    """The Chinese characters of `text`, in order."""
    return "".join(HAN.findall(text))


@lru_cache(maxsize=64)
def words(text: str) -> tuple[str, ...]:
    """`text` cut into Chinese words (jieba's dictionary; loaded on first use, about a second): "县城相亲失败三十次的女老师"
    is 县城 / 相亲 / 失败 / 三十次 / 的 / 女老师."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict" lines on the CLI's stderr
    return tuple(jieba.lcut(text))
