"""Looks that hold: the per-episode look check on storyboard frames and on frames of other backends."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from PIL import Image

from agents.production.looks import CONSISTENCY_FILE, THRESHOLDS, check_looks, write_look_check
from tools.images import CharacterLook, ImageRequest, create_image_backend
from tools.images.consistency import dhash, figure_match, frame_similarity
from tools.images.storyboard import figure_layer

W, H = 270, 480  # the draft render size: what a quick run draws
LIN = CharacterLook("Lin Xia", ["long hair", "glasses"], ["#c0392b", "#1b1b1b", "#f1c40f"], seed=7)
ZHOU = CharacterLook("Zhou Yan", ["short hair", "necktie"], ["#1e90ff", "#6f4e37", "#2ecc71"], seed=11)
SIZES = ("wide", "medium", "close_up", "medium", "extreme_close_up")


def shot(number: int, characters: list[CharacterLook], size: str = "medium") -> ImageRequest:
    palette = ["#%02x6070" % (40 * number % 256), "#304050", "#aabbcc"]
    return ImageRequest(
        shot_id=f"{number}A",
        shot_size=size,
        characters=characters,
        location=f"place {number}",
        location_palette=palette,
        caption="Lin turns.",
        lang="en",
        width=W,
        height=H,
    )


@pytest.fixture(scope="module")
def storyboard():
    return create_image_backend("storyboard")


def drawn(storyboard, tmp_path, requests) -> list:
    paths = []
    for request in requests:
        paths.append(storyboard.render(request, tmp_path / f"{request.shot_id}.png"))
    return paths


def row(result: dict, name: str) -> dict:
    return next(r for r in result["characters"] if r["character"] == name)


def test_storyboard_frames_of_one_sheet_hold(storyboard, tmp_path):
    requests = [shot(i, [LIN, ZHOU] if i % 2 else [LIN], size) for i, size in enumerate(SIZES, start=1)]
    result = check_looks(requests, drawn(storyboard, tmp_path, requests), True, "storyboard")
    lin = row(result, "Lin Xia")
    assert lin["holds"] and lin["one_figure"]
    assert lin["score"] >= 0.95 >= THRESHOLDS["figure"]
    assert set(lin["frames"]) == {r.shot_id for r in requests}  # every frame shows Lin's figure
    assert "Zhou Yan" in {r["character"] for r in result["characters"]}  # in frames 1, 3 and 5
    assert result["method"].startswith("storyboard figure")


def test_a_frame_drawn_from_another_palette_breaks_the_look(storyboard, tmp_path):
    requests = [shot(i, [LIN], size) for i, size in enumerate(SIZES[:3], start=1)]
    paths = drawn(storyboard, tmp_path, requests)
    other = replace(LIN, palette=["#2980b9", "#f5f5f5", "#8e44ad"])  # the second frame drawn off the sheet
    storyboard.render(replace(requests[1], characters=[other]), paths[1])
    lin = row(check_looks(requests, paths, True, "storyboard"), "Lin Xia")
    assert not lin["holds"]
    assert lin["frames"]["2A"] < 0.5 <= min(lin["frames"]["1A"], lin["frames"]["3A"])


def test_a_character_in_one_frame_is_not_checked(storyboard, tmp_path):
    requests = [shot(1, [LIN, ZHOU]), shot(2, [LIN])]
    result = check_looks(requests, drawn(storyboard, tmp_path, requests), True, "storyboard")
    assert [r["character"] for r in result["characters"]] == ["Lin Xia"]


def test_a_figure_behind_another_is_measured_on_what_shows(storyboard):
    request = shot(1, [LIN, ZHOU], "wide")
    alone = figure_layer(replace(request, characters=[ZHOU]), "Zhou Yan")
    behind = figure_layer(request, "Zhou Yan")
    assert figure_layer(request, "Nobody") is None
    # side by side the figures do not overlap; Lin stands in front, at another place
    assert behind.getchannel("A").getbbox() != alone.getchannel("A").getbbox()
    assert figure_match(storyboard.draw(request), behind) >= THRESHOLDS["figure"]


def test_other_backends_compare_the_frames_with_a_named_method(tmp_path):
    requests = [shot(i, [LIN]) for i in (1, 2, 3)]
    colours = [(200, 40, 40), (205, 45, 40), (30, 60, 200)]
    paths = []
    for request, colour in zip(requests, colours):
        image = Image.new("RGB", (W, H), colour)
        image.paste((240, 240, 240), (60, 100, 200, 300))
        paths.append(tmp_path / f"{request.shot_id}.png")
        image.save(paths[-1])
    lin = row(check_looks(requests, paths, False, "diffusers:tiny"), "Lin Xia")
    assert lin["frames"] == ["1A", "2A", "3A"]
    assert lin["lowest"] < lin["score"] < 1.0  # the blue frame pulls the lowest pair down
    alike = row(check_looks(requests[:2], paths[:2], False, "diffusers:tiny"), "Lin Xia")
    assert alike["holds"] and alike["score"] > lin["score"]


def test_frame_similarity_and_hash():
    image = Image.linear_gradient("L").convert("RGB").resize((64, 64))
    assert frame_similarity(image, image) == 1.0
    flipped = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).rotate(90)
    assert dhash(image) != dhash(flipped)
    assert frame_similarity(image, flipped) < 1.0


def test_the_check_is_written_beside_the_episode_and_deterministic(storyboard, tmp_path):
    requests = [shot(i, [LIN]) for i in (1, 2)]
    paths = drawn(storyboard, tmp_path, requests)
    first = write_look_check(tmp_path, requests, paths, True, "storyboard")
    assert first.name == CONSISTENCY_FILE
    text = first.read_text(encoding="utf-8")
    write_look_check(tmp_path, requests, paths, True, "storyboard")
    assert first.read_text(encoding="utf-8") == text
    assert json.loads(text)["images"] == "storyboard"


@pytest.mark.integration
def test_a_scripted_episode_has_its_look_check_in_the_report(script, make_ctx):
    from cli.studio import report
    from graphs.room import close_all
    from studio_client import studio_client
    from waiting import waiting_at

    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    folder = runs.ctx.outputs_dir / run_id / "episodes" / "ep01"
    looks = json.loads((folder / CONSISTENCY_FILE).read_text(encoding="utf-8"))
    assert looks["images"] == "storyboard" and looks["characters"]
    shots = json.loads((folder / "shots.json").read_text(encoding="utf-8"))["shots"]
    for character in looks["characters"]:  # each in two or more shots, measured on the frames that show it
        assert sum(character["character"] in s["characters"] for s in shots) >= 2
        assert character["holds"] and character["score"] >= THRESHOLDS["figure"]
    assert report.episode_looks(runs.ctx.outputs_dir / run_id, 1) == looks
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/report").text
    lines = re.findall(r'<li data-testid="look">(.*?)</li>', page)
    assert len(lines) == len(looks["characters"])
    assert all(line.endswith("look holds") for line in lines)
    runs.close()
    close_all()
