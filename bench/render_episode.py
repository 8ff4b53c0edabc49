"""Benchmark: rendering a fixed 60 s episode, against the same video made two other ways.

In one run, on the same 12 stills, 14 dialogue lines and subtitles:

1. the project's `render_episode` (a segment per shot, encoded two at a time from an empty
   cache, joined without re-encoding, with one mixed sound track);
2. a reference ffmpeg command written by hand the usual way: `zoompan` for
   every camera move, `subtitles` + `drawtext`, `adelay`/`amix`, a generated
   bed ducked with `sidechaincompress`; same size, codec, preset and CRF;
3. a plain moviepy composition: ImageClip with a resize-based zoom, TextClips,
   CompositeAudioClip, write_videofile (same codec and preset; no ducked bed,
   moviepy has none).

Then the incremental case: one line of shot 6 is re-recorded 0.6 s longer
(that shot grows, the six after it move), and the project re-renders with the
cache of its first render. Prints wall times and ratios (project / reference,
moviepy / project, incremental / full).

    python bench/render_episode.py [--repeat 1] [--skip-moviepy] [--encoders 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
print = functools.partial(print, flush=True)  # noqa: A001 (figures appear as they are measured)

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from tools.cut import Cut, CutClip, SpokenLine  # noqa: E402
from tools.ffmpeg import ffmpeg_exe  # noqa: E402
from tools.fonts import cjk_font_path, font_family  # noqa: E402
from tools.labels import CORNER_TEXT, VISIBLE_TEXT, aigc_label  # noqa: E402
from tools.subtitles import write_srt  # noqa: E402
from tools.video import probe, render_episode  # noqa: E402

W, H, FPS, SHOT = 1080, 1920, 30, 5.0
CAMERAS = ["push_in", "pan_left", "static", "pull_out", "tilt_up", "pan_right", "tilt_down"]
LINES = [
    "Three years. You threw me out with nothing.",
    "我回来了，这一次，我不会再走。",
    "The board meets at nine. Be there.",
    "你以为我还是当年那个小女孩吗？",
    "Sign it, or lose everything you own.",
    "这家公司，现在姓林。",
    "Father, you taught me this yourself.",
    "谁让你进来的？保安！",
    "Security works for me now.",
    "你到底是谁？",
    "I am the one you forgot.",
    "三年前的账，今天一笔一笔算清楚。",
    "Ten seconds. Choose.",
    "明天见。",
]


def voice(path: Path, length: float) -> Path:
    """A voice-like tone (a wobbling pitch, a syllable rhythm) of `length` seconds."""
    rate = 22050
    t = np.arange(round(length * rate)) / rate
    wave_ = np.sin(2 * np.pi * (140 + 40 * np.sin(2 * np.pi * 3 * t)) * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((0.4 * wave_ * 32767).astype("<i2").tobytes())
    return path


def make_inputs(folder: Path) -> Cut:
    """12 detailed stills (gradients, shapes, grain: not a cheap flat image) and 14 voice-like lines."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:H, 0:W] / np.array([H, W])[:, None, None]
    clips = []
    for i in range(12):
        base = np.stack([0.3 + 0.5 * x * y, 0.2 + 0.6 * (1 - y), 0.3 + 0.5 * x], axis=-1)
        image = Image.fromarray((255 * np.roll(base, i, axis=-1)).astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(50):
            x0, y0 = rng.integers(0, W - 100), rng.integers(0, H - 100)
            size = rng.integers(40, 320, 2)
            draw.ellipse(
                [x0, y0, x0 + size[0], y0 + size[1]],
                fill=tuple(int(c) for c in rng.integers(0, 255, 3)),
                outline=(0, 0, 0),
                width=4,
            )
        image = image.filter(ImageFilter.GaussianBlur(1))
        grain = rng.normal(0, 5, (H, W, 3))
        still = folder / f"shot{i:02}.png"
        Image.fromarray(np.clip(np.asarray(image) + grain, 0, 255).astype(np.uint8)).save(still)
        clips.append(CutClip(f"{i + 1}A", still, i * SHOT, SHOT, CAMERAS[i % len(CAMERAS)]))
    for k, text in enumerate(LINES):  # lines of 1.6-3.4 s, a few per shot
        length = 1.6 + 0.13 * k
        audio = voice(folder / f"line{k:02}.wav", length)
        shot = min(int(k * 60 / len(LINES) // SHOT), 11)
        start = k * 60 / len(LINES) - shot * SHOT + 0.2
        clip = clips[shot]
        clips[shot] = CutClip(
            clip.shot_id,
            clip.image,
            clip.start,
            clip.duration,
            clip.camera,
            clip.lines + (SpokenLine("A", text, audio, start, length),),
        )
    return Cut(clips, title="Bench episode", metadata=aigc_label("bench", "0" * 64, ["bench"], "video"))


# -- 2. the hand-written reference -------------------------------------------------------------

ZOOMPAN = {  # the Ken Burns expressions one writes for zoompan, per camera move (d frames per shot)
    "push_in": "z='1+0.15*on/{last}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'",
    "pull_out": "z='1.15-0.15*on/{last}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'",
    "pan_left": "z=1.15:x='(iw-iw/zoom)*(1-on/{last})':y='(ih-ih/zoom)/2'",
    "pan_right": "z=1.15:x='(iw-iw/zoom)*on/{last}':y='(ih-ih/zoom)/2'",
    "tilt_up": "z=1.15:x='(iw-iw/zoom)/2':y='(ih-ih/zoom)*(1-on/{last})'",
    "tilt_down": "z=1.15:x='(iw-iw/zoom)/2':y='(ih-ih/zoom)*on/{last}'",
    "static": "z=1.04:x='(iw-iw/zoom)*on/{last}':y='(ih-ih/zoom)*(0.25+0.5*on/{last})'",
}


def reference_command(cut: Cut, srt_path: Path, font: Path, out: Path) -> list[str]:
    frames = round(SHOT * FPS)
    inputs, video, audio = [], [], []
    for i, clip in enumerate(cut.clips):
        inputs += ["-i", str(clip.image)]
        motion = ZOOMPAN[clip.camera].format(last=frames - 1)
        video.append(f"[{i}:v]zoompan={motion}:d={frames}:s={W}x{H}:fps={FPS}[v{i}]")
    for k, (start, line) in enumerate(cut.spoken()):
        inputs += ["-i", str(line.audio)]
        audio.append(f"[{12 + k}:a]aresample=48000,adelay={round(start * 1000)}:all=1[a{k}]")
    lines = len(cut.spoken())
    style = (
        f"PlayResX=1080,PlayResY=1920,FontName={font_family(font)},FontSize=64,Outline=4,Shadow=1,"
        f"MarginV=400,MarginL=60,MarginR=60"
    )
    graph = ";".join(
        video
        + audio
        + [
            "".join(f"[v{i}]" for i in range(12)) + "concat=n=12:v=1:a=0,"
            f"subtitles={srt_path}:fontsdir={font.parent}:force_style='{style}',"
            f"drawtext=fontfile={font}:text='{VISIBLE_TEXT}':fontsize=72:fontcolor=white:box=1:boxcolor=black@0.6"
            ":boxborderw=28:x=(w-text_w)/2:y=h*0.09:enable='lt(t,2.5)',"
            f"drawtext=fontfile={font}:text='{CORNER_TEXT}':fontsize=40:fontcolor=white@0.85:box=1"
            ":boxcolor=black@0.4:boxborderw=12:x=w-text_w-48:y=h*0.06:enable='gte(t,2.5)'[v]",
            "".join(f"[a{k}]" for k in range(lines)) + f"amix=inputs={lines}:normalize=0,apad=whole_dur=60,"
            "atrim=0:60,asplit[dlg][key]",
            "sine=f=110:d=60[s1];sine=f=130.81:d=60[s2];sine=f=164.81:d=60[s3];anoisesrc=c=pink:a=0.05:d=60,"
            "lowpass=f=600[s4];[s1][s2][s3][s4]amix=inputs=4:normalize=0,tremolo=f=0.15:d=0.4,volume=0.12,"
            "aresample=48000,afade=t=in:d=1,afade=t=out:st=58.5:d=1.5[bed]",
            "[bed][key]sidechaincompress=threshold=0.02:ratio=6:attack=15:release=350[ducked]",
            "[dlg][ducked]amix=inputs=2:normalize=0:duration=first[a]",
        ]
    )
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "21",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-movflags",
        "+faststart",
        str(out),
    ]


# -- 3. moviepy --------------------------------------------------------------------------------


def moviepy_render(cut: Cut, font: Path, out: Path) -> None:
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        concatenate_videoclips,
    )

    shots = []
    for clip in cut.clips:
        d, move = clip.duration, clip.camera
        still = ImageClip(str(clip.image), duration=d)
        if move in ("push_in", "pull_out"):
            zoom = (lambda t, d=d: 1 + 0.15 * t / d) if move == "push_in" else (lambda t, d=d: 1.15 - 0.15 * t / d)
            moving = still.resized(zoom).with_position(lambda t, z=zoom: (W * (1 - z(t)) / 2, H * (1 - z(t)) / 2))
        else:
            factor = 1.04 if move == "static" else 1.15
            dx, dy = W * (factor - 1), H * (factor - 1)
            path = {
                "pan_left": lambda p: (-dx * (1 - p), -dy / 2),
                "pan_right": lambda p: (-dx * p, -dy / 2),
                "tilt_up": lambda p: (-dx / 2, -dy * (1 - p)),
                "tilt_down": lambda p: (-dx / 2, -dy * p),
                "static": lambda p: (-dx * p, -dy * (0.25 + 0.5 * p)),
            }[move]
            moving = still.resized(factor).with_position(lambda t, path=path, d=d: path(t / d))
        shots.append(CompositeVideoClip([moving], size=(W, H)).with_duration(d))
    layers = [concatenate_videoclips(shots)]
    for start, line in cut.spoken():
        text = TextClip(
            font=str(font),
            text=line.text,
            font_size=64,
            color="white",
            stroke_color="black",
            stroke_width=4,
            method="caption",
            size=(960, None),
        )
        layers.append(text.with_start(start).with_duration(line.duration).with_position(("center", H - 400 - text.h)))
    label = TextClip(font=str(font), text=VISIBLE_TEXT, font_size=72, color="white", bg_color="black", margin=(28, 28))
    corner = TextClip(font=str(font), text=CORNER_TEXT, font_size=40, color="white", bg_color="black", margin=(12, 12))
    layers += [
        label.with_duration(2.5).with_position(("center", H * 0.09)),
        corner.with_start(2.5).with_duration(cut.duration - 2.5).with_position((W - corner.w - 48, H * 0.06)),
    ]
    voices = [AudioFileClip(str(line.audio)).with_start(start) for start, line in cut.spoken()]
    video = CompositeVideoClip(layers, size=(W, H), use_bgclip=True).with_duration(cut.duration)
    video = video.with_audio(CompositeAudioClip(voices).with_duration(cut.duration))
    video.write_videofile(
        str(out),
        fps=FPS,
        codec="libx264",
        preset="veryfast",
        audio_codec="aac",
        ffmpeg_params=["-crf", "21", "-pix_fmt", "yuv420p"],
        threads=2,
        logger=None,
    )


def one_line_longer(cut: Cut, folder: Path, shot: int = 5, longer: float = 0.6) -> Cut:
    """The cut after the first line of `shot` was re-recorded `longer` seconds longer."""
    clips = list(cut.clips)
    clip = clips[shot]
    line = clip.lines[0]
    audio = voice(folder / "line-retake.wav", line.duration + longer)
    retake = dataclasses.replace(line, audio=audio, duration=line.duration + longer)
    clips[shot] = dataclasses.replace(clip, duration=clip.duration + longer, lines=(retake, *clip.lines[1:]))
    for i in range(shot + 1, len(clips)):
        clips[i] = dataclasses.replace(clips[i], start=clips[i].start + longer)
    return dataclasses.replace(cut, clips=clips)


def timed(action, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--encoders", type=int, default=None, help="segments encoded at once (default: the project's)")
    args = parser.parse_args()
    font = cjk_font_path()
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        folder = Path(tmp)
        cut = make_inputs(folder)
        srt_path = write_srt(cut, folder / "episode.srt")
        ours = folder / "project.mp4"
        reference = folder / "reference.mp4"
        print(
            f"episode: {cut.duration:.0f} s, {len(cut.clips)} stills, {len(cut.spoken())} lines, "
            f"{W}x{H} {FPS} fps, libx264 veryfast crf 21 + AAC"
        )

        encoders = {"encoders": args.encoders} if args.encoders else {}
        cache = folder / "cache"

        def full() -> None:  # every segment encoded: an empty cache each time
            shutil.rmtree(cache, ignore_errors=True)
            render_episode(cut, ours, font=font, subtitles=srt_path, workdir=folder, cache=cache, **encoders)

        project_s = timed(full, args.repeat)
        command = reference_command(cut, srt_path, font, reference)
        reference_s = timed(lambda: subprocess.run(command, check=True), args.repeat)
        for name, path, seconds in (
            ("project render_episode", ours, project_s),
            ("reference ffmpeg (zoompan)", reference, reference_s),
        ):
            info = probe(path)
            print(
                f"{name:<28} {seconds:7.1f} s  {info['duration']:5.2f} s video  "
                f"{path.stat().st_size / 1e6:5.1f} MB  {seconds / cut.duration:5.2f} s per video s"
            )
        print(f"ratio project / reference:   {project_s / reference_s:5.2f}x  (target <= 1.2x)")

        changed = one_line_longer(cut, folder)
        changed_srt = write_srt(changed, folder / "changed.srt")
        started = time.perf_counter()
        redone = render_episode(
            changed, ours, font=font, subtitles=changed_srt, workdir=folder, cache=cache, **encoders
        )
        incremental_s = time.perf_counter() - started
        print(
            f"{'incremental (1 line longer)':<28} {incremental_s:7.1f} s  {probe(ours)['duration']:5.2f} s video  "
            f"{redone.encoded} of {redone.segments} segments encoded, sound re-mixed: {redone.audio_encoded}"
        )
        print(f"share incremental / full:    {100 * incremental_s / project_s:5.1f} %  (target <= 20 %)")

        if not args.skip_moviepy:
            plain = folder / "moviepy.mp4"
            moviepy_s = timed(lambda: moviepy_render(cut, font, plain), 1)
            print(
                f"{'moviepy composition':<28} {moviepy_s:7.1f} s  {probe(plain)['duration']:5.2f} s video  "
                f"{plain.stat().st_size / 1e6:5.1f} MB"
            )
            print(f"ratio moviepy / project:     {moviepy_s / project_s:5.2f}x")


if __name__ == "__main__":
    main()
