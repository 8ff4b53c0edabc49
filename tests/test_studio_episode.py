"""The studio's episode page: the cut in a 9:16 player, a frame per shot, the script, the subtitles, each line's
audio, all fetched through the run's own files; one shot redrawn; one line re-voiced; the final cut approved or rejected."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
import srt

import factories as f
from studio_client import post, settle, studio_client
from waiting import at_pitch_gate, waiting_at

HTML = {"Accept": "text/html"}


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag: str, **attrs: str) -> list[dict]:
        return [a for t, a in self.found if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.fixture
def final_cut(script, make_ctx):
    """A one-episode run waiting at its final cut, with a studio on it."""
    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    client, control = studio_client(runs)
    folder = runs.ctx.outputs_dir / run_id / "episodes" / "ep01"
    return client, control, run_id, folder


def fetched(client, url: str):
    reply = client.get(url)
    assert reply.status_code == 200, url
    return reply


def frames_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "frames").glob("*.png"))}


def test_the_episode_page_plays_the_cut_and_shows_every_shot_line_and_subtitle(final_cut):
    client, control, run_id, folder = final_cut
    reply = client.get(f"/runs/{run_id}/episodes/1", headers=HTML)
    assert reply.status_code == 200
    html = reply.text
    tags = Tags(html)

    (video,) = tags.all("video")
    assert "controls" in video and "playsinline" in video
    mp4 = fetched(client, video["src"])
    assert mp4.headers["content-type"] == "video/mp4" and mp4.content == (folder / "ep01.mp4").read_bytes()

    shots = json.loads((folder / "shots.json").read_text())["shots"]
    frames = tags.all("img", **{"data-testid": "frame"})
    assert [img["alt"] for img in frames] == [s["id"] for s in shots]
    on_disk = frames_of(folder)
    for number, img in enumerate(frames, start=1):
        png = fetched(client, img["src"])
        assert png.headers["content-type"] == "image/png" and png.content == on_disk[f"shot_{number:03d}.png"]

    for subtitle in srt.parse((folder / "ep01.srt").read_text()):
        assert subtitle.content.replace("\n", " ") in html.replace("\n", " ")
    assert "00:00:00,500 → 00:00:02,250" in html
    assert "<h3>INT. BOARD ROOM - NIGHT</h3>" in html  # the script as a screenplay, its scene headings
    assert "<strong>Lin Xia</strong>" in html

    spoken = sorted((folder / "audio").glob("*.wav"))
    audio = tags.all("audio", **{"data-testid": "line-audio"})
    assert len(audio) == len(spoken) > 0
    assert fetched(client, audio[0]["src"]).content == spoken[0].read_bytes()
    assert "Security works for the owner of this building now." in html

    assert str(control.ctx.outputs_dir) not in html and str(folder) not in html  # never a filesystem path
    assert tags.all("section", **{"data-testid": "final-cut"})  # the run waits at this episode's final cut
    assert "espeak:" in html  # the cast, character to voice

    # model text shows as text: in the title, the screenplay, a shot's data and its prompt
    attack = "<script>alert(1)</script>"
    record = json.loads((folder / "episode.json").read_text())
    record["script"]["title"] = attack
    record["script"]["scenes"][0]["heading"] = f"INT. {attack}"
    record["script"]["scenes"][0]["lines"][0]["text"] = f"[x](javascript:alert(1)) {attack}"
    record["shots"]["shots"][0]["location"] = attack
    (folder / "episode.json").write_text(json.dumps(record))
    inputs = json.loads((folder / "production.json").read_text())
    inputs["prompts"]["1A"] = f'"><img src=x onerror=alert(1)> {attack}'
    (folder / "production.json").write_text(json.dumps(inputs))
    html = client.get(f"/runs/{run_id}/episodes/1", headers=HTML).text
    assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 6  # title twice, heading, line, location, prompt


def test_a_missing_episode_or_run_is_a_one_line_404(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    client, _ = studio_client(runs)
    for url in (f"/runs/{run_id}/episodes/1", f"/runs/{run_id}/episodes/x", "/runs/nope/episodes/1"):
        reply = client.get(url, headers=HTML)
        assert reply.status_code == 404, url
        (error,) = Tags(reply.text).all("p", **{"data-testid": "error"})
        assert not Tags(reply.text).all("video")
    assert "episode 1 of run" in client.get(f"/runs/{run_id}/episodes/1", headers=HTML).text
    assert "not produced yet" in client.get(f"/runs/{run_id}/episodes/1").text


def test_a_shot_redrawn_through_the_page_changes_that_frame_alone(final_cut):
    client, control, run_id, folder = final_cut
    before = frames_of(folder)
    mp4 = (folder / "ep01.mp4").read_bytes()

    bad = post(client, f"/runs/{run_id}/episodes/1/redraw", {"shot": "../../zz", "seed": "7"})
    assert bad.status_code == 400 and "\n" not in bad.text.strip()
    assert "episode has no shot '../../zz'; its shots are 1A, 1B, 1C, 2A, 2B" in bad.text
    not_a_seed = post(client, f"/runs/{run_id}/episodes/1/redraw", {"shot": "1B", "seed": "-3"})
    assert not_a_seed.status_code == 400 and "the seed must be a whole number" in not_a_seed.text
    # from the page: the refusal beside the form, and what was typed kept
    kept = post(
        client,
        f"/runs/{run_id}/episodes/1/redraw",
        {"shot": "1B", "prompt": "Rain <b>on</b>", "seed": "x"},
        headers=HTML,
    )
    assert kept.status_code == 400 and "the seed must be a whole number" in kept.text
    assert "Rain &lt;b&gt;on&lt;/b&gt;</textarea>" in kept.text
    assert not control.busy(run_id) and frames_of(folder) == before

    redrawn = post(
        client, f"/runs/{run_id}/episodes/1/redraw", {"shot": "1B", "prompt": "Rain on the glass", "seed": "11"}
    )
    assert redrawn.status_code == 303 and redrawn.headers["location"] == f"/runs/{run_id}/episodes/1"
    settle(control, run_id)
    after = frames_of(folder)
    assert {name for name in before if before[name] != after[name]} == {"shot_002.png"}
    assert (folder / "ep01.mp4").read_bytes() != mp4

    events = [e for _, e in control.feed(run_id).since(0, 0)]
    steps = {e["step"] for e in events if e["type"] == "progress"}
    assert steps == {"frames", "lines", "segments"}
    (made,) = [e for e in events if e["type"] == "rendered"]
    assert made["frames"] == 1 and made["lines"] == 0 and 0 < made["segments"] < made["of"]
    assert events[-1]["type"] == "done" and events[-1]["gate"] == "final_cut"

    page = client.get(f"/runs/{run_id}/episodes/1", headers=HTML).text
    shot = page.split('data-shot="1B"')[1].split("</li>")[0]
    assert "Rain on the glass" in shot and "11" in shot  # the shot's prompt and seed now


def test_a_voice_recast_through_the_page_re_voices_that_characters_lines_alone(final_cut):
    client, control, run_id, folder = final_cut
    url = f"/runs/{run_id}/episodes/1/recast"
    unknown = post(client, url, {"character": "Nobody", "voice": "en-us+f3"})
    assert unknown.status_code == 400 and "no one called 'Nobody' is cast" in unknown.text
    assert post(client, url, {"character": "Lin Xia", "voice": "no-such-voice"}).status_code == 400
    assert not control.busy(run_id)

    before = {p.name: p.read_bytes() for p in (folder / "audio").glob("*.wav")}
    assert post(client, url, {"character": "Lin Xia", "voice": "en-us+f3"}).status_code == 303
    settle(control, run_id)
    assert control.runs.view(run_id).values["voices"]["Lin Xia"]["voice"] == "en-us+f3"
    after = {p.name: p.read_bytes() for p in (folder / "audio").glob("*.wav")}
    record = json.loads((folder / "episode.json").read_text())["script"]
    hers = {
        f"s{sc['number']:02d}_l{i:02d}.wav"
        for sc in record["scenes"]
        for i, line in enumerate(sc["lines"])
        if line["speaker"] == "Lin Xia"
    }
    assert {name for name in before if before[name] != after[name]} == hers
    (made,) = [e for _, e in control.feed(run_id).since(0, 0) if e["type"] == "rendered"]
    assert made["lines"] == len(hers) and made["frames"] == 0


def test_the_final_cut_is_approved_or_rejected_with_a_note_through_the_page(final_cut, script):
    client, control, run_id, _ = final_cut
    url = f"/runs/{run_id}/episodes/1/final_cut"
    before = control.runs.view(run_id).checkpoint_id

    no_note = post(client, url, {"action": "reject", "note": "  "})
    assert no_note.status_code == 400 and "a rejection needs a note" in no_note.text
    assert post(client, url, {"action": "edit"}).status_code == 400
    assert post(client, f"/runs/{run_id}/episodes/2/final_cut", {"action": "approve"}).status_code == 409
    assert control.runs.view(run_id).checkpoint_id == before and not control.busy(run_id)  # nothing answered

    script.enqueue("screenwriter", f.revision(f.script(1)))  # the script revised for the note
    script.responder = f.reply_for  # and the episode made again, every reviewer approving
    rejected = post(client, url, {"action": "reject", "note": "Slower: let the father speak last."})
    assert rejected.status_code == 303 and rejected.headers["location"] == f"/runs/{run_id}"
    settle(control, run_id)
    view = control.runs.view(run_id)
    decision = view.values["decisions"][-1]
    assert (decision["action"], decision["note"]) == ("reject", "Slower: let the father speak last.")
    revised = next(c for c in reversed(script.calls) if c["role"] == "screenwriter")
    assert "Slower: let the father speak last." in str(revised["messages"])  # the note reached the revision
    assert view.waiting["gate"] == "script"
    list(control.runs.answer(run_id, "approve", gate="script", episode=1))
    assert control.runs.view(run_id).waiting["gate"] == "final_cut"

    approved = post(client, url, {"action": "approve"})
    assert approved.status_code == 303
    settle(control, run_id)
    view = control.runs.view(run_id)
    assert view.state == "finished" and view.values["production"]["1"]["approved"] is True
    page = client.get(f"/runs/{run_id}/episodes/1", headers=HTML)
    assert page.status_code == 200 and 'data-testid="final-cut"' not in page.text
    assert Tags(page.text).all("video")  # a finished episode still plays from its folder


def test_a_line_re_voiced_through_the_page_changes_that_lines_audio_alone(final_cut):
    client, control, run_id, folder = final_cut
    url = f"/runs/{run_id}/episodes/1/revoice"
    page = client.get(f"/runs/{run_id}/episodes/1", headers=HTML).text
    forms = Tags(page).all("form", **{"data-testid": "revoice"})
    keys = [a["value"] for a in Tags(page).all("input", name="line")]
    assert len(forms) == len(keys) == len(list((folder / "audio").glob("*.wav"))) and keys[:2] == ["1:0", "1:1"]
    assert all(form["action"] == url for form in forms)
    before = {p.name: p.read_bytes() for p in (folder / "audio").glob("*.wav")}

    bad = post(client, url, {"line": "../../zz", "pitch": "2"})
    assert bad.status_code == 400 and "\n" not in bad.text.strip()
    assert "episode has no line '../../zz'; its lines are 1:0, 1:1" in bad.text
    assert post(client, url, {"line": "1:1"}).status_code == 400  # nothing to change
    assert "must be a number" in post(client, url, {"line": "1:1", "rate": "fast"}).text
    assert "the voice is not valid: pitch" in post(client, url, {"line": "1:1", "pitch": "30"}).text
    # from the page: the refusal beside the lines, and what was typed kept in that line's form
    kept = post(client, url, {"line": "1:1", "voice": "<b>no</b>", "pitch": "3"}, headers=HTML)
    assert kept.status_code == 400 and "espeak has no voice &#39;&lt;b&gt;no&lt;/b&gt;&#39;" in kept.text
    row = kept.text.split('data-line="1:1"')[1].split("</tr>")[0]
    assert 'value="&lt;b&gt;no&lt;/b&gt;"' in row and 'value="3"' in row and "<details open" in row
    assert not control.busy(run_id)
    assert {p.name: p.read_bytes() for p in (folder / "audio").glob("*.wav")} == before

    revoiced = post(client, url, {"line": "1:1", "voice": "espeak:en-us+f3", "pitch": "-3"})
    assert revoiced.status_code == 303 and revoiced.headers["location"] == f"/runs/{run_id}/episodes/1"
    settle(control, run_id)
    after = {p.name: p.read_bytes() for p in (folder / "audio").glob("*.wav")}
    assert {name for name in before if before[name] != after[name]} == {"s01_l01.wav"}
    (made,) = [e for _, e in control.feed(run_id).since(0, 0) if e["type"] == "rendered"]
    assert made["lines"] == 1 and made["frames"] == 0 and made["segments"] < made["of"]
    page = client.get(f"/runs/{run_id}/episodes/1", headers=HTML).text
    row = page.split('data-line="1:1"')[1].split("</tr>")[0]
    assert "espeak:en-us+f3" in row and "-3.0" in row  # the line's own delivery, shown
