"""Atomic file writes: a reader sees the old file or the new one, never half of one; and the one check
that keeps a write inside the folder it belongs to."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.errors import OutputError


def inside(root: Path, *parts: str | Path) -> Path:
    """`root` joined with `parts`, resolved, if the result stays inside `root`; OutputError if it does not.

    Every file production writes is named through here. Names come from the
    room's own counters, never from a model, so this never refuses one of
    them; it is what makes sure of it: an absolute part, a `..` or a link
    that points out of the folder is refused before anything is written.
    """
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base):
        raise OutputError(f"refusing to write {target}: it is outside {base}")
    return target


PARTIAL = ".partial-"  # in the name of every file or folder the room writes before it is whole


def scratch_dir(parent: Path | None = None) -> tempfile.TemporaryDirectory:
    """A working folder, removed when done (and by `sweep_partials`, if a killed process left it)."""
    return tempfile.TemporaryDirectory(prefix=f"{PARTIAL.lstrip('.')}", dir=parent)


def sweep_partials(*folders: Path) -> int:
    """Remove what a killed process left half-written in `folders` (files and folders named with `PARTIAL`).

    Only for folders no other process is writing: the project's writer lock sees to that.
    """
    removed = 0
    for folder in map(Path, folders):
        if not folder.is_dir():
            continue
        for found in sorted(folder.rglob(f"*{PARTIAL.lstrip('.')}*"), key=lambda p: len(p.parts), reverse=True):
            if PARTIAL.lstrip(".") not in found.name or not found.exists():
                continue
            if found.is_dir():
                shutil.rmtree(found, ignore_errors=True)
            else:
                found.unlink(missing_ok=True)
            removed += 1
    return removed


@contextmanager
def atomic_target(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside `path`; whatever is written there replaces `path` only if the block succeeds.

    A failure leaves the previous file intact and no temporary file behind.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{PARTIAL}", suffix=suffix)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    with atomic_target(path) as tmp:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return Path(path)


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def create_once(path: Path, text: str) -> str:
    """Write `text` to `path` if no file is there yet; return what the file holds.

    The file appears whole or not at all (written aside, then hard-linked into
    place), and two processes creating it at once agree: the first link wins
    and the other reads it. For values made once and kept, like an id.
    """
    path = Path(path)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{PARTIAL}")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.link(name, path)
            except FileExistsError:
                pass  # another process made it first: its value stands
            finally:
                os.unlink(name)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path.read_text(encoding="utf-8")


def made_from(path: Path, key: str, make: Callable[[Path], object]) -> bool:
    """`make(path)` unless `path` is there and the stamp beside it (`.request`) says it was made from `key`; then
    the stamp is written. Returns whether it was made now. A file is made again only when what it is made from
    changes (a frame's request, a music bed's mood and length)."""
    stamp = Path(path).with_suffix(".request")
    if Path(path).is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return False
    make(path)
    atomic_write_text(stamp, key)
    return True
