"""A throwaway PostgreSQL cluster for the tests, from the machine's own binaries (Debian's `postgresql`).

The cluster lives in a temporary folder, listens on 127.0.0.1 on a free port
with a password (so the tests can check it never leaks), and is stopped and
removed at the end of the session. PostgreSQL refuses to run as root, so as
root its programs run as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from servers import free_port

USER = "room"


def postgres_bin() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


@dataclass
class Cluster:
    bin: Path
    base: Path
    port: int
    password: str
    as_user: list[str]
    _databases: int = 0

    def url(self, database: str) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        self._databases += 1
        name = f"room_test_{self._databases}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stored_bytes(self, url: str) -> bytes:
        """Everything the checkpoint tables of a database hold, as bytes: to look for what must not be there."""
        import psycopg

        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT checkpoint::text, metadata::text FROM checkpoints UNION ALL "
                "SELECT encode(blob, 'escape'), channel FROM checkpoint_blobs WHERE blob IS NOT NULL UNION ALL "
                "SELECT encode(blob, 'escape'), channel FROM checkpoint_writes"
            ).fetchall()
        return "\n".join(" ".join(row) for row in rows).encode()

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


def start_cluster(bin_dir: Path) -> Cluster:
    base = Path(tempfile.mkdtemp(prefix="room-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    password = "pw-" + secrets.token_hex(8)
    (base / "pw").write_text(password + "\n")
    if as_user:
        os.chown(base / "pw", pwd.getpwnam("postgres").pw_uid, -1)
    cluster = Cluster(bin_dir, base, free_port(), password, as_user)
    data, sockets = base / "data", base / "sockets"
    cluster._run(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        USER,
        f"--pwfile={base / 'pw'}",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
        "-E",
        "UTF8",
    )
    (base / "pw").unlink()
    cluster._run("mkdir", str(sockets))  # as the server's user: the socket folder is its own
    options = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {sockets} -c fsync=off"
    cluster._run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start")
    return cluster
