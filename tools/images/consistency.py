"""Does a character look the same from shot to shot? Deterministic, offline measures on the frames themselves.

Two measures, each named in what the look check writes:

- `figure_match`: where the renderer knows where it drew whom (the storyboard), the share of the figure's own
  pixels (the figure drawn alone from the character's sheet, the figures in front of it cut out) that the frame
  shows in the sheet's colours. 1.0: every visible pixel of the figure is the sheet's; a figure drawn from another
  palette scores near 0.
- `frame_similarity`: for any backend, how alike two frames are: the mean of a colour-histogram intersection
  (4 bins a channel) and a 64-bit difference hash (dHash) similarity. It says whether the frames share a look,
  not who is in them; the region is the whole frame.
"""

from __future__ import annotations

from PIL import Image, ImageChops

FIGURE_METHOD = "storyboard figure pixels vs the sheet's figure (share within 12/255 per channel)"
FRAME_METHOD = "colour histogram intersection (64 bins) + 64-bit dHash, mean; whole frame"
TOLERANCE = 12  # per channel: anti-aliased edges and PNG round trips stay inside it, another colour does not
MIN_PIXELS = 50  # fewer visible pixels of a figure say nothing about its colours
BINS = 4


def figure_match(frame: Image.Image, layer: Image.Image) -> float | None:
    """Share of the figure's visible pixels (`layer`'s opaque pixels, top-left aligned with `frame`) that the
    frame shows within TOLERANCE of the figure's colour; None when fewer than MIN_PIXELS are visible."""
    alpha = layer.getchannel("A").point(lambda v: 255 if v == 255 else 0)
    visible = alpha.histogram()[255]
    if visible < MIN_PIXELS:
        return None
    picture = frame.convert("RGB").crop((0, 0, *layer.size))
    diff = ImageChops.difference(picture, layer.convert("RGB"))
    close = [band.point(lambda v: 255 if v <= TOLERANCE else 0) for band in diff.split()]
    same = ImageChops.multiply(ImageChops.multiply(close[0], close[1]), ImageChops.multiply(close[2], alpha))
    return same.histogram()[255] / visible


def colour_histogram(image: Image.Image) -> list[float]:
    """The image's colours in BINS³ bins, as shares summing to 1."""
    small = image.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR)
    counts = [0] * BINS**3
    step = 256 // BINS
    for r, g, b in small.getdata():
        counts[(r // step) * BINS * BINS + (g // step) * BINS + b // step] += 1
    total = sum(counts)
    return [c / total for c in counts]


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: whether each pixel of a 9x8 greyscale thumbnail is brighter than its right neighbour."""
    grey = image.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
    pixels = list(grey.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return bits


def frame_similarity(a: Image.Image, b: Image.Image) -> float:
    """FRAME_METHOD: 1.0 for the same picture, lower the more the colours and the layout differ."""
    histogram = sum(min(x, y) for x, y in zip(colour_histogram(a), colour_histogram(b)))
    hashed = 1 - bin(dhash(a) ^ dhash(b)).count("1") / 64
    return (histogram + hashed) / 2
