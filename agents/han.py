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


def _jieba():
    """jieba, imported on first use (its dictionary loads in about a second), quiet."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict" lines on the CLI's stderr
    return jieba


@lru_cache(maxsize=64)
def words(text: str) -> tuple[str, ...]:
    """`text` cut into Chinese words (jieba's dictionary): "县城相亲失败三十次的女老师" is 县城 / 相亲 / 失败 / 三十次 /
    的 / 女老师."""
    return tuple(_jieba().lcut(text))


@lru_cache(maxsize=64)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """`text` cut into Chinese words as `words` does, each with jieba's part of speech ("ns" a place, "v" a verb)."""
    return tuple((pair.word, pair.flag) for pair in _jieba().posseg.cut(text))


# what may stand between a premise's time and the place it opens on: 九零年代广州, 抗战时期重庆, 2008年的北京
_BEFORE_PLACE = frozenset("一个 一位 在 的 年 年代 时期 初期 末年 年间".split())


def place_opening(text: str, start: int = 0) -> str:
    """The place `text` opens on from `start` (after the time it names): jieba's place words in a row (上海, 敦煌莫高窟),
    past a 一个, 在 or 的 and a time's 年代 or 时期, and not a verb's object (清末留洋归来: 留洋 is no place); "" when
    it opens on none."""
    place: list[str] = []
    end = 0  # where the word ends
    for word, flag in tagged(text):
        end += len(word)
        if end - len(word) < start or (not place and word in _BEFORE_PLACE):
            continue  # the time's words, and what follows a time
        if flag == "ns":
            place.append(word)
            continue
        return "" if flag.startswith("v") else "".join(place)
    return "".join(place)
