"""Whose memory it is: a project's stable id, and the names its memory is kept under in Chroma.

The id is made once and kept in `.room/project_id`, so moving or renaming the
project folder keeps its memory. It names the project's own Chroma database,
on a Chroma server as in the project's folder, so a project never reads or
changes another's records; inside it each run has its own collections (its canon and the rest), so
a run's recall ranks that run's records only, without a filter on the run.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

from memory.records import CANON_KINDS
from tools.errors import ConfigError
from tools.files import create_once

PROJECT_ID_FILE = "project_id"
# A run's records are kept in two collections by kind, which never changes for a record: its canon, which recall
# ranks first, and the rest. So recall ranks canon alone, however rare canon is near the query.
CANON, OTHER = "canon", "other"
PARTS = (CANON, OTHER)
_ID = re.compile(r"[0-9a-f]{32}")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,60}[A-Za-z0-9]")  # what Chroma accepts in a name


def project_id(project_dir: Path) -> str:
    """The project's id, made on first use (atomically: two processes starting at once agree on one)."""
    path = Path(project_dir) / ".room" / PROJECT_ID_FILE
    value = create_once(path, uuid.uuid4().hex + "\n").strip()
    if not _ID.fullmatch(value):
        raise ConfigError(f"{path} does not hold a project id (32 hex digits); restore it or remove it")
    return value


def database_name(project_dir: Path) -> str:
    """The project's Chroma database."""
    return f"room-{project_id(project_dir)}"


def part_of(kind: str) -> str:
    """Which of its run's collections a record of this kind is kept in."""
    return CANON if kind in CANON_KINDS else OTHER


def parts_for(kinds: Iterable[str] | None) -> frozenset[str]:
    """The run's collections that can hold records of these kinds (None: any kind)."""
    return frozenset(PARTS if kinds is None else {part_of(kind) for kind in kinds})


def run_collection_name(run_id: str, part: str) -> str:
    """One of a run's collections: `run-<run id>.<part>` when Chroma takes that name, else with a hash of the id."""
    name = f"run-{run_id}.{part}"
    return name if _SAFE_NAME.fullmatch(name) else f"run-{hashlib.sha1(run_id.encode()).hexdigest()[:24]}.{part}"
