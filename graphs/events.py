"""What the room tells whoever watches a run (the CLI's live view, a LangGraph client): custom stream events."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
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
    emit(**_progress(step, done, total))


def _progress(step: str, done: int, total: int) -> dict[str, Any]:
    return {"type": "progress", "step": step, "done": done, "total": total}


def progress_here() -> Callable[[str, int, int], None]:
    """`progress_event` bound to the stream of the step that calls this, for a job in another thread (an episode
    made in the background): its counts reach whoever watches the run while that stream lasts."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # called outside a graph run: nobody watches
        return lambda step, done, total: None
    step_context = contextvars.copy_context()  # the writer reads the step's config from its context
    return lambda step, done, total: step_context.run(writer, _progress(step, done, total))
