"""A character's reference image: the picture a person gives (or the first approved frame) that image backends
draw the character from.

`checked_reference` opens a file with Pillow and holds it to a sane size before it is kept;
`reference_colours` are its dominant colours, what the storyboard draws the figure in; `reference_picture`
is it as an RGB image at a given size, what image-to-image and image edits start from.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from tools.errors import InputError

FORMATS = {"PNG": ".png", "JPEG": ".jpg"}
MIN_SIDE, MAX_SIDE = 64, 8192  # pixels: smaller shows no face, larger is no reference but a poster
COLOURS = 3  # clothes, hair, accent: as a sheet's palette


def checked_reference(path: Path) -> str:
    """The file's suffix to keep it under (.png or .jpg) once it opens as a PNG or JPEG of a sane size; an
    InputError in one line if it does not."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            kind, size = image.format, image.size
            image.verify()
    except FileNotFoundError:
        raise InputError(f"no image at {path}") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"{path.name} is not an image Pillow can open ({type(exc).__name__})") from None
    if kind not in FORMATS:
        raise InputError(f"{path.name} is a {kind} image; a reference is a PNG or a JPEG")
    if min(size) < MIN_SIDE or max(size) > MAX_SIDE:
        raise InputError(
            f"{path.name} is {size[0]}x{size[1]}: a reference is {MIN_SIDE} to {MAX_SIDE} pixels on each side"
        )
    return FORMATS[kind]


def reference_picture(path: Path, size: tuple[int, int]) -> Image.Image:
    """The reference as RGB, cropped to `size`'s aspect and scaled to it."""
    with Image.open(path) as image:
        return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)


def reference_colours(path: Path) -> list[str]:
    """The reference's COLOURS most common colours (median cut over a 64x64 sample of its pixels), most common first, as hex:
    the same file gives the same colours."""
    path = Path(path)
    stat = path.stat()
    return list(_colours(str(path), stat.st_size, stat.st_mtime_ns))


@lru_cache(maxsize=64)
def _colours(path: str, size: int, mtime: int) -> tuple[str, ...]:
    with Image.open(path) as image:
        small = image.convert("RGB").resize((64, 64), Image.Resampling.NEAREST)  # samples: no blended edges
    quantized = small.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette = quantized.getpalette() or []
    counts = sorted(quantized.getcolors() or [], key=lambda item: (-item[0], item[1]))
    return tuple("#%02x%02x%02x" % tuple(palette[3 * index : 3 * index + 3]) for _, index in counts)
