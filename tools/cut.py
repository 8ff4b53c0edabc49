"""The edit, as data: which still shows when, which lines are spoken over it.

The editor builds a `Cut` from the shot list and the *real* durations of the
synthesised lines; the video renderer, the subtitle writer and the timeline
exporter all read the same `Cut`, so they cannot disagree about timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tools.labels import METADATA_KEY, aigc_label, sha256_of
from tools.subtitle_style import SubtitleStyle

INPUTS_SCOPE = "sha256 of the concatenated sha256 hex digests of the stills, then the spoken lines' audio"
FPS = 30  # the frame grid every cut is timed on
# what an episode is rendered at (width, height, fps): the delivery size, a draft for previews (the same cut,
# smaller), and the smallest whole episode, for checking the pipeline many times (the property tests)
RENDER_SIZES = {"full": (1080, 1920, FPS), "draft": (270, 480, 10), "tiny": (72, 128, 4)}


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
    transition_in: float | None = None  # seconds of crossfade from the clip before (None: the cut's own)


@dataclass
class Cut:
    clips: list[CutClip]
    title: str = ""
    lang: str = "en"
    width: int = 1080
    height: int = 1920
    fps: int = FPS
    transition: float = 0.0  # seconds of crossfade between clips (0 = hard cuts)
    music: Path | None = None  # a music bed, ducked under speech
    subtitles: SubtitleStyle = SubtitleStyle()  # how its burned-in subtitles look and wrap
    metadata: dict = field(default_factory=dict)  # the machine-readable AIGC label

    @property
    def duration(self) -> float:
        return max((c.start + c.duration for c in self.clips), default=0.0)

    def spoken(self) -> list[tuple[float, SpokenLine]]:
        """Every line with its absolute start time, in order."""
        return [(clip.start + line.start, line) for clip in self.clips for line in clip.lines]

    def ordered(self) -> list[CutClip]:
        return sorted(self.clips, key=lambda c: c.start)

    def frame_bounds(self) -> list[int]:
        """The frame grid every renderer shares: clip i (in time order) spans frames [b[i], b[i+1])."""
        clips = self.ordered()
        bounds = [0] + [round(c.start * self.fps) for c in clips[1:]] + [round(self.duration * self.fps)]
        for i in range(1, len(bounds)):
            bounds[i] = max(bounds[i], bounds[i - 1] + 1)  # every clip gets at least one frame
        return bounds

    def half_transitions(self) -> list[int]:
        """Frames a crossfade takes on each side of every cut point: entry i is the fade into clip i.

        The first and last entries (the episode's edges) are 0, as is a hard
        cut; a fade never takes a clip's every frame, so each keeps one of its own.
        """
        clips, bounds = self.ordered(), self.frame_bounds()
        lengths = [b - a for a, b in zip(bounds, bounds[1:])]
        halves = [0] * (len(clips) + 1)
        for i in range(1, len(clips)):
            seconds = self.transition if clips[i].transition_in is None else clips[i].transition_in
            halves[i] = max(0, min(round(seconds * self.fps / 2), (lengths[i - 1] - 1) // 2, (lengths[i] - 1) // 2))
        return halves

    def label(self, name: str, kind: str) -> dict:
        """The cut's AIGC label, or one whose hash covers every still and line that went in."""
        if METADATA_KEY in self.metadata:
            return dict(self.metadata)
        parts = [sha256_of(Path(c.image)) for c in self.clips if Path(c.image).is_file()]
        parts += [sha256_of(Path(line.audio)) for _, line in self.spoken() if Path(line.audio).is_file()]
        return aigc_label(name, sha256_of("".join(parts).encode()), [], kind, INPUTS_SCOPE)
