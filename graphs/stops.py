"""Stopping a run at a safe point: SIGINT (Ctrl-C) and SIGTERM ask, the run stops before its next step.

Every node of the room's graphs is wrapped in `at_safe_point`: once a stop is
asked for, the next step to start raises `StopAtSafePoint` before doing
anything, steps already running finish (and are checkpointed), and the run is
left resumable: `room resume` starts with the step that never began, so
nothing is done twice. A second signal stops at once (what was in flight is
redone on resume): the process exits on the spot, since LangGraph would
otherwise wait for the step in flight, however long its model call.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_asked = threading.Event()
_signal: list[int] = []


class StopAtSafePoint(Exception):
    """Raised by a step that was about to start after a stop was asked for."""


def at_safe_point(node: Callable) -> Callable:
    """`node`, refusing to start once a stop was asked for."""

    @functools.wraps(node)
    def step(*args, **kwargs):
        if _asked.is_set():
            raise StopAtSafePoint("a stop was asked for before this step began")
        return node(*args, **kwargs)

    return step


def _ask(signum: int, _frame) -> None:
    if _asked.is_set():  # stop now: a step in flight would otherwise be waited for, however long its model call
        sys.stderr.write("stopped now: finished steps are saved; continue with `room resume RUN`\n")
        sys.stderr.flush()
        os._exit(128 + signum)  # checkpoints are written as each step ends; the writer lock and ffmpeg die with us
    _signal[:] = [signum]
    _asked.set()
    sys.stderr.write("stopping before the next step (the run stays resumable); again to stop now\n")
    sys.stderr.flush()


def ask_stop() -> None:
    """Ask every run this process drives to stop before its next step, as a first signal does (the studio's
    shutdown: its runs are driven in threads, which cannot catch signals)."""
    _asked.set()


@contextmanager
def stop_on_signals() -> Iterator[Callable[[], int | None]]:
    """While a run streams, SIGINT and SIGTERM ask it to stop (only the main thread can catch them).

    Yields a function telling which signal asked, if one did.
    """
    _asked.clear()
    _signal.clear()
    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, _ask) for s in SIGNALS} if main else {}
    try:
        yield lambda: _signal[0] if _signal else None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _asked.clear()
