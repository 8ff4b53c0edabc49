"""Graph work for the studio: each run is driven in a background thread, and what it says is kept for the pages.

The studio process is the project's one writer (it holds the writer lock from
start to end, so a `room` command that would write is refused as it is by any
other writer). A run is driven by one thread at a time: a second start,
answer or resume of the same run is refused at once, as `Runs` refuses a
second process. Every event a drive emits is numbered and kept per run, so a
page that (re)connects gets what it missed (`Last-Event-ID`) and then each
event as it comes: pushed, not polled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphs.errors import RunBusyError
from graphs.room import project_memory
from graphs.runs import Runs
from graphs.served_runs import ServedRuns
from graphs.stops import ask_stop
from memory.store import RoomMemory
from tools.errors import RoomError

KEEP_EVENTS = 2000  # per run: a page that connects late gets at most this many
FIRST_CHECKPOINT_WAIT = 30  # seconds a start may take to save the run's first checkpoint


@dataclass
class Feed:
    """One run's events, numbered from 1, and the lock a waiting page sleeps on."""

    events: list[tuple[int, dict]] = field(default_factory=list)
    next_id: int = 1
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, event: dict) -> None:
        with self.changed:
            self.events.append((self.next_id, event))
            self.next_id += 1
            del self.events[:-KEEP_EVENTS]
            self.changed.notify_all()

    def since(self, last: int, timeout: float) -> list[tuple[int, dict]]:
        """The events after `last`, waiting up to `timeout` seconds for one."""
        with self.changed:
            self.changed.wait_for(lambda: self.next_id - 1 > last, timeout=timeout)
            return [(i, e) for i, e in self.events if i > last]


class Control:
    """The studio's runs: read at once, driven in the background."""

    def __init__(self, runs: Runs | ServedRuns):
        self.runs = runs
        self.ctx = runs.ctx
        self._feeds: dict[str, Feed] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def memory(self) -> RoomMemory:
        """The project's memory as the studio reads it: as the writer of the project's runs, or beside the server
        that writes it (a served run's records are written by the server)."""
        return project_memory(self.ctx, writer=not isinstance(self.runs, ServedRuns))

    def feed(self, run_id: str) -> Feed:
        with self._lock:
            return self._feeds.setdefault(run_id, Feed())

    def busy(self, run_id: str) -> bool:
        """Whether this studio drives the run now."""
        thread = self._threads.get(run_id)
        return bool(thread and thread.is_alive())

    def drive(self, run_id: str, start: Callable[[], Iterator[dict]]) -> None:
        """Drive the run in a thread: `start()` makes its events (it may refuse in one line, raised here)."""
        with self._lock:
            if self.busy(run_id):
                raise RunBusyError(f"run {run_id} is already working in this studio: wait for it")
            events = start()  # refusals (not waiting, a wrong gate, an invalid edit) are raised before any thread
            thread = threading.Thread(target=self._work, args=(run_id, events), name=f"run-{run_id}", daemon=True)
            self._threads[run_id] = thread
        self.feed(run_id).add({"type": "working"})
        thread.start()

    def _work(self, run_id: str, events: Iterator[dict]) -> None:
        feed = self.feed(run_id)
        try:
            for event in events:
                feed.add(event)
        except RoomError as exc:
            feed.add({"type": "error", "message": str(exc)})
        except Exception as exc:  # a bug: said on the page in one line, the run stays resumable
            feed.add({"type": "error", "message": f"internal error: {type(exc).__name__}: {exc}"})
        view = self.runs.view(run_id)
        feed.add({"type": "done", "state": view.state, "gate": (view.waiting or {}).get("gate")})

    def start(self, premise: str, **settings: Any) -> str:
        """Start a run in the background; back once it is saved (its page can be read) or its drive ended."""
        run_id, events = self.runs.start(premise, **settings)
        self.drive(run_id, lambda: events)
        deadline = time.monotonic() + FIRST_CHECKPOINT_WAIT
        while not self.known(run_id) and self.busy(run_id) and time.monotonic() < deadline:
            time.sleep(0.02)
        return run_id

    def known(self, run_id: str) -> bool:
        """Whether the project has this run (a checkpoint of it is saved)."""
        return run_id in self.runs.run_ids()

    def stop(self, timeout: float = 30) -> None:
        """Ask every drive to stop before its next step (resumable), and wait a while for them."""
        ask_stop()
        for thread in list(self._threads.values()):
            thread.join(timeout)
