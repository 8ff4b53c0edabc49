"""The room's shared memory: one Chroma collection of provenance-carrying records.

Embedded (`PersistentClient` under `<project>/.room/memory`) by default, so a
project folder is self-contained; a Chroma server when a URL is configured.
Agents never read the whole history: `recall` answers a query with approved
canon first and then the most relevant notes, packed into a token budget, with
bounded `k` queries, so the cost of episode 40 is about that of episode 1.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
from chromadb.config import Settings

from memory.budget import pack, render_line
from memory.embeddings import E5Embeddings
from memory.lock import WriterLock
from memory.records import CANON_KINDS, Kind, MemoryRecord, Status, now
from tools.errors import ConfigError

COLLECTION = "room"
_SETTINGS = Settings(anonymized_telemetry=False)


@dataclass(frozen=True)
class Hit:
    """A search result: the record and how close it is to the query (0..1, higher is closer)."""

    record: MemoryRecord
    score: float


def where_clause(**conditions: Any) -> dict | None:
    """Build a Chroma `where` filter from field=value pairs, skipping None.

    A collection of values becomes `$in`, a dict is taken as an operator
    (`{"$lte": 3}`); several conditions are joined with `$and`, a single one
    is not wrapped (Chroma rejects a one-element `$and`).
    """
    clauses = []
    for field, value in conditions.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            values = sorted({_plain(v) for v in value}, key=str)
            clauses.append({field: values[0]} if len(values) == 1 else {field: {"$in": values}})
        else:
            clauses.append({field: _plain(value)})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _plain(value: Any) -> Any:
    """Enums to their plain value: Chroma's filter validation wants exact str/int types."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {op: _plain(v) for op, v in value.items()}
    return value


def _http_client(url: str) -> chromadb.ClientAPI:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"chroma url {url!r} is not of the form http[s]://host:port")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 8000)
    except ValueError:
        raise ConfigError(f"chroma url {url!r} has an invalid port") from None
    return chromadb.HttpClient(host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=_SETTINGS)


class RoomMemory:
    """Records in, relevant records out. Safe to share between the threads of one run."""

    def __init__(
        self, client: chromadb.ClientAPI, collection, lock: WriterLock | None = None, embedding_function=None
    ) -> None:
        self._client = client
        self._collection = collection
        self._writer_lock = lock
        self._lock = threading.RLock()  # graph nodes run in parallel threads
        self._ef = embedding_function
        # a query is embedded once, however many filtered queries it makes, and a repeat not again
        self._query_vector = functools.lru_cache(maxsize=256)(self._embed_query)

    @classmethod
    def open(
        cls,
        project_dir: Path,
        *,
        chroma_url: str | None = None,
        embedding_function=None,
        writer: bool = True,
    ) -> "RoomMemory":
        """Open the project's memory; as a writer, first take the project's writer lock."""
        ef = embedding_function if embedding_function is not None else E5Embeddings()
        lock = None
        if chroma_url:
            client = _http_client(chroma_url)  # the server serialises writes itself
        else:
            if writer:
                lock = WriterLock(project_dir).acquire()
            try:
                client = chromadb.PersistentClient(path=str(Path(project_dir) / ".room" / "memory"), settings=_SETTINGS)
            except BaseException:
                if lock:
                    lock.release()
                raise
        try:
            collection = client.get_or_create_collection(
                COLLECTION, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}}
            )
        except ValueError as exc:  # e.g. the collection was built with another embedding function
            client.close()
            if lock:
                lock.release()
            raise ConfigError(f"memory in {project_dir} cannot be opened with embeddings {ef.name()!r}: {exc}") from exc
        except BaseException:
            client.close()
            if lock:
                lock.release()
            raise
        return cls(client, collection, lock, ef)

    # -- writing -----------------------------------------------------------

    def put(self, records: Iterable[MemoryRecord] | MemoryRecord) -> int:
        """Upsert records by their deterministic id; returns how many were written."""
        if isinstance(records, MemoryRecord):
            records = [records]
        by_id = {r.id: r for r in records}  # Chroma rejects duplicate ids in one batch
        if not by_id:
            return 0
        ids, recs = list(by_id), list(by_id.values())
        with self._lock:
            step = self._client.get_max_batch_size()
            for i in range(0, len(ids), step):
                chunk = recs[i : i + step]
                self._collection.upsert(
                    ids=ids[i : i + step],
                    documents=[r.text for r in chunk],
                    metadatas=[r.metadata() for r in chunk],
                )
        return len(ids)

    def set_status(self, run_id: str, artifact: str, version: int, status: Status | str) -> int:
        """Mark every record of one artifact version; returns how many changed."""
        where = where_clause(run_id=run_id, artifact=artifact, version=version)
        with self._lock:
            found = self._collection.get(where=where, include=["metadatas"])
            if not found["ids"]:
                return 0
            metadatas = [{**m, "status": Status(status).value, "status_at": now()} for m in found["metadatas"]]
            self._collection.update(ids=found["ids"], metadatas=metadatas)
        return len(found["ids"])

    # -- reading -----------------------------------------------------------

    def get(self, record_id: str) -> MemoryRecord | None:
        with self._lock:
            found = self._collection.get(ids=[record_id], include=["documents", "metadatas"])
        if not found["ids"]:
            return None
        return MemoryRecord.from_stored(found["documents"][0], found["metadatas"][0])

    def search(
        self,
        query: str,
        *,
        run_id: str | None = None,
        kinds: Kind | Iterable[Kind] | None = None,
        status: Status | Iterable[Status] | None = None,
        episode: int | None = None,
        k: int = 8,
    ) -> list[Hit]:
        """The k records closest to the query among those matching every given filter."""
        if isinstance(kinds, Kind):
            kinds = [kinds]
        if isinstance(status, Status):
            status = [status]
        if (kinds is not None and not kinds) or (status is not None and not status):
            return []  # an empty filter list matches nothing
        where = where_clause(run_id=run_id, kind=kinds, status=status, episode=episode)
        return self._query(query, where, k)

    def list(
        self,
        *,
        run_id: str | None = None,
        kind: Kind | None = None,
        artifact: str | None = None,
        status: Status | None = None,
        limit: int | None = None,
    ) -> list[MemoryRecord]:
        """Records matching the filters, oldest first (created_at, then version).

        This reads every match, so it is for listings and exports, not prompts.
        """
        where = where_clause(run_id=run_id, kind=kind, artifact=artifact, status=status)
        with self._lock:
            found = self._collection.get(where=where, include=["documents", "metadatas"])
        records = [MemoryRecord.from_stored(d, m) for d, m in zip(found["documents"], found["metadatas"])]
        records.sort(key=lambda r: (r.created_at, r.version, r.round))
        return records if limit is None else records[:limit]

    def recall(
        self, query: str, *, run_id: str, budget_tokens: int = 800, episode: int | None = None
    ) -> list[MemoryRecord]:
        """What an agent should know for `query`, within `budget_tokens`.

        Approved canon comes first, most relevant first; then the run's other
        most relevant records (notes, decisions, critiques, artifacts), leaving
        out rejected ones. With `episode`, nothing from later episodes is
        recalled (series-level records are episode 0). Two bounded queries,
        whatever the size of the history.
        """
        k = min(48, max(8, budget_tokens // 25))
        scope = {"$lte": episode} if episode is not None else None
        canon = self._query(
            query, where_clause(run_id=run_id, kind=CANON_KINDS, status=Status.APPROVED, episode=scope), k
        )
        others = self._query(
            query, where_clause(run_id=run_id, status={"$ne": Status.REJECTED}, episode=scope), k + len(canon)
        )
        seen = {h.record.id for h in canon}
        ordered = [h.record for h in canon] + [h.record for h in others if h.record.id not in seen]
        return pack(ordered, budget_tokens)

    @staticmethod
    def render(records: Iterable[MemoryRecord]) -> str:
        """Records as prompt lines: `- [kind · role · artifact vN] text`."""
        return "\n".join(render_line(r) for r in records)

    def count(self, run_id: str | None = None) -> int:
        with self._lock:
            if run_id is None:
                return self._collection.count()
            return len(self._collection.get(where={"run_id": run_id}, include=[])["ids"])

    def _embed_query(self, query: str) -> list[float]:
        """The query's vector, as Chroma would embed it (`embed_query`: e5's "query: " side)."""
        return [float(x) for x in self._ef.embed_query(input=[query])[0]]

    def _query(self, query: str, where: dict | None, k: int) -> list[Hit]:
        asked = {"query_embeddings": [self._query_vector(query)]} if self._ef is not None else {"query_texts": [query]}
        with self._lock:
            found = self._collection.query(
                **asked, n_results=k, where=where, include=["documents", "metadatas", "distances"]
            )
        hits = []
        for doc, meta, dist in zip(found["documents"][0], found["metadatas"][0], found["distances"][0]):
            score = min(1.0, max(0.0, 1.0 - dist / 2))  # cosine distance is 0..2
            hits.append(Hit(MemoryRecord.from_stored(doc, meta), score))
        return hits

    # -- lifetime ----------------------------------------------------------

    def close(self) -> None:
        """Release Chroma's handles and the writer lock; idempotent."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
            if self._writer_lock is not None:
                self._writer_lock.close()
                self._writer_lock = None

    def __enter__(self) -> "RoomMemory":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
