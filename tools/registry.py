"""Backends of every kind (chat, embeddings, images, speech) in one shape.

A backend is named by the configuration as a `BackendSpec`: `provider[:model]`
plus options (`diffusers:./sd-turbo` with `height = 512`; `openai:tts-1` with
`base_url = "http://127.0.0.1:8880/v1"`). Each kind has a `Registry` of
`BackendInfo` entries, each saying what the backend needs (Python packages, a
key, a model) and whether it runs on this machine; the registry finds a
backend by name, says in one line what is missing (which extra to install,
which key to set, which option it does not take) and builds it from the spec.

Endpoints and key variables are options the configuration resolved: a backend
never reads a base URL from the environment, and reads only the key variable
it is given (`BackendInfo.api_key`), so a key never travels in a spec.
"""

from __future__ import annotations

import importlib.util
import inspect
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tools.errors import ConfigError, MissingKeyError

OPENAI_URL = "https://api.openai.com/v1"  # where an OpenAI backend goes unless the configuration says otherwise
NO_KEY = "not-needed"  # what a server on this machine is sent as a key when none is set

# Option names that look like secrets are refused: keys come from the environment only, named by `key_env`.
_SECRET_WORDS = ("key", "token", "secret", "password")
KEY_ENV = "key_env"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class UnknownBackendError(ConfigError):
    """No backend of that kind has that name, or it does not take an option it was given."""


class MissingPackageError(ConfigError):
    """A backend needs a package this install does not have."""


class MissingModelError(ConfigError):
    """A backend needs a model that the spec does not name, or a model folder that is not there."""


def is_secret_name(name: str) -> bool:
    """Whether a setting's name looks like it holds a key (`key_env`, the name of a variable, does not)."""
    return name != KEY_ENV and any(word in name.lower() for word in _SECRET_WORDS)


OptionValue = str | int | float | bool


class BackendSpec(BaseModel):
    """A backend as the configuration names it: `provider[:model]` plus options. Plain values, never a key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    model: str | None = None
    options: dict[str, OptionValue] = Field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, options: Mapping[str, Any] | None = None) -> BackendSpec:
        """'provider' or 'provider:model' (the model may hold colons: a path, a tag)."""
        provider, _, model = str(text).strip().partition(":")
        if not provider.strip():
            raise ConfigError(f"backend '{text}' is not of the form provider[:model]")
        try:
            return cls(provider=provider.strip().lower(), model=model.strip() or None, options=dict(options or {}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"][1:2]) or "options"
            raise ConfigError(f"backend '{text}': option {where} must be text, a number or true/false") from None

    @model_validator(mode="after")
    def _no_secrets(self) -> BackendSpec:
        for name, value in self.options.items():
            if is_secret_name(name):
                raise ConfigError(
                    f"backend option '{name}' looks like a secret; keys come from the environment "
                    f"only: name the variable that holds it with {KEY_ENV}"
                )
        key_env = self.options.get(KEY_ENV)
        if key_env is not None and not (isinstance(key_env, str) and _ENV_NAME.fullmatch(key_env)):
            raise ConfigError(
                f"backend option {KEY_ENV} names the environment variable that holds the key "
                f"(like OPENAI_API_KEY), not {'a key' if isinstance(key_env, str) else repr(key_env)}"
            )
        return self

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider

    @property
    def label(self) -> str:
        """`provider[:model]` with a model folder named by its last part: labels never carry a person's paths."""
        if self.model and ("/" in self.model or "\\" in self.model):
            return f"{self.provider}:{Path(self.model).name}"
        return str(self)

    @property
    def identity(self) -> str:
        """What tells two specs' outputs apart: the spec and its options."""
        options = ",".join(f"{k}={self.options[k]!r}" for k in sorted(self.options))
        return f"{self} [{options}]" if options else str(self)


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlparse(url).hostname or "")


@dataclass(frozen=True)
class BackendInfo:
    """What a backend needs and where it runs."""

    name: str
    kind: str  # "chat", "embeddings", "images", "speech"
    packages: tuple[str, ...] = ()  # import names it needs
    extra: str | None = None  # pip extra that installs them: pip install -e ".[extra]"
    key_env: str | None = None  # the variable its key is in, unless the configuration names another
    base_url: str | None = None  # the server it calls, unless the configuration names another; None: none
    local: bool = False  # runs on this machine with no server (a backend with a server is local when it is on loopback)
    model_is_path: bool = False  # its model is a folder on this machine (a relative one is in the project folder)

    def check(self) -> None:
        """Raise a one-line error naming a package that is missing."""
        missing = [p for p in self.packages if importlib.util.find_spec(p) is None]
        if missing:
            how = f'pip install -e ".[{self.extra}]"' if self.extra else f"pip install {' '.join(missing)}"
            raise MissingPackageError(f"the {self.kind} backend '{self.name}' needs {', '.join(missing)}: {how}")

    def api_key(
        self, key_env: str | None = None, base_url: str | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        """The key from the variable the configuration names (else this backend's own); a server on this
        machine needs none."""
        env = os.environ if env is None else env
        name = key_env or self.key_env
        if name and env.get(name):
            return env[name]
        if not name or base_url and is_loopback_url(base_url):
            return NO_KEY
        raise MissingKeyError(f"the {self.kind} backend '{self.name}' needs a key: set {name}")

    def is_local(self, spec: BackendSpec) -> bool:
        """Whether the backend keeps everything on this machine: it has no server, or its server is on loopback."""
        url = spec.options.get("base_url") or self.base_url
        return self.local or isinstance(url, str) and is_loopback_url(url)


B = TypeVar("B")


class Registry(Generic[B]):
    """Backends of one kind, by name. Factories are called only on `create`, so optional packages stay optional."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, tuple[BackendInfo, Callable[..., B]]] = {}

    def register(self, info: BackendInfo, factory: Callable[..., B]) -> None:
        """`factory` takes the model (as `model`) and the options as keyword arguments: its parameters are the
        options the backend accepts."""
        if info.kind != self.kind:
            raise ValueError(f"a {info.kind} backend cannot join the {self.kind} registry")
        self._entries[info.name] = (info, factory)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def info(self, name: str) -> BackendInfo:
        if name not in self._entries:
            raise UnknownBackendError(f"unknown {self.kind} backend '{name}'; known: {', '.join(self.names())}")
        return self._entries[name][0]

    def validate(self, spec: BackendSpec) -> BackendSpec:
        """The spec, if its provider exists and takes its model and options; else a one-line error."""
        self._arguments(spec, {})
        return spec

    def is_local(self, spec: BackendSpec) -> bool:
        return self.info(spec.provider).is_local(spec)

    def _arguments(self, spec: BackendSpec, options: Mapping[str, Any]) -> dict[str, Any]:
        """The factory's keyword arguments: the spec's model and options, then `options` from code. A spec may set
        a factory's ordinary parameters; keyword-only ones (a key, a test's environment) only code may pass."""
        info = self.info(spec.provider)
        given = {**({"model": spec.model} if spec.model else {}), **spec.options}
        signature = inspect.signature(self._entries[info.name][1]).parameters
        if any(p.kind is p.VAR_KEYWORD for p in signature.values()):
            return {**given, **options}
        settable = [name for name, p in signature.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
        if "model" in given and "model" not in settable:
            raise UnknownBackendError(f"the {self.kind} backend '{info.name}' takes no model (got '{spec}')")
        unknown = sorted(set(given) - set(settable) | set(options) - set(signature))
        if unknown:
            takes = ", ".join(name for name in settable if name != "model") or "none"
            raise UnknownBackendError(
                f"the {self.kind} backend '{info.name}' has no option {', '.join(unknown)}; its options: {takes}"
            )
        arguments = {**given, **options}
        model = signature.get("model")
        if model is not None and model.default is model.empty and not arguments.get("model"):
            what = "<local model folder>" if info.model_is_path else "<model>"
            raise MissingModelError(f"the {self.kind} backend '{info.name}' needs a model: {info.name}:{what}")
        return arguments

    def create(self, spec: BackendSpec | str, **options) -> B:
        """The backend for `spec` (or a bare name), built with its options and `options`; one-line errors for an
        unknown name or option, a missing package, model or key."""
        spec = spec if isinstance(spec, BackendSpec) else BackendSpec.parse(spec)
        info = self.info(spec.provider)
        info.check()
        arguments = self._arguments(spec, options)
        return self._entries[info.name][1](**arguments)
