"""One line spoken again (`Runs.render(revoice=...)`, `room revoice`): that line's audio alone changes, only the
video segments it is in are encoded again, and the change is kept for the episode's next render."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agents.production import Revoice
from cli_helpers import room
from graphs.room import close_all
from tools.errors import InputError
from waiting import waiting_at

FAST = {"ROOM_RENDER": "tiny", "ROOM_SPEECH": "espeak"}


@pytest.fixture
def produced(script, make_ctx):
    """A one-episode run waiting at its final cut, its episode produced (tiny)."""
    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    return runs, run_id, runs.ctx.outputs_dir / run_id / "episodes" / "ep01"


def spoken(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "audio").glob("*.wav"))}


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    assert before.keys() == after.keys()
    return {name for name in before if before[name] != after[name]}


def test_a_line_re_voiced_changes_its_audio_alone_and_is_kept_for_the_next_render(produced):
    runs, run_id, folder = produced
    before, mp4 = spoken(folder), (folder / "ep01.mp4").read_bytes()
    assert "s01_l01.wav" in before and len(before) > 3

    made = runs.render(run_id, 1, revoice=Revoice(line="1:1", pitch=5.0))
    after = spoken(folder)
    assert changed(before, after) == {"s01_l01.wav"}
    assert made.synthesized == 1 and made.rendered_frames == 0
    # the video segments the line plays under are encoded again only if its length moved them; the sound track is
    assert made.encoded_segments < made.segments and (folder / "ep01.mp4").read_bytes() != mp4
    kept = json.loads((folder / "production.json").read_text())
    assert kept["voicing"] == {"1:1": {"pitch": 5.0}}

    # another voice for the same line: its pitch stays, and still that line alone is spoken again
    made = runs.render(run_id, 1, revoice=Revoice(line="1:1", voice="espeak:en-us+f3", rate=1.2))
    assert changed(after, spoken(folder)) == {"s01_l01.wav"} and made.synthesized == 1
    voicing = json.loads((folder / "production.json").read_text())["voicing"]
    assert voicing == {"1:1": {"pitch": 5.0, "backend": "espeak", "voice": "en-us+f3", "rate": 1.2}}

    again_before = spoken(folder)
    again = runs.render(run_id, 1)  # the next render speaks the line as re-voiced: nothing to speak again
    assert again.synthesized == 0 and spoken(folder) == again_before
    assert json.loads((folder / "production.json").read_text())["voicing"] == voicing


REFUSED = [
    (Revoice(line="9:9", pitch=1.0), r"episode has no line '9:9'; its lines are 1:0, 1:1, 1:2, .*2:0"),
    (Revoice(line="../x", pitch=1.0), r"episode has no line '\.\./x'"),
    (Revoice(line="1:1"), r"say how the line should sound: a voice, a pitch or a rate"),
    (Revoice(line="1:1", pitch=40.0), r"the voice is not valid: pitch: .*12"),
    (Revoice(line="1:1", rate=0.0), r"the voice is not valid: rate"),
    (Revoice(line="1:1", voice="no-such-voice"), r"espeak has no voice 'no-such-voice' for en; it offers "),
]


def test_an_unknown_line_voice_or_out_of_range_delivery_is_one_line_and_changes_nothing(produced):
    runs, run_id, folder = produced
    before, inputs = spoken(folder), (folder / "production.json").read_text()
    for revoice, message in REFUSED:
        with pytest.raises(InputError, match=message) as refused:
            runs.render(run_id, 1, revoice=revoice)
        assert "\n" not in str(refused.value)
    assert spoken(folder) == before and (folder / "production.json").read_text() == inputs


def test_room_revoice_re_speaks_one_line_end_to_end(produced):
    runs, run_id, folder = produced
    project = Path(runs.ctx.project_dir)
    runs.close()
    close_all()  # this process lets go of the project: the command writes to it
    before = spoken(folder)
    result = room(project, "revoice", run_id, "--episode", "1", "--line", "2:0", "--pitch", "-4", env=FAST)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 line(s) synthesised, 0 frame(s) drawn" in result.stdout
    encoded, segments = map(int, re.search(r"(\d+) of (\d+) video segment", result.stdout).groups())
    assert encoded < segments
    assert changed(before, spoken(folder)) == {"s02_l00.wav"}

    again = room(project, "render", run_id, "--episode", "1", env=FAST)  # the re-voiced line stands
    assert again.returncode == 0 and "0 line(s) synthesised" in again.stdout, again.stderr

    unknown = room(project, "revoice", run_id, "--episode", "1", "--line", "7:1", "--rate", "1.1", env=FAST)
    assert unknown.returncode == 6 and "episode has no line '7:1'; its lines are 1:0" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    nothing = room(project, "revoice", run_id, "--episode", "1", "--line", "1:0", env=FAST)
    assert nothing.returncode == 6 and "--voice, --pitch or --rate" in nothing.stderr
