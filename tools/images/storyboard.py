"""The default image backend: a storyboard panel drawn from the shot data.

Pure Pillow, deterministic (same request → same bytes) and fast, so a whole
episode can be boarded and cut on any machine with no model. The panel shows
what the director asked for: the location as a set (palette gradient, horizon
at the camera's eye line, simple set blocks), the framing of the shot size,
each character as the same figure in every shot (drawn from its visual sheet),
the camera move as arrows or brackets, and a caption band with the shot id and
the caption.

Figures are drawn in figure units: head top at y=0, feet at y=1, x=0 on the
figure's centre line; a framing turns units into pixels.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from tools.fonts import drawable
from tools.images.base import CharacterLook, ImageRequest, hex_to_rgb
from tools.images.reference import reference_colours
from tools.images.stamp import font, label_and_save, label_box
from tools.registry import BackendInfo

INFO = BackendInfo(
    name="storyboard",
    kind="images",
    packages=("PIL", "paperang_p2_fonts_cjk"),
    local=True,
)
MODEL_NAME = "writers-room-storyboard"
BAND_SHARE = 0.15  # caption band, share of the image height

RGB = tuple[int, int, int]

CLOTHES = ["#2f4b7c", "#a05195", "#d45087", "#f95d6a", "#ff7c43", "#2a9d8f", "#6a4c93", "#8d5524", "#3a5a40", "#b5179e"]
HAIR = ["#1b1b1b", "#3b2314", "#6f4e37", "#a0522d", "#d8b26e", "#b0b0b0", "#7b3f00", "#2c2c54"]
ACCENTS = ["#e9c46a", "#e76f51", "#f1faee", "#ffd166", "#06d6a0", "#ef476f", "#118ab2", "#c0c0c0"]
SKIN = ["#f1c27d", "#e0ac69", "#c68642", "#8d5524", "#ffdbac", "#f5cba7"]
HAIR_STYLES = ("short", "long", "bob", "bun", "ponytail", "spiky", "curly", "bald")
ACCESSORIES = ("glasses", "tie", "scarf", "hat", "earrings", "necklace", "bow")

# appearance tokens (English or Chinese) that pick a hair style, an accessory or a hair colour
_STYLE_WORDS = {
    "ponytail": ("ponytail", "马尾"),
    "bun": ("bun", "丸子", "发髻"),
    "bob": ("bob", "波波"),
    "curly": ("curly", "卷发"),
    "spiky": ("spiky", "刺猬"),
    "bald": ("bald", "光头"),
    "long": ("long hair", "长发"),
    "short": ("short hair", "短发"),
}
_ACCESSORY_WORDS = {
    "glasses": ("glasses", "spectacles", "眼镜"),
    "tie": ("necktie", " tie", "领带"),
    "scarf": ("scarf", "围巾"),
    "hat": ("hat", "cap", "帽"),
    "earrings": ("earring", "耳环", "耳坠"),
    "necklace": ("necklace", "pendant", "项链"),
    "bow": ("hair bow", "ribbon", "蝴蝶结"),
}
_HAIR_WORDS = {
    "#1b1b1b": ("black hair", "黑发"),
    "#6f4e37": ("brown hair", "棕发"),
    "#d8b26e": ("blond", "金发"),
    "#b0b0b0": ("silver hair", "grey hair", "gray hair", "white hair", "银发", "白发"),
    "#a83232": ("red hair", "红发"),
}

SIZE_NAMES = {
    "zh": {
        "extreme_wide": "大远景",
        "wide": "全景",
        "medium": "中景",
        "close_up": "特写",
        "extreme_close_up": "大特写",
    },
    "en": {
        "extreme_wide": "EXTREME WIDE",
        "wide": "WIDE",
        "medium": "MEDIUM",
        "close_up": "CLOSE-UP",
        "extreme_close_up": "EXTREME CLOSE-UP",
    },
}
MOVE_NAMES = {
    "zh": {
        "static": "固定",
        "push_in": "推",
        "pull_out": "拉",
        "pan_left": "左摇",
        "pan_right": "右摇",
        "tilt_up": "上摇",
        "tilt_down": "下摇",
    },
    "en": {
        "static": "STATIC",
        "push_in": "PUSH IN",
        "pull_out": "PULL OUT",
        "pan_left": "PAN LEFT",
        "pan_right": "PAN RIGHT",
        "tilt_up": "TILT UP",
        "tilt_down": "TILT DOWN",
    },
}


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _stable_rng(*parts: object) -> random.Random:
    """A Random seeded from the parts' text: the same in every process (str seeds are hashed with SHA-512)."""
    return random.Random("\x1f".join(str(p) for p in parts))


def _pick(tokens: str, words: dict[str, tuple[str, ...]]) -> str | None:
    for value, needles in words.items():
        if any(needle in tokens for needle in needles):
            return value
    return None


@dataclass(frozen=True)
class FigureStyle:
    """How one character is drawn, derived only from its CharacterLook."""

    name: str
    clothes: RGB
    hair: RGB
    accent: RGB
    skin: RGB
    hair_style: str
    accessory: str
    build: float  # shoulder width factor

    @property
    def trousers(self) -> RGB:
        return _mix(self.clothes, (20, 20, 28), 0.55)


def figure_style(look: CharacterLook) -> FigureStyle:
    """The same look → the same figure, in every shot: the reference's colours or the palette first, then tokens,
    then the seed."""
    rng = _stable_rng("figure", look.seed, look.name)
    # a reference image given for the character draws the figure in its colours
    colours = reference_colours(look.reference_image) if look.reference_image else look.palette
    palette = [hex_to_rgb(c) for c in colours]
    tokens = " " + " ".join(look.appearance).lower() + " "
    clothes = palette[0] if palette else hex_to_rgb(rng.choice(CLOTHES))
    hair_hex = _pick(tokens, _HAIR_WORDS)
    hair = palette[1] if len(palette) > 1 else hex_to_rgb(hair_hex or rng.choice(HAIR))
    accent = palette[2] if len(palette) > 2 else hex_to_rgb(rng.choice(ACCENTS))
    skin = hex_to_rgb(rng.choice(SKIN))
    style = _pick(tokens, _STYLE_WORDS) or rng.choice(HAIR_STYLES)
    accessory = _pick(tokens, _ACCESSORY_WORDS) or rng.choice(ACCESSORIES)
    build = rng.uniform(0.9, 1.15)
    return FigureStyle(look.name, clothes, hair, accent, skin, style, accessory, build)


class _Pen:
    """Draws in figure units at a pixel scale and origin."""

    def __init__(self, draw: ImageDraw.ImageDraw, cx: float, top: float, scale: float):
        self.draw, self.cx, self.top, self.scale = draw, cx, top, scale

    def p(self, x: float, y: float) -> tuple[float, float]:
        return (self.cx + x * self.scale, self.top + y * self.scale)

    def box(self, x0, y0, x1, y1) -> list[float]:
        (a, b), (c, d) = self.p(x0, y0), self.p(x1, y1)
        return [min(a, c), min(b, d), max(a, c), max(b, d)]

    def width(self, units: float) -> int:
        return max(1, round(units * self.scale))

    def ellipse(self, x0, y0, x1, y1, fill=None, outline=None, width=0.0):
        self.draw.ellipse(
            self.box(x0, y0, x1, y1), fill=fill, outline=outline, width=self.width(width) if outline else 0
        )

    def rect(self, x0, y0, x1, y1, fill, radius=0.0):
        if radius:
            self.draw.rounded_rectangle(self.box(x0, y0, x1, y1), radius=self.width(radius), fill=fill)
        else:
            self.draw.rectangle(self.box(x0, y0, x1, y1), fill=fill)

    def polygon(self, points, fill):
        self.draw.polygon([self.p(x, y) for x, y in points], fill=fill)

    def chord(self, x0, y0, x1, y1, start, end, fill):
        self.draw.chord(self.box(x0, y0, x1, y1), start, end, fill=fill)

    def line(self, points, fill, width):
        self.draw.line([self.p(x, y) for x, y in points], fill=fill, width=self.width(width))


def draw_figure(draw: ImageDraw.ImageDraw, style: FigureStyle, cx: float, top: float, scale: float) -> None:
    """One character, head top at `top`, `scale` pixels per figure height."""
    pen = _Pen(draw, cx, top, scale)
    sh = 0.13 * style.build  # half the shoulder width
    dark = (24, 22, 28)
    # legs and shoes
    pen.rect(-0.075, 0.52, -0.01, 0.97, style.trousers)
    pen.rect(0.01, 0.52, 0.075, 0.97, style.trousers)
    pen.ellipse(-0.085, 0.95, -0.005, 1.0, fill=dark)
    pen.ellipse(0.005, 0.95, 0.085, 1.0, fill=dark)
    # long hair falls behind the shoulders
    if style.hair_style == "long":
        pen.rect(-0.068, 0.03, 0.068, 0.26, style.hair, radius=0.03)
    # arms, torso with a shadow side, hands
    pen.rect(-sh - 0.045, 0.18, -sh + 0.01, 0.5, style.clothes, radius=0.02)
    pen.rect(sh - 0.01, 0.18, sh + 0.045, 0.5, style.clothes, radius=0.02)
    pen.polygon([(-sh, 0.17), (sh, 0.17), (0.1, 0.55), (-0.1, 0.55)], style.clothes)
    pen.polygon([(sh * 0.45, 0.17), (sh, 0.17), (0.1, 0.55), (0.045, 0.55)], _mix(style.clothes, dark, 0.18))
    pen.ellipse(-sh - 0.045, 0.48, -sh + 0.01, 0.54, fill=style.skin)
    pen.ellipse(sh - 0.01, 0.48, sh + 0.045, 0.54, fill=style.skin)
    # neck and head
    pen.rect(-0.022, 0.11, 0.022, 0.18, _mix(style.skin, dark, 0.12))
    pen.ellipse(-0.05, 0.0, 0.05, 0.13, fill=style.skin)
    _draw_hair(pen, style)
    if scale * 0.13 >= 14:  # a face only where it can be seen
        _draw_face(pen, style, dark)
    _draw_accessory(pen, style, sh)


def _draw_hair(pen: _Pen, style: FigureStyle) -> None:
    hair, kind = style.hair, style.hair_style
    if kind == "bald":
        pen.rect(-0.052, 0.045, -0.044, 0.075, hair)
        pen.rect(0.044, 0.045, 0.052, 0.075, hair)
        return
    pen.chord(-0.056, -0.012, 0.056, 0.1, 180, 360, hair)  # the cap, fringe above the brows
    if kind in ("long", "bob"):
        bottom = 0.2 if kind == "long" else 0.115
        pen.rect(-0.06, 0.03, -0.04, bottom, hair, radius=0.008)
        pen.rect(0.04, 0.03, 0.06, bottom, hair, radius=0.008)
    elif kind == "bun":
        pen.ellipse(-0.03, -0.05, 0.03, 0.008, fill=hair)
    elif kind == "ponytail":
        pen.ellipse(0.042, 0.015, 0.088, 0.15, fill=hair)
    elif kind == "spiky":
        pen.polygon(
            [
                (-0.056, 0.03),
                (-0.045, -0.035),
                (-0.025, 0.0),
                (-0.01, -0.045),
                (0.008, -0.002),
                (0.025, -0.04),
                (0.038, 0.0),
                (0.052, -0.028),
                (0.056, 0.03),
            ],
            hair,
        )
    elif kind == "curly":
        for x, y in ((-0.05, 0.02), (-0.03, -0.012), (0.0, -0.02), (0.03, -0.012), (0.05, 0.02)):
            pen.ellipse(x - 0.02, y - 0.02, x + 0.02, y + 0.02, fill=hair)


def _draw_face(pen: _Pen, style: FigureStyle, dark: RGB) -> None:
    for side in (-1, 1):
        x = side * 0.021
        pen.ellipse(x - 0.011, 0.054, x + 0.011, 0.068, fill=(250, 250, 248))
        pen.ellipse(x - 0.0055, 0.055, x + 0.0055, 0.067, fill=dark)
        pen.line([(x - 0.012, 0.047), (x + 0.01, 0.045 if side < 0 else 0.047)], style.hair, 0.004)
    pen.line([(0.0, 0.07), (0.005, 0.086), (-0.002, 0.088)], _mix(style.skin, dark, 0.35), 0.003)
    pen.chord(-0.016, 0.088, 0.016, 0.106, 0, 180, _mix(style.skin, (150, 30, 40), 0.6))


def _draw_accessory(pen: _Pen, style: FigureStyle, sh: float) -> None:
    accent, kind = style.accent, style.accessory
    if kind == "glasses":
        for x in (-0.021, 0.021):
            pen.ellipse(x - 0.017, 0.049, x + 0.017, 0.074, outline=accent, width=0.004)
        pen.line([(-0.004, 0.058), (0.004, 0.058)], accent, 0.004)
    elif kind == "tie":
        pen.polygon([(-0.012, 0.175), (0.012, 0.175), (0.007, 0.2), (-0.007, 0.2)], accent)
        pen.polygon([(-0.007, 0.2), (0.007, 0.2), (0.018, 0.38), (0.0, 0.41), (-0.018, 0.38)], accent)
    elif kind == "scarf":
        pen.rect(-0.06, 0.15, 0.06, 0.2, accent, radius=0.015)
        pen.rect(0.015, 0.18, 0.05, 0.34, accent, radius=0.01)
    elif kind == "hat":
        pen.rect(-0.054, -0.055, 0.054, 0.012, accent, radius=0.01)
        pen.rect(-0.088, 0.004, 0.088, 0.024, accent, radius=0.008)
    elif kind == "earrings":
        for x in (-0.053, 0.053):
            pen.ellipse(x - 0.009, 0.085, x + 0.009, 0.103, fill=accent)
    elif kind == "necklace":
        pen.chord(-0.06, 0.12, 0.06, 0.24, 0, 180, accent)
        pen.chord(-0.05, 0.12, 0.05, 0.225, 0, 180, style.clothes)
        pen.ellipse(-0.012, 0.218, 0.012, 0.245, fill=accent)
    elif kind == "bow":
        pen.polygon([(0.02, -0.005), (0.06, -0.03), (0.06, 0.02)], accent)
        pen.polygon([(0.02, -0.005), (-0.02, -0.03), (-0.02, 0.02)], accent)
        pen.ellipse(0.008, -0.016, 0.032, 0.006, fill=accent)


@dataclass(frozen=True)
class Framing:
    """Where figures stand for one shot size, as shares of the picture height (above the band)."""

    figure_height: float  # pixels per figure height / picture height
    head_top: float  # y of the head top / picture height
    horizon: float  # eye line / picture height
    max_figures: int


FRAMINGS = {
    "extreme_wide": Framing(0.15, 0.56, 0.45, 6),
    "wide": Framing(0.6, 0.3, 0.337, 6),
    "medium": Framing(1.65, 0.16, 0.26, 3),
    "close_up": Framing(2.85, 0.14, 0.31, 1),
    "extreme_close_up": Framing(7.7, -0.06, 0.4, 1),
}


def _location_palette(request: ImageRequest) -> list[RGB]:
    rng = _stable_rng("location", request.location)
    colours = [hex_to_rgb(c) for c in request.location_palette]
    defaults = [(rng.randint(90, 200), rng.randint(90, 200), rng.randint(110, 220)) for _ in range(3)]
    colours += defaults[len(colours) :]
    return colours[:3]  # wall, floor, accent: a longer style palette gives its first three


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    column = Image.new("RGB", (1, max(1, h)))
    column.putdata([_mix(top, bottom, y / max(1, h - 1)) for y in range(h)])
    return column.resize((w, h), Image.Resampling.NEAREST)


def _draw_set(image: Image.Image, request: ImageRequest, framing: Framing, picture_h: int) -> None:
    """Sky/wall and floor from the palette, and set blocks that stand on the horizon and scale with the shot."""
    w = image.width
    wall, floor, accent = _location_palette(request)
    horizon = round(framing.horizon * picture_h)
    image.paste(_gradient((w, max(1, horizon)), _mix(wall, (255, 255, 255), 0.25), wall), (0, 0))
    image.paste(_gradient((w, max(1, picture_h - horizon)), floor, _mix(floor, (0, 0, 0), 0.45)), (0, horizon))
    draw = ImageDraw.Draw(image)
    # the set: blocks placed in world units (figure heights) around the centre, seen at half the figure depth
    # a shot given a seed of its own (a redraw) is set anew; every other shot of a location looks the same
    rng = _stable_rng("set", request.location, *([request.shot_seed] if request.shot_seed is not None else []))
    scale = framing.figure_height * picture_h * 0.5
    soft = 0.55 if framing.figure_height > 2 else 0.0  # close shots: the set falls out of focus
    for _ in range(rng.randint(4, 7)):
        x = rng.uniform(-3.0, 3.0)
        bw, bh = rng.uniform(0.4, 1.3), rng.uniform(0.8, 3.0)
        colour = _mix(_mix(accent, wall, rng.uniform(0.0, 0.5)), wall, soft)
        x0, x1 = w / 2 + x * scale, w / 2 + (x + bw) * scale
        y0 = horizon - bh * scale
        if x1 < 0 or x0 > w:
            continue
        draw.rectangle([x0, y0, x1, horizon], fill=colour)
        if rng.random() < 0.6:  # windows
            light = _mix(_mix(colour, (255, 240, 200), 0.55), wall, soft)
            cols, rows = rng.randint(1, 3), rng.randint(1, 4)
            for i in range(cols):
                for j in range(rows):
                    wx = x0 + (x1 - x0) * (i + 0.25) / cols
                    wy = y0 + (horizon - y0) * (j + 0.2) / (rows + 0.5)
                    draw.rectangle(
                        [wx, wy, wx + (x1 - x0) * 0.5 / cols, wy + (horizon - y0) * 0.45 / (rows + 0.5)], fill=light
                    )
    draw.line([(0, horizon), (w, horizon)], fill=_mix(floor, (0, 0, 0), 0.3), width=max(2, w // 360))


def _name_tag(draw: ImageDraw.ImageDraw, name: str, centre_x: float, bottom_y: float, colour: RGB, width: int) -> None:
    face = font(max(16, width // 36))
    name = drawable(name)
    text_w = face.getlength(name)
    box_h = face.size * 1.35
    pad = face.size * 0.4
    dot = face.size * 0.55
    total = text_w + dot + 3 * pad
    x0 = min(max(4, centre_x - total / 2), width - total - 4)
    y0 = max(4, bottom_y - box_h)
    draw.rounded_rectangle([x0, y0, x0 + total, y0 + box_h], radius=box_h / 3, fill=(28, 28, 34))
    draw.ellipse([x0 + pad, y0 + (box_h - dot) / 2, x0 + pad + dot, y0 + (box_h + dot) / 2], fill=colour)
    draw.text((x0 + 2 * pad + dot, y0 + box_h / 2), name, font=face, fill=(245, 245, 245), anchor="lm")


@dataclass(frozen=True)
class Placement:
    """Where one character's figure stands in a panel: its style, centre line, head top and scale (pixels)."""

    style: FigureStyle
    x: float
    top: float
    scale: float


def placements(request: ImageRequest, width: int, picture_h: int) -> tuple[list[Placement], FigureStyle | None]:
    """The figures a panel shows, front first, and the listener seen from behind over the shoulder (or None)."""
    framing = FRAMINGS[request.shot_size]
    styles = [figure_style(look) for look in request.characters]
    if not styles:
        return [], None
    shown = styles[: framing.max_figures]
    n = len(shown)
    scale = framing.figure_height * picture_h
    if n > 1:  # side by side: a figure is about 0.4 of its height wide; a group shot steps back to fit them
        scale = min(scale, width / (n * 0.42)) if framing.max_figures > 3 else scale / (1 + 0.3 * (n - 1))
    top = framing.head_top * picture_h
    over_shoulder = styles[1] if framing.max_figures == 1 and len(styles) > 1 and framing.figure_height < 5 else None
    xs = [width * (i + 0.5) / n for i in range(n)] if n > 1 else [width * (0.6 if over_shoulder else 0.5)]
    return [Placement(style, x, top, scale) for style, x in zip(shown, xs)], over_shoulder


def figure_layer(request: ImageRequest, name: str) -> Image.Image | None:
    """The character's figure as the panel shows it, alone on a transparent picture (the figures in front of it
    cut out): what the look check compares a frame's pixels with. None when the panel shows no figure of it."""
    picture_h = round(request.height * (1 - BAND_SHARE))
    shown, over_shoulder = placements(request, request.width, picture_h)
    layer = Image.new("RGBA", (request.width, picture_h))
    mine = [i for i, place in enumerate(shown) if place.style.name == name]
    if not mine:
        return None
    place = shown[mine[0]]
    draw_figure(ImageDraw.Draw(layer), place.style, place.x, place.top, place.scale)
    # what the panel draws over it: the figures in front, the listener's back, the name tags, the camera's
    # marks, the visible mark
    cover = Image.new("RGBA", layer.size)
    draw = ImageDraw.Draw(cover)
    for front in shown[: mine[0]]:
        draw_figure(draw, front.style, front.x, front.top, front.scale)
    _draw_overlays(draw, shown, over_shoulder, request.width, picture_h)
    _draw_camera(cover, request.camera, picture_h)
    draw.rectangle(label_box(request.width, request.height), fill=(0, 0, 0))
    layer.paste((0, 0, 0, 0), mask=cover.getchannel("A"))
    return layer


def _draw_cast(image: Image.Image, request: ImageRequest, picture_h: int) -> None:
    draw = ImageDraw.Draw(image)
    w = image.width
    shown, over_shoulder = placements(request, w, picture_h)
    for place in reversed(shown):  # the first character in front
        draw_figure(draw, place.style, place.x, place.top, place.scale)
    _draw_overlays(draw, shown, over_shoulder, w, picture_h)


def _draw_overlays(draw, shown: list[Placement], over_shoulder: FigureStyle | None, w: int, picture_h: int) -> None:
    """What a panel draws over its figures: the listener seen from behind, and the name tags."""
    if over_shoulder:  # the listener, seen from behind at the frame edge
        draw.ellipse([-0.25 * w, 0.86 * picture_h, 0.45 * w, 1.25 * picture_h], fill=over_shoulder.clothes)
        draw.ellipse([-0.08 * w, 0.58 * picture_h, 0.3 * w, 0.95 * picture_h], fill=over_shoulder.hair)
    if not shown:
        return
    # name tags above the heads (clear of hats and buns), or along the bottom when the head fills the top
    top, scale = shown[0].top, shown[0].scale
    above = top - 0.06 * scale - 0.012 * picture_h
    tag_bottom = above if above > 0.13 * picture_h else picture_h - 8
    for place in shown:
        _name_tag(draw, place.style.name, place.x, tag_bottom, place.style.clothes, w)
    if over_shoulder:
        _name_tag(draw, over_shoulder.name, 0.12 * w, picture_h - 8, over_shoulder.clothes, w)


def _arrow(draw: ImageDraw.ImageDraw, start, end, width: int) -> None:
    """A white arrow with a dark outline, head at `end`."""
    (x0, y0), (x1, y1) = start, end
    length = max(1e-6, ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head = width * 3.5
    base = (x1 - ux * head, y1 - uy * head)
    wing = ((-uy) * head * 0.6, ux * head * 0.6)
    triangle = [(x1, y1), (base[0] + wing[0], base[1] + wing[1]), (base[0] - wing[0], base[1] - wing[1])]
    for colour, extra in (((20, 20, 20), width // 2 + 2), ((255, 255, 255), 0)):
        draw.line([start, base], fill=colour, width=width + extra)
        draw.polygon(triangle, fill=colour, outline=colour, width=extra or 1)


def _bracket(draw: ImageDraw.ImageDraw, corner, dx: int, dy: int, arm: float, width: int) -> None:
    x, y = corner
    for colour, extra in (((20, 20, 20), width // 2 + 2), ((255, 255, 255), 0)):
        draw.line([(x + dx * arm, y), (x, y), (x, y + dy * arm)], fill=colour, width=width + extra, joint="curve")


def _draw_camera(image: Image.Image, camera: str, picture_h: int) -> None:
    """push_in: brackets converge; pull_out: they diverge; pan: horizontal arrow; tilt: vertical arrow."""
    if camera == "static":
        return
    draw = ImageDraw.Draw(image)
    w = image.width
    stroke = max(3, w // 135)
    if camera in ("push_in", "pull_out"):
        outer, inner = 0.07, 0.22
        arm = w * 0.09
        frame = inner if camera == "push_in" else outer
        for sx, sy in ((0, 0), (1, 0), (0, 1), (1, 1)):

            def at(share, sx=sx, sy=sy):
                return (
                    w * (share if sx == 0 else 1 - share),
                    picture_h * (share * 0.75 if sy == 0 else 1 - share * 0.75),
                )

            start, end = (at(outer), at(inner)) if camera == "push_in" else (at(inner), at(outer))
            _arrow(draw, start, end, stroke)
            _bracket(draw, at(frame), 1 if sx == 0 else -1, 1 if sy == 0 else -1, arm, stroke)
    elif camera in ("pan_left", "pan_right"):
        y = picture_h * 0.5
        left, right = (w * 0.15, y), (w * 0.85, y)
        _arrow(draw, right, left, stroke * 2) if camera == "pan_left" else _arrow(draw, left, right, stroke * 2)
    else:
        x = w * 0.9
        high, low = (x, picture_h * 0.25), (x, picture_h * 0.75)
        _arrow(draw, low, high, stroke * 2) if camera == "tilt_up" else _arrow(draw, high, low, stroke * 2)


_ATOM = re.compile(r"[A-Za-z0-9'’.,!?;:%\-]+|\s+|.", re.S)


def wrap_text(text: str, face, max_width: float, max_lines: int) -> list[str]:
    """Wrap by words for Latin script and by characters for CJK; an ellipsis past `max_lines`."""
    lines, current = [], ""
    for atom in _ATOM.findall(" ".join(drawable(text).split())):
        if face.getlength(current + atom) <= max_width or not current:
            current += atom
            continue
        lines.append(current.rstrip())
        current = atom.lstrip()
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and face.getlength(last + "…") > max_width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines


def _draw_band(image: Image.Image, request: ImageRequest, picture_h: int) -> None:
    w, h = image.size
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, picture_h, w, h], fill=(18, 18, 24))
    lang = "zh" if request.lang.lower().startswith("zh") else "en"
    margin = w * 0.045
    head = font(max(12, w // 30))
    size, move = SIZE_NAMES[lang][request.shot_size], MOVE_NAMES[lang][request.camera]
    heading = drawable(f"{request.shot_id}  ·  {size}  ·  {move}")
    y = picture_h + (h - picture_h) * 0.1
    draw.text((margin, y), heading, font=head, fill=(255, 200, 90))
    if request.location:
        place = wrap_text(request.location, head, w - 2 * margin - head.getlength(heading) - w * 0.04, 1)
        if place and place[0]:
            draw.text((w - margin, y), place[0], font=head, fill=(170, 170, 185), anchor="ra")
    body = font(max(14, w // 24))
    y += head.size * 1.6
    line_h = body.size * 1.3
    room = max(1, int((h - y - (h - picture_h) * 0.06) // line_h))
    for line in wrap_text(request.caption, body, w - 2 * margin, min(3, room)):
        draw.text((margin, y), line, font=body, fill=(245, 245, 245))
        y += line_h


class StoryboardBackend:
    """Draws storyboard panels; no model, no network."""

    info = INFO

    def models(self) -> list[str]:
        return [MODEL_NAME]

    def draw(self, request: ImageRequest) -> Image.Image:
        """The panel without the AIGC label."""
        w, h = request.width, request.height
        picture_h = round(h * (1 - BAND_SHARE))
        framing = FRAMINGS[request.shot_size]
        image = Image.new("RGB", (w, h))
        _draw_set(image, request, framing, picture_h)
        _draw_cast(image, request, picture_h)
        _draw_camera(image, request.camera, picture_h)
        _draw_band(image, request, picture_h)
        return image

    def render(self, request: ImageRequest, out: Path) -> Path:
        return label_and_save(self.draw(request), request, out, self.models())
