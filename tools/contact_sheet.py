"""A contact sheet: every storyboard frame of an episode on one labelled PNG.

Layout, top to bottom: a title band (the visible AIGC mark at its left, the
title beside it), then rows of `columns` thumbnails, 9:16 like the frames,
each above a caption band with its shot id. Gutters of GUTTER pixels surround
every cell. The sheet is an image the room publishes, so it carries the same
two labels as every frame (see `tools.images.stamp`): the visible mark, and the
JSON label in PNG text chunks whose sha256 is that of the sheet's own pixels.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from tools.errors import OutputError
from tools.fonts import drawable
from tools.images.stamp import HASH_SCOPE, font, pixel_sha256, save_labelled, stamp
from tools.labels import PROVENANCE_KEY, aigc_label, read_label

THUMB_WIDTH = 270  # a quarter of a 1080-wide frame
THUMB_HEIGHT = THUMB_WIDTH * 16 // 9
CAPTION_HEIGHT = 44
GUTTER = 12
BACKGROUND = (24, 24, 28)
CAPTION_BACKGROUND = (40, 40, 46)
INK = (240, 240, 240)


def _thumbnail(path: Path) -> Image.Image:
    try:
        with Image.open(path) as image:
            return ImageOps.fit(image.convert("RGB"), (THUMB_WIDTH, THUMB_HEIGHT), Image.Resampling.LANCZOS)
    except OSError as exc:
        raise OutputError(f"cannot read the frame {path}: {exc}") from None


def _models_in(paths: list[Path]) -> list[str]:
    """The models named in the frames' own AIGC labels: the sheet is made of their pixels."""
    models: set[str] = set()
    for path in paths:
        try:
            with Image.open(path) as image:
                label = read_label(getattr(image, "text", {}))
            models.update(label.get(PROVENANCE_KEY, {}).get("models", []))
        except (OSError, TypeError, AttributeError):
            continue  # an unlabelled frame names no model
    return sorted(models)


def _fit(text: str, size: int, width: int, smallest: int | None = None) -> tuple[str, ImageFont.FreeTypeFont]:
    """`text` in the bundled font at `size` px, or smaller down to `smallest`, then shortened
    with "…" until it fits in `width`."""
    for px in range(size, (smallest or size) - 1, -2):
        face = font(px)
        if face.getlength(text) <= width:
            return text, face
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…", face


def _mark_box(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where `stamp` puts the visible mark on an image of `size` (it depends only on the size)."""
    blank = Image.new("RGB", size, BACKGROUND)
    return ImageChops.difference(stamp(blank), blank).getbbox() or (0, 0, 0, 0)


def _band_height(width: int, grid_height: int) -> tuple[int, tuple[int, int, int, int]]:
    """The smallest title band that holds the visible mark (which grows with the sheet's short side)."""
    band = 0
    for _ in range(12):
        box = _mark_box((width, grid_height + band))
        need = box[3] + GUTTER
        if need <= band:
            break
        band = need
    return band, box


def contact_sheet(
    images: list[tuple[str, Path]], out: Path, *, title: str, columns: int = 4, models: list[str] | None = None
) -> Path:
    """Write the contact sheet of `images` ((shot id, PNG path) in order) to `out`, atomically.

    `models` defaults to the models named in the frames' own labels.
    """
    if not images:
        raise OutputError(f"no frames for the contact sheet {out}")
    cols = max(1, min(columns, len(images)))
    rows = math.ceil(len(images) / cols)
    cell_h = THUMB_HEIGHT + CAPTION_HEIGHT
    width = cols * THUMB_WIDTH + (cols + 1) * GUTTER
    grid_height = rows * cell_h + (rows + 1) * GUTTER
    band, mark = _band_height(width, grid_height)

    sheet = Image.new("RGB", (width, band + grid_height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    left = mark[2] + GUTTER
    text, face = _fit(" ".join(drawable(title).split()), max(14, band // 3), width - left - GUTTER, max(14, band // 6))
    draw.text((left, band / 2), text, font=face, fill=INK, anchor="lm")

    caption_size = CAPTION_HEIGHT * 11 // 20
    for index, (shot_id, path) in enumerate(images):
        row, col = divmod(index, cols)
        x = GUTTER + col * (THUMB_WIDTH + GUTTER)
        y = band + GUTTER + row * (cell_h + GUTTER)
        sheet.paste(_thumbnail(Path(path)), (x, y))
        draw.rectangle((x, y + THUMB_HEIGHT, x + THUMB_WIDTH - 1, y + cell_h - 1), fill=CAPTION_BACKGROUND)
        caption, face = _fit(drawable(str(shot_id)), caption_size, THUMB_WIDTH - 8)
        draw.text(
            (x + THUMB_WIDTH / 2, y + THUMB_HEIGHT + CAPTION_HEIGHT / 2), caption, font=face, fill=INK, anchor="mm"
        )

    stamped = stamp(sheet)
    if models is None:
        models = _models_in([Path(path) for _, path in images])
    label = aigc_label(title, pixel_sha256(stamped), list(models), "contact_sheet", HASH_SCOPE)
    return save_labelled(stamped, Path(out), label)
