"""The memory's own error; the rest of the taxonomy is `tools.errors`."""

from __future__ import annotations

from tools.errors import RoomError


class WriterLockedError(RoomError):
    """Another process is writing to this project's memory."""
