"""The screenplay, timeline and contact-sheet exports, read back by tools that did not write them.

Fountain is parsed with `jouvence` (an independent Fountain parser), the
timeline with OpenTimelineIO's own reader, the contact sheet with PIL.
"""

from __future__ import annotations

import hashlib
import json
import wave
import zipfile
from datetime import date
from pathlib import Path

import opentimelineio as otio
import pytest
from jouvence.document import TYPE_ACTION, TYPE_CHARACTER, TYPE_DIALOG, TYPE_PARENTHETICAL, TYPE_TRANSITION
from jouvence.parser import JouvenceParser
from PIL import Image, ImageChops
from PIL.PngImagePlugin import PngInfo

from agents.screenwriter import DialogueLine, EpisodeScript, Scene
from tools.contact_sheet import CAPTION_HEIGHT, GUTTER, THUMB_HEIGHT, THUMB_WIDTH, contact_sheet
from tools.cut import Cut, CutClip, SpokenLine
from tools.fountain import to_fountain, write_fountain
from tools.labels import FIELDS, METADATA_KEY, PROVENANCE_KEY, aigc_label, label_texts
from tools.timeline import to_otio, write_otio

# ---------------------------------------------------------------- Fountain


def _english() -> dict:
    """A validated script as production hands it to the tools: plain data."""
    return EpisodeScript(
        number=3,
        title="The Board Room",
        scenes=[
            Scene(
                number=1,
                heading="INT. BOARD ROOM - DAY",
                location="Board room",
                time_of_day="day",
                characters=["Lin Xia", "Zhou Min"],
                action="THE DOORS SLAM OPEN.\nLin Xia walks in, heels loud on the glass floor.\n\nNobody breathes.",
                lines=[
                    DialogueLine(speaker="Lin Xia", text="You remember me.", parenthetical="coldly"),
                    DialogueLine(speaker="Zhou Min", text="Security!\nGet her out.", emotion="furious"),
                    DialogueLine(speaker="Mr. O'Neil", text="She owns the building, sir."),
                ],
                transition="smash cut to:",
            ),
            Scene(
                number=2,
                heading="ROOFTOP - NIGHT",
                location="Rooftop",
                time_of_day="night",
                action="Wind. Lin Xia alone with the city.",
                lines=[DialogueLine(speaker="Lin Xia", text="Three years.")],
                transition="FADE OUT.",
            ),
        ],
    ).model_dump(mode="json")


def _chinese() -> dict:
    return EpisodeScript(
        number=1,
        title="归来",
        scenes=[
            Scene(
                number=1,
                heading="公司大厅 - 夜",
                location="公司大厅",
                time_of_day="夜",
                characters=["林夏", "周敏"],
                action="林夏推门而入，所有人回头。",
                lines=[
                    DialogueLine(speaker="林夏", text="好久不见。", parenthetical="（冷笑）"),
                    DialogueLine(speaker="周敏", text="你……你怎么回来了？", emotion="震惊"),
                    DialogueLine(speaker="林夏", text="这栋楼，现在是我的。"),
                ],
                transition="切至：",
            ),
            Scene(
                number=2,
                heading="内景 董事会议室 - 日",
                location="董事会议室",
                time_of_day="日",
                action="长桌尽头，一把空椅子。",
                lines=[DialogueLine(speaker="周敏", text="坐吧。")],
            ),
            Scene(number=3, heading="EXT. 天台 - 夜", location="天台", time_of_day="夜", action="风很大。"),
        ],
    ).model_dump(mode="json")


def _parse(text: str):
    document = JouvenceParser().parseString(text)
    scenes = [scene for scene in document.scenes if scene.header is not None]
    paragraphs = [p for scene in document.scenes for p in scene.paragraphs]
    return document, scenes, lambda kind: [p.text for p in paragraphs if p.type == kind]


def test_english_fountain_parses_into_headings_cues_dialogue_and_title_page():
    script = _english()
    text = to_fountain(script, series_title="The Heiress Returns", lang="en", draft=date(2025, 5, 1))
    document, scenes, of = _parse(text)

    assert document.title_values == {
        "title": "The Heiress Returns",
        "episode": "Episode 3: The Board Room",
        "credit": "Written by",
        "author": "Writers' Room",
        "draft date": "2025-05-01",
        "notes": "AI-generated / AI生成",
    }
    assert [s.header.split(" #")[0] for s in scenes] == ["INT. BOARD ROOM - DAY", "ROOFTOP - NIGHT"]
    assert of(TYPE_CHARACTER) == ["LIN XIA", "ZHOU MIN", "MR. O'NEIL", "LIN XIA"]
    assert of(TYPE_DIALOG) == [
        "You remember me.",
        "Security!\nGet her out.",
        "She owns the building, sir.",
        "Three years.",
    ]
    assert of(TYPE_PARENTHETICAL) == ["(coldly)", "(furious)"]
    assert of(TYPE_TRANSITION) == ["SMASH CUT TO:", "FADE OUT."]
    actions = of(TYPE_ACTION)
    assert any(a.strip().startswith("THE DOORS SLAM OPEN.") for a in actions)  # all caps, yet action not a cue
    assert text.endswith("\n") and not text.endswith("\n\n") and "\n\n\n" not in text


def test_chinese_fountain_forces_cues_headings_and_transitions():
    script = _chinese()
    text = to_fountain(script, series_title="继承人归来", lang="zh", draft=date(2025, 5, 1))
    document, scenes, of = _parse(text)

    assert document.title_values["title"] == "继承人归来"
    assert document.title_values["episode"] == "第1集：归来"
    assert document.title_values["credit"] == "编剧"
    assert document.title_values["author"] == "Writers' Room"
    assert document.title_values["notes"] == "AI-generated / AI生成"
    assert [s.header.split(" #")[0] for s in scenes] == ["公司大厅 - 夜", "内景 董事会议室 - 日", "EXT. 天台 - 夜"]
    assert of(TYPE_CHARACTER) == ["林夏", "周敏", "林夏", "周敏"]
    assert of(TYPE_DIALOG) == ["好久不见。", "你……你怎么回来了？", "这栋楼，现在是我的。", "坐吧。"]
    assert of(TYPE_PARENTHETICAL) == ["(冷笑)", "(震惊)"]
    assert of(TYPE_TRANSITION) == ["切至："]
    assert "@林夏\n(冷笑)\n好久不见。\n" in text and ".公司大厅 - 夜 #1#\n" in text and "\nEXT. 天台" in text


def test_write_fountain_is_the_text_and_leaves_no_temp_file(tmp_path):
    out = write_fountain(tmp_path / "ep.fountain", _english(), series_title="T", lang="en", draft=date(2025, 1, 1))
    assert out.read_text(encoding="utf-8") == to_fountain(
        _english(), series_title="T", lang="en", draft=date(2025, 1, 1)
    )
    assert [p.name for p in tmp_path.iterdir()] == ["ep.fountain"]


# ---------------------------------------------------------------- OpenTimelineIO


def _wav(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(b"\0\0" * round(8000 * seconds))
    return path


def _cut(folder: Path, transition: float = 0.0) -> Cut:
    folder.mkdir(parents=True, exist_ok=True)
    frames = []
    for i in range(3):
        frames.append(folder / f"s{i + 1}.png")
        Image.new("RGB", (9, 16), (60 * i, 90, 120)).save(frames[-1])
    a, b, c = (_wav(folder / f"l{i}.wav", d) for i, d in enumerate((1.234, 0.871, 2.05)))
    clips = [
        CutClip("s1", frames[0], 0.0, 2.111, "push_in", (SpokenLine("林夏", "好久不见。", a, 0.3, 1.234),)),
        CutClip("s2", frames[1], 2.111, 1.5, "static"),
        CutClip(
            "s3",
            frames[2],
            3.611,
            3.7,
            "pan_left",
            (SpokenLine("周敏", "你怎么回来了？", b, 0.3, 0.871), SpokenLine("林夏", "这是我的。", c, 1.4, 2.05)),
        ),
    ]
    label = aigc_label("run/ep01", "ab" * 32, ["qwen", "flux"], "video")
    return Cut(clips=clips, title="归来", lang="zh", transition=transition, metadata=label)


def _resolve(url: str, base: Path | None) -> Path:
    if url.startswith("file:"):
        return Path(otio.url_utils.filepath_from_url(url))
    assert base is not None and not Path(url).is_absolute(), url
    return base / url


@pytest.mark.parametrize("relative", [False, True])
def test_otio_reads_back_with_clip_per_shot_and_lines_at_their_times(tmp_path, relative):
    cut = _cut(tmp_path / "media")
    out_dir = tmp_path / "timeline"
    base = out_dir if relative else None
    path = write_otio(cut, out_dir / "ep01.otio", name="ep01", relative_to=base)
    assert sorted(p.name for p in out_dir.iterdir()) == ["ep01.otio"]  # the temp file is gone

    timeline = otio.adapters.read_from_file(str(path))
    frame = 1 / cut.fps
    assert abs(timeline.duration().to_seconds() - cut.duration) <= 0.1

    (video,) = timeline.video_tracks()
    clips = list(video.find_clips())
    assert [c.name for c in clips] == ["s1", "s2", "s3"]
    for clip, source in zip(clips, cut.clips):
        assert abs(clip.duration().to_seconds() - source.duration) <= frame + 1e-9
        assert abs(video.range_of_child(clip).start_time.to_seconds() - source.start) <= frame + 1e-9
        image = _resolve(clip.media_reference.target_url, base)
        assert image.is_file() and image.resolve() == source.image.resolve()
        assert clip.metadata["writers_room"]["camera"] == source.camera

    dialogue = timeline.audio_tracks()[0]
    lines = list(dialogue.find_clips())
    spoken = cut.spoken()
    assert len(lines) == len(spoken) == 3
    assert any(isinstance(item, otio.schema.Gap) for item in dialogue)
    for clip, (start, line) in zip(lines, spoken):
        assert abs(dialogue.range_of_child(clip).start_time.to_seconds() - start) <= frame + 1e-9
        assert abs(clip.duration().to_seconds() - line.duration) <= frame + 1e-9
        audio = _resolve(clip.media_reference.target_url, base)
        assert audio.is_file() and audio.resolve() == line.audio.resolve()
        assert clip.metadata["writers_room"]["subtitle"] == line.text

    assert timeline.metadata[METADATA_KEY]["Label"] == "1"
    label = timeline.metadata[PROVENANCE_KEY]
    assert (
        label["label"] == "AI-generated"
        and label["content_id"] == "run/ep01"
        and list(label["models"]) == ["flux", "qwen"]
    )


def _media_of(timeline: otio.schema.Timeline, folder: Path) -> dict[str, bytes]:
    """Every clip's media, read through its reference from `folder` (where the .otio is)."""
    from tools.timeline import media_references

    return {clip.name: path.read_bytes() for clip, path in media_references(timeline, folder)}


@pytest.mark.parametrize("relative", [False, True])
def test_an_exported_timeline_opens_with_its_media_after_the_folder_moves(tmp_path, relative):
    from tools.export import copy_exports

    run = tmp_path / "outputs" / "run1"
    episode = run / "episodes" / "ep01"
    cut = _cut(episode / "frames")
    cut.music = _wav(episode / "music.wav", 7.3)
    original = to_otio(cut, name="ep01", relative_to=episode if relative else None)
    otio.adapters.write_to_file(original, str(episode / "ep01.otio"))
    wanted = _media_of(original, episode)

    copied = copy_exports(run, tmp_path / "out", {"otio", "srt"})
    moved = tmp_path / "elsewhere"
    (tmp_path / "out").rename(moved)
    (tmp_path / "outputs").rename(tmp_path / "gone")  # nothing may still point at the run's folder
    timeline = otio.adapters.read_from_file(str(moved / "episodes" / "ep01" / "ep01.otio"))
    assert all(not Path(clip.media_reference.target_url).is_absolute() for clip in timeline.find_clips())
    assert _media_of(timeline, moved / "episodes" / "ep01") == wanted
    assert len(wanted) == 3 + 3 + 1 and [t.name for t in timeline.tracks] == ["Video", "Dialogue", "Music"]
    assert len(copied) == len(wanted) + 1


def test_a_timeline_bundle_holds_its_media(tmp_path):
    from tools.export import copy_exports

    run = tmp_path / "run1"
    episode = run / "episodes" / "ep01"
    cut = _cut(episode / "frames")
    write_otio(cut, episode / "ep01.otio", name="ep01", relative_to=episode)
    wanted = _media_of(otio.adapters.read_from_file(str(episode / "ep01.otio")), episode)
    (bundle,) = copy_exports(run, tmp_path / "out", {"otioz"})
    assert bundle.name == "ep01.otioz"
    extracted = tmp_path / "extracted"
    extracted.mkdir()
    timeline = otio.adapters.read_from_file(str(bundle), extract_to_directory=str(extracted))
    assert _media_of(timeline, extracted) == wanted and len(wanted) == 6


def test_an_exported_timeline_never_takes_a_file_from_outside_the_run(tmp_path):
    from tools.export import copy_exports

    run = tmp_path / "run1"
    episode = run / "episodes" / "ep01"
    cut = _cut(episode / "frames")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not the run's")
    timeline = to_otio(cut, name="ep01")
    next(iter(timeline.find_clips())).media_reference.target_url = otio.url_utils.url_from_filepath(str(secret))
    otio.adapters.write_to_file(timeline, str(episode / "ep01.otio"))
    copied = copy_exports(run, tmp_path / "out", {"otio", "otioz"})
    assert all(path.read_bytes() != b"not the run's" for path in copied if path.suffix == ".png")
    exported = otio.adapters.read_from_file(str(tmp_path / "out" / "episodes" / "ep01" / "ep01.otio"))
    first = next(iter(exported.find_clips()))
    assert isinstance(first.media_reference, otio.schema.MissingReference)
    with zipfile.ZipFile(tmp_path / "out" / "episodes" / "ep01" / "ep01.otioz") as bundle:
        assert all(bundle.read(name) != b"not the run's" for name in bundle.namelist())


def test_an_unreadable_timeline_is_a_clear_error(tmp_path):
    from tools.errors import InputError
    from tools.export import copy_exports

    (tmp_path / "run1" / "episodes" / "ep01").mkdir(parents=True)
    (tmp_path / "run1" / "episodes" / "ep01" / "ep01.otio").write_text("{not json")
    with pytest.raises(InputError, match="not a timeline OpenTimelineIO can read"):
        copy_exports(tmp_path / "run1", tmp_path / "out", {"otio"})


def test_otio_crossfades_keep_clip_lengths_and_total_duration(tmp_path):
    cut = _cut(tmp_path, transition=0.5)
    timeline = to_otio(cut, name="ep01")
    (video,) = timeline.video_tracks()
    transitions = [item for item in video if isinstance(item, otio.schema.Transition)]
    assert len(transitions) == 2
    assert all(t.in_offset.to_seconds() == pytest.approx(0.25, abs=1 / cut.fps) for t in transitions)
    for clip, source in zip(video.find_clips(), cut.clips):
        assert abs(clip.duration().to_seconds() - source.duration) <= 1 / cut.fps + 1e-9
    assert abs(timeline.duration().to_seconds() - cut.duration) <= 0.1


# ---------------------------------------------------------------- contact sheet


def _frames(folder: Path, count: int, model: str = "flux-schnell") -> list[tuple[str, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        path = folder / f"f{i}.png"
        info = PngInfo()
        for key, text in label_texts(aigc_label(f"s{i}", "0" * 64, [model], "image")).items():
            info.add_itxt(key, text)
        Image.new("RGB", (90, 160), (30 + 20 * i, 200 - 15 * i, 90)).save(path, pnginfo=info)
        out.append((f"s{i + 1}", path))
    return out


def _run_length(image: Image.Image, x: int, y: int, dx: int, dy: int) -> int:
    """How many pixels from (x, y) in direction (dx, dy) have the colour at (x, y)."""
    colour, n = image.getpixel((x, y)), 0
    while 0 <= x < image.width and 0 <= y < image.height and image.getpixel((x, y)) == colour:
        x, y, n = x + dx, y + dy, n + 1
    return n


def test_contact_sheet_grid_captions_and_label(tmp_path):
    frames = _frames(tmp_path / "frames", 9)
    five = Image.open(contact_sheet(frames[:5], tmp_path / "five.png", title="Episode 1 · 第1集"))
    eight = Image.open(contact_sheet(frames[:8], tmp_path / "eight.png", title="Episode 1 · 第1集"))
    nine = Image.open(contact_sheet(frames, tmp_path / "nine.png", title="Episode 1 · 第1集"))

    assert five.size == eight.size
    assert five.width == 4 * THUMB_WIDTH + 5 * GUTTER
    assert nine.height - eight.height == THUMB_HEIGHT + CAPTION_HEIGHT + GUTTER
    band = nine.height - (3 * (THUMB_HEIGHT + CAPTION_HEIGHT) + 4 * GUTTER)
    assert band > 0

    rgb = nine.convert("RGB")
    for index, (_, path) in enumerate(frames):  # each frame's colour sits in its cell, as a 9:16 block
        row, col = divmod(index, 4)
        x, y = GUTTER + col * (THUMB_WIDTH + GUTTER), band + GUTTER + row * (THUMB_HEIGHT + CAPTION_HEIGHT + GUTTER)
        assert rgb.getpixel((x + THUMB_WIDTH // 2, y + THUMB_HEIGHT // 2)) == Image.open(path).getpixel((45, 80))
        width = _run_length(rgb, x, y + 10, 1, 0)
        height = _run_length(rgb, x + 10, y, 0, 1)
        assert (width, height) == (THUMB_WIDTH, THUMB_HEIGHT) and abs(height / width - 16 / 9) < 0.01

    assert list(json.loads(nine.text[METADATA_KEY])[METADATA_KEY]) == list(FIELDS)
    label = json.loads(nine.text[PROVENANCE_KEY])[PROVENANCE_KEY]
    assert label["label"] == "AI-generated" and label["label_zh"] == "AI生成"
    assert label["content_type"] == "contact_sheet" and label["content_id"] == "Episode 1 · 第1集"
    assert label["models"] == ["flux-schnell"]  # from the frames' own labels
    assert label["sha256"] == hashlib.sha256(rgb.tobytes()).hexdigest()

    # the visible mark sits in the title band's top-left corner, drawn over the plain background
    corner = rgb.crop((0, 0, rgb.width // 3, band))
    assert len(set(corner.getdata())) > 2


def test_contact_sheet_captions_render_cjk_glyphs(tmp_path):
    frames = _frames(tmp_path / "frames", 2)

    def caption(shot_id: str, name: str) -> Image.Image:
        sheet = Image.open(
            contact_sheet([(shot_id, frames[0][1]), ("x", frames[1][1])], tmp_path / name, title="t", models=["m"])
        ).convert("RGB")
        top = sheet.height - GUTTER - CAPTION_HEIGHT
        return sheet.crop((GUTTER, top, GUTTER + THUMB_WIDTH, top + CAPTION_HEIGHT))

    one, two, empty = caption("镜头一", "a.png"), caption("镜头二", "b.png"), caption("", "c.png")
    assert len(set(one.getdata())) > 2  # text, not a flat band
    assert len(set(empty.getdata())) == 1  # the band itself is flat: the text is what changes it
    assert ImageChops.difference(one, two).getbbox() is not None  # different glyphs, not the same tofu box
