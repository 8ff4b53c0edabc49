"""Image backends: storyboard panels, AIGC labels, the registry, diffusers and OpenAI-compatible servers.

Outputs are checked with independent means: PIL reads the pixels, hashlib
recomputes the hash, and the PNG chunks are also parsed by hand.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from tools.errors import ConfigError, MissingKeyError, ModelUnavailableError
from tools.images import IMAGES, CharacterLook, ImageRequest, create_image_backend
from tools.registry import BackendInfo, MissingPackageError, Registry, UnknownBackendError

W, H = 1080, 1920
RED, BLACK, GOLD = "#c0392b", "#141414", "#f1c40f"
BLUE, BROWN, MINT = "#1f6fd1", "#6b3e1f", "#3fe0b0"
LIN = CharacterLook("林夏", ["long hair", "round glasses"], [RED, BLACK, GOLD], seed=7)
ZHOU = CharacterLook("Zhou Yan", ["short hair", "necktie"], [BLUE, BROWN, MINT], seed=11)
ROOFTOP = ["#8fa3bf", "#5b6770", "#2d3436"]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def request(**fields) -> ImageRequest:
    base = dict(
        shot_id="1A",
        shot_size="medium",
        camera="static",
        characters=[LIN],
        location="天台 rooftop",
        location_palette=ROOFTOP,
        caption="林夏回头。",
        lang="zh",
    )
    return ImageRequest(**{**base, **fields})


def colours(image: Image.Image) -> dict[tuple[int, int, int], int]:
    """Pixel count of every colour in the image."""
    return {c: n for n, c in image.convert("RGB").getcolors(maxcolors=W * H)}


def count(image: Image.Image, colour: str) -> int:
    """Pixels of exactly `colour`."""
    return colours(image).get(rgb(colour), 0)


def labelled_panel(path: Path) -> tuple[dict, Image.Image]:
    """A generated panel's AIGC label and pixels; it is 1080x1920 and the label's hash is of these pixels."""
    with Image.open(path) as image:
        assert image.size == (W, H)
        label = json.loads(image.text["provenance"])["provenance"]
        pixels = image.convert("RGB")
    assert label["sha256"] == hashlib.sha256(pixels.tobytes()).hexdigest()
    return label, pixels


def png_text_chunks(path: Path) -> dict[str, str]:
    """tEXt/iTXt chunks, parsed from the bytes without PIL."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            chunks[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, _method, rest = rest[0], rest[1], rest[2:]
            _lang, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            chunks[key.decode("latin-1")] = (zlib.decompress(text) if compressed else text).decode("utf-8")
        pos += 12 + length
    return chunks


@pytest.fixture(scope="module")
def storyboard():
    return create_image_backend("storyboard")


# --- storyboard panels ------------------------------------------------------------------------


def test_panel_is_a_1080x1920_png(storyboard, tmp_path):
    out = storyboard.render(request(), tmp_path / "shots" / "1A.png")
    assert out == tmp_path / "shots" / "1A.png"
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == (W, H)
    assert not [p for p in out.parent.iterdir() if p.name != "1A.png"], "atomic write left a temporary file"


def test_same_request_gives_identical_bytes(storyboard, tmp_path):
    shot = request(shot_size="wide", camera="pan_left", characters=[LIN, ZHOU])
    first = storyboard.render(shot, tmp_path / "a.png").read_bytes()
    second = storyboard.render(shot, tmp_path / "b.png").read_bytes()
    other = storyboard.render(request(shot_size="wide", camera="pan_right", characters=[LIN, ZHOU]), tmp_path / "c.png")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert hashlib.sha256(other.read_bytes()).hexdigest() != hashlib.sha256(first).hexdigest()


def test_closer_shots_frame_the_figure_larger(storyboard):
    panels = {
        size: colours(storyboard.draw(request(shot_size=size)))
        for size in ("extreme_wide", "wide", "medium", "close_up", "extreme_close_up")
    }
    clothes = {size: found.get(rgb(RED), 0) for size, found in panels.items()}
    hair = {size: found.get(rgb(BLACK), 0) for size, found in panels.items()}
    glasses = {size: found.get(rgb(GOLD), 0) for size, found in panels.items()}
    # the body grows from extreme wide to waist-up; a close-up is far larger than a wide shot
    assert 0 < clothes["extreme_wide"] < clothes["wide"] < clothes["medium"], clothes
    assert clothes["close_up"] > 3 * clothes["wide"], clothes
    # a close-up is head and shoulders: the head (hair) is larger than in the medium shot
    assert hair["close_up"] > 1.5 * hair["medium"] > 0, hair
    # an extreme close-up is the face: the glasses grow far beyond the close-up's
    assert glasses["extreme_close_up"] > 3 * glasses["close_up"] > 0, glasses


def test_a_style_palette_longer_than_wall_floor_accent_draws_its_first_three(storyboard):
    five = ["#102030", "#405060", "#708090", "#a0b0c0", "#d0e0f0"]
    long = storyboard.draw(request(shot_size="wide", characters=[], location="A", location_palette=five))
    three = storyboard.draw(request(shot_size="wide", characters=[], location="A", location_palette=five[:3]))
    assert long.tobytes() == three.tobytes()


def test_a_character_keeps_its_colours_in_every_shot(storyboard):
    first = storyboard.draw(
        request(
            shot_size="wide", characters=[LIN, ZHOU], location="雨夜便利店", location_palette=["#223344", "#445566"]
        )
    )
    second = storyboard.draw(
        request(shot_size="medium", characters=[ZHOU, LIN], location="天台", location_palette=["#ddeeff", "#99aabb"])
    )
    for image in (first, second):
        found = colours(image)
        for colour in (RED, BLACK, GOLD, BLUE, BROWN, MINT):
            assert found.get(rgb(colour), 0) > 200, colour
    # with no palette on the sheet, the colours come from the seed: the same in two different shots
    plain = CharacterLook("阿杰", ["short hair"], seed=42)
    a = storyboard.draw(request(shot_size="wide", characters=[plain], location="A", location_palette=["#101010"]))
    b = storyboard.draw(request(shot_size="close_up", characters=[plain], location="B", location_palette=["#f0f0f0"]))

    def figure_colours(image, box):
        return {c for n, c in image.crop(box).getcolors(W * H) if n > 400}

    shared = figure_colours(a, (380, 600, 700, 1500)) & figure_colours(b, (200, 300, 900, 1600))
    assert len(shared) >= 2, shared  # skin and clothes (at least) are the same colours in both shots


def test_camera_moves_are_drawn_differently(storyboard):
    picture = (0, 0, W, int(H * 0.84))
    panels = {
        move: storyboard.draw(request(camera=move, caption="")).crop(picture).tobytes()
        for move in ("static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down")
    }
    assert len(set(panels.values())) == len(panels)


def test_chinese_caption_renders(storyboard):
    band = (0, int(H * 0.88), W, H)
    empty = storyboard.draw(request(caption="")).crop(band)
    rain = storyboard.draw(request(caption="雨停了，她没有回头。")).crop(band)
    snow = storyboard.draw(request(caption="雪停了，她没有回头。")).crop(band)
    assert rain.tobytes() != empty.tobytes()
    # missing glyphs would all be the same box: two different characters must draw differently
    assert rain.tobytes() != snow.tobytes()
    assert count(rain, "#f5f5f5") > count(empty, "#f5f5f5") + 300


def test_a_latin_caption_is_drawn_with_straight_quotes(storyboard):
    band = (0, int(H * 0.88), W, H)
    curly = storyboard.draw(request(caption="Mark’s “deal” doesn’t add up.")).crop(band)
    straight = storyboard.draw(request(caption="Mark's \"deal\" doesn't add up.")).crop(band)
    assert curly.tobytes() == straight.tobytes()


# --- the AIGC label -----------------------------------------------------------------------------


def test_visible_label_sits_in_a_contrasting_box_in_the_corner(storyboard, tmp_path):
    shot = request(shot_size="close_up")
    unlabelled = storyboard.draw(shot)
    with Image.open(storyboard.render(shot, tmp_path / "1A.png")) as image:
        labelled = image.convert("RGB")
    corner = (0, 0, 420, 220)
    assert labelled.crop(corner).tobytes() != unlabelled.crop(corner).tobytes()
    # only the corner changes
    assert labelled.crop((500, 400, W, H)).tobytes() == unlabelled.crop((500, 400, W, H)).tobytes()
    grey = labelled.crop(corner).convert("L")
    dark = sum(1 for v in grey.getdata() if v < 50)
    light = sum(1 for v in grey.getdata() if v > 205)
    assert dark > 2000 and light > 2000, (dark, light)  # text and box of opposite brightness
    # the box holds two lines at least 5% of the short side tall each
    rows = [y for y in range(corner[3]) if any(v < 50 or v > 205 for v in grey.crop((0, y, 420, y + 1)).getdata())]
    assert rows and rows[-1] - rows[0] >= 2 * 0.05 * W


def test_png_carries_the_machine_readable_label(storyboard, tmp_path):
    out = storyboard.render(request(shot_id="2C"), tmp_path / "2C.png")
    chunks = png_text_chunks(out)
    assert "AIGC" in chunks and "provenance" in chunks
    standard = json.loads(chunks["AIGC"])["AIGC"]
    assert standard["Label"] == "1" and standard["ContentProducer"] == "Writers' Room"
    label = json.loads(chunks["provenance"])["provenance"]
    assert label["content_id"] == "2C"
    assert label["content_type"] == "image"
    assert label["models"] == ["writers-room-storyboard"]
    with Image.open(out) as image:
        assert {k: json.loads(image.text[k]) for k in chunks} == {k: json.loads(v) for k, v in chunks.items()}
        pixels = image.convert("RGB").tobytes()
    assert label["sha256"] == hashlib.sha256(pixels).hexdigest()
    assert standard["ReservedCode1"] == f"sha256:{label['sha256']}"


def test_request_rejects_what_the_director_does_not_know():
    with pytest.raises(ValueError, match="shot size"):
        request(shot_size="dutch_angle")
    with pytest.raises(ValueError, match="camera"):
        request(camera="zoom")
    with pytest.raises(ValueError, match="hex"):
        CharacterLook("x", palette=["red"])


def test_a_request_takes_the_directors_shot_values():
    from agents.director import CameraMove, ShotSize

    assert request(shot_size=ShotSize.CLOSE_UP, camera=CameraMove.PUSH_IN).shot_size == "close_up"


# --- registry and missing pieces ----------------------------------------------------------------


def test_registry_lists_the_backends_and_rejects_unknown_names():
    assert IMAGES.names() == ["diffusers", "openai", "storyboard"]
    with pytest.raises(UnknownBackendError, match="unknown images backend 'midjourney'"):
        create_image_backend("midjourney")


def test_missing_package_names_the_extra(monkeypatch):
    registry = Registry("images")
    registry.register(
        BackendInfo("fake", "images", packages=("no_such_package_for_room_tests",), extra="diffusers"),
        lambda **o: object(),
    )
    with pytest.raises(MissingPackageError, match=r'pip install -e "\.\[diffusers\]"'):
        registry.create("fake")
    # the real diffusers backend, on a machine without torch
    import tools.registry as registry_module

    real = registry_module.importlib.util.find_spec
    monkeypatch.setattr(
        registry_module.importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    with pytest.raises(MissingPackageError, match=r"needs torch: .*\[diffusers\]"):
        create_image_backend("diffusers", model="anything")


def test_missing_font_is_a_one_line_error(monkeypatch):
    import tools.fonts as fonts

    fonts.cjk_font_path.cache_clear()
    monkeypatch.setattr(fonts.importlib.util, "find_spec", lambda name, *a: None)
    try:
        with pytest.raises(MissingPackageError, match="paperang-p2-fonts-cjk") as caught:
            fonts.cjk_font_path()
        assert "\n" not in str(caught.value)
    finally:
        monkeypatch.undo()
        fonts.cjk_font_path.cache_clear()
    assert fonts.cjk_font_path().suffix in (".ttc", ".ttf", ".otf") and fonts.cjk_font_path().is_file()


# --- diffusers ----------------------------------------------------------------------------------


def _tiny_stable_diffusion(folder: Path) -> Path:
    """A randomly initialised, tiny Stable Diffusion pipeline saved like a real model folder."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for code in range(33, 127):  # printable ASCII, alone and word-final; no merges
        vocab.setdefault(chr(code), len(vocab))
        vocab.setdefault(chr(code) + "</w>", len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            vocab_size=len(vocab),
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            max_position_embeddings=77,
        )
    )
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder / "tiny-sd")
    return folder / "tiny-sd"


@pytest.mark.integration
def test_diffusers_renders_a_labelled_panel_from_a_local_model(tmp_path, one_torch_thread):
    from tools.images.diffusers_backend import generation_size

    assert generation_size(1080, 1920, 512) == (288, 512)
    assert generation_size(1080, 1920, 100) == (56, 104)
    model = _tiny_stable_diffusion(tmp_path)
    backend = create_image_backend("diffusers", model=str(model), height=64, num_inference_steps=2)
    shot = request(shot_id="3B", prompt="a woman on a rooftop at night", characters=[LIN, ZHOU])
    out = backend.render(shot, tmp_path / "3B.png")
    again = backend.render(shot, tmp_path / "3B-again.png")
    label, pixels = labelled_panel(out)
    assert label["models"] == ["diffusers:tiny-sd"] and label["content_id"] == "3B"
    assert len(pixels.crop((0, 400, W, H)).getcolors(1 << 24)) > 50  # a generated picture, not a flat fill
    # the first character's seed fixes the picture
    assert out.read_bytes() == again.read_bytes()
    # a folder that holds no model, or no model at all, is a one-line typed error
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailableError, match="cannot load the diffusers model"):
        create_image_backend("diffusers", model=str(tmp_path / "empty")).render(shot, tmp_path / "x.png")
    with pytest.raises(ConfigError, match="needs a model"):
        create_image_backend("diffusers")


# --- openai -------------------------------------------------------------------------------------


def test_openai_needs_a_key():
    with pytest.raises(MissingKeyError, match="OPENAI_API_KEY"):
        create_image_backend("openai")
    from tools.images.openai_backend import OpenAIImageBackend

    with pytest.raises(MissingKeyError):
        OpenAIImageBackend(env={})


class _FakeImages(BaseHTTPRequestHandler):
    """An OpenAI-compatible /images/generations endpoint returning a 1024x1536 PNG."""

    seen: list[dict] = []
    status = 200

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if type(self).status != 200:
            payload = json.dumps({"error": {"message": "overloaded", "type": "server_error"}}).encode()
        else:
            picture = Image.new("RGB", (1024, 1536), (30, 120, 200))
            picture.paste((250, 220, 40), (0, 0, 1024, 768))  # two halves, so the crop can be checked
            buffer = io.BytesIO()
            picture.save(buffer, format="PNG")
            payload = json.dumps(
                {"created": 0, "data": [{"b64_json": base64.b64encode(buffer.getvalue()).decode()}]}
            ).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_images_server(monkeypatch):
    _FakeImages.seen, _FakeImages.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeImages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-images")
    _FakeImages.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield _FakeImages
    server.shutdown()
    server.server_close()


def test_openai_renders_a_labelled_panel_through_a_compatible_server(fake_images_server, tmp_path):
    backend = create_image_backend("openai", base_url=fake_images_server.url)
    out = backend.render(request(shot_id="4A", prompt="she turns back in the rain"), tmp_path / "4A.png")
    (call,) = fake_images_server.seen
    assert call["path"] == "/v1/images/generations"
    assert call["auth"] == "Bearer sk-test-images"
    assert call["body"]["model"] == "gpt-image-1" and call["body"]["size"] == "1024x1536"
    assert "she turns back in the rain" in call["body"]["prompt"] and "round glasses" in call["body"]["prompt"]
    label, pixels = labelled_panel(out)
    assert label["models"] == ["openai:gpt-image-1"] and label["content_id"] == "4A"
    # scaled to cover and centre-cropped: yellow top half, blue bottom half, no letterbox
    assert pixels.getpixel((W // 2, H // 4)) == (250, 220, 40)
    assert pixels.getpixel((W // 2, 3 * H // 4)) == (30, 120, 200)
    assert pixels.getpixel((W - 1, H // 2 + 40)) == (30, 120, 200)


def test_openai_server_errors_are_typed(fake_images_server, tmp_path):
    fake_images_server.status = 500
    backend = create_image_backend("openai", base_url=fake_images_server.url, timeout=5.0)
    with pytest.raises(ModelUnavailableError, match="500"):
        backend.render(request(), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
