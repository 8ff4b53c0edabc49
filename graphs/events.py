"""What the room tells whoever watches a run (the CLI's live view, a LangGraph client): custom stream events."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer


def emit(**event: Any) -> None:
    """Tell whoever is watching (the CLI's live view) what the room is doing."""
    try:
        get_stream_writer()(event)
    except RuntimeError:  # called outside a graph run
        pass


def progress_event(step: str, done: int, total: int) -> None:
    """A production step's count (`tools.progress`), as an event: the CLI draws it as a bar with an ETA."""
    emit(type="progress", step=step, done=done, total=total)
