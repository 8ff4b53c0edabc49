"""The episode video: stills with motion, dialogue, music bed, subtitles, AIGC label.

One ffmpeg process renders the whole episode from a filter graph built here
from the `Cut`. Frame-by-frame compositing in Python (moviepy) measured 5.7x
slower for the same result; here the encoder is almost all the cost:

- each PNG is decoded and scaled ONCE, then repeated with `loop` (ffmpeg's
  `-loop 1` input decodes the PNG again for every frame: ~50 ms a frame);
- pans, tilts and the static drift move a `crop` window over the scaled still:
  crop only offsets plane pointers, so it is free;
- push-in / pull-out rescale each frame (`scale` with `eval=frame`), the one
  per-frame cost; measured a little cheaper and steadier than `zoompan`.

Timing comes from the cut (itself from the real audio): every clip gets the
frames between its start and the next clip's start, rounded on one frame grid,
so the total is the cut's duration to the frame. Crossfades are centred on the
cut point and do not change the total.
"""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
from pathlib import Path

from graphs.errors import OutputError
from tools.ffmpeg import ffmpeg_exe
from tools.files import atomic_target
from tools.cut import Cut, CutClip
from tools.labels import CORNER_TEXT, METADATA_KEY, VISIBLE_TEXT, aigc_label, label_json, sha256_of
from tools.registry import MissingPackageError

LABEL_SECONDS = 2.5  # the large visible label, then the corner mark
SAMPLE_RATE = 48000
PRESET = "veryfast"  # measured: ~2.5x smaller files than superfast for ~1.3x the time
CRF = 21

PAN = 1.15  # pans and tilts travel over a still scaled to 115 %
ZOOM = 1.15  # push-in / pull-out between 100 % and 115 %
DRIFT = 1.04  # "static": a very slow drift over a still at 104 %

SUBTITLE_SIZE = 64  # px on the 1080 x 1920 frame (tools.subtitles wraps for it)
SUBTITLE_MARGIN = 400  # px above the bottom edge, clear of the platforms' buttons
LABEL_SIZE = 72
CORNER_SIZE = 40

# ffmpeg's consequences of an error, not its cause
_CONSEQUENCES = ("conversion failed", "error opening output file", "error opening input file", "nothing was written",
                 "error while filtering", "task finished with error code", "terminating thread", "last message repeated",
                 "could not open encoder before eof", "cannot determine format of input", "decode error rate",
                 "output file does not contain any stream", "error while processing the decoded data")
_PREFIX = re.compile(r"^(?:\[[^\]]*\]\s*)+")
_INPUT = re.compile(r"\[(?:in#|[vas]?ist#)(\d+)")


def probe(path: Path) -> dict:
    """What a video file holds, read with PyAV: size, codecs, duration, metadata tags."""
    try:
        import av
    except ImportError:
        raise MissingPackageError("probing video needs PyAV: pip install av") from None
    with av.open(str(path)) as container:
        video = next((s for s in container.streams if s.type == "video"), None)
        audio = next((s for s in container.streams if s.type == "audio"), None)
        return {
            "width": video.codec_context.width if video else None,
            "height": video.codec_context.height if video else None,
            "video_codec": video.codec_context.name if video else None,
            "pix_fmt": video.codec_context.pix_fmt if video else None,
            "fps": float(video.average_rate) if video and video.average_rate else None,
            "frames": video.frames if video else 0,
            "audio_codec": audio.codec_context.name if audio else None,
            "sample_rate": audio.codec_context.sample_rate if audio else None,
            "channels": audio.codec_context.channels if audio else None,
            "duration": container.duration / 1_000_000 if container.duration else 0.0,
            "metadata": dict(container.metadata),
        }


# -- escaping -----------------------------------------------------------------------------


def _option_value(value: str) -> str:
    """Escape a value for a filter's option list, then for the filter graph around it.

    ffmpeg parses filter arguments twice: the graph parser (which splits on
    `,;[]`) and the filter's option parser (which splits on `:`). Each level
    honours backslash escapes, so a path such as `/tmp/it's: a, test` survives.
    """
    level1 = "".join("\\" + c if c in "\\':" else c for c in value)
    return "".join("\\" + c if c in "\\'[],;" else c for c in level1)


def font_family(font: Path) -> str:
    """The family name in a TrueType/OpenType file (first face of a .ttc): libass selects fonts by it."""
    try:
        data = Path(font).read_bytes()
    except OSError as exc:
        raise OutputError(f"cannot read the font {font}: {exc.strerror or exc}") from None
    base = struct.unpack_from(">I", data, 12)[0] if data[:4] == b"ttcf" else 0
    (tables,) = struct.unpack_from(">H", data, base + 4)
    for i in range(tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, base + 12 + 16 * i)
        if tag != b"name":
            continue
        _, count, strings = struct.unpack_from(">HHH", data, offset)
        names = {}
        for j in range(count):
            platform, _, language, name_id, length, at = struct.unpack_from(">HHHHHH", data, offset + 6 + 12 * j)
            if name_id != 1:
                continue
            raw = data[offset + strings + at: offset + strings + at + length]
            if platform in (0, 3):
                names[(platform != 3, language != 0x409)] = raw.decode("utf-16-be", "replace")
            elif platform == 1:
                names[(True, True)] = raw.decode("latin-1")
        if names:
            return names[min(names)]  # Windows, US English first
    raise OutputError(f"no font family name in {font}")


# -- the filter graph -------------------------------------------------------------------


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _clip_frames(cut: Cut, clips: list[CutClip]) -> list[int]:
    """Frame boundaries on one grid: clip i spans frames [b[i], b[i+1]); the first clip opens the video."""
    bounds = [0] + [round(c.start * cut.fps) for c in clips[1:]] + [round(cut.duration * cut.fps)]
    for i in range(1, len(bounds)):
        bounds[i] = max(bounds[i], bounds[i - 1] + 1)  # every clip gets at least one frame
    return bounds


def _motion(camera: str, width: int, height: int, frames: int) -> str:
    """Filters that turn one scaled frame (`loop` repeats it) into `frames` frames of camera move."""
    last = max(frames - 1, 1)
    p = f"(n/{last})"
    if camera in ("push_in", "pull_out"):
        zoom = f"(1+{ZOOM - 1:.4f}*{p})" if camera == "push_in" else f"({ZOOM:.4f}-{ZOOM - 1:.4f}*{p})"
        # crop's own centring reads the size the link had at set-up, so it is spelled out per frame
        half_w, half_h = width // 2, height // 2
        return (f"scale=w='2*round({half_w}*{zoom})':h='2*round({half_h}*{zoom})':eval=frame:flags=bilinear,"
                f"crop={width}:{height}:x='round({half_w}*{zoom})-{half_w}':y='round({half_h}*{zoom})-{half_h}'"
                f":exact=1")
    if camera in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
        big_w, big_h = _even(width * PAN), _even(height * PAN)
        dx, dy = big_w - width, big_h - height
        x = {"pan_left": f"{dx}*(1-{p})", "pan_right": f"{dx}*{p}"}.get(camera, f"{dx // 2}")
        y = {"tilt_up": f"{dy}*(1-{p})", "tilt_down": f"{dy}*{p}"}.get(camera, f"{dy // 2}")
        return f"crop={width}:{height}:x='{x}':y='{y}':exact=1"
    big_w, big_h = _even(width * DRIFT), _even(height * DRIFT)  # static: a slow diagonal drift
    dx, dy = big_w - width, big_h - height
    return f"crop={width}:{height}:x='{dx}*{p}':y='{dy}*(0.25+0.5*{p})':exact=1"


def _source_size(camera: str, width: int, height: int) -> tuple[int, int]:
    if camera in ("push_in", "pull_out"):
        return width, height
    factor = PAN if camera in ("pan_left", "pan_right", "tilt_up", "tilt_down") else DRIFT
    return _even(width * factor), _even(height * factor)


def _video_graph(cut: Cut, clips: list[CutClip], first_input: int, font: Path, srt_path: Path) -> list[str]:
    fps, width, height = cut.fps, cut.width, cut.height
    bounds = _clip_frames(cut, clips)
    shortest = min(b - a for a, b in zip(bounds, bounds[1:]))
    half = min(round(cut.transition * fps / 2), (shortest - 1) // 2) if len(clips) > 1 else 0
    graph: list[str] = []
    for i, clip in enumerate(clips):
        frames = bounds[i + 1] - bounds[i] + (half if i > 0 else 0) + (half if i < len(clips) - 1 else 0)
        src_w, src_h = _source_size(clip.camera, width, height)
        graph.append(
            f"[{first_input + i}:v]scale={src_w}:{src_h}:force_original_aspect_ratio=increase"
            f":flags=bicubic:out_color_matrix=bt709:out_range=tv,crop={src_w}:{src_h},setsar=1,format=yuv420p,"
            f"loop=loop={frames - 1}:size=1:start=0,setpts=N/({fps}*TB),"
            f"{_motion(clip.camera, width, height, frames)}[v{i}]"
        )
    if len(clips) == 1:
        joined = "[v0]"
    elif half:
        previous = "[v0]"
        for i in range(1, len(clips)):
            offset = (bounds[i] - half) / fps
            graph.append(f"{previous}[v{i}]xfade=transition=fade:duration={2 * half / fps:.6f}"
                         f":offset={offset:.6f}[x{i}]")
            previous = f"[x{i}]"
        joined = previous
    else:
        graph.append("".join(f"[v{i}]" for i in range(len(clips))) + f"concat=n={len(clips)}:v=1:a=0[joined]")
        joined = "[joined]"

    family = font_family(font)
    style = ",".join([
        f"PlayResX={width}", f"PlayResY={height}", f"FontName={family}", f"FontSize={SUBTITLE_SIZE}",
        "PrimaryColour=&H00FFFFFF", "OutlineColour=&H00000000", "BackColour=&H80000000",
        "BorderStyle=1", "Outline=4", "Shadow=1", "Alignment=2",
        f"MarginV={SUBTITLE_MARGIN}", "MarginL=60", "MarginR=60", "ScaledBorderAndShadow=yes",
    ])
    burn = (f"subtitles=filename={_option_value(str(srt_path))}:fontsdir={_option_value(str(font.parent))}"
            f":force_style={_option_value(style)},")
    if not srt_path.is_file():
        raise OutputError(f"no subtitles file at {srt_path}")
    if not srt_path.read_text(encoding="utf-8-sig").strip():
        burn = ""  # libass refuses an empty file; nothing is spoken
    until = min(LABEL_SECONDS, cut.duration)
    fontfile = _option_value(str(font))
    graph.append(
        f"{joined}{burn}"
        f"drawtext=fontfile={fontfile}:text={_option_value(VISIBLE_TEXT)}:expansion=none"
        f":fontsize={LABEL_SIZE}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=28"
        f":x=(w-text_w)/2:y=h*0.09:enable='lt(t,{until})',"
        f"drawtext=fontfile={fontfile}:text={_option_value(CORNER_TEXT)}:expansion=none"
        f":fontsize={CORNER_SIZE}:fontcolor=white@0.85:box=1:boxcolor=black@0.4:boxborderw=12"
        f":x=w-text_w-48:y=h*0.06:enable='gte(t,{until})',"
        f"format=yuv420p[vout]"
    )
    return graph


def _audio_graph(cut: Cut, first_input: int, music_input: int | None) -> list[str]:
    total = f"{cut.duration:.6f}"
    fmt = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
    graph: list[str] = []
    spoken = cut.spoken()
    for k, (start, _) in enumerate(spoken):
        graph.append(f"[{first_input + k}:a]{fmt},adelay=delays={round(start * 1000)}:all=1[d{k}]")
    if spoken:
        graph.append("".join(f"[d{k}]" for k in range(len(spoken)))
                     + f"amix=inputs={len(spoken)}:normalize=0:duration=longest,"
                       f"apad=whole_dur={total},atrim=0:{total},asplit=2[dialogue][key]")
    else:
        graph.append(f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=0:{total},asplit=2[dialogue][key]")

    fade_out = max(cut.duration - 1.5, 0)
    if music_input is not None:
        graph.append(f"[{music_input}:a]{fmt},atrim=0:{total},volume=0.3[bedraw]")
    else:  # a soft A-minor pad with a breath of pink noise, so there is always a bed
        graph.append(
            f"sine=f=110:r={SAMPLE_RATE}:d={total}[p1];sine=f=130.81:r={SAMPLE_RATE}:d={total}[p2];"
            f"sine=f=164.81:r={SAMPLE_RATE}:d={total}[p3];"
            f"anoisesrc=c=pink:r={SAMPLE_RATE}:a=0.05:d={total},lowpass=f=600[p4];"
            f"[p1][p2][p3][p4]amix=inputs=4:normalize=0,tremolo=f=0.15:d=0.4,volume=0.12,{fmt}[bedraw]"
        )
    graph.append(f"[bedraw]afade=t=in:d=1,afade=t=out:st={fade_out:.3f}:d=1.5[bed]")
    graph.append("[bed][key]sidechaincompress=threshold=0.02:ratio=6:attack=15:release=350[ducked]")
    graph.append("[dialogue][ducked]amix=inputs=2:normalize=0:duration=first[aout]")
    return graph


def _default_label(cut: Cut, out: Path) -> dict:
    """A label when the cut carries none: its hash covers every still and line that went in."""
    parts = [sha256_of(Path(c.image)) for c in cut.clips if Path(c.image).is_file()]
    parts += [sha256_of(Path(line.audio)) for _, line in cut.spoken() if Path(line.audio).is_file()]
    return aigc_label(cut.title or out.stem, sha256_of("".join(parts).encode()), [], "video")


def build_command(cut: Cut, out: Path, *, font: Path, subtitles: Path) -> list[str]:
    """The ffmpeg command line that renders `cut` into `out` (an MP4)."""
    clips = sorted(cut.clips, key=lambda c: c.start)
    if not clips:
        raise OutputError("the cut has no clips to render")
    spoken = cut.spoken()
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    for clip in clips:  # one frame each: decoded once, repeated in the graph
        args += ["-f", "image2", "-pattern_type", "none", "-framerate", str(cut.fps), "-i", str(clip.image)]
    for _, line in spoken:
        args += ["-i", str(line.audio)]
    music_input = None
    if cut.music is not None:
        music_input = len(clips) + len(spoken)
        args += ["-stream_loop", "-1", "-i", str(cut.music)]

    graph = _video_graph(cut, clips, 0, Path(font), Path(subtitles))
    graph += _audio_graph(cut, len(clips), music_input)
    metadata = cut.metadata if METADATA_KEY in cut.metadata else {**cut.metadata, **_default_label(cut, out)}
    label = label_json(metadata)
    args += [
        "-filter_complex", ";".join(graph), "-map", "[vout]", "-map", "[aout]",
        "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p", "-r", str(cut.fps),
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-b:a", "160k", "-ar", str(SAMPLE_RATE),
        "-movflags", "+faststart+use_metadata_tags",
        "-metadata", f"title={cut.title}", "-metadata", f"comment={label}", "-metadata", f"aigc={label}",
        "-f", "mp4", str(out),
    ]
    return args


def _ffmpeg_error(stderr: str, inputs: list[str]) -> str:
    """The last line of ffmpeg's stderr that says what went wrong, naming the input it concerns."""
    found = ""
    for raw in stderr.splitlines():
        line = _PREFIX.sub("", raw.strip())
        if not line or line.lower().startswith(_CONSEQUENCES):
            continue
        which = _INPUT.match(raw.strip())
        index = int(which.group(1)) if which else -1
        found = f"{inputs[index]}: {line}" if 0 <= index < len(inputs) and inputs[index] not in line else line
    return found or "ffmpeg failed without saying why"


def render_episode(cut: Cut, out: Path, *, font: Path, subtitles: Path | None = None,
                   workdir: Path | None = None) -> Path:
    """Render the episode MP4 (1080x1920 H.264 + AAC) with one ffmpeg run; written atomically.

    `subtitles` is the episode's SRT; without one, it is written from the cut
    into `workdir` (a temporary folder by default). A failed render raises
    `OutputError` and leaves any earlier `out` as it was.
    """
    from tools.subtitles import write_srt

    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if workdir is not None:
            Path(workdir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {exc.filename}: {exc.strerror or exc}") from None
    with tempfile.TemporaryDirectory(prefix="render-", dir=workdir) as scratch:
        srt_path = Path(subtitles) if subtitles is not None else write_srt(cut, Path(scratch) / "subtitles.srt")
        command = build_command(cut, out, font=Path(font), subtitles=srt_path)
        with atomic_target(out, suffix=".tmp.mp4") as tmp:  # render beside the final file, then swap it in
            command[-1] = str(tmp)
            try:
                done = subprocess.run(command, capture_output=True, text=True, errors="replace")
            except OSError as exc:
                raise OutputError(f"cannot run ffmpeg ({command[0]}): {exc.strerror or exc}") from None
            if done.returncode != 0:
                inputs = [command[i + 1] for i, arg in enumerate(command) if arg == "-i"]
                raise OutputError(f"rendering {out.name} failed: {_ffmpeg_error(done.stderr, inputs)}")
    return out

