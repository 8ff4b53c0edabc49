"""A whole run, premise to labelled MP4, with scripted models and the real media tools.

Outputs are checked with independent readers: PyAV for the MP4, `srt` for the
subtitles, OpenTimelineIO for the timeline, jouvence for the Fountain
screenplay, PIL for frames and labels.
"""

from __future__ import annotations

import json
import re

import av
import numpy as np
import opentimelineio as otio
import pytest
import srt
from PIL import Image

import factories as f
from cli_helpers import room, run_id_of
from tools.credentials import read_credentials
from tools.labels import FIELDS

pytestmark = pytest.mark.integration


def misnamed_script() -> dict:
    """The script with one speaker misspelt and one line given to a bit part nobody cast."""
    script = f.script()
    lines = script["scenes"][1]["lines"]
    lines[1]["speaker"], lines[3]["speaker"] = "Zhou Mn", "Guard"
    return script


SCRIPT = {
    "screenwriter": [f.pitch(), f.bible(), f.outline(1), misnamed_script()],
    "cultural_consultant": [f.approve()] * 4,
    "director": [f.approve(), f.approve(), f.approve(), f.shots()],
    "art_director": [f.approve(), f.approve(), f.art()],
    "editor": [f.approve(), f.approve(), f.approve()],
}


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    project = tmp_path_factory.mktemp("production")
    result = room(
        project,
        "run",
        "A disowned heiress returns as a CEO",
        "--episodes",
        "1",
        "--auto-approve",
        "--round-limit",
        "1",
        script=SCRIPT,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run_id = run_id_of(result.stdout)
    return project, run_id, project / "outputs" / run_id / "episodes" / "ep01", result


def test_the_run_ends_with_a_vertical_labelled_video(produced):
    project, run_id, folder, result = produced
    assert f"run {run_id} finished" in result.stdout
    video = folder / "ep01.mp4"
    with av.open(str(video)) as container:
        v = container.streams.video[0]
        a = container.streams.audio[0]
        assert (v.codec_context.width, v.codec_context.height) == (1080, 1920)
        assert v.codec_context.name == "h264" and a.codec_context.name == "aac"
        duration = container.duration / av.time_base
        label = json.loads(container.metadata.get("comment", "{}"))
        provenance = json.loads(container.metadata.get("provenance", "{}")).get("provenance", {})
        samples = np.concatenate([frame.to_ndarray().ravel() for frame in container.decode(audio=0)])
    assert label["AIGC"]["ContentProducer"] == "Writers' Room" and len(provenance["sha256"]) == 64
    assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 1e-3  # not silent
    episode = json.loads((folder / "episode.json").read_text())
    assert abs(duration - episode["duration"]) <= 0.1
    assert 60 - 0.01 <= episode["duration"] <= 120  # the editor holds a short script to the minimum runtime


def test_subtitles_timeline_and_screenplay(produced):
    _, _, folder, _ = produced
    episode = json.loads((folder / "episode.json").read_text())
    cues = list(srt.parse((folder / "ep01.srt").read_text(encoding="utf-8")))
    assert " ".join(c.content.replace("\n", " ") for c in cues) == " ".join(f.SCENE_ONE + f.SCENE_TWO)
    assert len(cues) > len(f.SCENE_ONE + f.SCENE_TWO) and all(c.content.count("\n") <= 1 for c in cues)
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    assert cues[-1].end.total_seconds() <= episode["duration"]
    timeline = otio.adapters.read_from_file(str(folder / "ep01.otio"))
    assert abs(timeline.duration().to_seconds() - episode["duration"]) <= 0.1
    clips = list(timeline.video_tracks()[0].find_clips())
    assert [c.name for c in clips] == ["1A", "1B", "1C", "2A", "2B"]
    from jouvence.parser import JouvenceParser

    doc = JouvenceParser().parseString((folder / "script.fountain").read_text(encoding="utf-8"))
    assert len(doc.scenes) >= 2


def test_frames_are_labelled_and_exports_exist(produced):
    project, run_id, folder, _ = produced
    frames = sorted((folder / "frames").glob("*.png"))
    assert [p.stem for p in frames] == [f"shot_{n:03d}" for n in range(1, 6)]  # numbered: an id is never a file name
    with Image.open(frames[0]) as image:
        assert image.size == (1080, 1920)
        assert json.loads(image.info["provenance"])["provenance"]["content_id"] == "1A"
    for name in ("script.json", "script.md", "shots.json", "contact_sheet.png", "episode.json"):
        assert (folder / name).is_file(), name
    cast = json.loads((project / "outputs" / run_id / "cast.json").read_text())
    assert list(cast) == ["Lin Xia", "Zhou Min", "Guard"]  # the bit part gets a voice of its own
    assert len({json.dumps(v, sort_keys=True) for v in cast.values()}) == 3
    speakers = [line["speaker"] for line in json.loads((folder / "script.json").read_text())["scenes"][1]["lines"]]
    assert speakers == ["Lin Xia", "Zhou Min", "Lin Xia", "Guard"]  # the misspelt name is the character's
    screenplay = (folder / "script.fountain").read_text(encoding="utf-8")
    assert "\nGUARD\n" in screenplay and "ZHOU MN" not in screenplay
    audio = sorted((folder / "audio").glob("*.wav"))
    assert len(audio) == 12


def test_frames_sheet_and_video_carry_c2pa_credentials_and_every_wav_its_label(produced):
    project, run_id, folder, _ = produced
    signed = [*sorted((folder / "frames").glob("*.png")), folder / "contact_sheet.png", folder / "ep01.mp4"]
    for path in signed:
        found = read_credentials(path)
        assert found["state"] == "Valid" and found["failures"] == ["signingCredential.untrusted"], path
        assert [a["action"] for a in found["actions"]] == ["c2pa.created"]
    key = project / ".room" / "c2pa" / "signer.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert not any(p.name.endswith((".key", ".pem")) for p in (project / "outputs").rglob("*"))
    wavs = [*sorted((folder / "audio").glob("*.wav")), folder / "music.wav"]
    wavs += sorted((project / "outputs" / run_id / "cast").glob("*.wav"))
    assert len(wavs) > 3
    for path in wavs:
        with av.open(str(path)) as container:
            standard = json.loads(container.metadata["AIGC"], object_pairs_hook=list)[0][1]
        assert [k for k, _ in standard] == list(FIELDS) and dict(standard)["Label"] == "1", path


def shot_lengths(path) -> dict[str, int]:
    timeline = otio.adapters.read_from_file(str(path))
    return {c.name: c.source_range.duration.to_frames() for c in timeline.video_tracks()[0].find_clips()}


def test_rerender_after_one_changed_line_redoes_only_that_line(produced):
    project, run_id, folder, _ = produced
    changed = json.loads((folder / "script.json").read_text())
    changed["scenes"][1]["lines"][0]["text"] = "So you found my number at last."
    edited = project / "changed.json"
    edited.write_text(json.dumps(changed))
    before = {p.name: p.stat().st_mtime_ns for p in (folder / "frames").glob("*.png")}
    lengths_before = shot_lengths(folder / "ep01.otio")
    result = room(project, "render", run_id, "--episode", "1", "--script", str(edited), timeout=600)
    assert result.returncode == 0, result.stderr
    assert "1 line(s) synthesised, 0 frame(s) drawn" in result.stdout
    assert "ep01.mp4: C2PA Valid" in result.stdout and "not on any C2PA trust list" in result.stdout
    assert read_credentials(folder / "ep01.mp4")["state"] == "Valid"  # signed again over the new bytes
    # re-encoded: the line's shot, and any shot the editor now holds longer or shorter to keep the runtime
    shots = json.loads((folder / "shots.json").read_text())["shots"]
    touched = {s["id"] for s in shots if s["scene"] == 2 and 0 in s["lines"]}
    lengths_after = shot_lengths(folder / "ep01.otio")
    touched |= {shot for shot, frames in lengths_after.items() if frames != lengths_before[shot]}
    # and the dissolve into scene 2 (a segment of its own) if a shot on either side of it changed
    order = [s["id"] for s in shots]
    fades = [(a["id"], b["id"]) for a, b in zip(shots, shots[1:]) if a["scene"] != b["scene"]]
    expected = len(touched) + sum(1 for a, b in fades if {a, b} & touched)
    encoded = re.search(r"(\d+) of (\d+) video segment\(s\) encoded", result.stdout)
    assert encoded and (int(encoded[1]), int(encoded[2])) == (expected, len(order) + len(fades))
    assert len(touched) < len(order)
    assert {p.name: p.stat().st_mtime_ns for p in (folder / "frames").glob("*.png")} == before
    cues = list(srt.parse((folder / "ep01.srt").read_text(encoding="utf-8")))
    assert "So you found my number at last." in [c.content.replace("\n", " ") for c in cues]
    assert f.SCENE_TWO[0] not in " ".join(c.content.replace("\n", " ") for c in cues)
    bad = project / "bad.json"
    bad.write_text(json.dumps({"number": 1}))
    refused = room(project, "render", run_id, "--episode", "1", "--script", str(bad))
    assert refused.returncode == 6 and "the script is not valid" in refused.stderr


def test_rerender_casts_a_bit_part_the_changed_script_brings_in(produced):
    project, run_id, folder, _ = produced
    changed = json.loads((folder / "script.json").read_text())
    changed["scenes"][0]["lines"][2]["speaker"] = "Driver"
    (project / "driver.json").write_text(json.dumps(changed))
    result = room(project, "render", run_id, "--episode", "1", "--script", str(project / "driver.json"), timeout=600)
    assert result.returncode == 0, result.stderr
    assert "1 line(s) synthesised" in result.stdout
    cast = json.loads((project / "outputs" / run_id / "cast.json").read_text())
    assert list(cast) == ["Lin Xia", "Zhou Min", "Guard", "Driver"]
    assert cast["Driver"] not in [cast[name] for name in ("Lin Xia", "Zhou Min", "Guard")]


def test_the_episode_has_a_music_bed_on_its_own_track(produced):
    _, _, folder, _ = produced
    timeline = otio.adapters.read_from_file(str(folder / "ep01.otio"))
    (music,) = [track for track in timeline.tracks if track.name == "Music"]
    (clip,) = music.find_clips()
    assert (folder / clip.media_reference.target_url).resolve() == (folder / "music.wav").resolve()
    assert abs(clip.duration().to_seconds() - timeline.duration().to_seconds()) < 0.1


def test_redraw_draws_one_shot_again_and_keeps_it(produced):
    project, run_id, folder, _ = produced
    shots = json.loads((folder / "shots.json").read_text())["shots"]
    shot, number = shots[1]["id"], 2  # frames are numbered in shot order
    before = {p.name: p.read_bytes() for p in (folder / "frames").glob("*.png")}
    result = room(project, "redraw", run_id, "--episode", "1", "--shot", shot, "--prompt", "Rain on [the] glass")
    assert result.returncode == 0, result.stderr
    assert "0 line(s) synthesised, 1 frame(s) drawn" in result.stdout
    encoded, segments = map(int, re.search(r"(\d+) of (\d+) video segment", result.stdout).groups())
    assert 1 <= encoded < segments
    after = {p.name: p.read_bytes() for p in (folder / "frames").glob("*.png")}
    assert [name for name in before if before[name] != after[name]] == [f"shot_{number:03d}.png"]
    kept = json.loads((folder / "production.json").read_text())
    assert kept["prompts"][shot] == "Rain on [the] glass"
    again = room(project, "render", run_id, "--episode", "1")  # the redraw stands in the next render
    assert again.returncode == 0 and "0 frame(s) drawn" in again.stdout, again.stderr
    missing = room(project, "redraw", run_id, "--episode", "1", "--shot", "../../zz")
    assert missing.returncode == 6 and "has no shot '../../zz'; its shots are" in missing.stderr


def test_export_copies_the_formats_asked_for(produced, tmp_path):
    project, run_id, folder, _ = produced
    result = room(project, "export", run_id, "--to", str(tmp_path / "out"), "--format", "fountain,srt,otio")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    names = sorted(p.name for p in out.rglob("*") if p.is_file() and p.parent.name not in ("frames", "audio"))
    assert names == ["ep01.otio", "ep01.srt", "music.wav", "script.fountain"]  # the timeline's music goes with it
    episode = out / "episodes" / "ep01"
    frames = sorted(p.name for p in (folder / "frames").glob("*.png"))
    assert sorted(p.name for p in (episode / "frames").iterdir()) == frames and frames  # the stills, not the requests
    assert {p.name for p in (episode / "audio").iterdir()} == {p.name for p in (folder / "audio").glob("*.wav")}
    wrong = room(project, "export", run_id, "--to", str(tmp_path / "x"), "--format", "docx")
    assert wrong.returncode == 6 and "unknown export format(s) docx" in wrong.stderr


def test_without_auto_approve_the_run_stops_at_script_and_final_cut(tmp_path):
    project = tmp_path / "gated"
    project.mkdir()
    first = room(
        project,
        "run",
        "A premise",
        "--episodes",
        "1",
        "--auto",
        "pitch,bible,outline",
        "--round-limit",
        "1",
        script={k: v[:] for k, v in SCRIPT.items() if k != "art_director"}
        | {"art_director": [f.approve()], "director": SCRIPT["director"][:3], "editor": SCRIPT["editor"][:2]},
        timeout=600,
    )
    assert first.returncode == 0, first.stderr
    run_id = run_id_of(first.stdout)
    status = json.loads(room(project, "status", run_id, "--json").stdout)
    assert status["waiting"]["gate"] == "script" and status["waiting"]["content"]["title"] == "The Return 1"
    second = room(
        project,
        "approve",
        run_id,
        name="second",
        timeout=600,
        script={"director": [f.shots()], "art_director": [f.approve(), f.art()], "editor": [f.approve()]},
    )
    assert second.returncode == 0, second.stderr
    status = json.loads(room(project, "status", run_id, "--json").stdout)
    assert status["waiting"]["gate"] == "final_cut"
    assert status["waiting"]["content"]["video"].endswith("ep01.mp4")
    edit = room(project, "approve", run_id, "--edit", str(project / "x.json"))
    assert edit.returncode == 6
    third = room(project, "approve", run_id, name="third")
    assert third.returncode == 0, third.stderr
    assert json.loads(room(project, "status", run_id, "--json").stdout)["state"] == "finished"


def test_a_recast_character_is_re_voiced_alone_and_cast_json_edits_are_taken(produced):
    """Last in this module: it changes the run's voices."""
    project, run_id, folder, _ = produced
    listing = room(project, "cast", run_id)
    assert listing.returncode == 0, listing.stderr
    cast_file = project / "outputs" / run_id / "cast.json"
    cast = json.loads(cast_file.read_text())
    assert all(name in listing.stdout for name in cast) and "voices:" in listing.stdout
    assert sorted(p.name for p in (project / "outputs" / run_id / "cast").iterdir()) == [
        f"voice_{n:02d}.wav" for n in range(1, len(cast) + 1)
    ]
    spoken = [
        line["speaker"]
        for scene in json.loads((folder / "script.json").read_text())["scenes"]
        for line in scene["lines"]
    ]

    recast = room(project, "cast", run_id, "Zhou Min", "espeak:en-us+f3")
    assert recast.returncode == 0, recast.stderr
    assert json.loads(cast_file.read_text())["Zhou Min"]["voice"] == "en-us+f3"
    again = room(project, "render", run_id, "--episode", "1")
    assert again.returncode == 0 and f"{spoken.count('Zhou Min')} line(s) synthesised" in again.stdout, again.stdout

    edited = json.loads(cast_file.read_text())
    edited["Lin Xia"]["pitch"] = 2.5
    cast_file.write_text(json.dumps(edited))
    taken = room(project, "render", run_id, "--episode", "1")
    assert taken.returncode == 0 and f"{spoken.count('Lin Xia')} line(s) synthesised" in taken.stdout, taken.stdout

    edited["Lin Xia"]["pitch"] = 99
    cast_file.write_text(json.dumps(edited))
    refused = room(project, "render", run_id, "--episode", "1")
    assert refused.returncode == 6 and "the voice of 'Lin Xia' is not valid: pitch" in refused.stderr
    edited["Lin Xia"]["pitch"] = 2.5
    cast_file.write_text(json.dumps(edited))
    unknown = room(project, "cast", run_id, "Lin Xia", "en-us+zz")
    assert unknown.returncode == 6 and "has no voice 'en-us+zz'" in unknown.stderr
