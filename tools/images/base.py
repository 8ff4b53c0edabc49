"""What every image backend takes and gives.

`CharacterLook` is the art director's fixed visual sheet: the same tokens,
palette and seed go into every shot, so a character looks the same in every
shot and every episode. `ImageRequest` is one shot as the image backends see
it. A backend turns a request into a labelled 1080x1920 PNG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from tools.registry import BackendInfo

WIDTH = 1080
HEIGHT = 1920
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


# The director's shot list (agents.director) is written in these; the image tools and the video read them.
# (No docstrings: pydantic would put them in the shot list's JSON schema, which the model is handed.)
class ShotSize(StrEnum):  # how much of the scene a shot frames
    EXTREME_WIDE = "extreme_wide"
    WIDE = "wide"
    MEDIUM = "medium"
    CLOSE_UP = "close_up"
    EXTREME_CLOSE_UP = "extreme_close_up"


class CameraMove(StrEnum):  # how the still moves on screen
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"


SHOT_SIZES = tuple(size.value for size in ShotSize)
CAMERA_MOVES = tuple(move.value for move in CameraMove)


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """'#1e90ff', '1e90ff' or '#19f' → (r, g, b); ValueError for anything else."""
    match = _HEX.match(colour.strip())
    if not match:
        raise ValueError(f"not a hex colour: {colour!r}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _check_palette(palette: list[str]) -> None:
    for colour in palette:
        hex_to_rgb(colour)


@dataclass(frozen=True)
class CharacterLook:
    """A character's visual sheet: fixed in every shot."""

    name: str
    appearance: list[str] = field(default_factory=list)  # tokens: "short black hair", "round glasses"
    palette: list[str] = field(default_factory=list)  # hex: clothes, hair, accessory, ...
    seed: int = 0
    reference_image: Path | None = None

    def __post_init__(self) -> None:
        _check_palette(self.palette)


@dataclass(frozen=True)
class ImageRequest:
    """One shot for an image backend. `shot_size`/`camera` hold ShotSize/CameraMove values."""

    shot_id: str
    prompt: str = ""
    negative_prompt: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    seed: int = 0
    shot_seed: int | None = None  # a seed given to this shot alone (`room redraw --seed`): it is drawn with it
    shot_size: str = "medium"
    camera: str = "static"
    characters: list[CharacterLook] = field(default_factory=list)
    location: str = ""
    location_palette: list[str] = field(default_factory=list)
    caption: str = ""
    lang: str = "zh"

    def __post_init__(self) -> None:
        _check_palette(self.location_palette)
        # str() turns a ShotSize/CameraMove member into its plain value
        object.__setattr__(self, "shot_size", str(self.shot_size))
        object.__setattr__(self, "camera", str(self.camera))
        if self.shot_size not in SHOT_SIZES:
            raise ValueError(f"unknown shot size {self.shot_size!r}; known: {', '.join(SHOT_SIZES)}")
        if self.camera not in CAMERA_MOVES:
            raise ValueError(f"unknown camera move {self.camera!r}; known: {', '.join(CAMERA_MOVES)}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")

    @property
    def generation_seed(self) -> int:
        """The shot's own seed when it was given one; else the seed that keeps a character the same: the first
        character's, else the request's."""
        if self.shot_seed is not None:
            return self.shot_seed
        return self.characters[0].seed if self.characters else self.seed

    @property
    def reference_image(self) -> Path | None:
        """The picture the shot is drawn from: the first of its characters that has a reference image."""
        return next((look.reference_image for look in self.characters if look.reference_image), None)

    def prompt_with_looks(self) -> str:
        """The prompt with each character's fixed appearance tokens, the framing and the location."""
        parts = [self.prompt.strip()] if self.prompt.strip() else []
        for look in self.characters:
            if look.appearance:
                parts.append(f"{look.name}: {', '.join(look.appearance)}")
        parts.append(f"{self.shot_size.replace('_', ' ')} shot")
        if self.location:
            parts.append(self.location)
        parts.append("vertical 9:16 frame")
        return ", ".join(parts)


@runtime_checkable
class ImageBackend(Protocol):
    info: BackendInfo

    def models(self) -> list[str]:
        """Names of the models that make the image, for the AIGC label."""
        ...

    def render(self, request: ImageRequest, out: Path) -> Path:
        """Write the labelled PNG of the shot to `out` (atomically) and return its path."""
        ...
