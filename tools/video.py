"""The episode video: stills with motion, dialogue, music bed, subtitles, AIGC label.

The picture is rendered as segments (`tools.video_segments`), each cached by
what it shows, and joined without re-encoding; the sound is one track mixed
and encoded by its own ffmpeg run, cached by its inputs; a last run muxes the
two with the machine-readable label. A first render encodes everything once;
a render after one changed line encodes the shot that line is in and the
sound, and copies the rest.

Timing comes from the cut (itself from the real audio), on one frame grid
(`Cut.frame_bounds`), so the total is the cut's duration to the frame.
Crossfades are centred on the cut point and do not change the total.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import srt

from tools import video_segments as segments
from tools.cut import Cut
from tools.errors import OutputError
from tools.ffmpeg import argument_text, ffmpeg_exe, run_ffmpeg
from tools.files import atomic_target, scratch_dir
from tools.labels import METADATA_KEY, label_texts, sha256_of
from tools.progress import Progress, silent
from tools.registry import MissingPackageError

SAMPLE_RATE = 48000
AUDIO_VERSION = 1  # bump when the audio graph changes what a key renders
ENCODERS = 2  # segments encoded at once: on 2 cores a 60 s episode took 42.0 s (0.94x the reference) vs 49.7 s with 1


@dataclass(frozen=True)
class Rendered:
    """A finished render and how much of it was encoded this time."""

    path: Path
    segments: int
    encoded: int  # segments encoded now (the rest came from the cache)
    audio_encoded: bool


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


# -- sound ------------------------------------------------------------------------------


def _audio_graph(cut: Cut, first_input: int, music_input: int | None) -> list[str]:
    total = f"{cut.duration:.6f}"
    fmt = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
    graph: list[str] = []
    spoken = cut.spoken()
    for k, (start, _) in enumerate(spoken):
        graph.append(f"[{first_input + k}:a]{fmt},adelay=delays={round(start * 1000)}:all=1[d{k}]")
    if spoken:
        graph.append(
            "".join(f"[d{k}]" for k in range(len(spoken))) + f"amix=inputs={len(spoken)}:normalize=0:duration=longest,"
            f"apad=whole_dur={total},atrim=0:{total},asplit=2[dialogue][key]"
        )
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


def _audio_key(cut: Cut) -> str:
    spoken = [
        [round(start, 4), sha256_of(Path(line.audio)) if Path(line.audio).is_file() else str(line.audio)]
        for start, line in cut.spoken()
    ]
    music = sha256_of(Path(cut.music)) if cut.music is not None and Path(cut.music).is_file() else str(cut.music)
    described = {"version": AUDIO_VERSION, "duration": round(cut.duration, 4), "spoken": spoken, "music": music}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _audio_command(cut: Cut, out: Path) -> list[str]:
    """The ffmpeg command that mixes dialogue and the ducked bed into one AAC track."""
    spoken = cut.spoken()
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    for _, line in spoken:
        args += ["-i", str(line.audio)]
    music_input = None
    if cut.music is not None:
        music_input = len(spoken)
        args += ["-stream_loop", "-1", "-i", str(cut.music)]
    return args + [
        "-filter_complex",
        ";".join(_audio_graph(cut, 0, music_input)),
        "-map",
        "[aout]",
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-ar",
        str(SAMPLE_RATE),
        "-f",
        "mp4",
        str(out),
    ]


def _mux_command(cut: Cut, listing: Path, sound: Path, out: Path, label: dict) -> list[str]:
    """Join the segments (stream copy) with the sound track and the AIGC label: a tag per part of the label
    (`label_texts`, keys as written: `AIGC`, `provenance`), the standard's object in `comment` too, for players
    that show only that."""
    texts = label_texts(label)
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(listing),
        "-i",
        str(sound),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c",
        "copy",
        "-movflags",
        "+faststart+use_metadata_tags",
        "-metadata",
        f"title={argument_text(cut.title)}",
        *(arg for key, text in texts.items() for arg in ("-metadata", f"{key}={text}")),
        "-metadata",
        f"comment={texts[METADATA_KEY]}",
        "-f",
        "mp4",
        str(out),
    ]


def _concat_entry(path: Path) -> str:
    escaped = str(path.resolve()).replace("'", "'\\''")
    return f"file '{escaped}'"


def _cached(path: Path, command_for, what: str) -> bool:
    """Make `path` with the command `command_for(tmp)` unless it exists; True if it was made now."""
    if path.is_file():
        return False
    with atomic_target(path, suffix=path.suffix) as tmp:
        run_ffmpeg(command_for(tmp), what)
    return True


def _prune(store: Path, keep: set[str]) -> None:
    """Drop cached segments and tracks this render did not use: the cache holds one episode's parts."""
    for entry in store.iterdir():
        if entry.suffix in (".mp4", ".m4a") and entry.name not in keep:
            entry.unlink(missing_ok=True)


def render_episode(
    cut: Cut,
    out: Path,
    *,
    font: Path,
    subtitles: Path | None = None,
    workdir: Path | None = None,
    cache: Path | None = None,
    encoders: int = ENCODERS,
    progress: Progress = silent,
) -> Rendered:
    """Render the episode MP4 (1080x1920 H.264 + AAC), written atomically.

    `subtitles` is the episode's SRT; without one, it is written from the cut.
    `cache` is a folder kept between renders of this episode: segments and
    the sound track whose inputs did not change are reused from it. A failed
    render raises `OutputError` and leaves any earlier `out` as it was.
    """
    from tools.subtitles import write_srt

    out = Path(out)
    if not cut.clips:
        raise OutputError("the cut has no clips to render")
    try:
        for folder in (out.parent, workdir, cache):
            if folder is not None:
                Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {exc.filename}: {exc.strerror or exc}") from None
    font = Path(font)
    what = f"rendering {out.name}"
    with scratch_dir(workdir if workdir is not None else cache) as scratch:
        scratch = Path(scratch)
        srt_path = Path(subtitles) if subtitles is not None else write_srt(cut, scratch / "subtitles.srt")
        try:
            cues = segments.frame_cues(list(srt.parse(srt_path.read_text(encoding="utf-8-sig"))), cut.fps)
        except OSError as exc:
            raise OutputError(f"cannot read the subtitles {srt_path}: {exc.strerror or exc}") from None
        except srt.SRTParseError as exc:
            raise OutputError(f"the subtitles {srt_path} are not valid SRT: {exc}") from None
        store = Path(cache) if cache is not None else scratch

        total, hashes, jobs, parts = cut.frame_bounds()[-1], {}, {}, []
        for segment in segments.plan(cut):
            text = segments.segment_srt(segment, cues, cut.fps)
            switch = segments.label_switch(segment, cut.fps, total)
            path = store / f"{segments.segment_key(segment, cut, text, switch, font, hashes)[:40]}.mp4"
            parts.append(path)
            jobs.setdefault(path, (segment, text, switch))  # two identical segments are encoded once

        def encode(path: Path) -> bool:  # a segment already in the store is not encoded again
            segment, text, switch = jobs[path]

            def command(tmp: Path) -> list[str]:
                srt_file = None
                if text.strip():
                    srt_file = scratch / f"{path.stem}.srt"
                    srt_file.write_text(text, encoding="utf-8")
                return segments.segment_command(segment, cut, tmp, font=font, srt_path=srt_file, switch=switch)

            return _cached(path, command, what)

        encoded = 0
        with ThreadPoolExecutor(max_workers=max(1, encoders)) as pool:
            for done, fresh in enumerate(pool.map(encode, jobs), start=1):
                encoded += fresh
                progress("segments", done, len(jobs))
        sound = store / f"audio-{_audio_key(cut)[:40]}.m4a"
        audio_encoded = _cached(sound, lambda tmp: _audio_command(cut, tmp), what)

        listing = scratch / "segments.txt"
        listing.write_text("".join(_concat_entry(p) + "\n" for p in parts), encoding="utf-8")
        label = cut.label(cut.title or out.stem, "video")
        with atomic_target(out, suffix=".tmp.mp4") as tmp:  # mux beside the final file, then swap it in
            run_ffmpeg(_mux_command(cut, listing, sound, tmp, label), what)
        if cache is not None:
            _prune(store, {p.name for p in parts} | {sound.name})
    return Rendered(out, len(parts), encoded, audio_encoded)
