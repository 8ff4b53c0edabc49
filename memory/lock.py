"""One writer process per project.

The embedded Chroma store is a SQLite file plus index segments; two processes
writing to it at once can corrupt it or lose writes. So a process that writes
takes an exclusive, non-blocking lock on `.room/writer.lock` and a second one
fails at once with a message naming the holder, instead of waiting silently.

The lock is an OS `flock`, so it disappears if the process dies. Within one
process it is re-entrant: nodes of a graph, and several `RoomMemory` handles
on the same project, share one count per lock file.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from memory.errors import WriterLockedError

_registry_lock = threading.Lock()
_held: dict[Path, list[int]] = {}  # lock path -> [fd, count]


class WriterLock:
    """Exclusive writer lock on one project directory."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = Path(project_dir)
        self.path = (self.project_dir / ".room" / "writer.lock").resolve()
        self._owned = 0  # how many times *this* handle acquired

    def acquire(self) -> "WriterLock":
        with _registry_lock:
            held = _held.get(self.path)
            if held is None:
                _held[self.path] = [self._lock_file(), 1]
            else:
                held[1] += 1
            self._owned += 1
        return self

    def release(self) -> None:
        with _registry_lock:
            if not self._owned:
                return
            self._owned -= 1
            held = _held[self.path]
            held[1] -= 1
            if held[1] == 0:
                del _held[self.path]
                fcntl.flock(held[0], fcntl.LOCK_UN)
                os.close(held[0])

    def close(self) -> None:
        """Give back every acquisition made through this handle."""
        while self._owned:
            self.release()

    @property
    def held(self) -> bool:
        return self._owned > 0

    def _lock_file(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # no O_TRUNC: the holder's pid lives here
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise WriterLockedError(
                f"another room process (pid {pid}) is writing to {self.project_dir}; wait for it to finish or stop it"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd

    def __enter__(self) -> "WriterLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
