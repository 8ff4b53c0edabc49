"""Chinese characters, as the room finds them in what a model or a person writes: the unified ideographs, extension
A and the compatibility ideographs (a name may be written in any of them)."""

from __future__ import annotations

import re

HAN_CLASS = r"\u3400-\u9fff\uf900-\ufaff"  # inside a character class
HAN = re.compile(f"[{HAN_CLASS}]")  # one Chinese character


def han(text: str) -> str:
    """The Chinese characters of `text`, in order."""
    return "".join(HAN.findall(text))
