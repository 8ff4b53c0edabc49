"""The one seam that creates chat models, from a `provider:model` string.

Every provider speaks the OpenAI chat API through `langchain-openai`; a
provider is only data (default base URL, which env var holds its key, which
structured-output method it supports), registered in `CHAT` like every other
kind of backend (`tools.registry`). Tests replace `load_chat_model` and
nothing else.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from agents.errors import UnknownModelError
from tools.errors import MissingKeyError, client_options, openai_errors
from tools.redaction import Redactor
from tools.registry import NO_KEY, BackendInfo, BackendSpec, Registry, is_loopback_url

STRUCTURED_METHODS = ("json_schema", "json_mode", "tools")


@dataclass(frozen=True)
class Provider(BackendInfo):
    """A chat backend: what every backend declares, and how the room talks to this server."""

    kind: str = "chat"
    packages: tuple[str, ...] = ("langchain_openai",)
    structured: str = "json_schema"
    embedded: bool = False
    # extra request fields (sampler settings) and JSON-schema keywords this server understands
    request_extras: dict = field(default_factory=dict)
    schema_extras: dict = field(default_factory=dict)
    schema_limits: dict = field(default_factory=dict)  # tighter caps sent to the decoder (small models)
    text_stop: tuple[str, ...] = ()  # where a free-text answer ends (a base model runs on into the next turn)
    # how many of a task's few-shot examples to show (None: all). A small model copies what it is shown:
    # one example is the shape it needs, at about half the prompt to read on a CPU.
    few_shot: int | None = None

    def api_key(
        self, key_env: str | None = None, base_url: str | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        """The key from the environment; a local server, or any OpenAI-compatible server by base URL, may need
        none (ROOM_API_KEY if it does)."""
        env = os.environ if env is None else env
        name = key_env or self.key_env
        if name and env.get(name):
            return env[name]
        if base_url and (is_loopback_url(base_url) or self.name == "openai" and self.base_url is None):
            return env.get("ROOM_API_KEY", NO_KEY)
        if name is None:
            return NO_KEY
        raise MissingKeyError(f"model provider '{self.name}' needs a key: set {name} in the environment")


# llama.cpp (embedded or a llama-server by URL): DRY breaks the loops small models fall into;
# LLGuidance's compact separators stop them spending tokens on whitespace and match the
# few-shot examples' layout
# a repeat penalty and shorter caps on strings and lists keep its loops short
LLAMACPP_REQUEST = {
    "dry_multiplier": 0.8,
    "dry_base": 1.75,
    "dry_allowed_length": 3,
    "repeat_penalty": 1.15,
    "repeat_last_n": 128,
}
LLAMACPP_SCHEMA = {"x-guidance": {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}}
# A small model's strings and short lists are capped (its long fields turn into loops); each artifact
# declares its own floors and ceilings (`Artifact.small_model`), which `artifact_fields` takes in.
SMALL_MODEL_LIMITS = {"max_string": 160, "max_items": 4, "artifact_fields": True}

CHAT_PROVIDERS = (
    Provider("openai", key_env="OPENAI_API_KEY"),
    Provider("deepseek", base_url="https://api.deepseek.com/v1", key_env="DEEPSEEK_API_KEY", structured="json_mode"),
    Provider(
        "qwen",
        base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
        key_env="DASHSCOPE_API_KEY",
        structured="json_mode",
    ),
    Provider("ollama", base_url="http://127.0.0.1:11434/v1"),
    Provider("vllm", base_url="http://127.0.0.1:8000/v1"),
    Provider(
        "llamacpp", base_url="http://127.0.0.1:8080/v1", request_extras=LLAMACPP_REQUEST, schema_extras=LLAMACPP_SCHEMA
    ),
    Provider(
        "embedded",
        local=True,
        embedded=True,
        request_extras=LLAMACPP_REQUEST,
        schema_extras=LLAMACPP_SCHEMA,
        schema_limits=SMALL_MODEL_LIMITS,
        text_stop=("\n\n",),
        few_shot=1,
    ),
)
PROVIDERS: dict[str, Provider] = {p.name: p for p in CHAT_PROVIDERS}


@dataclass
class RoomModel:
    """A chat model plus what the room needs to know to use it."""

    chat: BaseChatModel
    spec: str
    structured_method: str = "json_schema"
    embedded: bool = False
    schema_extras: dict = field(default_factory=dict)
    schema_limits: dict = field(default_factory=dict)
    text_stop: tuple[str, ...] = ()
    few_shot: int | None = None
    key_env: str | None = None  # where its key lives, for the message when a server refuses it
    # replaces personal data by placeholders in what is sent, and puts it back in what comes back (a model off
    # this machine: `graphs.room.Room.model` sets it); None: the text goes as it is, only the name marks taken off
    redactor: Redactor | None = None

    @property
    def label(self) -> str:
        return self.spec

    def api_errors(self):
        """The room's errors for whatever the openai client raises calling this model."""
        return openai_errors(f"the model server for '{self.label}'", self.key_env)


def parse_spec(spec: str) -> tuple[Provider, str]:
    provider_name, sep, model = spec.partition(":")
    if not sep or not model:
        raise UnknownModelError(f"model '{spec}' is not of the form provider:model (e.g. openai:gpt-4.1-mini)")
    if provider_name not in CHAT:
        raise UnknownModelError(
            f"unknown model provider '{provider_name}' in '{spec}'; known: {', '.join(CHAT.names())}"
        )
    return PROVIDERS[provider_name], model


def check_spec(spec: str, base_url: str | None = None) -> Provider:
    """Fail early, before a run starts, on an unknown provider or a missing key."""
    provider, _ = parse_spec(spec)
    if not provider.embedded:
        provider.api_key(base_url=base_url or provider.base_url)
    return provider


def load_chat_model(
    spec: str,
    *,
    base_url: str | None = None,
    structured_method: str | None = None,
    temperature: float = 0.7,
    timeout: float = 600,
) -> RoomModel:
    """Create the chat model for a `provider:model` string."""
    provider, model = parse_spec(spec)
    return CHAT.create(
        BackendSpec(provider=provider.name, model=model),
        base_url=base_url,
        structured_method=structured_method,
        temperature=temperature,
        timeout=timeout,
    )


def _chat_model(
    provider: Provider,
    model: str,
    base_url: str | None = None,
    structured_method: str | None = None,
    temperature: float = 0.7,
    timeout: float = 600,
) -> RoomModel:
    """Every provider speaks the OpenAI chat API; `provider` says where, with which key and which extras."""
    from langchain_openai import ChatOpenAI

    if provider.embedded:
        from agents import embedded

        url = embedded.base_url()
        key = "embedded"
    else:
        url = base_url or provider.base_url
        key = provider.api_key(base_url=url)
    method = structured_method or provider.structured
    if method not in STRUCTURED_METHODS:
        raise UnknownModelError(
            f"structured output method '{method}' unknown; use one of {', '.join(STRUCTURED_METHODS)}"
        )
    chat = ChatOpenAI(
        model=model,
        base_url=url,
        api_key=key,
        temperature=temperature,
        stream_usage=True,
        **client_options(timeout),
        extra_body=provider.request_extras or None,
    )
    return RoomModel(
        chat=chat,
        spec=f"{provider.name}:{model}",
        structured_method=method,
        embedded=provider.embedded,
        schema_extras=provider.schema_extras,
        schema_limits=provider.schema_limits,
        text_stop=provider.text_stop,
        few_shot=provider.few_shot,
        key_env=provider.key_env,
    )


def _chat_registry() -> Registry[RoomModel]:
    registry: Registry[RoomModel] = Registry("chat")
    for provider in CHAT_PROVIDERS:
        registry.register(provider, functools.partial(_chat_model, provider))
    return registry


CHAT = _chat_registry()
