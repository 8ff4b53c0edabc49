"""How burned-in subtitles look: font, size, place, colours, outline, and how many characters a line holds.

Set in room.toml's `[subtitles]` table; every field has a default that fits a
9:16 frame. Sizes are pixels on the 1080 x 1920 reference frame (a smaller
render scales them). A line holds, unless set, as many characters as fit at the
size: about 14 Chinese characters or 26 Latin ones at 64 px, never more than
16 Chinese characters (the platforms' norm for a vertical frame).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Hex = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]

BASE_SIZE = 64  # px: the size the line lengths below are measured at
CJK_CHARS_AT_BASE, LATIN_CHARS_AT_BASE = 14, 26
MAX_CJK_CHARS = 16
ALIGNMENT = {"bottom": 2, "middle": 10, "top": 6}  # centred; libass reads force_style with SSA numbers (not numpad)


class SubtitleStyle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    font: str | None = None  # a .ttf/.otf/.ttc file; None = the bundled CJK font
    size: int = Field(BASE_SIZE, ge=24, le=160)
    position: Literal["bottom", "middle", "top"] = "bottom"
    margin: int = Field(400, ge=0, le=900)  # px from the bottom (or top) edge: clear of the platforms' buttons
    colour: Hex = "#ffffff"
    outline_colour: Hex = "#000000"
    outline: float = Field(4, ge=0, le=20)
    line_chars: int | None = Field(None, ge=4, le=60)  # characters a line holds; None = what fits at the size

    @field_validator("font")
    @classmethod
    def _font_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"no font file at {value}")
        return value

    def chars(self, cjk: bool) -> int:
        """How many characters a line of this text holds."""
        if cjk:
            fit = CJK_CHARS_AT_BASE * BASE_SIZE // self.size
            return max(4, min(self.line_chars or fit, MAX_CJK_CHARS))
        return self.line_chars or max(8, LATIN_CHARS_AT_BASE * BASE_SIZE // self.size)

    def ass(self, family: str, reference: tuple[int, int]) -> str:
        """The style as libass's force_style (colours as &HAABBGGRR)."""

        def colour(value: str, alpha: str = "00") -> str:
            r, g, b = value[1:3], value[3:5], value[5:7]
            return f"&H{alpha}{b}{g}{r}".upper()

        return ",".join(
            [
                f"PlayResX={reference[0]}",
                f"PlayResY={reference[1]}",
                f"FontName={family}",
                f"FontSize={self.size}",
                f"PrimaryColour={colour(self.colour)}",
                f"OutlineColour={colour(self.outline_colour)}",
                "BackColour=&H80000000",
                "BorderStyle=1",
                f"Outline={self.outline:g}",
                "Shadow=1",
                f"Alignment={ALIGNMENT[self.position]}",
                f"MarginV={self.margin}",
                "MarginL=60",
                "MarginR=60",
                "ScaledBorderAndShadow=yes",
            ]
        )
