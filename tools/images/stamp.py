"""The AIGC label on every image: visible mark + machine-readable JSON.

Visible: VISIBLE_TEXT ("AI生成 / AI-generated"), one line per language, in an
opaque box of contrasting colour in the top-left corner. Each line's glyphs, and
even its capitals ("AI", the shortest), are at least 5% of the image's short
side tall, the size GB 45438-2025 asks of the visible label; the video's large
label is sized by the same rule (`label_font_size`).

Machine-readable: `tools.labels.aigc_label(...)` as UTF-8 JSON in two PNG iTXt
chunks (`label_texts`): the standard's object under the keyword METADATA_KEY and
the room's provenance under PROVENANCE_KEY. Its `sha256` is `pixel_sha256` of the
stamped image: the SHA-256 of the raw pixel bytes as 8-bit RGB, row by row from
the top, left to right, R G B per pixel, with no header — what
`hashlib.sha256(PIL.Image.open(png).convert("RGB").tobytes())` recomputes from
the saved file. (A hash of the file itself cannot be stored in that same file.)
"""

from __future__ import annotations

import hashlib
import io
import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageStat
from PIL.PngImagePlugin import PngInfo

from tools.files import atomic_write_bytes
from tools.fonts import cjk_font_path
from tools.labels import CORNER_TEXT, VISIBLE_TEXT, aigc_label, label_texts

LABEL_MIN_HEIGHT = 0.05  # share of the short side, per line of the visible label
HASH_SCOPE = "sha256 of raw 8-bit RGB pixel bytes, row-major, no header"
PNG_COMPRESS_LEVEL = 3  # flat panels compress well already; level 6 costs ~2x the time for ~5% smaller files


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled CJK font at `size` pixels."""
    return ImageFont.truetype(str(cjk_font_path()), size)


def pixel_sha256(image: Image.Image) -> str:
    """SHA-256 of the image's 8-bit RGB pixel bytes (see the module docstring)."""
    return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()


def text_height(face: ImageFont.FreeTypeFont, text: str) -> int:
    """How tall `text`'s glyphs are in `face`, in pixels (ink top to ink bottom)."""
    box = face.getbbox(text)
    return box[3] - box[1]


def label_font_size(short_side: int, lines: list[str]) -> int:
    """The smallest font size at which every line, and its shortest glyphs (the capitals CORNER_TEXT, "AI"),
    are at least LABEL_MIN_HEIGHT of the short side tall: the size a visible label is drawn at."""
    target = max(8, math.ceil(short_side * LABEL_MIN_HEIGHT))
    size = target
    while min(text_height(font(size), text) for text in (*lines, CORNER_TEXT)) < target:
        size += 1
    return size


def label_lines() -> list[str]:
    """VISIBLE_TEXT one language a line, as the stamp draws it."""
    return [part.strip() for part in VISIBLE_TEXT.split("/")]


def _label_layout(width: int, height: int) -> tuple[tuple[int, int, int, int], ImageFont.FreeTypeFont, int, int, int]:
    """Where the visible mark sits on an image of this size: its box, font, padding, line height and line gap."""
    short = min(width, height)
    lines = label_lines()
    face = font(label_font_size(short, lines))
    margin = max(4, round(short * 0.03))
    pad = max(3, round(short * 0.015))
    boxes = [face.getbbox(line) for line in lines]
    line_h = max(b[3] - b[1] for b in boxes)
    gap = round(line_h * 0.3)
    box_w = max(b[2] - b[0] for b in boxes) + 2 * pad
    box_h = len(lines) * line_h + (len(lines) - 1) * gap + 2 * pad
    return (margin, margin, min(width, margin + box_w), min(height, margin + box_h)), face, pad, line_h, gap


def label_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The visible mark's box on an image of this size (what covers the picture there)."""
    return _label_layout(width, height)[0]


def stamp(image: Image.Image, request=None) -> Image.Image:
    """A copy of `image` with the visible AIGC mark in the top-left corner.

    `request` is accepted so every backend calls the stamp the same way; the
    mark depends only on the image.
    """
    out = image.convert("RGB")  # always a copy
    region, face, pad, line_h, gap = _label_layout(*out.size)
    lines = label_lines()
    boxes = [face.getbbox(line) for line in lines]
    margin = region[0]
    # a box of the colour the corner has least of: dark box on a light corner, light box on a dark one
    luminance = ImageStat.Stat(out.crop(region).convert("L")).mean[0]
    box, ink = ((16, 16, 16), (255, 255, 255)) if luminance >= 128 else ((250, 250, 250), (10, 10, 10))
    draw = ImageDraw.Draw(out)
    draw.rectangle(region, fill=box)
    y = margin + pad
    for line, bbox in zip(lines, boxes):
        draw.text((margin + pad - bbox[0], y - bbox[1]), line, font=face, fill=ink)
        y += line_h + gap
    return out


def save_labelled(image: Image.Image, out: Path, label: dict) -> Path:
    """Write `image` as a PNG carrying `label` (an iTXt chunk per part, `label_texts`), atomically."""
    info = PngInfo()
    for key, text in label_texts(label).items():
        info.add_itxt(key, text)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)
    return atomic_write_bytes(Path(out), buffer.getvalue())


def label_and_save(image: Image.Image, request, out: Path, models: list[str]) -> Path:
    """Stamp the visible mark, label the stamped pixels, and save: what every backend ends with."""
    stamped = stamp(image, request)
    label = aigc_label(request.shot_id, pixel_sha256(stamped), models, "image", HASH_SCOPE)
    return save_labelled(stamped, out, label)
