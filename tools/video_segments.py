"""The episode's picture as segments that encode alone and are cached by what they show.

A segment is a run of frames made from one still (the body of a shot) or two
(the crossfade between shots). Its key covers everything its frames depend on
and nothing else: the stills' bytes, the camera move and where in the move the
segment starts, the subtitles and the AIGC label *as they fall on its own
frames*. So when a changed line makes one shot longer, only that shot (and its
crossfades) gets a new key; the shots after it move in time but keep their
keys and are not encoded again. Segments share the encoder settings and each
opens on a keyframe, so they join without re-encoding.

Motion on stills, cheaply:
- each PNG is decoded and scaled ONCE, then repeated with `loop`;
- pans, tilts and the static drift move a `crop` window over the scaled still
  (crop only offsets plane pointers, so it is free);
- push-in / pull-out rescale each frame (`scale` with `eval=frame`), the one
  per-frame cost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import srt

from tools.cut import Cut
from tools.ffmpeg import ffmpeg_exe, filter_value
from tools.fonts import drawable, font_family
from tools.images.stamp import label_font_size
from tools.labels import CORNER_TEXT, VISIBLE_TEXT, sha256_of

FORMAT_VERSION = 3  # bump when the filters below change what a key renders
LABEL_SECONDS = 2.5  # the large visible label (GB 45438-2025: at least 2 s at the start), then the corner mark
PRESET = "veryfast"  # measured: ~2.5x smaller files than superfast for ~1.3x the time
CRF = 21

PAN = 1.15  # pans and tilts travel over a still scaled to 115 %
ZOOM = 1.15  # push-in / pull-out between 100 % and 115 %
DRIFT = 1.04  # "static": a very slow drift over a still at 104 %

REFERENCE = (1080, 1920)  # the frame the sizes below are given on; other 9:16 sizes scale them
LABEL_TOP = 0.13  # share of the height: below the mark stamped on every frame (top-left, to about 0.1)
CORNER_SIZE = 40


@dataclass(frozen=True)
class Part:
    """One still's share of a segment."""

    image: Path
    camera: str
    length: int  # frames of the still's whole camera move (its clip, plus half a crossfade at each faded end)
    first: int  # the move's first frame that this segment shows


@dataclass(frozen=True)
class Segment:
    start: int  # the segment's first frame in the episode
    frames: int
    parts: tuple[Part, ...]  # one still, or two crossfading


@dataclass(frozen=True)
class Cue:
    """A subtitle on the frame grid: shown on frames [first, end)."""

    first: int
    end: int
    text: str


def plan(cut: Cut) -> list[Segment]:
    """The segments that tile the episode's frames, in order."""
    clips, bounds, halves = cut.ordered(), cut.frame_bounds(), cut.half_transitions()
    segments: list[Segment] = []
    for i, clip in enumerate(clips):
        before, after = halves[i], halves[i + 1]
        length = bounds[i + 1] - bounds[i] + before + after
        body = Part(Path(clip.image), clip.camera, length, 2 * before)
        segments.append(Segment(bounds[i] + before, bounds[i + 1] - bounds[i] - before - after, (body,)))
        if after:
            following = clips[i + 1]
            next_length = bounds[i + 2] - bounds[i + 1] + after + halves[i + 2]
            segments.append(
                Segment(
                    bounds[i + 1] - after,
                    2 * after,
                    (
                        Part(Path(clip.image), clip.camera, length, length - 2 * after),
                        Part(Path(following.image), following.camera, next_length, 0),
                    ),
                )
            )
    return segments


def frame_cues(subtitles: list[srt.Subtitle], fps: int) -> list[Cue]:
    """Subtitle cues moved onto the frame grid (a cue appears and goes on a frame anyway)."""
    cues = []
    for cue in subtitles:
        first, end = round(cue.start.total_seconds() * fps), round(cue.end.total_seconds() * fps)
        if end > first and cue.content.strip():
            cues.append(Cue(first, end, cue.content))
    return cues


def _frame_time(frame: int, fps: int) -> timedelta:
    """Half a frame before `frame`: libass then shows the cue from exactly that frame, whatever its rounding."""
    return timedelta(milliseconds=max(0, round((frame - 0.5) * 1000 / fps)))


def segment_srt(segment: Segment, cues: list[Cue], fps: int) -> str:
    """The cues that show on the segment's frames, timed from its first frame."""
    end = segment.start + segment.frames
    inside = [c for c in cues if c.first < end and c.end > segment.start]
    return srt.compose(
        [
            srt.Subtitle(
                index=k + 1,
                start=_frame_time(max(c.first - segment.start, 0), fps),
                end=_frame_time(min(c.end, end) - segment.start, fps),
                content=drawable(c.text),
            )
            for k, c in enumerate(inside)
        ],
        reindex=False,
    )


def label_switch(segment: Segment, fps: int, total: int) -> int:
    """The frame of the segment (0..frames) where the large label gives way to the corner mark."""
    switch = min(round(LABEL_SECONDS * fps), total)
    return max(0, min(switch - segment.start, segment.frames))


def subtitle_font_of(cut: Cut, font: Path) -> Path:
    """The subtitles' font: the style's own file, else the render's."""
    return Path(cut.subtitles.font) if cut.subtitles.font else font


def segment_key(segment: Segment, cut: Cut, subtitles: str, switch: int, font: Path, hashes: dict[Path, str]) -> str:
    """A hash of everything the segment's frames depend on."""
    for part in segment.parts:
        if part.image not in hashes:
            hashes[part.image] = sha256_of(part.image) if part.image.is_file() else f"missing:{part.image}"
    subtitle_font = subtitle_font_of(cut, font)
    for used in (font, subtitle_font):
        if used not in hashes:
            hashes[used] = sha256_of(used)
    described = {
        "version": FORMAT_VERSION,
        "size": [cut.width, cut.height, cut.fps],
        "frames": segment.frames,
        "parts": [[hashes[p.image], p.camera, p.length, p.first] for p in segment.parts],
        "subtitles": subtitles,
        "label": [switch, VISIBLE_TEXT, CORNER_TEXT],
        "font": hashes[font],
        "subtitle_style": [cut.subtitles.model_dump(exclude={"font"}), hashes[subtitle_font]],
        "encoder": [PRESET, CRF],
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# -- filters ------------------------------------------------------------------------------


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _source_size(camera: str, width: int, height: int) -> tuple[int, int]:
    if camera in ("push_in", "pull_out"):
        return width, height
    factor = PAN if camera in ("pan_left", "pan_right", "tilt_up", "tilt_down") else DRIFT
    return _even(width * factor), _even(height * factor)


def motion(camera: str, width: int, height: int, length: int, first: int = 0) -> str:
    """Filters that turn one scaled still (repeated by `loop`) into frames `first`.. of a `length`-frame move."""
    p = f"((n+{first})/{max(length - 1, 1)})"
    if camera in ("push_in", "pull_out"):
        zoom = f"(1+{ZOOM - 1:.4f}*{p})" if camera == "push_in" else f"({ZOOM:.4f}-{ZOOM - 1:.4f}*{p})"
        # crop's own centring reads the size the link had at set-up, so it is spelled out per frame
        half_w, half_h = width // 2, height // 2
        return (
            f"scale=w='2*round({half_w}*{zoom})':h='2*round({half_h}*{zoom})':eval=frame:flags=bilinear,"
            f"crop={width}:{height}:x='round({half_w}*{zoom})-{half_w}':y='round({half_h}*{zoom})-{half_h}'"
            f":exact=1"
        )
    big_w, big_h = _source_size(camera, width, height)
    dx, dy = big_w - width, big_h - height
    if camera in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
        x = {"pan_left": f"{dx}*(1-{p})", "pan_right": f"{dx}*{p}"}.get(camera, f"{dx // 2}")
        y = {"tilt_up": f"{dy}*(1-{p})", "tilt_down": f"{dy}*{p}"}.get(camera, f"{dy // 2}")
        return f"crop={width}:{height}:x='{x}':y='{y}':exact=1"
    return f"crop={width}:{height}:x='{dx}*{p}':y='{dy}*(0.25+0.5*{p})':exact=1"  # static: a slow drift


def _still(index: int, part: Part, frames: int, cut: Cut) -> str:
    src_w, src_h = _source_size(part.camera, cut.width, cut.height)
    return (
        f"[{index}:v]scale={src_w}:{src_h}:force_original_aspect_ratio=increase"
        f":flags=bicubic:out_color_matrix=bt709:out_range=tv,crop={src_w}:{src_h},setsar=1,format=yuv420p,"
        f"loop=loop={frames - 1}:size=1:start=0,setpts=N/({cut.fps}*TB),"
        f"{motion(part.camera, cut.width, cut.height, part.length, part.first)}"
    )


def _overlays(cut: Cut, font: Path, srt_path: Path | None, switch: int, frames: int) -> str:
    """Burned-in subtitles, then the large label until `switch` and the corner mark from it.

    Sizes are set on the 1080 x 1920 reference frame and scaled to the cut's
    (libass scales the subtitles itself), so a smaller render looks the same;
    the large label's glyphs are at least 5 % of the frame's short side tall
    (`label_font_size`, as on the stills).
    """
    steps = []

    def px(size: int) -> int:
        return max(1, round(size * cut.height / REFERENCE[1]))

    if srt_path is not None:
        subtitle_font = subtitle_font_of(cut, font)
        style = cut.subtitles.ass(font_family(subtitle_font), REFERENCE)
        steps.append(
            f"subtitles=filename={filter_value(str(srt_path))}:fontsdir={filter_value(str(subtitle_font.parent))}"
            f":force_style={filter_value(style)}"
        )
    fontfile = filter_value(str(font))
    if switch > 0:
        steps.append(
            f"drawtext=fontfile={fontfile}:text={filter_value(VISIBLE_TEXT)}:expansion=none"
            f":fontsize={label_font_size(min(cut.width, cut.height), [VISIBLE_TEXT])}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw={px(28)}"
            f":x=(w-text_w)/2:y=h*{LABEL_TOP}" + (f":enable='lt(n,{switch})'" if switch < frames else "")
        )
    if switch < frames:
        steps.append(
            f"drawtext=fontfile={fontfile}:text={filter_value(CORNER_TEXT)}:expansion=none"
            f":fontsize={px(CORNER_SIZE)}:fontcolor=white@0.85:box=1:boxcolor=black@0.4:boxborderw={px(12)}"
            f":x=w-text_w-{px(48)}:y=h*0.06" + (f":enable='gte(n,{switch})'" if switch > 0 else "")
        )
    return ",".join(steps + ["format=yuv420p"])


def segment_command(
    segment: Segment, cut: Cut, out: Path, *, font: Path, srt_path: Path | None, switch: int
) -> list[str]:
    """The ffmpeg command that encodes one segment (video only) into `out`."""
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    for part in segment.parts:  # one frame each: decoded once, repeated in the graph
        args += ["-f", "image2", "-pattern_type", "none", "-framerate", str(cut.fps), "-i", str(part.image)]
    graph = [f"{_still(k, part, segment.frames, cut)}[p{k}]" for k, part in enumerate(segment.parts)]
    if len(segment.parts) == 2:
        graph.append(f"[p0][p1]xfade=transition=fade:duration={segment.frames / cut.fps:.6f}:offset=0[joined]")
    joined = "[joined]" if len(segment.parts) == 2 else "[p0]"
    graph.append(f"{joined}{_overlays(cut, font, srt_path, switch, segment.frames)}[vout]")
    return args + [
        "-filter_complex",
        ";".join(graph),
        "-map",
        "[vout]",
        "-frames:v",
        str(segment.frames),
        "-c:v",
        "libx264",
        "-preset",
        PRESET,
        "-crf",
        str(CRF),
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(cut.fps),
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
        "-an",
        "-f",
        "mp4",
        str(out),
    ]
