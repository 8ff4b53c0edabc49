"""The episode renderer and the subtitle writer, checked with tools that did not make the file.

The MP4 is read back with PyAV (streams, frames as pixels, audio samples,
container tags) and the SRT with the `srt` library. The test cut is 7 s: three
solid-colour stills with a white square (so camera moves can be measured) and
three lines whose "voices" are pure tones of known pitch and length (so each
line can be found in the mix by its frequency).
"""

from __future__ import annotations

import dataclasses
import json
import wave
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import srt
from hypothesis import given, settings, strategies as st

from tools.cut import Cut, CutClip, SpokenLine
from tools.errors import OutputError
from tools.labels import METADATA_KEY, PROVENANCE_KEY, aigc_label
from tools.subtitle_style import SubtitleStyle
from tools.subtitles import CJK_LINE_CHARS, LATIN_LINE_CHARS, wrap_line, write_srt

av = pytest.importorskip("av")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")

W, H, FPS = 1080, 1920, 30
COLOURS = [(200, 40, 40), (40, 160, 60), (40, 60, 200)]
TONES = [440.0, 660.0, 880.0]
# (speaker, text, line start within its clip, audio length)
LINES = [
    ("Lin", "Where were you last night?", 0.3, 1.2),
    ("Zhou", "我一直在等你回来，可是你一直都没有回来。", 0.4, 1.5),
    ("Lin", "The contract is void. You have until dawn to leave the house.", 0.5, 1.0),
]
STARTS, DURATIONS = [0.0, 2.4, 4.8], [2.4, 2.4, 2.2]
CAMERAS = ["push_in", "pan_left", "static"]
# Frame regions (rows, columns): where the label, the corner mark and the subtitles go.
LABEL_BOX = (slice(230, 360), slice(200, 880))
CORNER_BOX = (slice(60, 200), slice(940, 1075))
SUBTITLE_BOX = (slice(1250, 1560), slice(40, 1040))


def _font() -> Path:
    from tools.fonts import cjk_font_path

    return cjk_font_path()


def _tone(path: Path, freq: float, seconds: float, rate: int = 22050) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    samples = (0.5 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def _still(path: Path, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (W, H), colour)
    ImageDraw.Draw(image).rectangle([440, 860, 639, 1059], fill=(255, 255, 255))  # 200 px square, centred
    image.save(path)
    return path


def make_cut(folder: Path, **changes) -> Cut:
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i, (speaker, text, start, length) in enumerate(LINES):
        line = SpokenLine(speaker, text, _tone(folder / f"line{i}.wav", TONES[i], length), start, length)
        clips.append(
            CutClip(
                f"{i + 1}A", _still(folder / f"shot{i}.png", COLOURS[i]), STARTS[i], DURATIONS[i], CAMERAS[i], (line,)
            )
        )
    label = aigc_label("heiress-ep1", "ab" * 32, ["storyboard", "piper"], "video")
    return Cut(clips, title="The Heiress Returns 1", fps=FPS, metadata=label, **changes)


def frames_at(path: Path, times: list[float]) -> dict[float, np.ndarray]:
    """RGB frames shown at the given times (the first frame whose time reaches each)."""
    wanted, found = sorted(times), {}
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            for t in wanted:
                if t not in found and frame.time >= t - 1e-3:
                    found[t] = frame.to_ndarray(format="rgb24").astype(int)
            if len(found) == len(wanted):
                break
    return found


def audio_of(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [
            frame.to_ndarray().reshape(-1, frame.samples)
            if frame.format.is_planar
            else frame.to_ndarray().reshape(frame.samples, -1).T
            for frame in container.decode(stream)
        ]
        return np.concatenate(chunks, axis=1).mean(axis=0), stream.codec_context.sample_rate


def tone_level(samples: np.ndarray, rate: int, t0: float, t1: float, freq: float) -> float:
    """Amplitude of one frequency in a window, per sample (so windows of any length compare)."""
    window = samples[round(t0 * rate) : round(t1 * rate)]
    spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
    bins = np.fft.rfftfreq(len(window), 1 / rate)
    return float(spectrum[np.abs(bins - freq) < 15].max() / len(window))


def differs(frame: np.ndarray, box, colour) -> float:
    """Share of the box's pixels that are clearly not the still's background colour."""
    region = frame[box]
    return float((np.abs(region - np.array(colour)).max(axis=2) > 60).mean())


def square(frame: np.ndarray) -> tuple[float, int]:
    """Centre column and width of the white square."""
    white = frame[600:1300].min(axis=2) > 200
    columns = np.flatnonzero(white.any(axis=0))
    return (columns[0] + columns[-1]) / 2, columns[-1] - columns[0] + 1


# -- subtitles (no ffmpeg) ------------------------------------------------------------------


def test_srt_shows_each_line_while_it_is_spoken_two_text_lines_at_a_time(tmp_path):
    cut = make_cut(tmp_path)
    cues = list(srt.parse(write_srt(cut, tmp_path / "ep.srt").read_text(encoding="utf-8")))
    assert all(len(cue.content.split("\n")) <= 2 for cue in cues)
    assert len(cues) == len(LINES) + 1  # the last line wraps to three rows: two cues
    for start, line in cut.spoken():
        own = [
            c for c in cues if timedelta(seconds=round(start, 3)) <= c.start < timedelta(seconds=start + line.duration)
        ]
        assert own[0].start == timedelta(seconds=round(start, 3))
        assert own[-1].end == timedelta(seconds=round(start + line.duration, 3))
        assert all(a.end == b.start for a, b in zip(own, own[1:]))  # page after page, no gap
        assert "".join("".join(c.content.split()) for c in own) == "".join(line.text.split())
        if len(own) > 1:  # each page for its share of the words
            shares = [len(c.content) / (c.end - c.start).total_seconds() for c in own]
            assert max(shares) / min(shares) < 1.5
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    assert cues[-1].end <= timedelta(seconds=cut.duration)


def test_overlapping_lines_give_monotonic_cues(tmp_path):
    cut = make_cut(tmp_path)
    long_line = dataclasses.replace(cut.clips[0].lines[0], duration=3.5)  # runs past the next line's start
    cut.clips[0] = dataclasses.replace(cut.clips[0], lines=(long_line,))
    cues = list(srt.parse(write_srt(cut, tmp_path / "ep.srt").read_text(encoding="utf-8")))
    assert [c.index for c in cues] == [1, 2, 3, 4]  # the last line shows as two cues
    assert all(a.start < a.end <= b.start for a, b in zip(cues, cues[1:]))


def test_cjk_lines_wrap_by_characters_and_latin_by_words():
    chinese = "我一直在等你回来，可是你一直都没有回来。你到底去哪里了？我不会再等了。"
    rows = wrap_line(chinese).split("\n")
    assert len(rows) > 1 and "".join(rows) == chinese
    assert all(len(row) <= CJK_LINE_CHARS + 1 for row in rows)
    assert not any(row[0] in "，。？" for row in rows)

    english = "The contract is void. You have until dawn to leave the house, and you will not come back."
    rows = wrap_line(english).split("\n")
    assert len(rows) > 1 and " ".join(rows) == english
    assert all(len(row) <= LATIN_LINE_CHARS for row in rows)
    assert max(map(len, rows)) - min(map(len, rows)) < 12  # balanced, no dangling word
    assert wrap_line("Where were you?") == "Where were you?"


@given(st.integers(24, 160), st.one_of(st.none(), st.integers(4, 60)), st.text(min_size=1, max_size=120))
@settings(max_examples=200, deadline=None)
def test_a_styled_chinese_line_holds_at_most_16_characters(size, line_chars, text):
    style = SubtitleStyle(size=size, line_chars=line_chars)
    for row in wrap_line(text, style).split("\n"):
        closing = len(row) - len(row.rstrip("，。！？、；：”’）》」』】…—,.!?;:)"))  # punctuation stays with its line
        assert len(row) - closing <= max(style.chars(cjk=True), style.chars(cjk=False)) or " " not in row.strip()
    chinese = "我一直在等你回来可是你一直都没有回来你到底去哪里了我不会再等了"
    assert all(len(row) <= min(16, line_chars or 16) for row in wrap_line(chinese, style).split("\n"))


def test_a_set_line_length_wraps_latin_text_to_it():
    rows = wrap_line("The contract is void and you have until dawn", SubtitleStyle(line_chars=12)).split("\n")
    assert len(rows) >= 4 and all(len(row) <= 12 for row in rows)


@pytest.mark.integration
@pytest.mark.parametrize("position, third", [("top", 0), ("middle", 1), ("bottom", 2)])
def test_the_subtitle_style_is_what_the_frame_shows(tmp_path, position, third):
    from tools.video import render_episode

    style = SubtitleStyle(size=96, position=position, margin=200, colour="#ffff00", outline=0)
    cut = make_cut(tmp_path, width=270, height=480, subtitles=style)
    out = render_episode(cut, tmp_path / "ep.mp4", font=_font()).path
    cue = list(srt.parse(write_srt(cut, tmp_path / "ep.srt").read_text(encoding="utf-8")))[1]
    t = (cue.start + cue.end).total_seconds() / 2
    frame = frames_at(out, [t])[t]
    rows = np.flatnonzero(((frame[..., 0] > 180) & (frame[..., 1] > 180) & (frame[..., 2] < 110)).any(axis=1))
    assert len(rows) > 10 and int(rows.mean()) * 3 // frame.shape[0] == third, rows  # the text, where it was put
    height = rows[-1] - rows[0]  # two lines of 96 px on the 1920-high frame, scaled to 480
    assert 2 * 96 / 4 * 0.6 < height < 2 * 96 / 4 * 1.6, height


def test_font_family_matches_what_pillow_reads():
    from PIL import ImageFont

    from tools.fonts import font_family

    assert font_family(_font()) == ImageFont.truetype(str(_font())).getname()[0]


# -- the render ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One render in a folder whose name needs every level of ffmpeg escaping."""
    from tools.video import render_episode

    folder = tmp_path_factory.mktemp("render") / "it's, [odd]; a: dir"
    cut = make_cut(folder)
    srt_path = write_srt(cut, folder / "ep.srt")
    out = render_episode(cut, folder / "ep.mp4", font=_font(), subtitles=srt_path, workdir=folder).path
    return cut, out, srt_path


@pytest.mark.integration
def test_mp4_is_vertical_h264_aac_as_long_as_the_cut(rendered):
    cut, out, _ = rendered
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.width, video.codec_context.height) == (W, H)
        assert video.codec_context.name == "h264" and video.codec_context.pix_fmt == "yuv420p"
        assert audio.codec_context.name == "aac"
        assert abs(container.duration / 1e6 - cut.duration) <= 0.1
        frames = sum(1 for _ in container.decode(video=0))
    assert abs(frames - cut.duration * FPS) <= 1
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []  # no temp files left


@pytest.mark.integration
def test_probe_reports_what_pyav_reads(rendered):
    from tools.video import probe

    cut, out, _ = rendered
    info = probe(out)
    assert (info["width"], info["height"], info["video_codec"], info["audio_codec"]) == (W, H, "h264", "aac")
    assert abs(info["duration"] - cut.duration) <= 0.1
    assert METADATA_KEY in json.loads(info["metadata"][METADATA_KEY])


@pytest.mark.integration
def test_each_line_is_heard_at_its_time_over_a_quiet_bed(rendered):
    cut, out, _ = rendered
    samples, rate = audio_of(out)
    assert np.sqrt(np.mean(samples**2)) > 0.05
    spoken = cut.spoken()
    for k, (start, line) in enumerate(spoken):
        inside = (start + 0.1, start + line.duration - 0.1)
        assert tone_level(samples, rate, *inside, TONES[k]) > 0.05, f"line {k} missing at {start}s"
        others = [f for j, f in enumerate(TONES) if j != k]
        assert all(tone_level(samples, rate, *inside, f) < 0.005 for f in others)
    gap = samples[round(1.7 * rate) : round(2.6 * rate)]  # nothing spoken: only the generated bed
    assert 1e-4 < np.sqrt(np.mean(gap**2)) < 0.05


@pytest.mark.integration
def test_visible_label_first_then_corner_mark(rendered):
    cut, out, _ = rendered
    end = cut.duration - 0.5
    shown = frames_at(out, [1.0, end])
    first, last = COLOURS[0], COLOURS[2]
    assert differs(shown[1.0], LABEL_BOX, first) > 0.3  # the large label box
    assert differs(shown[1.0], CORNER_BOX, first) < 0.01  # no corner mark yet
    assert differs(shown[end], LABEL_BOX, last) < 0.01  # the large label is gone
    assert 0.02 < differs(shown[end], CORNER_BOX, last) < 0.6  # a small mark in the corner


@pytest.mark.integration
def test_subtitles_are_burned_in_while_a_line_is_spoken(rendered):
    _, out, srt_path = rendered
    cues = list(srt.parse(srt_path.read_text(encoding="utf-8")))
    during = [(c.start + c.end).total_seconds() / 2 for c in cues]
    silent = (cues[0].end + cues[1].start).total_seconds() / 2  # between the first two lines, same shot
    shown = frames_at(out, during + [silent])
    clip_colour = [COLOURS[0], COLOURS[1], COLOURS[2]]
    for t, colour in zip(during, clip_colour):
        assert differs(shown[t], SUBTITLE_BOX, colour) > 0.005, f"no subtitle at {t}s"
    assert differs(shown[silent], SUBTITLE_BOX, COLOURS[0]) < 0.001
    assert cues[-1].end.total_seconds() <= probe_duration(out)


def probe_duration(path: Path) -> float:
    with av.open(str(path)) as container:
        return container.duration / 1e6


@pytest.mark.integration
def test_camera_moves_follow_the_shot_list(rendered):
    _, out, _ = rendered
    shown = frames_at(out, [0.0, 2.3, 2.45, 4.7, 4.85, 6.95])
    _, width_start = square(shown[0.0])
    _, width_end = square(shown[2.3])
    assert width_end / width_start > 1.1  # push in: the square grows
    x_start, w1 = square(shown[2.45])
    x_end, w2 = square(shown[4.7])
    assert x_end - x_start > 100 and abs(w1 - w2) <= 2  # pan left: the scene slides right, same size
    x_start, w1 = square(shown[4.85])
    x_end, w2 = square(shown[6.95])
    assert 0 < abs(x_end - x_start) < 60 and abs(w1 - w2) <= 2  # static: a slow drift only


@pytest.mark.integration
def test_label_json_round_trips_through_mp4_metadata(rendered):
    cut, out, _ = rendered
    with av.open(str(out)) as container:
        tags = container.metadata
    for key in (METADATA_KEY, "comment"):
        assert json.loads(tags[key]) == {METADATA_KEY: cut.metadata[METADATA_KEY]}
    provenance = json.loads(tags[PROVENANCE_KEY])[PROVENANCE_KEY]
    assert provenance == cut.metadata[PROVENANCE_KEY] and provenance["label_zh"] == "AI生成"
    assert len(provenance["sha256"]) == 64


@pytest.mark.integration
def test_crossfades_and_music_keep_the_timeline(tmp_path):
    from tools.video import render_episode

    music = _tone(tmp_path / "music.wav", 2000.0, 2.0)  # shorter than the episode: must loop
    cut = make_cut(tmp_path, transition=0.4, music=music)
    cut.metadata = {}  # no label given: the renderer makes one
    out = render_episode(cut, tmp_path / "ep.mp4", font=_font()).path
    with av.open(str(out)) as container:
        assert abs(container.duration / 1e6 - cut.duration) <= 0.1
        label = json.loads(container.metadata[PROVENANCE_KEY])[PROVENANCE_KEY]
    assert label["content_id"] == cut.title and len(label["sha256"]) == 64

    boundary = frames_at(out, [2.4])[2.4][1600:1700, 100:200].mean(axis=(0, 1))
    red, green = np.array(COLOURS[0]), np.array(COLOURS[1])
    assert np.abs(boundary - red).max() > 40 and np.abs(boundary - green).max() > 40  # a blend of both

    samples, rate = audio_of(out)
    speaking = tone_level(samples, rate, 0.6, 1.4, 2000.0)
    between = tone_level(samples, rate, 1.7, 2.5, 2000.0)
    looped = tone_level(samples, rate, 4.4, 5.1, 2000.0)  # after the 2 s music file ended once
    assert between > 0.005 and looped > 0.005
    assert between / speaking > 2  # ducked by more than 6 dB under speech


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


@pytest.mark.integration
def test_rerender_after_one_longer_line_encodes_only_its_shot(tmp_path):
    from tools.video import render_episode

    cut = make_cut(tmp_path / "inputs")
    cache = tmp_path / "cache"
    first = render_episode(cut, tmp_path / "ep.mp4", font=_font(), cache=cache)
    assert (first.segments, first.encoded, first.audio_encoded) == (3, 3, True)
    again = render_episode(cut, tmp_path / "ep.mp4", font=_font(), cache=cache)
    assert (again.encoded, again.audio_encoded) == (0, False)

    # the middle shot's line is re-recorded 0.5 s longer: that shot grows, the last one only moves
    longer = _tone(tmp_path / "inputs" / "line1-v2.wav", TONES[1], 2.0)
    middle, last = cut.clips[1], cut.clips[2]
    line = dataclasses.replace(middle.lines[0], audio=longer, duration=2.0)
    changed = dataclasses.replace(
        cut,
        clips=[
            cut.clips[0],
            dataclasses.replace(middle, duration=middle.duration + 0.5, lines=(line,)),
            dataclasses.replace(last, start=last.start + 0.5),
        ],
    )
    redone = render_episode(changed, tmp_path / "ep.mp4", font=_font(), cache=cache)
    assert (redone.segments, redone.encoded, redone.audio_encoded) == (3, 1, True)
    assert len(list(cache.glob("*.mp4"))) == 3 and len(list(cache.glob("*.m4a"))) == 1  # stale parts pruned

    fresh = render_episode(changed, tmp_path / "fresh.mp4", font=_font())  # no cache: everything encoded
    assert fresh.encoded == 3
    assert _packets(redone.path) == _packets(fresh.path)  # the reused segments are what a full render makes
    with av.open(str(redone.path)) as container:
        assert abs(container.duration / 1e6 - changed.duration) <= 0.1
    samples, rate = audio_of(redone.path)
    assert tone_level(samples, rate, 4.35, 4.7, TONES[1]) > 0.05  # the longer line is heard


def test_segments_tile_the_crossfaded_timeline(tmp_path):
    from tools.video_segments import plan

    cut = make_cut(tmp_path, transition=0.4)
    segments = plan(cut)
    assert [len(s.parts) for s in segments] == [1, 2, 1, 2, 1]  # shot, crossfade, shot, crossfade, shot
    assert segments[0].start == 0 and sum(s.frames for s in segments) == round(cut.duration * FPS)
    assert all(a.start + a.frames == b.start for a, b in zip(segments, segments[1:]))
    for segment in segments:
        assert all(0 <= p.first and p.first + segment.frames <= p.length for p in segment.parts)
    fade = segments[1]
    assert fade.parts[0].first + fade.frames == fade.parts[0].length  # the outgoing shot's move ends in the fade
    assert fade.parts[1].first == 0 and segments[2].parts[0].first == fade.frames  # the next one's goes on

    cut.clips[2] = dataclasses.replace(cut.clips[2], transition_in=0.0)  # a hard cut into the last shot only
    assert [len(s.parts) for s in plan(cut)] == [1, 2, 1, 1]
    assert sum(s.frames for s in plan(cut)) == round(cut.duration * FPS)


# -- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", ["missing", "corrupt"])
def test_failed_render_raises_and_keeps_the_previous_file(tmp_path, problem):
    from tools.video import render_episode

    cut = make_cut(tmp_path)
    bad = tmp_path / "broken.png"
    if problem == "corrupt":
        bad.write_bytes(b"\x89PNG\r\n\x1a\nthis is not a picture")
    cut.clips[1] = dataclasses.replace(cut.clips[1], image=bad)
    out = tmp_path / "out" / "ep.mp4"
    out.parent.mkdir()
    out.write_bytes(b"the previous render")

    with pytest.raises(OutputError) as caught:
        render_episode(cut, out, font=_font())
    assert "broken.png" in str(caught.value)
    assert out.read_bytes() == b"the previous render"
    assert [p.name for p in out.parent.iterdir()] == ["ep.mp4"]


def test_burned_subtitles_straighten_curly_quotes_the_font_draws_full_width_but_keep_chinese_ones():
    from tools.images.stamp import font
    from tools.video_segments import Cue, Segment, segment_srt

    face = font(40)
    assert face.getlength("’") > 3 * face.getlength("'")  # why: the bundled font's curly quote is a CJK-width glyph
    cues = [Cue(0, 30, "Mark’s “deal” doesn’t add up."), Cue(30, 60, "她说：“你好”。")]
    burned = [s.content for s in srt.parse(segment_srt(Segment(0, 60, ()), cues, 30))]
    assert burned == ["Mark's \"deal\" doesn't add up.", "她说：“你好”。"]
