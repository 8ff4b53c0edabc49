"""AIGC labels and C2PA credentials, read back with tools other than their writers.

The implicit label (GB 45438-2025's `AIGC` object, fields in order, beside the
room's provenance) is read from PNG text chunks with PIL, from the MP4's tags
with PyAV and with ffmpeg's own metadata dump, and from a WAV's INFO chunk with
PyAV. The visible label is measured on frames ffmpeg extracts from a rendered
video. C2PA manifests are read with `c2pa.Reader`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops

from tools import credentials as creds
from tools.contact_sheet import CAPTION_HEIGHT, GUTTER, THUMB_HEIGHT, contact_sheet
from tools.credentials import DIGITAL_SOURCE_TYPE, Credentials, read_credentials
from tools.cut import Cut, CutClip
from tools.ffmpeg import ffmpeg_exe
from tools.images.stamp import LABEL_MIN_HEIGHT, label_and_save, pixel_sha256, stamp
from tools.labels import FIELDS, METADATA_KEY, PROVENANCE_KEY, aigc_label, label_texts, read_label
from tools.wav_labels import write_labelled_wav

av = pytest.importorskip("av")
c2pa = pytest.importorskip("c2pa")

W, H, FPS = 540, 960, 10  # a half-size render: quick, and big enough to measure the label's glyphs
GREY = (100, 100, 100)


def ordered(text: str) -> list[tuple[str, object]]:
    """The standard's object from a tag, its fields in the order the file holds them."""
    pairs = json.loads(text, object_pairs_hook=lambda items: items)
    assert [key for key, _ in pairs] == [METADATA_KEY]
    return pairs[0][1]


def check_standard(text: str, sha256: str) -> None:
    fields = ordered(text)
    assert [key for key, _ in fields] == list(FIELDS)
    values = dict(fields)
    assert values["Label"] == "1" and values["ContentProducer"] == "Writers' Room"
    assert values["ReservedCode1"] == f"sha256:{sha256}"
    assert values["ContentPropagator"] == values["PropagateID"] == values["ReservedCode2"] == ""


# --- the label object ------------------------------------------------------------------------------------------


def test_label_object_has_the_standards_fields_in_order_and_a_stable_unique_id():
    label = aigc_label("run/ep01", "ab" * 32, ["qwen", "flux", "qwen"], "video", "the inputs")
    assert list(label) == [METADATA_KEY, PROVENANCE_KEY]
    assert list(label[METADATA_KEY]) == list(FIELDS)
    assert label[PROVENANCE_KEY]["models"] == ["flux", "qwen"] and label[PROVENANCE_KEY]["sha256_scope"] == "the inputs"
    same = aigc_label("run/ep01", "ab" * 32, [], "video")[METADATA_KEY]["ProduceID"]
    assert label[METADATA_KEY]["ProduceID"] == same  # a re-render of the same content keeps its id
    assert aigc_label("run/ep01", "cd" * 32, [], "video")[METADATA_KEY]["ProduceID"] != same
    assert aigc_label("run/ep02", "ab" * 32, [], "video")[METADATA_KEY]["ProduceID"] != same
    assert read_label(label_texts(label)) == label
    assert read_label({METADATA_KEY: "not json"}) == {}


# --- PNG: text chunks read by PIL, the visible mark measured --------------------------------------------------


class _Request:
    shot_id = "1A"


def ink_lines(image: Image.Image, box: tuple[int, int, int, int]) -> list[int]:
    """Heights of the runs of rows in `box` holding light ink (the mark's text on its dark box)."""
    grey = np.asarray(image.convert("L").crop(box))
    rows = (grey > 205).any(axis=1)
    runs, length = [], 0
    for inked in [*rows, False]:
        if inked:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    return runs


def test_png_carries_both_labels_read_by_pil(tmp_path):
    picture = Image.new("RGB", (1080, 1920), (40, 40, 40))
    out = label_and_save(picture, _Request(), tmp_path / "1A.png", ["flux"])
    with Image.open(out) as image:
        texts = dict(image.text)
        pixels = image.convert("RGB")
    provenance = json.loads(texts[PROVENANCE_KEY])[PROVENANCE_KEY]
    assert provenance["sha256"] == pixel_sha256(pixels) and provenance["models"] == ["flux"]
    check_standard(texts[METADATA_KEY], provenance["sha256"])


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (270, 480)])
def test_the_visible_mark_is_two_lines_each_at_least_5_percent_of_the_short_side(size):
    blank = Image.new("RGB", size, (20, 20, 20))
    marked = stamp(blank)
    box = ImageChops.difference(marked, blank).getbbox()  # the light box on a dark picture
    lines = ink_lines(Image.eval(marked, lambda v: 255 - v), box)  # dark text on the light box, inverted
    assert len(lines) == 2
    assert min(lines) >= LABEL_MIN_HEIGHT * min(size) - 1  # antialiased edges may fall under the threshold


def test_the_contact_sheet_carries_the_visible_mark_and_the_labels(tmp_path):
    frames = []
    for i in range(3):
        path = tmp_path / f"f{i}.png"
        label_and_save(Image.new("RGB", (270, 480), (200, 60 + 40 * i, 60)), _Request(), path, ["flux"])
        frames.append((f"s{i}", path))
    out = contact_sheet(frames, tmp_path / "sheet.png", title="Ep 1")
    with Image.open(out) as sheet:
        texts = dict(sheet.text)
        rgb = sheet.convert("RGB")
    short = min(rgb.size)
    # the mark sits in the title band's left: a light box (fill 250) with dark text, on the dark sheet
    band = rgb.crop((0, 0, rgb.width, rgb.height - (THUMB_HEIGHT + CAPTION_HEIGHT + 2 * GUTTER)))  # one row
    ys, xs = np.nonzero((np.asarray(band) == 250).all(axis=2))
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    lines = ink_lines(Image.eval(band, lambda v: 255 - v), box)
    assert len(lines) == 2 and min(lines) >= LABEL_MIN_HEIGHT * short - 1
    provenance = json.loads(texts[PROVENANCE_KEY])[PROVENANCE_KEY]
    assert provenance["content_type"] == "contact_sheet" and provenance["models"] == ["flux"]
    check_standard(texts[METADATA_KEY], provenance["sha256"])


# --- WAV: an INFO chunk read by PyAV ---------------------------------------------------------------------------


def _tone(path: Path, seconds: float = 0.5, rate: int = 22050) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes())
    return path


def test_wav_carries_the_label_in_an_info_chunk_read_by_pyav(tmp_path):
    source = _tone(tmp_path / "raw.wav")
    target = tmp_path / "out" / "s01_l00.wav"
    assert write_labelled_wav(source, target, "run/ep01/s01_l00", ["piper:joe"], "speech")
    assert not write_labelled_wav(source, target, "run/ep01/s01_l00", ["piper:joe"], "speech")  # nothing changed
    assert not write_labelled_wav(target, target, "run/ep01/s01_l00", ["piper:joe"], "speech")  # labels once
    with av.open(str(target)) as container:
        tags = dict(container.metadata)
        samples = np.concatenate([frame.to_ndarray().ravel() for frame in container.decode(audio=0)])
    check_standard(tags[METADATA_KEY], hashlib.sha256(source.read_bytes()).hexdigest())
    provenance = json.loads(tags["comment"])[PROVENANCE_KEY]
    assert provenance["content_id"] == "run/ep01/s01_l00" and provenance["models"] == ["piper:joe"]
    with wave.open(str(source)) as raw, wave.open(str(target)) as labelled:  # the audio itself is untouched
        assert raw.getnframes() == labelled.getnframes() == len(samples)
        assert raw.readframes(raw.getnframes()) == labelled.readframes(labelled.getnframes())


# --- MP4: tags, the visible label on the first seconds, credentials ------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from tools.fonts import cjk_font_path
    from tools.video import render_episode

    folder = tmp_path_factory.mktemp("labels")
    still = folder / "grey.png"
    Image.new("RGB", (W, H), GREY).save(still)
    label = aigc_label("heiress/ep01", "ab" * 32, ["qwen", "piper"], "video")
    cut = Cut([CutClip("1A", still, 0.0, 3.0)], title="Labels", width=W, height=H, fps=FPS, metadata=label)
    out = render_episode(cut, folder / "ep01.mp4", font=cjk_font_path()).path
    return cut, out


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The frame shown at `seconds`, extracted by the ffmpeg binary (not by the renderer's code)."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-ss", f"{seconds}", "-i", str(path), "-frames:v", "1", "-f", "rawvideo"]
        + ["-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(H, W, 3).astype(int)


def text_rows(frame: np.ndarray) -> tuple[int, int, np.ndarray]:
    """The ink of the large label: white text on its dark box, over the grey still."""
    ink = frame.min(axis=2) > 200
    ys, xs = np.nonzero(ink)
    return int(ys.min()), int(ys.max()) + 1, ink


@pytest.mark.integration
@pytest.mark.parametrize("seconds", [0.1, 1.9])
def test_the_large_label_is_on_screen_for_the_first_two_seconds_at_5_percent(rendered, seconds):
    _, out = rendered
    frame, later = frame_at(out, seconds), frame_at(out, 2.8)
    label_region = slice(round(0.1 * H), round(0.25 * H))
    assert np.abs(frame[label_region] - later[label_region]).mean() > 5  # there now, gone after the switch
    top, bottom, ink = text_rows(frame[label_region])
    short = min(W, H)
    assert bottom - top >= LABEL_MIN_HEIGHT * short  # the text's bounding box
    columns = np.nonzero(ink.any(axis=0))[0]
    first = columns[: np.argmax(np.diff(columns) > 1) + 1]  # the first glyph, the capital "A"
    rows = np.nonzero(ink[:, first.min() : first.max() + 1].any(axis=1))[0]
    assert rows.max() + 1 - rows.min() >= LABEL_MIN_HEIGHT * short - 1  # even the capitals (antialiased edge)


@pytest.mark.integration
def test_mp4_tags_read_by_pyav_and_by_ffmpeg(rendered):
    cut, out = rendered
    with av.open(str(out)) as container:
        tags = dict(container.metadata)
    check_standard(tags[METADATA_KEY], "ab" * 32)
    assert json.loads(tags[PROVENANCE_KEY]) == {PROVENANCE_KEY: cut.metadata[PROVENANCE_KEY]}
    dump = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(out), "-f", "ffmetadata", "-"], capture_output=True, check=True
    ).stdout.decode()
    line = next(line for line in dump.splitlines() if line.startswith(f"{METADATA_KEY}="))
    check_standard(line.split("=", 1)[1].replace("\\", ""), "ab" * 32)


@pytest.mark.integration
def test_c2pa_manifest_on_the_labelled_mp4_and_a_frame_and_a_changed_byte_breaks_it(rendered, tmp_path):
    _, out = rendered
    video = tmp_path / "ep01.mp4"
    video.write_bytes(out.read_bytes())
    frame = label_and_save(Image.new("RGB", (W, H), GREY), _Request(), tmp_path / "1A.png", ["flux"])
    signer = Credentials(tmp_path / "c2pa")
    assert signer.sign(video, "Labels · 1") and signer.sign(frame)
    assert (tmp_path / "c2pa" / "signer.key").stat().st_mode & 0o777 == 0o600

    for path, mime in ((video, "video/mp4"), (frame, "image/png")):
        with open(path, "rb") as stream, c2pa.Reader(mime, stream) as reader:
            active = reader.get_active_manifest()
            state = reader.get_validation_state()
            failures = [f["code"] for f in reader.get_validation_results()["activeManifest"].get("failure", [])]
        assert state == "Valid" and failures == ["signingCredential.untrusted"]  # a self-made cert: no trust list
        assert active["claim_generator_info"][0]["name"] == "Writers' Room"
        actions = [
            a for s in active["assertions"] if s["label"].startswith("c2pa.actions") for a in s["data"]["actions"]
        ]
        assert actions == [{"action": "c2pa.created", "digitalSourceType": DIGITAL_SOURCE_TYPE}]
        notes = [s["data"]["trust"] for s in active["assertions"] if s["label"] == "org.writers-room.signer"]
        assert len(notes) == 1 and "not on any C2PA trust list" in notes[0]  # the manifest says so itself
    with av.open(str(video)) as container:  # signing kept the labels it signed over
        check_standard(container.metadata[METADATA_KEY], "ab" * 32)
    with Image.open(frame) as image:
        assert METADATA_KEY in image.text and PROVENANCE_KEY in image.text

    for path in (video, frame):
        data = bytearray(path.read_bytes())
        data[len(data) * 2 // 3] ^= 0x01  # a byte in the picture data
        path.write_bytes(bytes(data))
        found = read_credentials(path)
        assert found["state"] == "Invalid" and any(code.endswith("mismatch") for code in found["failures"]), found


def test_the_project_key_is_made_once_and_reused(tmp_path):
    first, second = Credentials(tmp_path / "c2pa"), Credentials(tmp_path / "c2pa")
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    for path in (one, two):
        label_and_save(Image.new("RGB", (90, 160), GREY), _Request(), path, ["flux"])
    assert first.sign(one) and second.sign(two)
    serials = {read_credentials(p)["signer"]["cert_serial_number"] for p in (one, two)}
    assert len(serials) == 1
    assert sorted(p.name for p in (tmp_path / "c2pa").iterdir() if not p.name.startswith(".")) == [
        "chain.pem",
        "signer.key",
    ]


def test_without_the_library_files_stay_labelled_and_one_warning_says_so(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(creds, "_c2pa", lambda: None)  # a platform with no c2pa wheel
    frame = label_and_save(Image.new("RGB", (90, 160), GREY), _Request(), tmp_path / "1A.png", ["flux"])
    before = frame.read_bytes()
    signer = Credentials(tmp_path / "c2pa")
    with caplog.at_level(logging.WARNING, logger="writers_room.credentials"):
        assert signer.sign(frame) is False and signer.sign(frame) is False
    assert len(caplog.records) == 1 and "\n" not in caplog.records[0].getMessage()
    assert "C2PA" in caplog.records[0].getMessage()
    assert frame.read_bytes() == before and not (tmp_path / "c2pa").exists()


def test_a_broken_project_key_is_a_clear_error(tmp_path):
    from tools.errors import OutputError

    keys = tmp_path / "c2pa"
    Credentials(keys).signer()
    (keys / "signer.key").write_text("not a key")
    frame = label_and_save(Image.new("RGB", (90, 160), GREY), _Request(), tmp_path / "1A.png", ["flux"])
    with pytest.raises(OutputError, match="cannot sign") as raised:
        Credentials(keys).sign(frame)
    assert "\n" not in str(raised.value) and str(keys) in str(raised.value)
    assert read_credentials(frame) == {}  # left as it was: labelled, unsigned
