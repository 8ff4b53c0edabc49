"""The bundled CJK-capable font, shared by the storyboard panels and the video subtitles.

The font ships in the `paperang-p2-fonts-cjk` package (WenQuanYi Micro Hei, a
TrueType collection with Latin and CJK glyphs), so captions in Chinese render
the same on every machine without a system font.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tools.registry import MissingPackageError

FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_DISTRIBUTION = "paperang-p2-fonts-cjk"
_FONT_SUFFIXES = (".ttc", ".ttf", ".otf")


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the bundled CJK font file; a one-line MissingPackageError if it is not installed."""
    if importlib.util.find_spec(FONT_PACKAGE) is None:
        raise MissingPackageError(
            f"the CJK font needs the package {FONT_DISTRIBUTION}: pip install {FONT_DISTRIBUTION}"
        )
    fonts = resources.files(FONT_PACKAGE) / "fonts"
    candidates = sorted(
        (entry for entry in fonts.iterdir() if entry.name.lower().endswith(_FONT_SUFFIXES)),
        key=lambda entry: entry.name,
    ) if fonts.is_dir() else []
    if not candidates:
        raise MissingPackageError(
            f"the package {FONT_DISTRIBUTION} holds no font file: pip install --force-reinstall {FONT_DISTRIBUTION}"
        )
    return Path(str(candidates[0]))
