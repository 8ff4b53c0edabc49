"""The room's shared memory: provenance-carrying records in Chroma, a database per project, a collection per run.

Embedded (`PersistentClient` under `<project>/.room/memory`) by default, so a
project folder is self-contained; a Chroma server when a URL is configured.
Either way a project's records live in its own database (`memory.project`),
so no project can list, search or change another's, and each run's in its own
collection, so a run's recall ranks its own records without a filter on the run.
Agents never read the whole history: `recall` answers a query with approved
canon first and then the most relevant notes, packed into a token budget, with
bounded `k` queries, so the cost of episode 40 is about that of episode 1.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import chromadb
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from memory.budget import pack, render_line
from memory.embeddings import E5Embeddings
from memory.filters import where_clause
from memory.lock import WriterLock
from memory.nearest import Ask, nearest
from memory.project import database_name, part_of, parts_for, run_collection_name
from memory.records import CANON_KINDS, Kind, MemoryRecord, Status, now
from tools.errors import ConfigError

LEGACY_COLLECTION = "room"  # before databases per project: every project's and run's records in one collection


def configuration() -> dict:
    """A collection's configuration: new each time, because Chroma writes the collection's embedding function into
    the one it is given (a shared dict made the next project's collection conflict with the first one's)."""
    return {"hnsw": {"space": "cosine"}}


def settings() -> Settings:
    """Chroma's settings for one client: new each time, because each client writes its own into them."""
    return Settings(anonymized_telemetry=False)


@dataclass(frozen=True)
class Hit:
    """A search result: the record and how close it is to the query (0..1, higher is closer)."""

    record: MemoryRecord
    score: float

    @classmethod
    def of(cls, document: str, metadata: dict, distance: float) -> "Hit":
        return cls(MemoryRecord.from_stored(document, metadata), min(1.0, max(0.0, 1.0 - distance / 2)))  # cosine: 0..2


def _http_client(url: str) -> chromadb.ClientAPI:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"chroma url {url!r} is not of the form http[s]://host:port")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 8000)
    except ValueError:
        raise ConfigError(f"chroma url {url!r} has an invalid port") from None
    return chromadb.HttpClient(host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=settings())


def _use_database(client: chromadb.ClientAPI, name: str) -> None:
    """Point the client at the project's database, making it the first time (another process may race us)."""
    admin = chromadb.AdminClient(client.get_settings())
    try:
        admin.get_database(name)
    except NotFoundError:
        try:
            admin.create_database(name)
        except Exception:
            admin.get_database(name)  # made meanwhile by another process; anything else raises here
    client.set_database(name)


class RoomMemory:
    """Records in, relevant records out. Safe to share between the threads of one run."""

    def __init__(self, client: chromadb.ClientAPI, embedding_function, lock: WriterLock | None = None) -> None:
        self._client = client
        self._ef = embedding_function
        self._writer_lock = lock
        self._lock = threading.RLock()  # graph nodes run in parallel threads
        self._shelves: dict[tuple[str, str], chromadb.Collection] = {}  # (run id, part) -> collection, as opened
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
        """Open the project's memory; as a writer, first take the project's writer lock.

        Memory kept the old way (one collection in the project's folder) moves into the project's
        database on first open, under the writer lock.
        """
        ef = embedding_function if embedding_function is not None else E5Embeddings()
        lock = WriterLock(project_dir).acquire() if writer and not chroma_url else None
        client = None
        try:
            # the server serialises writes itself
            client = _http_client(chroma_url) if chroma_url else _folder_client(project_dir)
            kept_the_old_way = not chroma_url and _legacy_collection(client, ef) is not None
            _use_database(client, database_name(project_dir))
            memory = cls(client, ef, lock)
            memory._collections()  # each run's collections must take these embeddings
            if kept_the_old_way:
                with WriterLock(project_dir):
                    memory._move_in_old_memory()
            return memory
        except ValueError as exc:  # e.g. the memory was built with another embedding function
            _release(client, lock)
            raise ConfigError(f"memory in {project_dir} cannot be opened with embeddings {ef.name()!r}: {exc}") from exc
        except BaseException:
            _release(client, lock)
            raise

    def _move_in_old_memory(self) -> None:
        """Move the records of the old single collection, vectors and all, into the runs' collections.

        Under the writer lock; copied first and the old collection deleted last, so a process killed halfway
        leaves it to be copied again (upserts) by the next open.
        """
        with _in_default_database(self._client):
            legacy = _legacy_collection(self._client, self._ef)  # gone if another process moved it meanwhile
        if legacy is None:
            return
        step = self._client.get_max_batch_size()
        for offset in range(0, legacy.count(), step):
            found = legacy.get(limit=step, offset=offset, include=["documents", "metadatas", "embeddings"])
            records = [MemoryRecord.from_stored(d, m) for d, m in zip(found["documents"], found["metadatas"])]
            vectors = dict(zip(found["ids"], found["embeddings"]))
            for (run_id, part), chunk in _shelved(records).items():
                self._write(self._adopt(run_id, part), chunk, [vectors[r.id] for r in chunk])
        with _in_default_database(self._client):
            self._client.delete_collection(LEGACY_COLLECTION)

    # -- writing -----------------------------------------------------------

    def put(self, records: Iterable[MemoryRecord] | MemoryRecord) -> int:
        """Upsert records by their deterministic id, each into its run's collections; returns how many were written."""
        if isinstance(records, MemoryRecord):
            records = [records]
        by_id = {r.id: r for r in records}  # Chroma rejects duplicate ids in one batch
        with self._lock:
            for (run_id, part), chunk in _shelved(by_id.values()).items():
                self._write(self._adopt(run_id, part), chunk)
        return len(by_id)

    def _write(self, collection, records: Sequence[MemoryRecord], vectors: Sequence | None = None) -> None:
        step = self._client.get_max_batch_size()
        for i in range(0, len(records), step):
            chunk = records[i : i + step]
            collection.upsert(
                ids=[r.id for r in chunk],
                documents=[r.text for r in chunk],
                metadatas=[r.metadata() for r in chunk],
                **({"embeddings": list(vectors[i : i + step])} if vectors is not None else {}),
            )

    def set_status(self, run_id: str, artifact: str, version: int, status: Status | str) -> int:
        """Mark every record of one artifact version; returns how many changed."""
        where, changed = where_clause(artifact=artifact, version=version), 0
        with self._lock:
            for collection in self._collections(run_id):
                found = collection.get(where=where, include=["metadatas"])
                if found["ids"]:
                    metadatas = [{**m, "status": Status(status).value, "status_at": now()} for m in found["metadatas"]]
                    collection.update(ids=found["ids"], metadatas=metadatas)
                    changed += len(found["ids"])
        return changed

    # -- reading -----------------------------------------------------------

    def get(self, record_id: str) -> MemoryRecord | None:
        with self._lock:
            for collection in self._collections():
                found = collection.get(ids=[record_id], include=["documents", "metadatas"])
                if found["ids"]:
                    return MemoryRecord.from_stored(found["documents"][0], found["metadatas"][0])
        return None

    def search(
        self,
        query: str,
        *,
        run_id: str | None = None,
        kinds: Kind | Iterable[Kind] | None = None,
        status: Status | Iterable[Status] | None = None,
        episode: int | None = None,
        role: str | None = None,
        k: int = 8,
    ) -> list[Hit]:
        """The k records closest to the query among those matching every given filter (every run's without one)."""
        if isinstance(kinds, str):  # a Kind, or its name
            kinds = [kinds]
        if isinstance(status, str):
            status = [status]
        if (kinds is not None and not kinds) or (status is not None and not status):
            return []  # an empty filter list matches nothing
        (hits,) = self._nearest(query, run_id, [Ask.of(k, kinds, status=status, episode=episode, role=role)])
        return hits

    def list(
        self,
        *,
        run_id: str | None = None,
        kind: Kind | None = None,
        artifact: str | None = None,
        status: Status | None = None,
        role: str | None = None,
        episode: int | None = None,
        limit: int | None = None,
    ) -> list[MemoryRecord]:
        """Records matching the filters, oldest first (created_at, then version).

        This reads every match, so it is for listings and exports, not prompts.
        """
        where = where_clause(kind=kind, artifact=artifact, status=status, role=role, episode=episode)
        records = []
        with self._lock:
            for collection in self._collections(run_id, None if kind is None else [kind]):
                found = collection.get(where=where, include=["documents", "metadatas"])
                records += [MemoryRecord.from_stored(d, m) for d, m in zip(found["documents"], found["metadatas"])]
        records.sort(key=lambda r: (r.created_at, r.version, r.round))
        return records if limit is None else records[:limit]

    def recall(
        self, query: str, *, run_id: str, budget_tokens: int = 800, episode: int | None = None
    ) -> list[MemoryRecord]:
        """What an agent should know for `query`, within `budget_tokens`.

        Approved canon comes first, most relevant first; then the run's other
        most relevant records (notes, decisions, critiques, artifacts), leaving
        out rejected ones. With `episode`, nothing from later episodes is
        recalled (series-level records are episode 0). One ranking of the run's
        nearest records of each of its two collections answers both, whatever the size of the history.
        """
        k = min(48, max(8, budget_tokens // 25))
        scope = {"$lte": episode} if episode is not None else None
        canon, others = self._nearest(
            query,
            run_id,
            [
                Ask.of(k, CANON_KINDS, status=Status.APPROVED, episode=scope),
                Ask.of(2 * k, status={"$ne": Status.REJECTED}, episode=scope),
            ],
        )
        seen = {h.record.id for h in canon}
        ordered = [h.record for h in canon] + [h.record for h in others[: k + len(canon)] if h.record.id not in seen]
        return pack(ordered, budget_tokens)

    @staticmethod
    def render(records: Iterable[MemoryRecord]) -> str:
        """Records as prompt lines: `- [kind · role · artifact vN] text`."""
        return "\n".join(render_line(r) for r in records)

    def count(self, run_id: str | None = None) -> int:
        with self._lock:
            return sum(collection.count() for collection in self._collections(run_id))

    def _embed_query(self, query: str) -> list[float]:
        """The query's vector, as Chroma would embed it (`embed_query`: e5's "query: " side)."""
        return [float(x) for x in self._ef.embed_query(input=[query])[0]]

    def _nearest(self, query: str, run_id: str | None, asks: list[Ask]) -> list[list[Hit]]:
        """For each ask, the k records nearest the query that pass its filter, in one run or in all.

        One unfiltered ranking of each collection serves all the asks (`memory.nearest`); the hits are those of
        Chroma's filtered query.
        """
        vector = self._query_vector(query)
        with self._lock:
            parts = frozenset().union(*(ask.parts for ask in asks))
            shelves = [(c, c.metadata["part"]) for c in self._collections(run_id, parts=parts)]
            answers = nearest(vector, shelves, asks)
        return [[Hit.of(*row) for row in rows] for rows in answers]

    # -- the runs' collections ---------------------------------------------

    def _adopt(self, run_id: str, part: str) -> chromadb.Collection:
        """One of the run's collections, made if it is not there yet."""
        with self._lock:
            if (run_id, part) not in self._shelves:
                self._shelves[run_id, part] = self._client.get_or_create_collection(
                    run_collection_name(run_id, part),
                    embedding_function=self._ef,
                    configuration=configuration(),
                    metadata={"run_id": run_id, "part": part},
                )
            return self._shelves[run_id, part]

    def _collection(self, run_id: str, part: str) -> chromadb.Collection | None:
        """One of the run's collections if it has it (another process may have made it since this one opened)."""
        with self._lock:
            if (run_id, part) not in self._shelves:
                try:
                    self._shelves[run_id, part] = self._client.get_collection(
                        run_collection_name(run_id, part), embedding_function=self._ef
                    )
                except NotFoundError:
                    return None
            return self._shelves[run_id, part]

    def _collections(
        self, run_id: str | None = None, kinds: Iterable[str] | None = None, *, parts: frozenset[str] | None = None
    ) -> list[chromadb.Collection]:
        """The collections that can hold records of these kinds (or parts): the run's, or every run's."""
        parts = parts_for(kinds) if parts is None else parts
        with self._lock:
            if run_id is not None:
                found = [self._collection(run_id, part) for part in sorted(parts)]
                return [c for c in found if c is not None]
            listed = [c.metadata for c in self._client.list_collections()]
            return [self._adopt(m["run_id"], m["part"]) for m in listed if m["part"] in parts]

    # -- lifetime ----------------------------------------------------------

    def close(self) -> None:
        """Release Chroma's handles and the writer lock; idempotent."""
        with self._lock:
            _release(self._client, self._writer_lock)
            self._client = self._writer_lock = None

    def __enter__(self) -> "RoomMemory":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def _in_default_database(client: chromadb.ClientAPI) -> Iterator[None]:
    """Where memory was kept before databases per project; the client's own database again after."""
    database = client.database
    client.set_database(chromadb.DEFAULT_DATABASE)
    try:
        yield
    finally:
        client.set_database(database)


def _folder_client(project_dir: Path) -> chromadb.ClientAPI:
    return chromadb.PersistentClient(path=str(Path(project_dir) / ".room" / "memory"), settings=settings())


def _legacy_collection(client: chromadb.ClientAPI, ef) -> chromadb.Collection | None:
    """The project's memory as it was kept before databases per project, if it is still there."""
    if LEGACY_COLLECTION not in {c.name for c in client.list_collections()}:
        return None
    return client.get_collection(LEGACY_COLLECTION, embedding_function=ef)


def _shelved(records: Iterable[MemoryRecord]) -> dict[tuple[str, str], list[MemoryRecord]]:
    """Records by the collection they belong in: (run id, part)."""
    shelves: dict[tuple[str, str], list[MemoryRecord]] = {}
    for record in records:
        shelves.setdefault((record.run_id, part_of(record.kind)), []).append(record)
    return shelves


def _release(client: chromadb.ClientAPI | None, lock: WriterLock | None) -> None:
    if client is not None:
        client.close()
    if lock is not None:
        lock.close()
