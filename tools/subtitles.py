"""Subtitles from the cut: one SRT cue per spoken line, timed by the real audio.

The cue times are the line's absolute start and its audio's real duration, so
the burned-in text, the SRT beside the video and the timeline agree. Lines are
wrapped for a 9:16 frame here (libass cannot break Chinese text, which has no
spaces): Latin text on words, CJK text by character count, balanced so a
two-line cue does not hang one word on its second line.
"""

from __future__ import annotations

import math
import textwrap
from datetime import timedelta
from pathlib import Path

import srt

from tools.cut import Cut
from tools.files import atomic_write_text
from tools.subtitle_style import SubtitleStyle

# At the default size (64 px on a 1080-wide frame, 60 px margins) a line holds about 14 CJK characters or 26
# Latin ones; another size or a set line length is the cut's `SubtitleStyle`.
CJK_LINE_CHARS = SubtitleStyle().chars(cjk=True)
LATIN_LINE_CHARS = SubtitleStyle().chars(cjk=False)
MAX_CUE_LINES = 2  # lines of text a cue shows at once

# Characters a Chinese line should not start with (they stay on the line before).
_NO_LINE_START = set("，。！？、；：”’）》」』】…—,.!?;:)")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3400 <= code <= 0x9FFF  # CJK ideographs (+ extension A)
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x3040 <= code <= 0x30FF  # kana
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0x20000 <= code <= 0x2FA1F
    )


def mostly_cjk(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and sum(map(is_cjk, letters)) * 3 >= len(letters)


def _wrap_cjk(text: str, width: int) -> list[str]:
    text = "".join(text.split())  # spaces inside Chinese text are breaks, not words
    count = math.ceil(len(text) / width)
    size = math.ceil(len(text) / count)  # balanced: 18 chars -> 9 + 9, not 14 + 4
    lines: list[str] = []
    rest = text
    while rest:
        line, rest = rest[:size], rest[size:]
        while rest and rest[0] in _NO_LINE_START:  # keep "，" and "。" on the line they close
            line, rest = line + rest[0], rest[1:]
        lines.append(line)
    return lines


def _wrap_latin(text: str, width: int) -> list[str]:
    words = " ".join(text.split())
    if not words:
        return []
    count = len(textwrap.wrap(words, width))
    target = math.ceil(len(words) / count)
    for size in range(target, width + 1):  # the narrowest width that needs no extra line
        lines = textwrap.wrap(words, size, break_long_words=False)
        if len(lines) <= count:
            return lines
    return textwrap.wrap(words, width)


def wrap_line(text: str, style: SubtitleStyle = SubtitleStyle()) -> str:
    """The text of one cue, broken into lines that fit a 9:16 frame at the style's size."""
    if mostly_cjk(text):
        lines = _wrap_cjk(text, style.chars(cjk=True))
    else:
        lines = _wrap_latin(text, style.chars(cjk=False))
    return "\n".join(lines)


def pages(text: str, style: SubtitleStyle = SubtitleStyle()) -> list[str]:
    """A spoken line as the cues it is shown in: its wrapped lines, at most MAX_CUE_LINES to a cue."""
    lines = wrap_line(text, style).split("\n")
    return ["\n".join(lines[i : i + MAX_CUE_LINES]) for i in range(0, len(lines), MAX_CUE_LINES)]


def cues(cut: Cut) -> list[srt.Subtitle]:
    """The cues of every spoken line, in time order, on the cut's frame grid; a line's cues end where the next
    line begins. A line too long for one cue is shown page by page, each for its share of the characters."""
    spoken = sorted(cut.spoken(), key=lambda item: item[0])
    result: list[srt.Subtitle] = []
    for index, (start, line) in enumerate(spoken):
        end = start + line.duration
        if index + 1 < len(spoken):
            end = min(end, spoken[index + 1][0])
        first = round(start * cut.fps)
        span = round(min(end, cut.duration) * cut.fps) - first
        shown = pages(line.text, cut.subtitles) if line.text.strip() else []
        total, done = sum(map(len, shown)), 0
        for page in shown:  # split in frames from the line's start, so a line that moves splits the same
            begin = first + span * done // total
            done += len(page)
            finish = first + span * done // total
            if finish > begin:
                result.append(
                    srt.Subtitle(
                        index=len(result) + 1,
                        start=_at_frame(begin, cut.fps),
                        end=_at_frame(finish, cut.fps),
                        content=page,
                    )
                )
    return result


def _at_frame(frame: int, fps: int) -> timedelta:
    return timedelta(milliseconds=round(frame * 1000 / fps))


def write_srt(cut: Cut, path: Path) -> Path:
    """Write the cut's subtitles as SRT (UTF-8), atomically."""
    return atomic_write_text(Path(path), srt.compose(cues(cut), reindex=False))
