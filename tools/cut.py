"""The edit, as data: which still shows when, which lines are spoken over it.

The editor builds a `Cut` from the shot list and the *real* durations of the
synthesised lines; the video renderer, the subtitle writer and the timeline
exporter all read the same `Cut`, so they cannot disagree about timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SpokenLine:
    speaker: str
    text: str
    audio: Path  # a WAV file
    start: float  # seconds from the start of its clip
    duration: float  # the audio's real duration


@dataclass(frozen=True)
class CutClip:
    shot_id: str
    image: Path  # a 1080x1920 PNG still
    start: float  # seconds from the start of the episode
    duration: float
    camera: str = "static"  # a CameraMove value: how the still moves
    lines: tuple[SpokenLine, ...] = ()


@dataclass
class Cut:
    clips: list[CutClip]
    title: str = ""
    lang: str = "en"
    width: int = 1080
    height: int = 1920
    fps: int = 30
    transition: float = 0.0  # seconds of crossfade between clips (0 = hard cuts)
    music: Path | None = None  # a music bed, ducked under speech
    metadata: dict = field(default_factory=dict)  # the machine-readable AIGC label

    @property
    def duration(self) -> float:
        return max((c.start + c.duration for c in self.clips), default=0.0)

    def spoken(self) -> list[tuple[float, SpokenLine]]:
        """Every line with its absolute start time, in order."""
        return [(clip.start + line.start, line) for clip in self.clips for line in clip.lines]
