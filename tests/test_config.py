"""Configuration precedence and the model factory's errors (no model is called)."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from agents import models
from agents.errors import UnknownModelError
from agents.screenwriter import Pitch
from agents.structured import ask_structured
from graphs.context import load_context
from tools.errors import ConfigError, MissingKeyError, ModelUnavailableError


def write_toml(project, text):
    (project / "room.toml").write_text(text, encoding="utf-8")


def test_precedence_flag_over_file_over_env_over_default(project):
    assert load_context(project, env={}).model == "embedded:gemma3-270m"
    env = {"ROOM_MODEL": "openai:from-env", "ROOM_LANG": "zh", "ROOM_MODEL_DIRECTOR": "openai:env-director"}
    assert load_context(project, env=env).model == "openai:from-env"
    write_toml(project, '[room]\nmodel = "openai:from-file"\n[models]\neditor = "openai:file-editor"\n')
    ctx = load_context(project, env=env)
    assert (ctx.model, ctx.lang) == ("openai:from-file", "zh")
    assert ctx.model_for("director") == "openai:env-director"
    assert ctx.model_for("editor") == "openai:file-editor"
    assert ctx.model_for("screenwriter") == "openai:from-file"
    ctx = load_context(project, {"model": "openai:from-flag", "lang": None}, env=env)
    assert (ctx.model, ctx.lang) == ("openai:from-flag", "zh")


def test_gates_from_file_and_env(project):
    write_toml(project, '[gates]\npitch = "auto"\nbible = "ask"\n')
    ctx = load_context(project, env={})
    assert ctx.auto_approves("pitch") and not ctx.auto_approves("bible")
    assert load_context(project, {"auto_approve": ("all",)}, env={}).auto_approves("outline")


@pytest.mark.parametrize(
    "text, message",
    [
        ('[room]\napi_key = "sk-123"\n', "looks like a secret"),
        ("[room\nmodel = 1", "not valid TOML"),
        ("[room]\nround_limit = 0\n", "invalid setting round_limit"),
        ('[models]\nproducer = "openai:x"\n', "unknown role(s) producer"),
        ('[room]\nlang = "fr"\n', "lang must be 'en' or 'zh'"),
        ('[room]\ncolour = "red"\n', "invalid setting colour"),
    ],
)
def test_bad_project_file(project, text, message):
    write_toml(project, text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_context(project, env={})


def test_unknown_model_strings():
    with pytest.raises(UnknownModelError, match="not of the form provider:model"):
        models.check_spec("gpt-4")
    with pytest.raises(UnknownModelError, match="unknown model provider 'foo'"):
        models.load_chat_model("foo:bar")


def test_missing_key_and_keyless_local_server():
    with pytest.raises(MissingKeyError, match="set OPENAI_API_KEY"):
        models.load_chat_model("openai:gpt-4.1-mini")
    with pytest.raises(MissingKeyError, match="DEEPSEEK_API_KEY"):
        models.check_spec("deepseek:deepseek-chat")
    local = models.load_chat_model("openai:any", base_url="http://127.0.0.1:8000/v1")
    assert local.structured_method == "json_schema" and local.chat.openai_api_key.get_secret_value() == "not-needed"


def test_provider_structured_methods(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
    assert models.load_chat_model("deepseek:deepseek-chat").structured_method == "json_mode"
    assert models.load_chat_model("deepseek:deepseek-chat", structured_method="tools").structured_method == "tools"
    with pytest.raises(UnknownModelError, match="structured output method 'xml'"):
        models.load_chat_model("deepseek:deepseek-chat", structured_method="xml")


def test_unreachable_server_is_a_typed_error():
    model = models.load_chat_model("openai:any", base_url="http://127.0.0.1:9/v1", timeout=5)
    with pytest.raises(ModelUnavailableError, match="cannot be reached"):
        ask_structured(model, [HumanMessage("hi")], Pitch)


def test_keys_never_enter_the_context(project, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    ctx = load_context(project, {"model": "openai:gpt-4.1-mini"})
    assert "sk-secret-value" not in ctx.model_dump_json()


def test_a_render_size_is_one_setting(project):
    from tools.cut import RENDER_SIZES

    assert load_context(project, env={"ROOM_RENDER": "tiny"}).render == "tiny"
    assert RENDER_SIZES["tiny"] == (72, 128, 4) and load_context(project, env={}).render == "full"
    with pytest.raises(ConfigError, match="render"):
        load_context(project, {"render": "huge"}, env={})
