"""Where a project's checkpoints live: SQLite in `.room/` (the default), or Postgres (`ROOM_CHECKPOINTS`).

`Runs` asks its checkpoints only what LangGraph's saver interface cannot
answer, and asks both databases the same way: which runs there are, and the
right to drive one run (answer its gate, resume it) as its only driver. That
right is a lock held while the run is driven, and it dies with its process:
on SQLite an OS lock on a file beside the database (the database is a file on
this machine), on Postgres a session advisory lock in the database itself
(the processes may be on several machines). So two processes answering one
gate cannot both go on from it, even when no project writer lock stands
between them (memory on a Chroma server).

A Postgres URL may hold a password: it lives in the `Context` only, which is
not state, and every message shows it masked (`masked`).
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from filelock import FileLock, Timeout
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from graphs.context import Context, url_password
from graphs.errors import CheckpointsUnavailableError, RunBusyError

SQLITE_FILE = "checkpoints.sqlite"
SERVED_SQLITE_FILE = "served-checkpoints.sqlite"  # the runs a LangGraph server serves for the project
SERVED_SCHEMA = "room_served"  # in Postgres: the served runs' tables, beside the project's own in one database
SERVED_POOL = 8  # connections the server's runs share (each of its jobs holds one while it saves)
CONNECT_TIMEOUT = 10  # seconds
SETUP_WAIT = 120  # seconds another process may take to make the tables
SETUP_KEY = "hashtextextended('room checkpoints setup', 0)"
# the runs, oldest first by their newest checkpoint (checkpoint ids are time-ordered): the same SQL on both
RUN_IDS_SQL = (
    "SELECT thread_id FROM checkpoints WHERE checkpoint_ns = '' GROUP BY thread_id ORDER BY MAX(checkpoint_id)"
)


def masked(url: str) -> str:
    """The URL as it may be shown: `postgresql://room:***@db:5432/room` (the scheme alone if it is unreadable)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return url.partition("://")[0] + "://…"
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def postgres_options(schema: str = "") -> dict:
    """How a connection to the checkpoints is opened (as `PostgresSaver.from_conn_string` opens it), its tables
    looked up in `schema` when one is named."""
    from psycopg.rows import dict_row

    options = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    return options | ({"options": f"-c search_path={schema}"} if schema else {})


def busy(run_id: str) -> RunBusyError:
    return RunBusyError(
        f"run {run_id} is being driven by another process (answering its gate or resuming it): "
        f"wait for it, then see `room status {run_id}`"
    )


class Checkpoints(ABC):
    """One project's checkpoint database: its LangGraph saver, its runs, and who drives each run."""

    saver: BaseCheckpointSaver
    where: str  # the database as a message may name it (a URL masked)

    @abstractmethod
    def run_ids(self) -> list[str]: ...

    @abstractmethod
    def driving(self, run_id: str) -> AbstractContextManager[None]:
        """This process is the run's one driver until the block ends; another gets `RunBusyError` at once."""

    @contextmanager
    def reached(self) -> Iterator[None]:
        """The database's own errors (a server gone mid-run) as the room's one-line error."""
        yield

    @abstractmethod
    def close(self) -> None: ...


class SqliteCheckpoints(Checkpoints):
    def __init__(self, state_dir: Path):
        path = state_dir / SQLITE_FILE
        self.where = str(path)
        self._locks = state_dir / "run-locks"
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self.saver = SqliteSaver(self._conn)
        self.saver.setup()

    def run_ids(self) -> list[str]:
        return [row[0] for row in self._conn.execute(RUN_IDS_SQL).fetchall()]

    @contextmanager
    def driving(self, run_id: str) -> Iterator[None]:
        self._locks.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(run_id.encode()).hexdigest()[:16]  # a run id the person typed never names a file
        lock = FileLock(self._locks / f"{name}.lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise busy(run_id) from None
        try:
            yield
        finally:
            lock.release()

    def close(self) -> None:
        self._conn.close()


class PostgresCheckpoints(Checkpoints):
    def __init__(self, url: str, schema: str = ""):
        """The checkpoints in the database at `url`; in its `schema` when one is named (made if it is not there)."""
        self.where = masked(url) + (f" (schema {schema})" if schema else "")
        self._schema = schema
        self._password = url_password(url)
        try:
            import psycopg
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg.conninfo import conninfo_to_dict
        except ImportError:
            raise CheckpointsUnavailableError(
                'checkpoints in Postgres need the postgres extra: pip install "writers-room[postgres]"'
            ) from None
        self._errors = psycopg.Error
        with self.reached():
            # a server that does not answer is an error in seconds, unless the URL says how long to wait
            wait = {} if "connect_timeout" in conninfo_to_dict(url) else {"connect_timeout": CONNECT_TIMEOUT}
            # opened as PostgresSaver.from_conn_string opens it, and kept for the life of `Runs`
            self._conn = psycopg.Connection.connect(url, **postgres_options(schema), **wait)
            self.saver = PostgresSaver(self._conn)
            self._set_up()

    def _set_up(self) -> None:
        """Make the tables of a new database, one process after the other (at once, they collide).

        The lock is tried, not waited for: a waiting statement would be a transaction the holder's
        `CREATE INDEX CONCURRENTLY` waits for in turn, a deadlock.
        """
        deadline = time.monotonic() + SETUP_WAIT
        while not self._conn.execute(f"SELECT pg_try_advisory_lock({SETUP_KEY}) AS ok").fetchone()["ok"]:
            if time.monotonic() > deadline:
                raise CheckpointsUnavailableError(
                    f"the checkpoints at {self.where} are being set up by another process"
                )
            time.sleep(0.05)
        try:
            if self._schema:
                self._conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"')
            self.saver.setup()
        finally:
            self._conn.execute(f"SELECT pg_advisory_unlock({SETUP_KEY})")

    def run_ids(self) -> list[str]:
        with self.reached():
            return [row["thread_id"] for row in self._conn.execute(RUN_IDS_SQL).fetchall()]

    @contextmanager
    def driving(self, run_id: str) -> Iterator[None]:
        key = ("room run " + run_id,)
        with self.reached():
            row = self._conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS ok", key).fetchone()
        if not row["ok"]:
            raise busy(run_id)
        try:
            yield
        finally:
            with suppress(self._errors):  # a connection that broke took its session's lock with it
                self._conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", key)

    @contextmanager
    def reached(self) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            line = next((part.strip() for part in str(exc).splitlines() if part.strip()), type(exc).__name__)
            if self._password:
                line = line.replace(self._password, "***")
            raise CheckpointsUnavailableError(f"the checkpoints at {self.where} cannot be reached: {line}") from None

    def close(self) -> None:
        self._conn.close()


class ServerCheckpoints(Checkpoints):
    """The checkpoints of the LangGraph server this process is (`graphs.served`): its own saver, whatever it
    keeps them in. The server runs one run a thread at a time; a change a node makes to another run (chat's)
    takes the run for this process meanwhile."""

    where = "the LangGraph server's checkpoints"

    def __init__(self, saver: BaseCheckpointSaver):
        self.saver = saver
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def run_ids(self) -> list[str]:
        first: dict[str, str] = {}  # thread id -> its first checkpoint's id (time-ordered), oldest run first
        for saved in self.saver.list(None):
            configurable = saved.config["configurable"]
            if not configurable.get("checkpoint_ns"):
                thread, checkpoint = configurable["thread_id"], configurable["checkpoint_id"]
                first[thread] = min(first.get(thread, checkpoint), checkpoint)
        return sorted(first, key=first.__getitem__)

    @contextmanager
    def driving(self, run_id: str) -> Iterator[None]:
        with self._lock:
            if run_id in self._held:
                raise busy(run_id)
            self._held.add(run_id)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(run_id)

    def close(self) -> None:
        pass  # the server's own


def open_checkpoints(ctx: Context) -> Checkpoints:
    """The project's checkpoints: Postgres when `ctx.checkpoints` names it, else SQLite in the project."""
    if ctx.checkpoints:
        return PostgresCheckpoints(ctx.checkpoints)
    return SqliteCheckpoints(ctx.state_dir)


_served: list[BaseCheckpointSaver] = []  # the served runs' saver this process opened (`served_checkpoints`)


@asynccontextmanager
async def served_checkpoints(ctx: Context) -> AsyncIterator[BaseCheckpointSaver]:
    """The checkpoints of the runs a LangGraph server serves for the project (`graphs.served.checkpointer`, the
    server's own while it runs): in the project's Postgres when `ctx.checkpoints` names one, in the schema
    `SERVED_SCHEMA`, else in `.room/served-checkpoints.sqlite`. Kept across restarts of the server, and apart
    from the project's own runs, which a local `room` lists and drives."""
    if ctx.checkpoints:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg_pool import AsyncConnectionPool

        # the schema and its tables, made once by whichever process comes first; an unreachable server fails here
        await asyncio.to_thread(lambda: PostgresCheckpoints(ctx.checkpoints, SERVED_SCHEMA).close())
        kwargs = postgres_options(SERVED_SCHEMA) | {"connect_timeout": CONNECT_TIMEOUT}
        async with AsyncConnectionPool(ctx.checkpoints, kwargs=kwargs, max_size=SERVED_POOL, open=False) as pool:
            async with _opened(AsyncPostgresSaver(pool)) as saver:
                yield saver
    else:
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        ctx.state_dir.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(ctx.state_dir / SERVED_SQLITE_FILE)) as saver:
            await saver.setup()
            async with _opened(saver) as saver:
                yield saver


@asynccontextmanager
async def _opened(saver: BaseCheckpointSaver) -> AsyncIterator[BaseCheckpointSaver]:
    _served.append(saver)
    try:
        yield saver
    finally:
        _served.remove(saver)


def served_saver_here() -> BaseCheckpointSaver | None:
    """The saver `served_checkpoints` opened in this process, if it did: what a node on the server reads another
    served run with (the server hands its graphs a wrapper of it that answers only asynchronously)."""
    return _served[-1] if _served else None
