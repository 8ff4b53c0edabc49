"""The bundled CJK-capable font, shared by the storyboard panels and the video subtitles.

The font ships in the `paperang-p2-fonts-cjk` package (WenQuanYi Micro Hei, a
TrueType collection with Latin and CJK glyphs), so captions in Chinese render
the same on every machine without a system font.
"""

from __future__ import annotations

import importlib.util
import struct
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tools.errors import OutputError
from tools.registry import MissingPackageError

FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_DISTRIBUTION = "paperang-p2-fonts-cjk"
_FONT_SUFFIXES = (".ttc", ".ttf", ".otf")
_JOINERS = "\u200c\u200d"
STRAIGHT_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def drawable(text: str) -> str:
    """`text` as the bundled font draws it well, on one line.

    Characters that are not printable (control and format characters, line
    and paragraph separators, which make the text layout fail, and private
    or unassigned code points, which the font has no glyph for) become
    spaces; the joiners that hold emoji and scripts together stay. Its
    curly quotes are full-width CJK glyphs ("Mark’   s"), so text that is
    not mostly Chinese gets straight quotes; Chinese keeps its own.
    """
    from tools.subtitles import mostly_cjk

    text = "".join(c if c.isprintable() or c in _JOINERS else " " for c in text)
    return text if mostly_cjk(text) else text.translate(STRAIGHT_QUOTES)


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the bundled CJK font file; a one-line MissingPackageError if it is not installed."""
    if importlib.util.find_spec(FONT_PACKAGE) is None:
        raise MissingPackageError(
            f"the CJK font needs the package {FONT_DISTRIBUTION}: pip install {FONT_DISTRIBUTION}"
        )
    fonts = resources.files(FONT_PACKAGE) / "fonts"
    candidates = (
        sorted(
            (entry for entry in fonts.iterdir() if entry.name.lower().endswith(_FONT_SUFFIXES)),
            key=lambda entry: entry.name,
        )
        if fonts.is_dir()
        else []
    )
    if not candidates:
        raise MissingPackageError(
            f"the package {FONT_DISTRIBUTION} holds no font file: pip install --force-reinstall {FONT_DISTRIBUTION}"
        )
    return Path(str(candidates[0]))


@lru_cache(maxsize=8)
def font_family(font: Path) -> str:
    """The family name in a TrueType/OpenType file (first face of a .ttc): libass selects fonts by it.

    Read once per font: every subtitled video segment asks for it.
    """
    try:
        data = Path(font).read_bytes()
    except OSError as exc:
        raise OutputError(f"cannot read the font {font}: {exc.strerror or exc}") from None
    base = struct.unpack_from(">I", data, 12)[0] if data[:4] == b"ttcf" else 0
    (tables,) = struct.unpack_from(">H", data, base + 4)
    for i in range(tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, base + 12 + 16 * i)
        if tag != b"name":
            continue
        _, count, strings = struct.unpack_from(">HHH", data, offset)
        names = {}
        for j in range(count):
            platform, _, language, name_id, length, at = struct.unpack_from(">HHHHHH", data, offset + 6 + 12 * j)
            if name_id != 1:
                continue
            raw = data[offset + strings + at : offset + strings + at + length]
            if platform in (0, 3):
                names[(platform != 3, language != 0x409)] = raw.decode("utf-16-be", "replace")
            elif platform == 1:
                names[(True, True)] = raw.decode("latin-1")
        if names:
            return names[min(names)]  # Windows, US English first
    raise OutputError(f"no font family name in {font}")
