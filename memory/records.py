"""What one memory record is: text plus provenance, with a deterministic id.

Every proposal, critique, revision, decision and note the room produces is a
record. The id is derived from the provenance, so writing the same step twice
(a resumed run, a re-run node) upserts instead of duplicating.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from enum import StrEnum

from pydantic import BaseModel, Field


def now() -> str:
    """A record's time, to the microsecond: a fork keeps what was written before the checkpoint it starts from."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Kind(StrEnum):
    # canon, broken out of approved artifacts
    CHARACTER = "character"
    LOCATION = "location"
    WORLD_RULE = "world_rule"
    STYLE = "style"
    BEAT = "beat"
    SCENE = "scene"
    EPISODE_SUMMARY = "episode_summary"
    # whole artifacts at one version (pitch, bible, outline, ...)
    ARTIFACT = "artifact"
    # the conversation around them
    CRITIQUE = "critique"
    REVISION = "revision"
    DECISION = "decision"
    NOTE = "note"
    ASSET = "asset"


CANON_KINDS = frozenset(
    {Kind.CHARACTER, Kind.LOCATION, Kind.WORLD_RULE, Kind.STYLE, Kind.BEAT, Kind.SCENE, Kind.EPISODE_SUMMARY}
)


class Status(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class MemoryRecord(BaseModel):
    """One thing the room remembers, with where it came from."""

    kind: Kind
    text: str
    role: str  # author: a role name, "human" or "system"
    run_id: str
    artifact: str  # "pitch", "bible", "outline", "ep01.script", ...
    version: int = 0
    round: int = 0
    episode: int = 0  # 0 = series level
    status: Status = Status.PROPOSED
    key: str = ""  # tells apart several records of one step (a character's name, a reviewer)
    created_at: str = Field(default_factory=lambda: now())
    status_at: str = ""  # when a gate last set `status` ("": as created)

    @property
    def id(self) -> str:
        """Deterministic id: the same step always lands on the same record."""
        parts = [self.run_id, self.artifact, self.kind, str(self.version), str(self.round), self.role, self.key]
        return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:24]

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for the vector store (scalars only)."""
        return self.model_dump(mode="json", exclude={"text"})

    @classmethod
    def from_stored(cls, text: str, metadata: dict) -> "MemoryRecord":
        return cls(text=text, **metadata)
