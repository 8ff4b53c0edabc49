"""Looks that hold: the per-episode look check on storyboard frames and on frames of other backends."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from agents.production.looks import CONSISTENCY_FILE, THRESHOLDS, check_looks, write_look_check
from graphs.runs import Runs
from tools.errors import ConfigError
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


# --- reference images -------------------------------------------------------------------------


def reference(path, colours=((30, 160, 90), (240, 220, 40), (20, 20, 120)), size=(128, 160)) -> Path:
    """A picture of a few colour blocks, the first the largest."""
    image = Image.new("RGB", size, colours[0])
    image.paste(colours[1], (0, 0, size[0], size[1] // 4))
    image.paste(colours[2], (0, size[1] - size[1] // 8, size[0], size[1]))
    image.save(path)
    return path


def test_a_reference_draws_the_figure_in_its_dominant_colours(storyboard, tmp_path):
    from tools.images.reference import reference_colours

    given = reference(tmp_path / "lin.png")
    assert reference_colours(given)[:3] == ["#1ea05a", "#f0dc28", "#141478"]
    plain = shot(1, [LIN])
    referenced = shot(1, [replace(LIN, reference_image=given)])
    first, again = storyboard.draw(referenced), storyboard.draw(referenced)
    assert first.tobytes() == again.tobytes()  # deterministic
    assert first.tobytes() != storyboard.draw(plain).tobytes()
    found = {c for _, c in first.getcolors(W * H)}
    assert (30, 160, 90) in found and (192, 57, 43) not in found  # the reference's colour, not the sheet's red
    lin = row(
        check_looks(
            [referenced, shot(2, [replace(LIN, reference_image=given)])],
            drawn(storyboard, tmp_path, [referenced, shot(2, [replace(LIN, reference_image=given)])]),
            True,
            "storyboard",
        ),
        "Lin Xia",
    )
    assert lin["holds"]


def test_a_reference_is_a_png_or_jpeg_of_a_sane_size(tmp_path):
    from tools.errors import InputError
    from tools.images.reference import checked_reference

    assert checked_reference(reference(tmp_path / "a.png")) == ".png"
    Image.new("RGB", (100, 100), (1, 2, 3)).save(tmp_path / "b.jpeg")
    assert checked_reference(tmp_path / "b.jpeg") == ".jpg"
    (tmp_path / "c.png").write_bytes(b"not an image")
    Image.new("RGB", (20, 400)).save(tmp_path / "d.png")
    Image.new("RGB", (100, 100)).save(tmp_path / "e.gif")
    for name, says in (("c.png", "not an image"), ("d.png", "20x400"), ("e.gif", "GIF"), ("none.png", "no image")):
        with pytest.raises(InputError, match=says):
            checked_reference(tmp_path / name)


def test_a_reference_changes_only_its_characters_requests(tmp_path):
    import factories as f
    from agents.director import ShotList
    from agents.production.frames import _image_request

    shots = ShotList.model_validate(f.shots()).shots
    given = {"Zhou Min": reference(tmp_path / "zhou.png")}
    for s in shots:
        plain = _image_request(s, {}, {}, {}, "en", (W, H))
        referenced = _image_request(s, {}, {}, {}, "en", (W, H), given)
        assert (plain == referenced) == ("Zhou Min" not in s.characters), s.id


@pytest.mark.integration
def test_room_look_keeps_a_reference_and_the_next_render_redraws_that_characters_shots(script, make_ctx, project):
    from cli_helpers import room
    from graphs.room import close_all

    runs, run_id = waiting_at_final_cut(script, make_ctx)
    root = runs.ctx.outputs_dir / run_id
    runs.close()
    close_all()
    given = reference(project / "zhou.jpg")
    unknown = room(project, "look", run_id, "Nobody", str(given))
    assert unknown.returncode == 6 and "Lin Xia" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1
    (project / "bad.png").write_bytes(b"\x89PNG not really")
    assert room(project, "look", run_id, "Zhou Min", str(project / "bad.png")).returncode == 6
    assert "no reference image" in room(project, "look", run_id, "Zhou Min").stdout
    done = room(project, "look", run_id, "Zhou Min", str(given))
    assert done.returncode == 0, done.stderr
    kept = json.loads((root / "looks.json").read_text(encoding="utf-8"))["Zhou Min"]
    assert kept["from"] == "zhou.jpg" and (root / kept["image"]).read_bytes() == given.read_bytes()
    assert kept["image"] in room(project, "look", run_id, "Zhou Min").stdout

    runs = Runs(runs.ctx)
    produced = runs.render(run_id, 1)
    shots = json.loads((root / "episodes" / "ep01" / "shots.json").read_text(encoding="utf-8"))["shots"]
    assert produced.rendered_frames == sum("Zhou Min" in s["characters"] for s in shots)
    looks = json.loads((root / "episodes" / "ep01" / CONSISTENCY_FILE).read_text(encoding="utf-8"))
    assert all(c["holds"] for c in looks["characters"])  # the figure drawn from the reference, in every shot
    assert runs.render(run_id, 1).rendered_frames == 0  # kept: nothing to redraw

    # an approved episode's first frame of a character is its reference for the next episodes, with image models
    from agents.production.references import character_references
    from graphs.room import Room
    from tools.registry import BackendSpec

    list(runs.answer(run_id, "approve"))
    values = runs.view(run_id).values
    studio = Room.for_run(runs.ctx, values).studio
    assert set(character_references(studio, values, 2)) == {"Zhou Min"}  # the storyboard: only what was given
    models = replace(studio, images=BackendSpec(provider="diffusers", model="sd"))
    found = character_references(models, values, 2)
    assert found["Zhou Min"].read_bytes() == given.read_bytes()  # a reference given stays the reference
    first = next(place for place, s in enumerate(shots, start=1) if "Lin Xia" in s["characters"])
    frame = root / "episodes" / "ep01" / "frames" / f"shot_{first:03d}.png"
    assert found["Lin Xia"].read_bytes() == frame.read_bytes()
    assert set(character_references(models, values, 1)) == {"Zhou Min"}  # not for the episode it came from
    runs.close()
    close_all()


def waiting_at_final_cut(script, make_ctx):
    from waiting import waiting_at

    return waiting_at(script, make_ctx, "final_cut")


@pytest.mark.integration
def test_diffusers_draws_a_shot_with_a_reference_image_to_image(tmp_path, one_torch_thread):
    from test_images import _tiny_stable_diffusion

    model = _tiny_stable_diffusion(tmp_path)
    backend = create_image_backend("diffusers", model=str(model), height=64, num_inference_steps=2)
    plain = shot(1, [LIN])
    referenced = shot(1, [replace(LIN, reference_image=reference(tmp_path / "lin.png"))])
    without = backend.render(plain, tmp_path / "plain.png")
    assert backend._from_image is None  # text to image
    first = backend.render(referenced, tmp_path / "ref.png")
    assert backend._from_image is not None  # image to image, from the same components
    assert backend._from_image.unet is backend._load().unet
    again = backend.render(referenced, tmp_path / "ref-again.png")
    assert first.read_bytes() == again.read_bytes()
    with Image.open(without) as a, Image.open(first) as b:
        assert a.convert("RGB").tobytes() != b.convert("RGB").tobytes()
    with pytest.raises(ConfigError, match="takes a strength in"):
        create_image_backend("diffusers", model=str(model), strength=0)


def test_openai_edits_the_reference_image(tmp_path, monkeypatch):
    import io
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Edits(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"path": self.path, "type": self.headers["Content-Type"], "body": body})
            buffer = io.BytesIO()
            Image.new("RGB", (1024, 1536), (10, 200, 60)).save(buffer, format="PNG")
            payload = json.dumps({"created": 0, "data": [{"b64_json": base64.b64encode(buffer.getvalue()).decode()}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Edits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-images")
    try:
        backend = create_image_backend("openai", base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
        given = reference(tmp_path / "lin.png")
        out = backend.render(shot(1, [replace(LIN, reference_image=given)]), tmp_path / "1A.png")
        backend.render(shot(2, [LIN]), tmp_path / "2A.png")
    finally:
        server.shutdown()
        server.server_close()
    edit, generation = seen
    assert edit["path"] == "/v1/images/edits" and edit["type"].startswith("multipart/form-data")
    assert given.read_bytes() in edit["body"] and b"long hair" in edit["body"]
    assert generation["path"] == "/v1/images/generations"
    with Image.open(out) as image:
        assert image.convert("RGB").getpixel((W // 2, H // 2)) == (10, 200, 60)
