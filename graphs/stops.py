"""Stopping a run at a safe point: SIGINT (Ctrl-C) and SIGTERM ask, the run stops after the step in hand.

A step is checkpointed when it finishes, so stopping between steps leaves a
run that `room resume` continues without repeating anything. A second signal
stops at once (what was in flight is redone on resume).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    """Whether, and by which signal, a stop was asked for."""

    def __init__(self) -> None:
        self.signal: int | None = None

    @property
    def requested(self) -> bool:
        return self.signal is not None

    def handle(self, signum: int, _frame) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt
        self.signal = signum
        sys.stderr.write("stopping after the step in hand (the run stays resumable); again to stop now\n")
        sys.stderr.flush()


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Catch SIGINT and SIGTERM while a run streams (only the main thread can; elsewhere nothing changes)."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {s: signal.signal(s, request.handle) for s in SIGNALS}
    try:
        yield request
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
